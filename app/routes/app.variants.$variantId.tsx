import type { LoaderFunctionArgs } from "@remix-run/node";
import { useFetcher, useLoaderData } from "@remix-run/react";
import {
  Badge,
  Banner,
  BlockStack,
  Box,
  Button,
  ButtonGroup,
  Card,
  Checkbox,
  DataTable,
  InlineGrid,
  InlineStack,
  Layout,
  Page,
  Spinner,
  Text,
} from "@shopify/polaris";
import { useCallback, useEffect, useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { DbId } from "../api/params";
import { AccuracyCard } from "../components/AccuracyCard";
import { AdviceTable } from "../components/AdviceTable";
import { useCsvAction } from "../components/csvAction";
import { CANDIDATE_STYLES, ForecastChart, type CandidateLineStyle, type ChartPromotion } from "../components/ForecastChart";
import { ModelScores } from "../components/ModelScores";
import { RiskBadge } from "../components/RiskBadge";
import { RouteError } from "../components/RouteError";
import { buildChartRows, rankCandidates, RANGE_OPTIONS, summarise, type ChartRange } from "../dashboard/chart-data";
import { forecastCsv } from "../dashboard/csv";
import { csvRefusal } from "../dashboard/csv-response.server";
import { saveBlob } from "../dashboard/download";
import { useFormat } from "../dashboard/FormatContext";
import { requireShop } from "../dashboard/shop.server";
import type { AnomalyFlag } from "../forecasting";
import { overlayRows, type CandidateOverlay } from "../forecasts/candidates";
import { ForecastRangeQuery, type VariantAdviceRow } from "../forecasts/contract";
import { signalSentence, type VariantSignalUse } from "../forecasts/promotions-view";
import { getVariantPromotions } from "../forecasts/promotions-view.server";
import { getVariantForecast, listFilterOptions } from "../forecasts/read.server";
import type { loader as candidatesLoader } from "./app.variants.$variantId.candidates";

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
  // The promotions over the chart's days (the history read, then the forecast), and the run's signal decisions.
  const promotions = await getVariantPromotions(
    shop.id,
    variantId,
    detail.history[0]?.day ?? detail.asOf,
    detail.forecast.at(-1)?.day ?? detail.asOf,
  );
  return { detail, anomalies: detail.anomalies, promotions, locations: options.locations, location: range.location ?? "0", csv };
};

const HISTORY_DAYS = 730;

function historyStart(): string {
  return new Date(Date.now() - HISTORY_DAYS * 86_400_000).toISOString().slice(0, 10);
}

export default function VariantPage() {
  const { detail, anomalies, promotions, locations, location, csv } = useLoaderData<typeof loader>();
  const { t, i18n } = useTranslation();
  const format = useFormat();
  const [range, setRange] = useState<ChartRange>("90");
  const [compare, setCompare] = useState(false);

  const overall = detail.advice.find((row) => row.locationId === "0") ?? detail.advice[0] ?? null;
  // The figures, like the chart, are the chosen location's (all counted locations by default).
  const current = detail.advice.find((row) => row.locationId === location) ?? overall;
  const rows = useMemo(() => buildChartRows(detail, range, current?.available ?? null), [detail, range, current?.available]);
  const totals = useMemo(() => summarise(rows), [rows]);
  const overlay = useCandidateOverlay(detail.variantId, location);
  // The flags are about the variant's sales over all counted locations: marked on that chart only.
  const markers = location === "0" ? anomalies : NO_ANOMALIES;
  const chartRows = useMemo(() => overlayRows(rows, overlay.data, overlay.models, markers), [rows, overlay.data, overlay.models, markers]);
  const candidates = useMemo(() => rankCandidates(detail.candidateScores, detail.model), [detail.candidateScores, detail.model]);
  // A promotion starting after the last day of history is still to come: shaded as planned.
  const chartPromotions = useMemo(
    (): ChartPromotion[] => promotions.promotions.map((promotion) => ({ ...promotion, planned: promotion.startDay > detail.asOf })),
    [promotions.promotions, detail.asOf],
  );
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
              <ForecastChart
                rows={chartRows}
                lines={overlay.chartLines}
                asOf={detail.asOf}
                stockoutDate={detail.stockoutDate}
                outOfStock={detail.outOfStock}
                promotions={chartPromotions}
              />
              <CandidateOverlayPanel overlay={overlay} />
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
        {anomalies.length > 0 ? (
          <Layout.Section>
            <AnomalyList anomalies={anomalies} allLocations={location === "0"} />
          </Layout.Section>
        ) : null}
        <Layout.Section variant="oneThird">
          <BlockStack gap="400">
            <AccuracyCard demandClass={detail.demandClass} backtest={detail.backtest} dailyMean={current?.dailyMean ?? null} />
            <SignalsCard signals={promotions.signals} promotions={chartPromotions.length} />
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

const NO_ANOMALIES: AnomalyFlag[] = [];
const NO_MODELS: string[] = [];

interface OverlayState {
  on: boolean;
  toggle: () => void;
  loading: boolean;
  failed: boolean;
  data: CandidateOverlay | null;
  /** The overlay's models in its order (best first) while it is on: `candidates[k]` of the chart's rows is model k's. */
  models: string[];
  /** Models unticked: their lines are not drawn. */
  hidden: ReadonlySet<string>;
  setShown: (model: string, shown: boolean) => void;
  chartLines: CandidateLineStyle[];
}

/**
 * The candidate overlay: fetched from the resource route (computed on demand, cached per run) the first time the
 * merchant turns it on at a location; each line can then be hidden and shown again.
 */
function useCandidateOverlay(variantId: string, location: string): OverlayState {
  const { t } = useTranslation();
  const format = useFormat();
  const fetcher = useFetcher<typeof candidatesLoader>();
  const [on, setOn] = useState(false);
  const [hidden, setHidden] = useState<ReadonlySet<string>>(new Set());
  const [loaded, setLoaded] = useState<string | null>(null);
  const href = `/app/variants/${variantId}/candidates?location=${encodeURIComponent(location)}`;
  // Loaded once per variant and location, when first turned on there.
  useEffect(() => {
    if (!on || loaded === href || fetcher.state !== "idle") return;
    setLoaded(href);
    fetcher.load(href);
  }, [on, href, loaded, fetcher]);
  const answer = loaded === href ? fetcher.data : undefined;
  const data = answer && "lines" in answer ? answer : null;
  const toggle = useCallback(() => setOn((was) => !was), []);
  const setShown = useCallback(
    (model: string, shown: boolean) =>
      setHidden((was) => {
        const next = new Set(was);
        if (shown) next.delete(model);
        else next.add(model);
        return next;
      }),
    [],
  );
  const models = useMemo(() => (on && data ? data.lines.map((line) => line.model) : NO_MODELS), [on, data]);
  const chartLines = useMemo(
    () =>
      (on && data ? data.lines : [])
        .map((line, index) => ({ index, model: line.model, label: lineLabel(t, format, line.model, line.score) }))
        .filter((line) => !hidden.has(line.model)),
    [on, data, hidden, t, format],
  );
  return {
    on,
    toggle,
    loading: on && fetcher.state !== "idle",
    failed: on && fetcher.state === "idle" && answer !== undefined && data === null,
    data,
    models,
    hidden,
    setShown,
    chartLines,
  };
}

function lineLabel(t: ReturnType<typeof useTranslation>["t"], format: ReturnType<typeof useFormat>, model: string, score: number): string {
  return t("variant.overlay.legend", {
    model: t(`variant.modelNames.${model}`, { defaultValue: model }),
    score: format.number(score, 1),
  });
}

/** The overlay's switch, and once its lines are in, one checkbox per model (its colour, name and score). */
function CandidateOverlayPanel({ overlay }: { overlay: OverlayState }) {
  const { t } = useTranslation();
  const format = useFormat();
  const lines = overlay.data?.lines ?? [];
  return (
    <BlockStack gap="200">
      <InlineStack gap="200" blockAlign="center">
        <Button onClick={overlay.toggle} pressed={overlay.on} size="slim" ariaExpanded={overlay.on}>
          {overlay.on ? t("variant.overlay.hide") : t("variant.overlay.show")}
        </Button>
        {overlay.loading ? (
          <InlineStack gap="100" blockAlign="center">
            <Spinner size="small" accessibilityLabel={t("variant.overlay.loading")} />
            <Text as="span" tone="subdued">
              {t("variant.overlay.loading")}
            </Text>
          </InlineStack>
        ) : null}
      </InlineStack>
      {overlay.failed ? (
        <Banner tone="warning">
          <p>{t("variant.overlay.error")}</p>
        </Banner>
      ) : null}
      {overlay.on && overlay.data && lines.length === 0 ? (
        <Text as="p" tone="subdued">
          {t("variant.overlay.none")}
        </Text>
      ) : null}
      {overlay.on && lines.length > 0 ? (
        <fieldset style={{ border: 0, margin: 0, padding: 0 }} data-testid="candidate-overlay">
          <legend>
            <Text as="span" tone="subdued">
              {t("variant.overlay.help")}
            </Text>
          </legend>
          <InlineStack gap="400" wrap>
            {lines.map((line, index) => {
              const style = CANDIDATE_STYLES[index % CANDIDATE_STYLES.length]!;
              return (
                <InlineStack key={line.model} gap="100" blockAlign="center">
                  <span
                    aria-hidden="true"
                    style={{
                      display: "inline-block",
                      width: 18,
                      borderTop: `3px dashed ${style.colour}`,
                    }}
                  />
                  <Checkbox
                    label={lineLabel(t, format, line.model, line.score)}
                    checked={!overlay.hidden.has(line.model)}
                    onChange={(checked) => overlay.setShown(line.model, checked)}
                  />
                </InlineStack>
              );
            })}
          </InlineStack>
        </fieldset>
      ) : null}
    </BlockStack>
  );
}

/**
 * "What moves this product's demand": per signal the current run considered, whether it entered the forecast and what
 * the product's own backtest measured, in a sentence; with links to plan a campaign and to every signal's impact.
 */
function SignalsCard({ signals, promotions }: { signals: readonly VariantSignalUse[]; promotions: number }) {
  const { t } = useTranslation();
  const format = useFormat();
  const signed = (share: number | null) => (share === null ? "" : `${share > 0 ? "+" : ""}${format.percent(share, 0)}`);
  const sentences = signals.map((use) => {
    const sentence = signalSentence(use);
    const text = t(`variant.signals.sentences.${sentence.key}`, {
      name: t(`variant.signals.names.${use.signal}`, { defaultValue: use.signal }),
      lift: signed(sentence.lift),
      fall: sentence.errorFall === null ? "" : format.percent(sentence.errorFall, 0),
    });
    return { signal: use.signal, text: sentence.plannedToo ? `${text} ${t("variant.signals.sentences.plannedToo")}` : text };
  });
  return (
    <Card>
      <BlockStack gap="200">
        <Text as="h2" variant="headingMd">
          {t("variant.signals.title")}
        </Text>
        <div data-testid="variant-signals">
          <BlockStack gap="100">
            {sentences.length === 0 && promotions === 0 ? <Text as="p">{t("variant.signals.none")}</Text> : null}
            {sentences.map((sentence) => (
              <Text as="p" key={sentence.signal}>
                <span data-testid={`variant-signal-${sentence.signal}`}>{sentence.text}</span>
              </Text>
            ))}
            {promotions > 0 ? (
              <Text as="p" tone="subdued">
                {t("variant.signals.promotionsOnChart", { count: promotions })}
              </Text>
            ) : null}
          </BlockStack>
        </div>
        {sentences.length > 0 ? (
          <Text as="p" tone="subdued" variant="bodySm">
            {t("variant.signals.help")}
          </Text>
        ) : null}
        <InlineStack gap="300">
          <Button url="/app/campaigns" variant="plain">
            {t("variant.signals.planCampaign")}
          </Button>
          <Button url="/app/signals" variant="plain">
            {t("variant.signals.allSignals")}
          </Button>
        </InlineStack>
      </BlockStack>
    </Card>
  );
}

/** The days of the last week whose sales fell outside what the forecast expected, with what it expected. */
function AnomalyList({ anomalies, allLocations }: { anomalies: readonly AnomalyFlag[]; allLocations: boolean }) {
  const { t } = useTranslation();
  const format = useFormat();
  const units = (value: number) => format.number(value, 1);
  return (
    <Card>
      <BlockStack gap="200">
        <Text as="h2" variant="headingMd">
          {t("variant.anomalies.title")}
        </Text>
        <Text as="p" tone="subdued">
          {t("variant.anomalies.help")}
          {allLocations ? "" : ` ${t("variant.anomalies.allLocations")}`}
        </Text>
        <div data-testid="variant-anomalies">
          <DataTable
            columnContentTypes={["text", "text", "numeric", "numeric", "numeric"]}
            headings={[
              t("variant.anomalies.day"),
              t("variant.anomalies.kind"),
              t("variant.anomalies.units"),
              t("variant.anomalies.expected"),
              t("variant.anomalies.range"),
            ]}
            rows={anomalies.map((flag) => [
              format.day(flag.date, "long"),
              <Badge key={flag.date} tone={flag.kind === "spike" ? "attention" : "warning"}>
                {t(`variant.anomalies.kinds.${flag.kind}`)}
              </Badge>,
              format.integer(flag.units),
              units(flag.expected),
              `${units(flag.lo95)} – ${units(flag.hi95)}`,
            ])}
          />
        </div>
      </BlockStack>
    </Card>
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
