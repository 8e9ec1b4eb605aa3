/**
 * The weekly summary: what the week's alerts led to (sent, opened, clicked, acted on), the lost sales they
 * helped avoid, and how many products need attention now, as bar charts made of table cells.
 */
import { ALERT_TYPES, type ContentOf } from "../model";
import { BarChart, Kpis, Layout, Paragraph, PrimaryButton, Subheading } from "./components";
import { type EmailEnv, useEmailEnv } from "./env";
import { homeUrl } from "./links";

type WeeklySummaryContent = ContentOf<"weekly_summary">;

export function weeklySummarySubject(content: WeeklySummaryContent, { t, fmt }: EmailEnv): string {
  if (content.lostSalesAvoided >= 1) return t("types.weekly_summary.subject", { amount: fmt.moneyWhole(content.lostSalesAvoided) });
  const sent = content.alerts.sent;
  return t("types.weekly_summary.subjectNoSavings", { count: sent, formatted: fmt.integer(sent) });
}

export function WeeklySummaryEmail({ content }: { content: WeeklySummaryContent }) {
  const env = useEmailEnv();
  const { t, fmt } = env;
  const key = (name: string) => t(`types.weekly_summary.${name}`);
  const { alerts } = content;
  const share = (value: number) => (alerts.sent > 0 ? value / alerts.sent : 0);
  const funnel = (["sent", "opened", "clicked", "actedOn"] as const).map((name) => ({
    label: key(name),
    value: alerts[name],
    display:
      name === "sent"
        ? fmt.integer(alerts.sent)
        : t("types.weekly_summary.countShare", { count: fmt.integer(alerts[name]), share: fmt.percent(share(alerts[name])) }),
  }));
  const atRisk = ALERT_TYPES.map((type) => ({
    label: key(`labels.${type}`),
    value: content.atRisk[type],
    display: fmt.integer(content.atRisk[type]),
  }));
  const period = fmt.dayRange(content.period.from, content.period.to);
  const avoided = fmt.moneyWhole(content.lostSalesAvoided);
  return (
    <Layout
      headline={key("headline")}
      preheader={`${key("avoided")} ${avoided} · ${period}`}
      branding={content.branding}
      reason={t("why.weekly_summary", { recipient: content.recipient, shop: content.shop.name })}
      links={content.links}
      shopName={content.shop.name}
      generatedAt={content.generatedAt}
    >
      <Paragraph muted>{period}</Paragraph>
      <Kpis
        kpis={[
          { label: key("avoided"), value: avoided },
          { label: key("actedOn"), value: fmt.integer(alerts.actedOn) },
          { label: key("atRiskTotal"), value: fmt.integer(ALERT_TYPES.reduce((total, type) => total + content.atRisk[type], 0)) },
        ]}
      />
      <Paragraph muted small>
        {key("avoidedMethod")}
      </Paragraph>
      <Subheading>{key("funnelTitle")}</Subheading>
      <BarChart bars={funnel} />
      <Subheading>{key("atRiskTitle")}</Subheading>
      <BarChart bars={atRisk} />
      <PrimaryButton href={homeUrl(content.links.fluxorBaseUrl)}>{t("cta.openFluxor")}</PrimaryButton>
    </Layout>
  );
}
