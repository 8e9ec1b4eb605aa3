/** "Send me a test": marked as a test in the subject and a banner, with the shop's branding and, when given, a few live items. */
import { type ContentOf } from "../model";
import { ItemList, Layout, Paragraph, Subheading } from "./components";
import { type EmailEnv, useEmailEnv } from "./env";
import { headline } from "./headlines";
import { ITEM_LIMIT, itemView, summarize } from "./items";

type TestContent = ContentOf<"test">;

export function testSubject(content: TestContent, { t }: EmailEnv): string {
  return t("layout.test.subject", { subject: t("types.test.subject", { shop: content.shop.name }) });
}

export function TestEmail({ content }: { content: TestContent }) {
  const env = useEmailEnv();
  const { t } = env;
  const introText = t("types.test.intro", { shop: content.shop.name, sender: content.branding.senderName, recipient: content.recipient });
  const sample = content.sample ? { section: content.sample, summary: summarize(content.sample, ITEM_LIMIT.sample, content.links) } : null;
  return (
    <Layout
      headline={t("types.test.headline")}
      preheader={introText}
      branding={content.branding}
      reason={t("why.test", { recipient: content.recipient, shop: content.shop.name })}
      links={content.links}
      shopName={content.shop.name}
      generatedAt={content.generatedAt}
      test
    >
      <Paragraph>{introText}</Paragraph>
      {sample && (
        <>
          <Paragraph>{t("types.test.sample")}</Paragraph>
          <Subheading>{headline(sample.section, sample.summary, env)}</Subheading>
          <ItemList
            views={sample.summary.shown.map((item) => itemView(item, env, content.shop, content.links))}
            more={sample.summary.more}
            moreUrl={sample.summary.moreUrl}
            primaryLabel={t("cta.openInFluxor")}
          />
        </>
      )}
    </Layout>
  );
}
