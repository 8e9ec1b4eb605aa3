/**
 * The five product alerts (out of stock, stockout predicted, at or below the reorder point, low stock,
 * dead stock): one layout, the wording of each type. Version 2 (A/B) leads the subject with the money at
 * stake and asks for the action in the main button.
 */
import { type AlertType, type ContentOf } from "../model";
import { Layout, ItemList, Paragraph } from "./components";
import { type EmailEnv, useEmailEnv } from "./env";
import { headline, impact, intro, subjectLine } from "./headlines";
import { ITEM_LIMIT, itemView, summarize } from "./items";

export type AlertContent = ContentOf<AlertType>;

export function primaryLabel(version: number, env: EmailEnv): string {
  return env.t(version === 2 ? "cta.reviewOrder" : "cta.openInFluxor");
}

export function alertSubject(content: AlertContent, env: EmailEnv): string {
  const summary = summarize(content.section, ITEM_LIMIT.alert, content.links);
  return subjectLine(headline(content.section, summary, env, true), impact(content.section, summary, env), env, content.version === 2);
}

export function AlertEmail({ content }: { content: AlertContent }) {
  const env = useEmailEnv();
  const summary = summarize(content.section, ITEM_LIMIT.alert, content.links);
  const introText = intro(content.section, summary, env);
  return (
    <Layout
      headline={headline(content.section, summary, env)}
      preheader={introText}
      branding={content.branding}
      reason={env.t(`why.${content.template}`, { recipient: content.recipient, shop: content.shop.name })}
      links={content.links}
      shopName={content.shop.name}
      generatedAt={content.generatedAt}
    >
      <Paragraph>{introText}</Paragraph>
      <ItemList
        views={summary.shown.map((item) => itemView(item, env, content.shop, content.links))}
        more={summary.more}
        moreUrl={summary.moreUrl}
        primaryLabel={primaryLabel(content.version, env)}
      />
    </Layout>
  );
}
