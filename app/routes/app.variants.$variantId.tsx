import type { LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { Badge, Banner, BlockStack, Box, Button, ButtonGroup, Card, InlineGrid, InlineStack, Layout, Page, Text } from "@shopify/polaris";
import { useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { DbId } from "../api/params";
import { AccuracyCard } from "../components/AccuracyCard";
import { AdviceTable } from "../components/AdviceTable";
import { useCsvAction } from "../components/csvAction";
import { ForecastChart } from "../components/ForecastChart";
import { ModelScores } from "../components/ModelScores";
import { RiskBadge } from "../components/RiskBadge";
import { RouteError } from "../components/RouteError";
import { buildChartRows, rankCandidates, RANGE_OPTIONS, summarise, type ChartRange } from "../dashboard/chart-data";
import { forecastCsv } from "../dashboard/csv";
import { csvRefusal } from "../dashboard/csv-response.server";
import { saveBlob } from "../dashboard/download";
import { useFormat } from "../dashboard/FormatContext";
import { requireShop } from "../dashboard/shop.server";
import { ForecastRangeQuery, type VariantAdviceRow } from "../forecasts/contract";
import { getVariantForecast, listFilterOptions } from "../forecasts/read.server";

export const loader = async ({ request, params }: LoaderFunctionArgs) => {
  const shop = await requireShop(request);
  const variantId = params.variantId ?? "";
  if (!DbId.safeParse(variantId).success) throw new Response("Not found", { status: 404 });
  const parsed = ForecastRangeQuery.safeParse(Object.fromEntries(new URL(request.url).searchParams));
  // Two years of history unless the URL asks for another window; the page's range selector slices it.
  const range = parsed.success ? parsed.data : {};
  const [detail, options, csv] = await Promise.all([
    getVariantForecast(shop.id, variantId, { ...range, from: range.from ?? historyStart() }),
    listFilterOptions(shop.id),
    csvRefusal(shop.id),
  ]);
  if (!detail) throw new Response("Not found", { status: 404 });
  return { detail, locations: options.locations, location: range.location ?? "0", csv };
};

const HISTORY_DAYS = 730;

function historyStart(): string {
  return new Date(Date.now() - HISTORY_DAYS * 86_400_000).toISOString().slice(0, 10);
}

export default function VariantPage() {
  const { detail, locations, location, csv } = useLoaderData<typeof loader>();
  const { t, i18n } = useTranslation();
  const format = useFormat();
  const [range, setRange] = useState<ChartRange>("90");
  const [compare, setCompare] = useState(false);

  const overall = detail.advice.find((row) => row.locationId === "0") ?? detail.advice[0] ?? null;
  // The figures, like the chart, are the chosen location's (all counted locations by default).
  const current = detail.advice.find((row) => row.locationId === location) ?? overall;
  const rows = useMemo(() => buildChartRows(detail, range, current?.available ?? null), [detail, range, current?.available]);
  const totals = useMemo(() => summarise(rows), [rows]);
  const candidates = useMemo(() => rankCandidates(detail.candidateScores, detail.model), [detail.candidateScores, detail.model]);
  const locationName = (id: string) =>
    id === "0" ? t("variants.allLocations") : (locations.find((location) => location.id === id)?.name ?? id);

  const title = overall?.productTitle ?? t("variant.title");
  const subtitle = [overall?.variantTitle, overall?.sku].filter(Boolean).join(" · ");

  const exportForecast = () => {
    const blob = new Blob([forecastCsv(detail)], { type: "text/csv;charset=utf-8" });
    saveBlob(blob, `fluxor-forecast-${detail.variantId}-${detail.asOf}.csv`);
  };
  const csvAction = useCsvAction(csv, { content: t("variant.exportCsv"), onAction: exportForecast, id: "export-forecast", primary: false });

  return (
    <Page
      title={title}
      subtitle={subtitle || undefined}
      titleMetadata={current ? <RiskBadge risk={current.risk} /> : undefined}
      backAction={{ content: t("nav.variants"), url: "/app/variants" }}
      primaryAction={csvAction}
    >
      <Layout>
        {current?.outOfStockSince ? (
          <Layout.Section>
            <OutOfStockBanner row={current} since={current.outOfStockSince} />
          </Layout.Section>
        ) : null}
        <Layout.Section>
          <InlineGrid columns={{ xs: 2, md: 4 }} gap="300">
            <Figure label={t("variants.columns.available")} value={current ? format.integer(current.available) : "—"} />
            <Figure
              label={t("variants.columns.daysOfCover")}
              value={current?.daysOfCover == null ? "—" : format.number(current.daysOfCover, 0)}
              testId="variant-cover"
            />
            <Figure
              label={t("variants.columns.stockoutDate")}
              value={
                detail.stockoutDate
                  ? format.day(detail.stockoutDate)
                  : t(detail.outOfStock ? "variant.outOfStock.noProjection" : "variants.noStockout")
              }
              testId="variant-stockout"
            />
            <Figure
              label={t("variants.columns.reorderQty")}
              value={current ? format.integer(current.reorderQty) : "—"}
              testId="variant-reorder-qty"
            />
          </InlineGrid>
        </Layout.Section>
        <Layout.Section>
          <Card>
            <BlockStack gap="300">
              <InlineStack align="space-between" blockAlign="center" gap="200" wrap>
                <Text as="h2" variant="headingMd">
                  {t("variant.chartTitle")}
                </Text>
                <ButtonGroup variant="segmented">
                  {RANGE_OPTIONS.map((option) => (
                    <Button key={option} pressed={range === option} onClick={() => setRange(option)} size="slim">
                      {option === "all" ? t("variant.range.all") : t("variant.range.days", { count: Number(option) })}
                    </Button>
                  ))}
                </ButtonGroup>
              </InlineStack>
              <ForecastChart rows={rows} asOf={detail.asOf} stockoutDate={detail.stockoutDate} outOfStock={detail.outOfStock} />
              <InlineStack gap="300" wrap>
                <Text as="span" tone="subdued">
                  {t("variant.totals", {
                    sold: format.integer(totals.sold),
                    forecast: format.number(totals.forecast, 0),
                  })}
                </Text>
                {totals.outOfStockDays > 0 ? (
                  <Badge tone="warning">{t("variant.outOfStockDays", { count: totals.outOfStockDays })}</Badge>
                ) : null}
              </InlineStack>
              <Text as="p" tone="subdued">
                {t("variant.model", {
                  model: t(`variant.modelNames.${detail.model}`, { defaultValue: detail.model }),
                  demandClass: t(`variant.demandClasses.${detail.demandClass}`, { defaultValue: detail.demandClass }),
                })}
                {detail.coldStart ? ` ${t("variant.coldStart")}` : ""}
              </Text>
              {detail.ensembleOf.length > 1 ? (
                <Text as="p" tone="subdued">
                  {t("variant.ensembleExplain", {
                    count: detail.ensembleOf.length,
                    models: new Intl.ListFormat(i18n.language, { type: "conjunction" }).format(
                      detail.ensembleOf.map((model) => t(`variant.modelNames.${model}`, { defaultValue: model })),
                    ),
                  })}
                </Text>
              ) : null}
            </BlockStack>
          </Card>
        </Layout.Section>
        <Layout.Section variant="oneThird">
          <BlockStack gap="400">
            <AccuracyCard demandClass={detail.demandClass} backtest={detail.backtest} dailyMean={current?.dailyMean ?? null} />
            <Card>
              <BlockStack gap="200">
                <InlineStack align="space-between" blockAlign="center">
                  <Text as="h2" variant="headingMd">
                    {t("variant.models.title")}
                  </Text>
                  <Button onClick={() => setCompare((value) => !value)} pressed={compare} size="slim" ariaExpanded={compare}>
                    {compare ? t("variant.models.hide") : t("variant.models.compare")}
                  </Button>
                </InlineStack>
                {compare ? <ModelScores candidates={candidates} /> : null}
              </BlockStack>
            </Card>
          </BlockStack>
        </Layout.Section>
        <Layout.Section>
          <Card padding="0">
            <Box padding="400">
              <BlockStack gap="100">
                <Text as="h2" variant="headingMd">
                  {t("variant.advice.title")}
                </Text>
                <Text as="p" tone="subdued">
                  {t("variant.advice.help")}
                </Text>
              </BlockStack>
            </Box>
            <AdviceTable rows={detail.advice} locationName={locationName} />
            {overall ? (
              <Box padding="400">
                <Button
                  url={`/app/settings?product=${overall.productId}&title=${encodeURIComponent(overall.productTitle)}`}
                  variant="plain"
                >
                  {t("variant.advice.override")}
                </Button>
              </Box>
            ) : null}
          </Card>
        </Layout.Section>
      </Layout>
    </Page>
  );
}

/** Out of stock now: since when ("(estimated)" when inferred from sales) and the sales it loses, in units and money. */
function OutOfStockBanner({ row, since }: { row: VariantAdviceRow; since: string }) {
  const { t } = useTranslation();
  const format = useFormat();
  return (
    <div data-testid="variant-out-of-stock">
      <Banner
        tone="critical"
        title={t(row.sinceEstimated ? "variant.outOfStock.sinceEstimated" : "variant.outOfStock.since", { day: format.day(since, "long") })}
      >
        <BlockStack gap="100">
          <Text as="p">
            <span data-testid="variant-lost-per-day">
              {t("variant.outOfStock.lostPerDay", {
                units: format.number(row.lostUnitsPerDay, 1),
                revenue: format.currency(row.lostRevenuePerDay),
              })}
            </span>
          </Text>
          <Text as="p">
            <span data-testid="variant-lost-to-date">
              {t("variant.outOfStock.lostToDate", {
                units: format.integer(row.lostUnitsToDate),
                revenue: format.currency(row.lostRevenueToDate),
              })}
            </span>
          </Text>
          <Text as="p" tone="subdued">
            {t(row.sinceEstimated ? "variant.outOfStock.helpEstimated" : "variant.outOfStock.help")}
          </Text>
        </BlockStack>
      </Banner>
    </div>
  );
}

function Figure({ label, value, testId }: { label: string; value: string; testId?: string }) {
  return (
    <Card>
      <BlockStack gap="100">
        <Text as="p" tone="subdued" variant="bodySm">
          {label}
        </Text>
        <Text as="p" variant="headingLg">
          <span data-testid={testId}>{value}</span>
        </Text>
      </BlockStack>
    </Card>
  );
}

export function ErrorBoundary() {
  return <RouteError />;
}
