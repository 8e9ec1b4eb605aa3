/**
 * The daily or weekly digest: every alert type that fired, most urgent first (out of stock, ranked by
 * lost sales, then the stockouts to come…), each section capped. Version 2 (A/B) leads the subject with
 * the lost sales per day.
 */
import { Fragment } from "react";
import { type ContentOf } from "../model";
import { primaryLabel } from "./alert";
import { ItemList, Layout, Paragraph, Subheading } from "./components";
import { type EmailEnv, useEmailEnv } from "./env";
import { headline, impact, intro, subjectLine } from "./headlines";
import { ITEM_LIMIT, itemView, sortSections, summarize } from "./items";

type DigestContent = ContentOf<"digest">;

function summaries(content: DigestContent) {
  return sortSections(content.sections).map((section) => ({
    section,
    summary: summarize(section, ITEM_LIMIT.digestSection, content.links),
  }));
}

/** "3 out of stock, 9 more to review". */
function digestSummary(content: DigestContent, { t, fmt }: EmailEnv): string {
  const all = summaries(content);
  const out = all.find(({ section }) => section.alertType === "out_of_stock")?.summary.count ?? 0;
  const others = all.reduce((total, { section, summary }) => total + (section.alertType === "out_of_stock" ? 0 : summary.count), 0);
  const phrase = (key: string, count: number) => t(`types.digest.${key}`, { count, formatted: fmt.integer(count) });
  if (out === 0) return phrase("summaryOnly", others);
  if (others === 0) return phrase("summaryOut", out);
  return t("types.digest.summaryJoin", { first: phrase("summaryOut", out), second: phrase("summaryMore", others) });
}

export function digestSubject(content: DigestContent, env: EmailEnv): string {
  const summaryText = digestSummary(content, env);
  const out = summaries(content).find(({ section }) => section.alertType === "out_of_stock");
  const money = out ? impact(out.section, out.summary, env) : null;
  if (content.version === 2 && money) return subjectLine(summaryText, money, env, true);
  return env.t(`types.digest.subject_${content.frequency}`, { summary: summaryText });
}

export function DigestEmail({ content }: { content: DigestContent }) {
  const env = useEmailEnv();
  const summaryText = digestSummary(content, env);
  return (
    <Layout
      headline={env.t(`types.digest.headline_${content.frequency}`)}
      preheader={summaryText}
      branding={content.branding}
      reason={env.t(`why.digest_${content.frequency}`, { recipient: content.recipient, shop: content.shop.name })}
      links={content.links}
      shopName={content.shop.name}
      generatedAt={content.generatedAt}
    >
      <Paragraph>
        {summaryText}. {env.t("types.digest.intro")}
      </Paragraph>
      {summaries(content).map(({ section, summary }) => (
        <Fragment key={section.alertType}>
          <Subheading>{headline(section, summary, env)}</Subheading>
          <Paragraph muted>{intro(section, summary, env)}</Paragraph>
          <ItemList
            views={summary.shown.map((item) => itemView(item, env, content.shop, content.links))}
            more={summary.more}
            moreUrl={summary.moreUrl}
            primaryLabel={primaryLabel(content.version, env)}
          />
        </Fragment>
      ))}
    </Layout>
  );
}
