import type { LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { BlockStack, Card, Page, Text } from "@shopify/polaris";
import { useTranslation } from "react-i18next";
import { opsHeaders, opsJson, requireOperator } from "../ops/auth.server";
import { RAILS as WEBHOOK_PROVIDERS } from "../billing/plans";
import { loadWebhookHealth, type WebhookHealth } from "../ops/webhooks.server";
import { CardTitle, FigureTable, NS, useOpsFormat } from "../ops/ui";

/** `/ops/webhooks`: billing webhooks received and refused (24 h, 7 days), their lag, the last refusals. */
export const loader = async ({ request }: LoaderFunctionArgs) => {
  requireOperator(request);
  return opsJson(await loadWebhookHealth());
};
export const headers = opsHeaders;

export default function OpsWebhooks() {
  const health = useLoaderData<WebhookHealth>();
  const { t } = useTranslation(NS);
  const format = useOpsFormat();
  const received = WEBHOOK_PROVIDERS.some((p) => health.received[p].last7d > 0);
  return (
    <Page title={t("webhooks.title")} subtitle={t("webhooks.subtitle", { when: format.instant(health.asOf) })}>
      <BlockStack gap="400">
        <Card>
          <BlockStack gap="400">
            <CardTitle title={t("webhooks.deliveries")} help={t("webhooks.help")} />
            <FigureTable
              testId="ops-webhooks-table"
              headings={[
                t("webhooks.columns.provider"),
                t("webhooks.columns.received24h"),
                t("webhooks.columns.received7d"),
                t("webhooks.columns.failed24h"),
                t("webhooks.columns.failed7d"),
                t("webhooks.columns.p50"),
                t("webhooks.columns.p95"),
                t("webhooks.columns.max"),
              ]}
              rows={WEBHOOK_PROVIDERS.map((provider) => [
                t(`rail.${provider}`),
                format.integer(health.received[provider].last24h),
                format.integer(health.received[provider].last7d),
                format.integer(health.failed[provider].last24h),
                format.integer(health.failed[provider].last7d),
                format.seconds(health.lag[provider].p50Seconds),
                format.seconds(health.lag[provider].p95Seconds),
                format.seconds(health.lag[provider].maxSeconds),
              ])}
            />
            {received ? null : (
              <Text as="p" tone="subdued">
                <span data-testid="ops-webhooks-none">{t("webhooks.noEvents")}</span>
              </Text>
            )}
          </BlockStack>
        </Card>
        <Card>
          <BlockStack gap="400">
            <CardTitle title={t("webhooks.lastErrors")} />
            {health.lastErrors.length === 0 ? (
              <Text as="p" tone="subdued">
                <span data-testid="ops-webhooks-no-errors">{t("webhooks.noErrors")}</span>
              </Text>
            ) : (
              <FigureTable
                testId="ops-webhooks-errors"
                textColumns={6}
                headings={[
                  t("webhooks.columns.when"),
                  t("webhooks.columns.provider"),
                  t("webhooks.columns.topic"),
                  t("webhooks.columns.status"),
                  t("webhooks.columns.reason"),
                  t("webhooks.columns.shop"),
                ]}
                rows={health.lastErrors.map((e) => [
                  format.instant(e.at),
                  t(`rail.${e.provider}`),
                  e.topic || t("none"),
                  e.status === null ? t("none") : String(e.status),
                  e.reason ?? t("none"),
                  e.shopDomain ?? t("none"),
                ])}
              />
            )}
          </BlockStack>
        </Card>
      </BlockStack>
    </Page>
  );
}
