/**
 * The dunning series of a failed payment (decision 0044): day 0 the payment failed, day 3 a reminder, day 7 the
 * grace period is over and Fluxor is read-only. Each says what happens next and by when, and links to where the
 * merchant settles it: the Shopify admin's billing page (Shopify rail) or the payment method (Stripe rail).
 *
 * Transactional: no preference or unsubscribe link, and no List-Unsubscribe header (the content has no `links`,
 * see send.server.ts): a payment notice must reach the merchant. Hard bounces and complaints still stop it.
 */
import { type ContentOf } from "../model";
import { BulletList, FactTable, Layout, Notice, Paragraph, PrimaryButton, Subheading, TextLinkParagraph } from "./components";
import { type EmailEnv, useEmailEnv } from "./env";
import { type Fact } from "./items";

type DunningContent = ContentOf<"dunning">;

const DAY_MS = 86_400_000;

/** Whole days from `from` to `to`, rounded up, at least 1 (the reminder is sent before the grace period ends). */
function daysBetween(from: string, to: string): number {
  return Math.max(1, Math.ceil((Date.parse(to) - Date.parse(from)) / DAY_MS));
}

/** Days of full access left when the email was written. */
function daysLeft(content: DunningContent): number {
  return daysBetween(content.generatedAt, content.graceEndsAt);
}

export function dunningSubject(content: DunningContent, { t, fmt }: EmailEnv): string {
  switch (content.step) {
    case "payment_failed":
      return t("types.dunning.payment_failed.subject", { day: fmt.instantDay(content.graceEndsAt) });
    case "reminder": {
      const count = daysLeft(content);
      return t("types.dunning.reminder.subject", { count, formatted: fmt.integer(count) });
    }
    case "read_only":
      return t("types.dunning.read_only.subject", { shop: content.shop.name });
  }
}

function headline(content: DunningContent, { t, fmt }: EmailEnv): string {
  if (content.step !== "reminder") return t(`types.dunning.${content.step}.headline`);
  const count = daysLeft(content);
  return t("types.dunning.reminder.headline", { count, formatted: fmt.integer(count) });
}

function intro(content: DunningContent, { t, fmt }: EmailEnv): string {
  const shop = content.shop.name;
  if (content.step === "reminder") return t("types.dunning.reminder.intro", { shop });
  if (content.step === "read_only") {
    const grace = daysBetween(content.failedAt, content.graceEndsAt);
    return t("types.dunning.read_only.intro", {
      shop,
      grace: t("days", { count: grace, formatted: fmt.integer(grace) }),
      when: fmt.instant(content.graceEndsAt),
    });
  }
  if (content.rail === "stripe" && content.amountDue)
    return t("types.dunning.introAmount_stripe", { shop, amount: fmt.moneyIn(content.amountDue.amount, content.amountDue.currency) });
  return t(`types.dunning.intro_${content.rail}`, { shop });
}

function facts(content: DunningContent, { t, fmt }: EmailEnv): Fact[] {
  const key = (name: string) => t(`types.dunning.${name}`);
  return [
    ...(content.planName ? [{ label: key("plan"), value: content.planName }] : []),
    ...(content.amountDue ? [{ label: key("amountDue"), value: fmt.moneyIn(content.amountDue.amount, content.amountDue.currency) }] : []),
    { label: key("failedAt"), value: fmt.instant(content.failedAt) },
    content.step === "read_only"
      ? { label: key("readOnlySince"), value: fmt.instant(content.graceEndsAt) }
      : { label: key("accessUntil"), value: fmt.instant(content.graceEndsAt) },
  ];
}

export function DunningEmail({ content }: { content: DunningContent }) {
  const env = useEmailEnv();
  const { t, fmt } = env;
  const introText = intro(content, env);
  const when = fmt.instant(content.graceEndsAt);
  const cta = t(`types.dunning.cta_${content.rail}`);
  const left = daysLeft(content);
  return (
    <Layout
      header={t("layout.billingHeader")}
      headline={headline(content, env)}
      preheader={introText}
      branding={content.branding}
      reason={t("why.billing", { recipient: content.recipient, shop: content.shop.name })}
      // Transactional: no preference page, no unsubscribe link.
      links={null}
      shopName={content.shop.name}
      generatedAt={null}
    >
      <Paragraph>{introText}</Paragraph>
      {content.step === "read_only" ? (
        <>
          <Notice tone="info">{t("types.dunning.read_only.kept")}</Notice>
          <Subheading>{t("types.dunning.read_only.worksTitle")}</Subheading>
          <BulletList items={["view", "export", "billing", "sync"].map((name) => t(`types.dunning.read_only.works.${name}`))} />
          <Subheading>{t("types.dunning.read_only.pausedTitle")}</Subheading>
          <BulletList items={["forecasts", "alerts", "settings", "api"].map((name) => t(`types.dunning.read_only.paused.${name}`))} />
          <Subheading>{t("types.dunning.read_only.restoreTitle")}</Subheading>
          <Paragraph>{t(`types.dunning.read_only.restore_${content.rail}`)}</Paragraph>
        </>
      ) : (
        <>
          <Notice tone={content.step === "reminder" ? "danger" : "warning"}>
            {content.step === "reminder"
              ? t("types.dunning.deadlineLeft", { count: left, formatted: fmt.integer(left), when })
              : t("types.dunning.deadline", { when })}
          </Notice>
          <Paragraph>{t("types.dunning.next")}</Paragraph>
          <Paragraph>{t(`types.dunning.fix_${content.rail}`)}</Paragraph>
        </>
      )}
      <PrimaryButton href={content.actionUrl}>{cta}</PrimaryButton>
      <FactTable facts={facts(content, env)} />
      <TextLinkParagraph href={content.billingUrl}>{t("types.dunning.billingPage")}</TextLinkParagraph>
      {content.step !== "read_only" && (
        <Paragraph muted small>
          {t("types.dunning.settled")}
        </Paragraph>
      )}
    </Layout>
  );
}
