import type { LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData, useNavigate, useNavigation } from "@remix-run/react";
import {
  Badge,
  Banner,
  BlockStack,
  Box,
  Button,
  ButtonGroup,
  Card,
  IndexTable,
  InlineGrid,
  InlineStack,
  Layout,
  Link,
  List,
  Page,
  SkeletonBodyText,
  SkeletonDisplayText,
  Text,
  useBreakpoints,
} from "@shopify/polaris";
import { useCallback, useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { Bar, BarChart, CartesianGrid, Legend, Tooltip, XAxis, YAxis } from "recharts";
import { ChartCardSkeleton } from "../components/PageSkeleton";
import { Chart } from "../components/Chart";
import { useCsvAction } from "../components/csvAction";
import { RouteError } from "../components/RouteError";
import { csvRefusal } from "../dashboard/csv-response.server";
import { useFormat } from "../dashboard/FormatContext";
import { downloadFile } from "../dashboard/download";
import { requireShop } from "../dashboard/shop.server";
import type { RegressorName } from "../forecasting";
import {
  displayTitle,
  effectChange,
  IMPACT_SIGNALS,
  isImpactSignal,
  isStale,
  lift,
  PROMOTION_SOURCES,
  REASONS,
  TOP_ROWS,
  type EffectPhrase,
  type ImpactSignal,
  type SignalSummary,
} from "../signals/impact";
import { loadImpactPage } from "../signals/impact.server";

/** `GET /app/signals[?signal=promotion|temperature|cpi|consumer_confidence]`: what each signal did for the forecasts. */
export const loader = async ({ request }: LoaderFunctionArgs) => {
  const shop = await requireShop(request);
  // A filter that is not a signal is dropped (the page shows every signal), as the other pages' filters are.
  const param = new URL(request.url).searchParams.get("signal");
  const [page, csv] = await Promise.all([loadImpactPage(shop, isImpactSignal(param) ? param : null), csvRefusal(shop.id)]);
  return { ...page, csv, now: new Date().toISOString() };
};

type Data = ReturnType<typeof useLoaderData<typeof loader>>;

const NS = "impact";
const PATH = "/app/signals";
const CHART_HEIGHT = 260;
/** Polaris palette colours with enough contrast on white. */
const COLOURS = { with: "#005bd3", without: "#b5b5b5" } as const;

export default function SignalImpactPage() {
  const data = useLoaderData<typeof loader>();
  const { t } = useTranslation(NS);
  const format = useFormat();
  const navigation = useNavigation();
  const loading = navigation.state === "loading" && navigation.location.pathname === PATH;
  const [exporting, setExporting] = useState(false);
  const [exportError, setExportError] = useState(false);
  // Set once the page is interactive: a click before hydration would do nothing.
  const [interactive, setInteractive] = useState(false);
  useEffect(() => setInteractive(true), []);

  const exportCsv = async () => {
    setExporting(true);
    setExportError(false);
    try {
      await downloadFile(`${PATH}.csv${data.signal ? `?signal=${data.signal}` : ""}`, "fluxor-signal-impact.csv");
    } catch (error) {
      console.error(error);
      setExportError(true);
    } finally {
      setExporting(false);
    }
  };
  const csvAction = useCsvAction(data.csv, {
    content: t("export"),
    onAction: () => void exportCsv(),
    loading: exporting,
    id: "export-signal-impact",
    primary: false,
  });
  const considered = data.summaries.some((summary) => summary.considered.variants > 0);

  return (
    <Page
      title={t("title")}
      subtitle={data.run?.finishedAt ? t("subtitle", { when: format.instant(data.run.finishedAt) }) : t("subtitleNoRun")}
      primaryAction={data.run && considered ? csvAction : undefined}
      secondaryActions={[
        { content: t("links.sources"), url: "/app/signals/sources", id: "signal-sources-link" },
        { content: t("links.campaigns"), url: "/app/campaigns" },
      ]}
    >
      <span hidden data-testid="impact-interactive" data-interactive={interactive ? "yes" : "no"} />
      <BlockStack gap="400">
        {exportError ? (
          <Banner tone="critical" onDismiss={() => setExportError(false)}>
            {t("exportFailed")}
          </Banner>
        ) : null}
        {data.run === null ? <NoRun /> : loading ? <ImpactSkeleton /> : <ImpactView data={data} considered={considered} />}
      </BlockStack>
    </Page>
  );
}

function NoRun() {
  const { t } = useTranslation(NS);
  return (
    <Card>
      <div data-testid="impact-no-run">
        <BlockStack gap="200">
          <Text as="h2" variant="headingMd">
            {t("empty.noRun.title")}
          </Text>
          <Text as="p">{t("empty.noRun.body")}</Text>
        </BlockStack>
      </div>
    </Card>
  );
}

/** Nothing was considered in the current run: the three ways a signal reaches the forecasts. */
function NothingConsidered() {
  const { t } = useTranslation(NS);
  return (
    <Card>
      <div data-testid="impact-none-considered">
        <BlockStack gap="300">
          <Text as="h2" variant="headingMd">
            {t("empty.none.title")}
          </Text>
          <Text as="p">{t("empty.none.body")}</Text>
          <List type="bullet">
            <List.Item>{t("empty.none.discounts")}</List.Item>
            <List.Item>
              {t("empty.none.campaigns")} <Link url="/app/campaigns">{t("links.campaigns")}</Link>
            </List.Item>
            <List.Item>
              {t("empty.none.sources")} <Link url="/app/signals/sources">{t("links.sources")}</Link>
            </List.Item>
          </List>
        </BlockStack>
      </div>
    </Card>
  );
}

function ImpactView({ data, considered }: { data: Data; considered: boolean }) {
  return (
    <Layout>
      {considered ? null : (
        <Layout.Section>
          <NothingConsidered />
        </Layout.Section>
      )}
      <Layout.Section>
        <InlineGrid columns={{ xs: 1, md: 2 }} gap="400">
          {data.summaries.map((summary) => (
            <SignalCard key={summary.signal} summary={summary} data={data} />
          ))}
        </InlineGrid>
      </Layout.Section>
      {considered ? (
        <>
          <Layout.Section>
            <ErrorChart summaries={data.summaries} />
          </Layout.Section>
          <Layout.Section>
            <ProductsCard data={data} />
          </Layout.Section>
        </>
      ) : null}
    </Layout>
  );
}

/** A signed percentage: +38 %, −3.5 %. */
function useSignedPercent() {
  const format = useFormat();
  return useCallback((value: number, digits: number) => `${value > 0 ? "+" : ""}${format.percent(value, digits)}`, [format]);
}

function useEffectText() {
  const { t } = useTranslation(NS);
  const signed = useSignedPercent();
  return useCallback((effect: EffectPhrase) => t(effect.key, { value: signed(effect.change, effect.digits) }), [signed, t]);
}

function Figure({ label, value, testId }: { label: string; value: string; testId: string }) {
  return (
    <BlockStack gap="050">
      <Text as="p" tone="subdued" variant="bodySm">
        {label}
      </Text>
      <Text as="p" variant="headingMd">
        <span data-testid={testId}>{value}</span>
      </Text>
    </BlockStack>
  );
}

function SignalCard({ summary, data }: { summary: SignalSummary; data: Data }) {
  const { t } = useTranslation(NS);
  const format = useFormat();
  const effectText = useEffectText();
  const { signal } = summary;
  const usedAny = summary.used.variants > 0;
  const tested = summary.considered.variants > 0;
  const badge = usedAny ? (
    <Badge tone="success">{t("badge.used")}</Badge>
  ) : tested ? (
    <Badge>{t("badge.notUsed")}</Badge>
  ) : (
    <Badge tone="info">{t("badge.notConsidered")}</Badge>
  );
  const reasons = REASONS.filter((reason) => summary.reasons[reason] > 0);
  return (
    <Card>
      <div data-testid={`impact-card-${signal}`}>
        <BlockStack gap="300">
          <InlineStack align="space-between" blockAlign="center" gap="200">
            <Text as="h2" variant="headingMd">
              {t(`signal.${signal}`)}
            </Text>
            {badge}
          </InlineStack>
          <Text as="p">
            <span data-testid={`impact-used-${signal}`}>
              {tested
                ? t("usedFor", { used: format.integer(summary.used.products), considered: format.integer(summary.considered.products) })
                : t("notConsidered")}
            </span>
          </Text>
          <InlineGrid columns={2} gap="300">
            <Figure
              label={t("lift.label")}
              value={summary.lift === null ? t("none") : t("lift.value", { value: format.percent(summary.lift, 1) })}
              testId={`impact-lift-${signal}`}
            />
            <Figure
              label={t("effect.label")}
              value={summary.effect ? effectText(summary.effect) : t("none")}
              testId={`impact-effect-${signal}`}
            />
          </InlineGrid>
          {tested && !usedAny ? (
            <Text as="p" fontWeight="semibold">
              <span data-testid={`impact-not-used-${signal}`}>{t("notUsed")}</span>
            </Text>
          ) : null}
          {reasons.length > 0 ? (
            <Text as="p" tone="subdued" variant="bodySm">
              {t("byVariant", {
                reasons: reasons.map((reason) => `${t(`reason.${reason}`)}: ${format.integer(summary.reasons[reason])}`).join(" · "),
              })}
            </Text>
          ) : null}
          {signal === "promotion" ? <PromotionHealth data={data} /> : <RegressorHealthView name={signal} data={data} />}
          {tested ? (
            <InlineStack>
              <Link url={`${PATH}?signal=${signal}#impact-products`} removeUnderline>
                {t("showProducts")}
              </Link>
            </InlineStack>
          ) : null}
        </BlockStack>
      </div>
    </Card>
  );
}

function PromotionHealth({ data }: { data: Data }) {
  const { t } = useTranslation(NS);
  const format = useFormat();
  const { promotions } = data;
  const stale = isStale(promotions.syncedAt, new Date(data.now));
  return (
    <BlockStack gap="200">
      <Text as="p" tone={stale ? "caution" : "subdued"} variant="bodySm">
        <span data-testid="impact-freshness-promotion">
          {promotions.syncedAt ? t("fresh.promotions", { when: format.instant(promotions.syncedAt) }) : t("fresh.promotionsNever")}
        </span>
      </Text>
      <Text as="p" variant="bodySm">
        {PROMOTION_SOURCES.map((source) => {
          const c = promotions.counts[source];
          return t("promotions.counts", {
            source: t(`promotions.source.${source}`),
            running: format.integer(c.running),
            upcoming: format.integer(c.upcoming),
            past: format.integer(c.past),
          });
        }).join(" · ")}
      </Text>
      {promotions.unavailable.length > 0 ? (
        <div data-testid="impact-failure-promotion">
          <Banner tone="warning">
            <Text as="p">{t("failure.promotionScopes", { scopes: promotions.unavailable.join(", ") })}</Text>
          </Banner>
        </div>
      ) : null}
      <Text as="p" tone="subdued" variant="bodySm">
        {t("promotions.marketing")}
      </Text>
    </BlockStack>
  );
}

function RegressorHealthView({ name, data }: { name: RegressorName; data: Data }) {
  const { t } = useTranslation(NS);
  const format = useFormat();
  const { health, source } = data.regressors[name];
  const sourceName = t(`source.${source}`);
  const when = data.run?.finishedAt ? format.instant(data.run.finishedAt) : "";
  const paused = data.sources[source].paused;
  const stale = isStale(data.run?.finishedAt ?? null, new Date(data.now));
  const failure =
    health.state === "failed"
      ? t(`failure.${health.status}`, { source: sourceName, when, reason: health.reason })
      : health.state === "incomplete"
        ? t("failure.incomplete", { source: sourceName, reason: health.reason })
        : null;
  return (
    <BlockStack gap="200">
      <Text as="p" tone={health.state === "ok" && stale ? "caution" : "subdued"} variant="bodySm">
        <span data-testid={`impact-freshness-${name}`}>
          {health.state === "off" && source === "upload" ? (
            <>
              {t("fresh.noUpload")} <Link url="/app/signals/competitors">{t("links.upload")}</Link>
            </>
          ) : health.state === "off" ? (
            <>
              {t("fresh.off", { source: sourceName })} <Link url="/app/signals/sources">{t("links.turnOn")}</Link>
            </>
          ) : health.state === "waiting" ? (
            t("fresh.waiting", { source: sourceName })
          ) : health.state === "ok" ? (
            t("fresh.ok", { source: sourceName, when })
          ) : (
            t("fresh.notInRun", { source: sourceName })
          )}
        </span>
      </Text>
      {failure ? (
        <div data-testid={`impact-failure-${name}`}>
          <Banner tone={health.state === "failed" ? "critical" : "warning"}>
            <Text as="p">{failure}</Text>
          </Banner>
        </div>
      ) : null}
      {paused && health.state !== "off" ? (
        <Text as="p" tone="caution" variant="bodySm">
          {t("failure.paused", { source: sourceName })}
        </Text>
      ) : null}
    </BlockStack>
  );
}

function ErrorChart({ summaries }: { summaries: SignalSummary[] }) {
  const { t } = useTranslation(NS);
  const format = useFormat();
  const tick = useCallback((value: number) => format.number(value, 1), [format]);
  const data = summaries
    .filter((summary) => summary.error !== null)
    .map((summary) => ({ signal: t(`signal.${summary.signal}`), with: summary.error!.with, without: summary.error!.without }));
  return (
    <Card>
      <BlockStack gap="300">
        <BlockStack gap="100">
          <Text as="h2" variant="headingMd">
            {t("chart.title")}
          </Text>
          <Text as="p" tone="subdued">
            {t("chart.help")}
          </Text>
        </BlockStack>
        {data.length === 0 ? (
          <Text as="p">
            <span data-testid="impact-chart-empty">{t("chart.empty")}</span>
          </Text>
        ) : (
          <Chart label={t("chart.label")} testId="impact-error-chart" height={Math.max(140, data.length * 64 + 60)}>
            {() => (
              <BarChart data={data} layout="vertical" margin={{ top: 8, right: 16, bottom: 0, left: 0 }} barGap={2}>
                <CartesianGrid stroke="#ebebeb" horizontal={false} />
                <XAxis type="number" tickFormatter={tick} tick={{ fontSize: 12 }} />
                <YAxis type="category" dataKey="signal" width={150} tick={{ fontSize: 12 }} interval={0} />
                <Tooltip formatter={(value) => (typeof value === "number" ? t("chart.units", { value: format.number(value, 2) }) : "")} />
                <Legend wrapperStyle={{ fontSize: 12 }} formatter={(value: string) => <span style={{ color: "#303030" }}>{value}</span>} />
                <Bar dataKey="without" name={t("chart.without")} fill={COLOURS.without} isAnimationActive={false} maxBarSize={18} />
                <Bar dataKey="with" name={t("chart.with")} fill={COLOURS.with} isAnimationActive={false} maxBarSize={18} />
              </BarChart>
            )}
          </Chart>
        )}
      </BlockStack>
    </Card>
  );
}

function ProductsCard({ data }: { data: Data }) {
  const { t } = useTranslation(NS);
  const format = useFormat();
  const navigate = useNavigate();
  const effectText = useEffectText();
  const { smDown } = useBreakpoints();
  const filters: (ImpactSignal | null)[] = [null, ...IMPACT_SIGNALS];
  return (
    <Card padding="0">
      <div id="impact-products" data-testid="impact-products">
        <Box padding="400">
          <BlockStack gap="300">
            <BlockStack gap="100">
              <Text as="h2" variant="headingMd">
                {t("products.title")}
              </Text>
              <Text as="p" tone="subdued">
                {t("products.help", { max: TOP_ROWS })}
              </Text>
            </BlockStack>
            <div role="group" aria-label={t("products.filter")} data-testid="impact-filter">
              <ButtonGroup variant="segmented">
                {filters.map((signal) => (
                  <Button
                    key={signal ?? "all"}
                    pressed={signal === data.signal}
                    onClick={() => navigate(signal ? `${PATH}?signal=${signal}` : PATH, { preventScrollReset: true })}
                  >
                    {signal ? t(`signal.${signal}`) : t("products.all")}
                  </Button>
                ))}
              </ButtonGroup>
            </div>
          </BlockStack>
        </Box>
        <IndexTable
          resourceName={{ singular: t("products.singular"), plural: t("products.plural") }}
          itemCount={data.rows.length}
          selectable={false}
          condensed={smDown}
          emptyState={
            <Box padding="400">
              <Text as="p">{t("products.empty")}</Text>
            </Box>
          }
          headings={[
            { title: t("products.columns.product") },
            { title: t("products.columns.signal") },
            { title: t("products.columns.decision") },
            { title: t("products.columns.lift"), alignment: "end" },
            { title: t("products.columns.effect") },
            { title: t("products.columns.windows"), alignment: "end" },
          ]}
        >
          {data.rows.map((row, index) => {
            const gained = row.windows > 0 ? lift(row.maeWith, row.maeWithout) : null;
            const title = displayTitle(row);
            const decision = (
              <InlineStack gap="100" blockAlign="center" wrap={false}>
                <Badge tone={row.used ? "success" : undefined}>{row.used ? t("badge.used") : t("badge.notUsed")}</Badge>
                <Text as="span" variant="bodySm" tone="subdued">
                  {row.reason === "prior" && row.priorSource ? t(`prior.${row.priorSource}`) : t(`reason.${row.reason}`)}
                </Text>
              </InlineStack>
            );
            const effect =
              row.effect === null
                ? t("none")
                : effectText({
                    key: `effect.${row.signal}`,
                    change: effectChange(row.signal, row.effect),
                    digits: row.signal === "promotion" ? 0 : 1,
                    series: 1,
                  });
            const key = `${row.signal}-${row.variantId}`;
            return (
              <IndexTable.Row id={key} key={key} position={index}>
                <IndexTable.Cell>
                  {row.productId ? (
                    <Link url={`/app/variants/${row.variantId}`} removeUnderline dataPrimaryLink>
                      {title}
                    </Link>
                  ) : (
                    title
                  )}
                </IndexTable.Cell>
                <IndexTable.Cell>{t(`signal.${row.signal}`)}</IndexTable.Cell>
                <IndexTable.Cell>{decision}</IndexTable.Cell>
                <IndexTable.Cell>
                  <Text as="span" alignment="end" numeric>
                    {gained === null ? t("none") : format.percent(gained, 1)}
                  </Text>
                </IndexTable.Cell>
                <IndexTable.Cell>
                  {row.used || row.effect === null ? (
                    effect
                  ) : (
                    // Measured, but the forecast does not apply it: said so, and shown as secondary.
                    <Text as="span" tone="subdued">
                      {t("products.notApplied", { effect })}
                    </Text>
                  )}
                </IndexTable.Cell>
                <IndexTable.Cell>
                  <Text as="span" alignment="end" numeric>
                    {format.integer(row.windows)}
                  </Text>
                </IndexTable.Cell>
              </IndexTable.Row>
            );
          })}
        </IndexTable>
      </div>
    </Card>
  );
}

/** The page's shape while another filter loads. */
function ImpactSkeleton() {
  return (
    <div data-testid="impact-skeleton">
      <BlockStack gap="400">
        <InlineGrid columns={{ xs: 1, md: 2 }} gap="400">
          {IMPACT_SIGNALS.map((signal) => (
            <Card key={signal}>
              <BlockStack gap="300">
                <SkeletonDisplayText size="small" />
                <SkeletonBodyText lines={4} />
              </BlockStack>
            </Card>
          ))}
        </InlineGrid>
        <ChartCardSkeleton height={CHART_HEIGHT} />
      </BlockStack>
    </div>
  );
}

export function ErrorBoundary() {
  return <RouteError />;
}
