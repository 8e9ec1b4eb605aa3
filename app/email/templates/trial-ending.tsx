/**
 * Fluxor's trial ends in a few days and no plan is chosen: what ends when, what happens then (read-only, nothing
 * deleted) and a button to the billing page. Transactional, like the dunning emails: no unsubscribe link.
 */
import { type ContentOf } from "../model";
import { FactTable, Layout, Notice, Paragraph, PrimaryButton } from "./components";
import { type EmailEnv, useEmailEnv } from "./env";

type TrialEndingContent = ContentOf<"trial_ending">;

/** Whole days of trial left when the email was written, rounded up, at least 1. */
function daysLeft(content: TrialEndingContent): number {
  return Math.max(1, Math.ceil((Date.parse(content.trialEndsAt) - Date.parse(content.generatedAt)) / 86_400_000));
}

export function trialEndingSubject(content: TrialEndingContent, { t, fmt }: EmailEnv): string {
  return t("types.trial_ending.subject", { day: fmt.instantDay(content.trialEndsAt) });
}

export function TrialEndingEmail({ content }: { content: TrialEndingContent }) {
  const { t, fmt } = useEmailEnv();
  const key = (name: string, values?: Record<string, string | number>) => t(`types.trial_ending.${name}`, values);
  const left = daysLeft(content);
  const introText = key("intro", { shop: content.shop.name, when: fmt.instant(content.trialEndsAt) });
  return (
    <Layout
      header={t("layout.billingHeader")}
      headline={key("headline", { count: left, formatted: fmt.integer(left) })}
      preheader={introText}
      branding={content.branding}
      reason={t("why.billing", { recipient: content.recipient, shop: content.shop.name })}
      links={null}
      shopName={content.shop.name}
      generatedAt={null}
    >
      <Paragraph>{introText}</Paragraph>
      <Notice tone="info">{key("keep")}</Notice>
      <Paragraph>
        {key("trialPlan", { plan: content.trialPlanName })}
        {content.startingPrice &&
          ` ${key("startingPrice", { price: fmt.moneyIn(content.startingPrice.amount, content.startingPrice.currency) })}`}
      </Paragraph>
      <Paragraph>{key("after")}</Paragraph>
      <PrimaryButton href={content.actionUrl}>{key("cta")}</PrimaryButton>
      <FactTable
        facts={[
          { label: key("trialEnds"), value: fmt.instant(content.trialEndsAt) },
          { label: key("plan"), value: content.trialPlanName },
        ]}
      />
    </Layout>
  );
}
