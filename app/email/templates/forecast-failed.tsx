/** A forecast run failed: for the operator, with the shop, the run, the time and the error. */
import { type ContentOf } from "../model";
import { CodeBlock, FactTable, Layout, Paragraph, PrimaryButton } from "./components";
import { type EmailEnv, useEmailEnv } from "./env";
import { homeUrl } from "./links";

type ForecastFailedContent = ContentOf<"forecast_failed">;

export function forecastFailedSubject(content: ForecastFailedContent, { t }: EmailEnv): string {
  return t("types.forecast_failed.subject", { domain: content.shop.domain });
}

export function ForecastFailedEmail({ content }: { content: ForecastFailedContent }) {
  const { t, fmt } = useEmailEnv();
  const { run, shop } = content;
  const key = (name: string) => t(`types.forecast_failed.${name}`);
  const introText = t("types.forecast_failed.intro", { shop: shop.name });
  return (
    <Layout
      headline={key("headline")}
      preheader={introText}
      branding={content.branding}
      reason={t("why.forecast_failed", { recipient: content.recipient, shop: shop.name })}
      links={content.links}
      shopName={shop.name}
      generatedAt={content.generatedAt}
    >
      <Paragraph>{introText}</Paragraph>
      <FactTable
        facts={[
          { label: key("shop"), value: `${shop.name} (${shop.domain})` },
          { label: key("run"), value: run.id },
          { label: key("failedAt"), value: fmt.instant(run.failedAt) },
          ...(run.attempt === null ? [] : [{ label: key("attempt"), value: fmt.integer(run.attempt) }]),
        ]}
      />
      <CodeBlock label={key("error")}>{run.error}</CodeBlock>
      <PrimaryButton href={run.url ?? homeUrl(content.links.fluxorBaseUrl)}>{key("open")}</PrimaryButton>
    </Layout>
  );
}
