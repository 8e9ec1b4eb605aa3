import type { LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData, useNavigate, useNavigation } from "@remix-run/react";
import {
  Banner,
  BlockStack,
  Button,
  ButtonGroup,
  Card,
  DataTable,
  Divider,
  InlineGrid,
  InlineStack,
  Layout,
  Page,
  Text,
  useBreakpoints,
} from "@shopify/polaris";
import { useCallback, useState } from "react";
import { useTranslation } from "react-i18next";
import { Bar, BarChart, CartesianGrid, ComposedChart, Legend, Line, Tooltip, XAxis, YAxis } from "recharts";
import type { CountsRow, FatigueFinding, ProportionTest, Recommendation } from "../alerts/analytics";
import { loadAlertAnalytics } from "../alerts/analytics.server";
import { MetricsPageSkeleton } from "../components/PageSkeleton";
import { Chart } from "../components/Chart";
import { useCsvAction } from "../components/csvAction";
import { RouteError } from "../components/RouteError";
import { csvRefusal } from "../dashboard/csv-response.server";
import { useFormat } from "../dashboard/FormatContext";
import { downloadFile } from "../dashboard/download";
import { requireShop } from "../dashboard/shop.server";

/** `GET /app/alerts/analytics?period=7|30|90`: what the alert emails of the period were worth. */
export const loader = async ({ request }: LoaderFunctionArgs) => {
  const shop = await requireShop(request);
  const [analytics, csv] = await Promise.all([
    loadAlertAnalytics(shop, new URL(request.url).searchParams.get("period")),
    csvRefusal(shop.id),
  ]);
  return { ...analytics, csv };
};

type Data = ReturnType<typeof useLoaderData<typeof loader>>;
type Analytics = Data["analytics"];

const NS = "alerts-analytics";
const PATH = "/app/alerts/analytics";
const CHART_HEIGHT = 280;
/** Polaris palette colours with enough contrast on white. */
const COLOURS = { sentBar: "#cccccc", delivered: "#2c6e49", opened: "#005bd3", clicked: "#b44d00", action: "#8051ff" } as const;

export default function AlertAnalyticsPage() {
  const { analytics, everSent, periods, csv } = useLoaderData<typeof loader>();
  const { t } = useTranslation(NS);
  const format = useFormat();
  const navigate = useNavigate();
  const navigation = useNavigation();
  const loading = navigation.state === "loading" && navigation.location.pathname === PATH;
  const [exporting, setExporting] = useState(false);
  const [exportError, setExportError] = useState(false);
  const { period } = analytics;
  const empty = analytics.totals.sent === 0;

  const exportCsv = async () => {
    setExporting(true);
    setExportError(false);
    try {
      await downloadFile(`${PATH}.csv?period=${period.days}`, "fluxor-alert-emails.csv");
    } catch (error) {
      console.error(error);
      setExportError(true);
    } finally {
      setExporting(false);
    }
  };

  const csvAction = useCsvAction(csv, {
    content: t("export"),
    onAction: () => void exportCsv(),
    loading: exporting,
    id: "export-alert-log",
    primary: false,
  });

  return (
    <Page title={t("title")} subtitle={t("range", { from: format.day(period.from), to: format.day(period.to) })} primaryAction={csvAction}>
      <BlockStack gap="400">
        <div role="group" aria-label={t("period.label")} data-testid="analytics-period">
          <ButtonGroup variant="segmented">
            {periods.map((days) => (
              <Button
                key={days}
                pressed={days === period.days}
                onClick={() => navigate(`?period=${days}`, { preventScrollReset: true })}
                accessibilityLabel={`${t("period.label")}: ${t("period.days", { count: days })}`}
              >
                {t("period.days", { count: days })}
              </Button>
            ))}
          </ButtonGroup>
        </div>
        {exportError ? (
          <Banner tone="critical" onDismiss={() => setExportError(false)}>
            {t("exportFailed")}
          </Banner>
        ) : null}
        {loading ? (
          <MetricsPageSkeleton testId="analytics-skeleton" charts={2} chartHeight={CHART_HEIGHT} />
        ) : empty ? (
          <EmptyPeriod everSent={everSent} />
        ) : (
          <AnalyticsView analytics={analytics} />
        )}
      </BlockStack>
    </Page>
  );
}

function EmptyPeriod({ everSent }: { everSent: boolean }) {
  const { t } = useTranslation(NS);
  return (
    <Card>
      <div data-testid="analytics-empty">
        <BlockStack gap="200">
          <Text as="h2" variant="headingMd">
            {t(everSent ? "empty.title" : "empty.titleNever")}
          </Text>
          <Text as="p">{t("empty.body")}</Text>
          {everSent ? (
            <Text as="p" tone="subdued">
              {t("empty.bodyPeriod")}
            </Text>
          ) : null}
        </BlockStack>
      </div>
    </Card>
  );
}

function AnalyticsView({ analytics }: { analytics: Analytics }) {
  return (
    <Layout>
      <Layout.Section>
        <Kpis analytics={analytics} />
      </Layout.Section>
      <Layout.Section>
        <AvoidedCard analytics={analytics} />
      </Layout.Section>
      <Layout.Section>
        <SeriesCard analytics={analytics} />
      </Layout.Section>
      <Layout.Section>
        <TypesCard analytics={analytics} />
      </Layout.Section>
      <Layout.Section>
        <ActionsCard analytics={analytics} />
      </Layout.Section>
      <Layout.Section>
        <VersionsCard analytics={analytics} />
      </Layout.Section>
      <Layout.Section>
        <FatigueCard findings={analytics.fatigue} streak={analytics.fatigueStreak} />
      </Layout.Section>
    </Layout>
  );
}

/** A rate, or a dash when there is nothing to divide by. */
function useRate() {
  const { t } = useTranslation(NS);
  const format = useFormat();
  return useCallback((value: number | null) => (value === null ? t("none") : format.percent(value)), [format, t]);
}

function Kpi({ title, value, detail, testId }: { title: string; value: string; detail: string; testId: string }) {
  return (
    <Card>
      <BlockStack gap="200">
        <Text as="h2" variant="headingSm">
          {title}
        </Text>
        <Text as="p" variant="heading2xl">
          <span data-testid={testId}>{value}</span>
        </Text>
        <Text as="p" tone="subdued">
          {detail}
        </Text>
      </BlockStack>
    </Card>
  );
}

function Kpis({ analytics }: { analytics: Analytics }) {
  const { t } = useTranslation(NS);
  const format = useFormat();
  const rate = useRate();
  const { totals } = analytics;
  const notes = analytics.actions.total;
  return (
    <InlineGrid columns={{ xs: 2, lg: 4 }} gap="400">
      <Kpi
        title={t("kpi.sent")}
        value={format.integer(totals.sent)}
        detail={[
          t("kpi.sentDetail", { delivered: format.integer(totals.delivered), rate: rate(totals.rates.delivery) }),
          t("kpi.bounced", { count: totals.bounced, formatted: format.integer(totals.bounced) }),
          t("kpi.complaints", { count: totals.complained, formatted: format.integer(totals.complained) }),
        ].join(" · ")}
        testId="analytics-sent"
      />
      <Kpi
        title={t("kpi.open")}
        value={rate(totals.rates.open)}
        detail={t("kpi.openDetail", { count: format.integer(totals.opened), delivered: format.integer(totals.delivered) })}
        testId="analytics-open-rate"
      />
      <Kpi
        title={t("kpi.click")}
        value={rate(totals.rates.click)}
        detail={t("kpi.clickDetail", { count: format.integer(totals.clicked), delivered: format.integer(totals.delivered) })}
        testId="analytics-click-rate"
      />
      <Kpi
        title={t("kpi.acted")}
        value={rate(notes.rate)}
        detail={t("kpi.actedDetail", {
          acted: format.integer(notes.acted),
          decided: format.integer(notes.notifications - notes.pending),
          pending: format.integer(notes.pending),
        })}
        testId="analytics-acted"
      />
    </InlineGrid>
  );
}

function CardTitle({ title, help }: { title: string; help?: string }) {
  return (
    <BlockStack gap="100">
      <Text as="h2" variant="headingMd">
        {title}
      </Text>
      {help ? (
        <Text as="p" tone="subdued">
          {help}
        </Text>
      ) : null}
    </BlockStack>
  );
}

function AvoidedCard({ analytics }: { analytics: Analytics }) {
  const { t } = useTranslation(NS);
  const format = useFormat();
  const { lostSales, roi, period } = analytics;
  const money = (value: number) => format.currency(value);
  const roiLine =
    roi.multiple === null || roi.avoided <= 0
      ? t("avoided.roiNone", { cost: money(roi.planCost), days: period.days })
      : roi.net >= 0
        ? t("avoided.roi", {
            multiple: t("avoided.multiple", { value: format.number(roi.multiple, 1) }),
            days: period.days,
            cost: money(roi.planCost),
            net: money(roi.net),
          })
        : t("avoided.roiBelow", { cost: money(roi.planCost), days: period.days, net: money(-roi.net) });
  return (
    <Card>
      <BlockStack gap="300">
        <Text as="h2" variant="headingMd">
          {t("avoided.title")}
        </Text>
        <Text as="p" variant="heading2xl" tone={lostSales.total > 0 ? "success" : undefined}>
          <span data-testid="analytics-avoided">{money(lostSales.total)}</span>
        </Text>
        <Text as="p">{lostSales.alerts > 0 ? t("avoided.count", { count: lostSales.alerts }) : t("avoided.noneYet")}</Text>
        <Text as="p" fontWeight="semibold">
          <span data-testid="analytics-roi">{roiLine}</span>
        </Text>
        {lostSales.items.length > 0 ? (
          <BlockStack gap="200">
            <Text as="h3" variant="headingSm">
              {t("avoided.top")}
            </Text>
            <FigureTable
              textColumns={3}
              headings={[t("columns.product"), t("columns.stockoutDate"), t("columns.restockDay"), t("columns.days"), t("columns.value")]}
              rows={lostSales.items.map((item) => [
                item.variantTitle && item.variantTitle !== "Default Title"
                  ? `${item.productTitle} · ${item.variantTitle}`
                  : item.productTitle,
                format.day(item.stockoutDate),
                format.day(item.restockDay),
                format.number(item.days, 1),
                money(item.value),
              ])}
            />
          </BlockStack>
        ) : null}
        <Text as="p" tone="subdued">
          <span data-testid="analytics-method">{t("avoided.method", { maxDays: lostSales.maxDays })}</span>
        </Text>
        <Text as="p" tone="subdued">
          {t("avoided.plan", { monthly: money(roi.planPriceMonthly) })}
        </Text>
      </BlockStack>
    </Card>
  );
}

type Cell = string;

/**
 * A table of figures: Polaris's DataTable (the first `textColumns` columns text, the others numbers) and, on phones,
 * a list with a label beside each value, because a table wider than the screen would scroll sideways in a region
 * the keyboard cannot reach.
 */
function FigureTable({
  headings,
  rows,
  textColumns = 1,
  phoneColumns,
  totals,
  totalsName,
}: {
  headings: string[];
  rows: Cell[][];
  textColumns?: number;
  /** The columns (after the first) a phone shows; all when omitted. */
  phoneColumns?: number[];
  totals?: Cell[];
  totalsName?: string;
}) {
  const { smDown } = useBreakpoints();
  if (!smDown) {
    return (
      <DataTable
        columnContentTypes={headings.map((_, index) => (index < textColumns ? "text" : "numeric"))}
        headings={headings}
        rows={rows}
        totals={totals}
        showTotalsInFooter={totals !== undefined}
        totalsName={totalsName ? { singular: totalsName, plural: totalsName } : undefined}
      />
    );
  }
  const all = totals && totalsName ? [...rows, [totalsName, ...totals.slice(1)]] : rows;
  return (
    <BlockStack gap="300">
      {all.map((row, index) => (
        <BlockStack gap="100" key={index}>
          {index > 0 ? <Divider /> : null}
          <Text as="h3" variant="headingSm">
            {row[0]}
          </Text>
          <InlineGrid columns={2} gap="100">
            {(phoneColumns ?? headings.map((_, index) => index).slice(1)).map((column) => (
              <Text as="p" key={column}>
                <Text as="span" tone="subdued">
                  {headings[column]}
                </Text>{" "}
                <Text as="span" fontWeight="medium">
                  {row[column]}
                </Text>
              </Text>
            ))}
          </InlineGrid>
        </BlockStack>
      ))}
    </BlockStack>
  );
}

const legendText = (value: string) => <span style={{ color: "#303030" }}>{value}</span>;

function SeriesCard({ analytics }: { analytics: Analytics }) {
  const { t } = useTranslation(NS);
  const format = useFormat();
  const dayTick = useCallback((day: string) => format.dayShort(day), [format]);
  const countTick = useCallback((value: number) => format.integer(value), [format]);
  const { smDown } = useBreakpoints();
  // Sent as bars behind the lines: a line would hide under "delivered" on every day nothing bounced.
  const lines = ["delivered", "opened", "clicked"] as const;
  const order = ["sent", ...lines];
  return (
    <Card>
      <BlockStack gap="300">
        <CardTitle title={t("series.title")} help={t("series.help")} />
        <Chart label={t("series.label")} testId="analytics-series-chart" height={CHART_HEIGHT}>
          {() => (
            <ComposedChart data={analytics.series} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
              <CartesianGrid stroke="#ebebeb" vertical={false} />
              <XAxis dataKey="day" tickFormatter={dayTick} minTickGap={24} tick={{ fontSize: 12 }} />
              <YAxis allowDecimals={false} tickFormatter={countTick} width={40} tick={{ fontSize: 12 }} />
              <Tooltip labelFormatter={(day) => format.day(String(day))} />
              <Legend wrapperStyle={{ fontSize: 12 }} formatter={legendText} itemSorter={(item) => order.indexOf(String(item.dataKey))} />
              <Bar dataKey="sent" name={t("series.sent")} fill={COLOURS.sentBar} isAnimationActive={false} maxBarSize={24} />
              {lines.map((key) => (
                <Line
                  key={key}
                  dataKey={key}
                  name={t(`series.${key}`)}
                  stroke={COLOURS[key]}
                  strokeWidth={2}
                  dot={!smDown && analytics.series.length <= 31}
                  isAnimationActive={false}
                />
              ))}
            </ComposedChart>
          )}
        </Chart>
      </BlockStack>
    </Card>
  );
}

function TypesCard({ analytics }: { analytics: Analytics }) {
  const { t } = useTranslation(NS);
  const format = useFormat();
  const rate = useRate();
  const percentTick = useCallback((value: number) => format.percent(value, 0), [format]);
  const bars = [
    ["delivery", COLOURS.delivered],
    ["open", COLOURS.opened],
    ["click", COLOURS.clicked],
    ["action", COLOURS.action],
  ] as const;
  const data = analytics.byType.map((row) => ({ type: t(`types.${row.type}`), ...row.rates }));
  return (
    <Card>
      <BlockStack gap="300">
        <CardTitle title={t("types.title")} />
        {/* Types down the side, so their names stay readable on a phone. */}
        <Chart label={t("types.label")} testId="analytics-types-chart" height={Math.max(160, data.length * 76 + 64)}>
          {() => (
            <BarChart data={data} layout="vertical" margin={{ top: 8, right: 16, bottom: 0, left: 0 }} barGap={1}>
              <CartesianGrid stroke="#ebebeb" horizontal={false} />
              <XAxis type="number" domain={[0, 1]} tickFormatter={percentTick} tick={{ fontSize: 12 }} />
              <YAxis type="category" dataKey="type" width={112} tick={{ fontSize: 12 }} interval={0} />
              <Tooltip formatter={(value) => (typeof value === "number" ? format.percent(value) : t("none"))} />
              <Legend
                wrapperStyle={{ fontSize: 12 }}
                formatter={legendText}
                itemSorter={(item) => bars.findIndex(([key]) => key === item.dataKey)}
              />
              {bars.map(([key, colour]) => (
                <Bar key={key} dataKey={key} name={t(`rates.${key}`)} fill={colour} isAnimationActive={false} maxBarSize={14} />
              ))}
            </BarChart>
          )}
        </Chart>
        <div data-testid="analytics-types">
          <FigureTable
            phoneColumns={[1, 8, 9, 10, 4, 5]}
            headings={[
              t("columns.type"),
              t("columns.sent"),
              t("columns.delivered"),
              t("columns.delayed"),
              t("columns.bounced"),
              t("columns.complained"),
              t("columns.opened"),
              t("columns.clicked"),
              t("columns.deliveryRate"),
              t("columns.openRate"),
              t("columns.clickRate"),
            ]}
            rows={analytics.byType.map((row) => [
              t(`types.${row.type}`),
              format.integer(row.sent),
              format.integer(row.delivered),
              format.integer(row.delayed),
              format.integer(row.bounced),
              format.integer(row.complained),
              format.integer(row.opened),
              format.integer(row.clicked),
              rate(row.rates.delivery),
              rate(row.rates.open),
              rate(row.rates.click),
            ])}
            totals={totalsRow(analytics.totals, format.integer, rate)}
            totalsName={t("types.all")}
          />
        </div>
      </BlockStack>
    </Card>
  );
}

function totalsRow(c: CountsRow, integer: (n: number) => string, rate: (n: number | null) => string): string[] {
  return [
    "",
    integer(c.sent),
    integer(c.delivered),
    integer(c.delayed),
    integer(c.bounced),
    integer(c.complained),
    integer(c.opened),
    integer(c.clicked),
    rate(c.rates.delivery),
    rate(c.rates.open),
    rate(c.rates.click),
  ];
}

function ActionsCard({ analytics }: { analytics: Analytics }) {
  const { t } = useTranslation(NS);
  const format = useFormat();
  const rate = useRate();
  const { rows, total } = analytics.actions;
  return (
    <Card>
      <BlockStack gap="300">
        <CardTitle title={t("actions.title")} help={t("actions.help", { count: analytics.windowDays })} />
        <div data-testid="analytics-actions">
          {rows.length === 0 ? (
            <Text as="p">{t("actions.none")}</Text>
          ) : (
            <FigureTable
              headings={[
                t("columns.type"),
                t("columns.alerts"),
                t("columns.acted"),
                t("columns.byRestock"),
                t("columns.byClick"),
                t("columns.pending"),
                t("columns.actionRate"),
              ]}
              rows={[...rows, total].map((row) => [
                t(`types.${row.type}`),
                format.integer(row.notifications),
                format.integer(row.acted),
                format.integer(row.byRestock),
                format.integer(row.byClick),
                format.integer(row.pending),
                rate(row.rate),
              ])}
            />
          )}
        </div>
      </BlockStack>
    </Card>
  );
}

function VersionsCard({ analytics }: { analytics: Analytics }) {
  const { t } = useTranslation(NS);
  const format = useFormat();
  const rate = useRate();
  return (
    <Card>
      <BlockStack gap="300">
        <CardTitle title={t("versions.title")} help={t("versions.help")} />
        <div data-testid="analytics-versions">
          <FigureTable
            textColumns={2}
            headings={[
              t("columns.template"),
              t("columns.version"),
              t("columns.sent"),
              t("columns.openRate"),
              t("columns.clickRate"),
              t("columns.actionRate"),
            ]}
            rows={analytics.byVersion.map((row) => [
              t(`types.${row.template}`),
              row.version,
              format.integer(row.sent),
              rate(row.rates.open),
              rate(row.rates.click),
              rate(row.rates.action),
            ])}
          />
        </div>
        <div data-testid="analytics-ab">
          {analytics.experiments.length === 0 ? (
            <Text as="p" tone="subdued">
              {t("versions.noTest")}
            </Text>
          ) : (
            <BlockStack gap="300">
              {analytics.experiments.map((experiment) => (
                <BlockStack gap="100" key={experiment.template}>
                  <Text as="h3" variant="headingSm">
                    {t("versions.testTitle", { template: t(`types.${experiment.template}`) })}
                  </Text>
                  {experiment.comparisons.map((comparison) => {
                    const control = experiment.versions.find((v) => v.version === comparison.control);
                    const variant = experiment.versions.find((v) => v.version === comparison.variant);
                    if (!control || !variant) return null;
                    return (["open", "click", "action"] as const).map((metric) => (
                      <Text as="p" key={`${comparison.variant}-${metric}`}>
                        {abStatement(t, metric, comparison[metric], {
                          control: comparison.control,
                          variant: comparison.variant,
                          controlRate: rate(control.rates[metric]),
                          variantRate: rate(variant.rates[metric]),
                          p: pValue(comparison[metric].pValue, format.number),
                        })}
                      </Text>
                    ));
                  })}
                </BlockStack>
              ))}
            </BlockStack>
          )}
        </div>
      </BlockStack>
    </Card>
  );
}

type T = ReturnType<typeof useTranslation>["t"];

function pValue(p: number | null, number: (value: number, digits?: number) => string): string {
  if (p === null) return "";
  return p < 0.001 ? `< ${number(0.001, 3)}` : number(p, 3);
}

function abStatement(
  t: T,
  metric: "open" | "click" | "action",
  test: ProportionTest,
  values: { control: string; variant: string; controlRate: string; variantRate: string; p: string },
): string {
  const name = t(`rates.${metric}`);
  if (!test.testable) return t("versions.tooFew", { metric: name });
  return t(test.significant ? "versions.significant" : "versions.notSignificant", { metric: name, ...values });
}

function recommendationText(t: T, finding: FatigueFinding, money: (value: number) => string): string {
  const r: Recommendation = finding.recommendation;
  switch (r.kind) {
    case "daily_digest":
      return t("fatigue.daily_digest", { what: t(`fatigue.what.${r.alertType}`) });
    case "weekly_digest":
      return t("fatigue.weekly_digest");
    case "raise_low_stock":
      return r.units !== null
        ? t("fatigue.raise_low_stock_units", { units: r.units })
        : t("fatigue.raise_low_stock_days", { days: r.days });
    case "min_lost_revenue":
      return t("fatigue.min_lost_revenue", { amount: money(r.current) });
    case "raise_dead_stock_value":
      return t("fatigue.raise_dead_stock_value", { amount: money(r.current) });
    case "fewer_types":
      return t("fatigue.fewer_types", { recipient: finding.recipient });
  }
}

function FatigueCard({ findings, streak }: { findings: FatigueFinding[]; streak: number }) {
  const { t } = useTranslation(NS);
  const format = useFormat();
  return (
    <Card>
      <BlockStack gap="300">
        <CardTitle title={t("fatigue.title")} help={t("fatigue.help", { count: streak })} />
        <div data-testid="analytics-fatigue">
          {findings.length === 0 ? (
            <Text as="p">{t("fatigue.none")}</Text>
          ) : (
            <BlockStack gap="300">
              {findings.map((finding) => (
                <Banner key={finding.recipient} tone="warning" title={finding.recipient}>
                  <BlockStack gap="100">
                    {finding.falling ? (
                      <Text as="p">
                        {t("fatigue.falling", {
                          previous: format.percent(finding.falling.previous),
                          recent: format.percent(finding.falling.recent),
                        })}
                      </Text>
                    ) : null}
                    {finding.unopened !== null ? <Text as="p">{t("fatigue.unopened", { count: finding.unopened })}</Text> : null}
                    <Text as="p" tone="subdued">
                      {t("fatigue.ignored", { type: t(`types.${finding.ignoredType}`) })}
                    </Text>
                    <InlineStack gap="100" wrap>
                      <Text as="span" fontWeight="semibold">
                        {t("fatigue.recommendation")}:
                      </Text>
                      <Text as="span">
                        <span data-testid="analytics-recommendation">
                          {recommendationText(t, finding, (value) => format.currency(value))} {t("fatigue.where")}
                        </span>
                      </Text>
                    </InlineStack>
                  </BlockStack>
                </Banner>
              ))}
            </BlockStack>
          )}
        </div>
      </BlockStack>
    </Card>
  );
}

export function ErrorBoundary() {
  return <RouteError />;
}
