import type { LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData, useRevalidator } from "@remix-run/react";
import { Badge, BlockStack, Box, Card, InlineGrid, InlineStack, Layout, Link, Page, Text } from "@shopify/polaris";
import { useEffect } from "react";
import { useTranslation } from "react-i18next";
import { MetricCard } from "../components/MetricCard";
import { RouteError } from "../components/RouteError";
import { SetupView } from "../components/SetupView";
import { useFormat } from "../dashboard/FormatContext";
import { loadOverview, type OverviewData } from "../dashboard/overview.server";
import { requireShop } from "../dashboard/shop.server";
import { variantsHref } from "../dashboard/url-state";

export const loader = async ({ request }: LoaderFunctionArgs) => loadOverview(await requireShop(request));

/** Forecasts exist once a run was published on a shop with orders; until then the page shows the setup steps. */
function hasForecasts(data: OverviewData): boolean {
  return data.forecast.runId !== null && data.sync.orders > 0;
}

export default function Index() {
  const data = useLoaderData<typeof loader>();
  const { shop, sync } = data;
  const revalidator = useRevalidator();
  const ready = hasForecasts(data);
  const waiting = !ready || shop.detailsSyncedAt === null || sync.status === "running";

  // Shop details, the sync and the first forecasts arrive from background jobs: poll until they are there.
  useEffect(() => {
    if (!waiting) return;
    const timer = setInterval(() => revalidator.state === "idle" && revalidator.revalidate(), ready ? 10_000 : 3000);
    return () => clearInterval(timer);
  }, [waiting, ready, revalidator]);

  return (
    <Page title={shop.name ?? "Fluxor"} subtitle={shop.domain}>
      <Layout>
        {ready ? <ForecastSummary data={data} /> : null}
        {ready ? null : <SetupView overview={shop} />}
      </Layout>
    </Page>
  );
}

function ForecastSummary({ data }: { data: OverviewData }) {
  const { t } = useTranslation();
  const format = useFormat();
  const { forecast, sync } = data;
  const live = forecast.liveAccuracy;
  const backtest = forecast.backtestAccuracy;
  return (
    <>
      <Layout.Section>
        <InlineStack gap="200" blockAlign="center" wrap>
          <Text as="p" tone="subdued">
            <span data-testid="forecast-as-of">{forecast.asOf ? t("overview.asOf", { day: format.day(forecast.asOf, "long") }) : ""}</span>
          </Text>
        </InlineStack>
      </Layout.Section>
      <Layout.Section>
        <InlineGrid columns={{ xs: 1, sm: 2, lg: 3 }} gap="400">
          <MetricCard
            title={t("overview.outOfStock.title")}
            value={format.integer(forecast.outOfStock.count)}
            tone={forecast.outOfStock.count > 0 ? "critical" : "success"}
            description={t("overview.outOfStock.description")}
            href={variantsHref({ risk: ["out_of_stock"] })}
            linkLabel={t("overview.outOfStock.link")}
            testId="metric-out-of-stock"
          >
            <Text as="p">
              <span data-testid="metric-lost-revenue">
                {t("overview.outOfStock.lost", { revenue: format.currency(forecast.outOfStock.lostRevenuePerDay) })}
              </span>
            </Text>
          </MetricCard>
          <MetricCard
            title={t("overview.atRisk.title")}
            value={format.integer(forecast.atRisk)}
            tone={forecast.atRisk > 0 ? "critical" : "success"}
            description={t("overview.atRisk.description")}
            href={variantsHref({ risk: ["stockout"], sort: "stockoutDate" })}
            linkLabel={t("overview.atRisk.link")}
            testId="metric-at-risk"
          >
            <Text as="p">
              <span data-testid="metric-to-reorder">{t("overview.atRisk.toReorder", { count: forecast.toReorder })}</span>
            </Text>
          </MetricCard>
          <MetricCard
            title={t("overview.deadStock.title")}
            value={format.currency(forecast.deadStockValue.days90)}
            tone={forecast.deadStockValue.days90 > 0 ? "caution" : undefined}
            description={t("overview.deadStock.description")}
            href={variantsHref({ risk: ["dead"], sort: "stockValue", direction: "desc" })}
            linkLabel={t("overview.deadStock.link")}
            testId="metric-dead-stock"
          >
            <BlockStack gap="100">
              <DeadRow label={t("overview.deadStock.days", { count: 180 })} value={format.currency(forecast.deadStockValue.days180)} />
              <DeadRow label={t("overview.deadStock.days", { count: 365 })} value={format.currency(forecast.deadStockValue.days365)} />
            </BlockStack>
          </MetricCard>
          <MetricCard
            title={t("overview.accuracy.title")}
            value={live ? format.percent(live.accTotal) : t("overview.accuracy.notYet")}
            textValue={!live}
            description={
              live
                ? t("overview.accuracy.measured", { days: live.days, variants: format.integer(live.variants) })
                : t("overview.accuracy.notYetHelp")
            }
            href={variantsHref({ sort: "dailyMean", direction: "desc" })}
            linkLabel={t("overview.accuracy.link")}
            testId="metric-accuracy"
          >
            <Text as="p">
              <span data-testid="metric-backtest">
                {backtest && Number.isFinite(backtest.accTotal)
                  ? t(isNumber(backtest.coverage80) ? "overview.accuracy.backtest" : "overview.accuracy.backtestOnly", {
                      accuracy: format.percent(backtest.accTotal),
                      coverage: format.percent(backtest.coverage80 ?? 0, 0),
                    })
                  : t("overview.accuracy.noBacktest")}
              </span>
            </Text>
          </MetricCard>
          <AnomalyCard anomalies={data.anomalies} />
          <MetricCard
            title={t("overview.sync.title")}
            value={t(`overview.sync.status.${syncStatusKey(sync.status)}`)}
            textValue
            tone={sync.status === "failed" ? "critical" : undefined}
            description={sync.finishedAt ? t("overview.sync.last", { when: format.instant(sync.finishedAt) }) : undefined}
            href="/app/sync"
            linkLabel={t("overview.sync.link")}
            testId="metric-sync"
          >
            <InlineStack gap="200" wrap>
              <Badge>{t("overview.sync.orders", { count: sync.orders, formatted: format.integer(sync.orders) })}</Badge>
              <Badge>{t("overview.sync.variants", { count: sync.variants, formatted: format.integer(sync.variants) })}</Badge>
              {sync.failedWebhooks > 0 ? <Badge tone="critical">{t("overview.sync.failed", { count: sync.failedWebhooks })}</Badge> : null}
            </InlineStack>
          </MetricCard>
        </InlineGrid>
      </Layout.Section>
    </>
  );
}

/** Shopify's title of the only variant of a product without options: not worth showing. */
const DEFAULT_VARIANT_TITLE = "Default Title";

/** Variants whose sales were unusual in the last 7 days: how many, and the first few, each linking to its page. */
function AnomalyCard({ anomalies }: { anomalies: OverviewData["anomalies"] }) {
  const { t } = useTranslation();
  const format = useFormat();
  const more = anomalies.count - anomalies.variants.length;
  return (
    <Card>
      <BlockStack gap="200">
        <Text as="h2" variant="headingSm">
          {t("overview.anomalies.title")}
        </Text>
        <Text as="p" variant="heading2xl" tone={anomalies.count > 0 ? "caution" : "success"}>
          <span data-testid="metric-anomalies">{format.integer(anomalies.count)}</span>
        </Text>
        <Text as="p" tone="subdued">
          {t("overview.anomalies.description", { count: anomalies.count })}
        </Text>
        {anomalies.variants.length > 0 ? (
          <BlockStack gap="100">
            {anomalies.variants.map((variant) => (
              <InlineStack key={variant.variantId} gap="200" blockAlign="center" wrap={false}>
                <Link url={`/app/variants/${variant.variantId}`} removeUnderline>
                  <span data-testid="metric-anomalies-variant">
                    {[variant.productTitle, variant.variantTitle === DEFAULT_VARIANT_TITLE ? "" : variant.variantTitle]
                      .filter(Boolean)
                      .join(" · ") || variant.variantId}
                  </span>
                </Link>
                {variant.kinds.map((kind) => (
                  <Badge key={kind} tone={kind === "spike" ? "attention" : "warning"}>
                    {t(`overview.anomalies.kinds.${kind}`)}
                  </Badge>
                ))}
              </InlineStack>
            ))}
            {more > 0 ? (
              <Text as="p" tone="subdued">
                {t("overview.anomalies.more", { count: more })}
              </Text>
            ) : null}
            <Link url={variantsHref({ unusual: true })} removeUnderline>
              <span data-testid="metric-anomalies-all">{t("overview.anomalies.seeAll", { count: anomalies.count })}</span>
            </Link>
          </BlockStack>
        ) : null}
      </BlockStack>
    </Card>
  );
}

function DeadRow({ label, value }: { label: string; value: string }) {
  return (
    <Box>
      <InlineStack align="space-between" gap="200">
        <Text as="span" tone="subdued">
          {label}
        </Text>
        <Text as="span" fontWeight="semibold">
          {value}
        </Text>
      </InlineStack>
    </Box>
  );
}

/** NaN travels as null in JSON: a figure is shown only when it is a real number. */
function isNumber(value: number | null | undefined): value is number {
  return typeof value === "number" && Number.isFinite(value);
}

const SYNC_STATUSES = ["running", "completed", "failed"] as const;
function syncStatusKey(status: string | null): (typeof SYNC_STATUSES)[number] | "none" {
  return SYNC_STATUSES.find((known) => known === status) ?? "none";
}

export function ErrorBoundary() {
  return <RouteError />;
}
