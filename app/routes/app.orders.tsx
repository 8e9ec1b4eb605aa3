import type { LoaderFunctionArgs } from "@remix-run/node";
import { isRouteErrorResponse, useLoaderData, useNavigate, useNavigation, useRouteError } from "@remix-run/react";
import {
  Banner,
  BlockStack,
  Button,
  ButtonGroup,
  Card,
  DataTable,
  Divider,
  EmptyState,
  InlineGrid,
  InlineStack,
  Layout,
  Page,
  Select,
  Text,
  TextField,
  useBreakpoints,
} from "@shopify/polaris";
import { useCallback, useMemo, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { Bar, BarChart, CartesianGrid, Legend, Tooltip, XAxis, YAxis } from "recharts";
import { z } from "zod";
import { MetricsPageSkeleton } from "../components/PageSkeleton";
import { Chart } from "../components/Chart";
import { useCsvAction } from "../components/csvAction";
import { RouteError } from "../components/RouteError";
import { csvRefusal } from "../dashboard/csv-response.server";
import { downloadFile } from "../dashboard/download";
import { useFormat } from "../dashboard/FormatContext";
import { addDays, dayToUtcDate, daysBetween, type Formatter } from "../dashboard/format";
import { requireShop } from "../dashboard/shop.server";
import {
  CHANNEL_FILTERS,
  CHANNEL_KEYS,
  DEFAULT_DAYS,
  GRANULARITIES,
  MAX_DAYS,
  NO_LOCATION,
  changeFilter,
  ordersSearch,
  type ChannelKey,
  type Figures,
  type Granularity,
  type OrdersFilter,
  type SeriesPoint,
} from "../orders/analytics";
import { invalidParamsResponse, loadOrderAnalytics } from "../orders/analytics.server";

/**
 * `GET /app/orders?from=&to=&granularity=&channel=&location=`: units, sales, orders and the returns rate of the shop's
 * orders over a period (the last 30 days without one, at most 731), by day, week or month, by sales channel and by
 * location; CSV at /app/orders.csv with the same filters. A filter that cannot be used answers 400 (the error
 * boundary says which), never figures other than the ones asked for.
 */
export const loader = async ({ request }: LoaderFunctionArgs) => {
  const shop = await requireShop(request);
  const [result, csv] = await Promise.all([loadOrderAnalytics(shop, new URL(request.url).searchParams), csvRefusal(shop.id)]);
  if (!result.ok) throw invalidParamsResponse(result.issues);
  return { ...result.page, csv };
};

type Data = ReturnType<typeof useLoaderData<typeof loader>>;
type Analytics = Data["analytics"];

const NS = "orders";
const PATH = "/app/orders";
const CHART_HEIGHT = 280;
const PRESETS = [7, 30, 90, 365] as const;
const ISO_DAY = /^\d{4}-\d{2}-\d{2}$/;
/** Polaris palette colours with enough contrast on white, one per channel. */
const COLOURS: Record<ChannelKey, string> = { online_store: "#005bd3", pos: "#2c6e49", other: "#b44d00", unknown: "#737373" };

export default function OrdersPage() {
  const data = useLoaderData<typeof loader>();
  const { filter, analytics, anyOrders, importing, csv } = data;
  const { t, i18n } = useTranslation(NS);
  const format = useFormat();
  const navigation = useNavigation();
  const loading = navigation.state === "loading" && navigation.location.pathname === PATH;
  const [exporting, setExporting] = useState(false);
  const [exportError, setExportError] = useState(false);

  const exportCsv = async () => {
    setExporting(true);
    setExportError(false);
    try {
      // The export's titles and names in the page's language (the admin gives the page its ?locale=, not the fetch).
      const search = ordersSearch(filter);
      search.set("locale", i18n.language);
      await downloadFile(`${PATH}.csv?${search}`, "fluxor-orders.csv");
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
    id: "export-orders",
    primary: false,
  });

  return (
    <Page
      title={t("title")}
      subtitle={t("subtitle", { from: format.day(filter.from), to: format.day(filter.to) })}
      primaryAction={csvAction}
    >
      <BlockStack gap="400">
        {/* Keyed by the filter: after a navigation the fields show the filter of the page. */}
        <Filters key={ordersSearch(filter).toString()} data={data} />
        {exportError ? (
          <Banner tone="critical" onDismiss={() => setExportError(false)}>
            {t("exportFailed")}
          </Banner>
        ) : null}
        {importing && anyOrders ? <Banner tone="info">{t("importing")}</Banner> : null}
        {loading ? (
          <MetricsPageSkeleton testId="orders-skeleton" charts={2} chartHeight={CHART_HEIGHT} />
        ) : !anyOrders ? (
          <NoOrders importing={importing} />
        ) : analytics.totals.orders === 0 ? (
          <Card>
            <div data-testid="orders-empty-filtered">
              <BlockStack gap="200">
                <Text as="h2" variant="headingMd">
                  {t("empty.filteredTitle")}
                </Text>
                <Text as="p">{t("empty.filteredBody")}</Text>
              </BlockStack>
            </div>
          </Card>
        ) : (
          <OrdersView analytics={analytics} granularity={filter.granularity} />
        )}
      </BlockStack>
    </Page>
  );
}

/** The filters: period (presets or two days), grouping, channel and location, each kept in the URL. */
function Filters({ data }: { data: Data }) {
  const { filter, today, locations } = data;
  const { t } = useTranslation(NS);
  const navigate = useNavigate();
  const [from, setFrom] = useState(filter.from);
  const [to, setTo] = useState(filter.to);
  const go = (change: Partial<OrdersFilter>) => navigate(`?${ordersSearch(changeFilter(filter, change))}`, { preventScrollReset: true });
  const days = daysBetween(filter.from, filter.to) + 1;
  // The typed period is checked here, so a slip shows beside the field instead of the page's refusal.
  const complete = ISO_DAY.test(from) && ISO_DAY.test(to);
  const periodError = !complete
    ? undefined
    : from > to
      ? t("filters.errorOrder")
      : daysBetween(from, to) + 1 > MAX_DAYS
        ? t("filters.errorSpan", { days: MAX_DAYS })
        : undefined;
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (complete && !periodError) go({ from, to });
  };
  const preset = (count: number) => go({ from: addDays(today, -(count - 1)), to: today });
  const locationOptions = [
    { label: t("filters.allLocations"), value: "all" },
    ...locations.map((l) => ({ label: l.active ? l.name : t("filters.inactive", { name: l.name }), value: l.id })),
    { label: t("noLocation"), value: NO_LOCATION },
  ];
  return (
    <Card>
      <form onSubmit={submit} aria-label={t("filters.label")} data-testid="orders-filters">
        <BlockStack gap="300">
          <div role="group" aria-label={t("filters.period")} data-testid="orders-presets">
            <ButtonGroup variant="segmented">
              {PRESETS.map((count) => (
                <Button key={count} pressed={filter.to === today && days === count} onClick={() => preset(count)}>
                  {t("filters.days", { count })}
                </Button>
              ))}
            </ButtonGroup>
          </div>
          <InlineGrid columns={{ xs: 1, sm: 3 }} gap="300" alignItems="end">
            <TextField label={t("filters.from")} type="date" value={from} onChange={setFrom} autoComplete="off" name="from" />
            <TextField label={t("filters.to")} type="date" value={to} onChange={setTo} autoComplete="off" name="to" error={periodError} />
            <div>
              <Button submit disabled={!complete || periodError !== undefined}>
                {t("filters.apply")}
              </Button>
            </div>
          </InlineGrid>
          <InlineGrid columns={{ xs: 1, sm: 3 }} gap="300">
            <Select
              label={t("filters.granularity")}
              name="granularity"
              options={GRANULARITIES.map((value) => ({ label: t(`granularity.${value}`), value }))}
              value={filter.granularity}
              onChange={(value) => go({ granularity: value as Granularity })}
            />
            <Select
              label={t("filters.channel")}
              name="channel"
              options={CHANNEL_FILTERS.map((value) => ({
                label: value === "all" ? t("filters.allChannels") : t(`channels.${value}`),
                value,
              }))}
              value={filter.channel}
              onChange={(value) => go({ channel: value as OrdersFilter["channel"] })}
            />
            <Select
              label={t("filters.location")}
              name="location"
              options={locationOptions}
              value={filter.location}
              onChange={(value) => go({ location: value })}
            />
          </InlineGrid>
        </BlockStack>
      </form>
    </Card>
  );
}

function NoOrders({ importing }: { importing: boolean }) {
  const { t } = useTranslation(NS);
  return (
    <Card>
      <div data-testid={importing ? "orders-empty-importing" : "orders-empty"}>
        <EmptyState
          heading={t(importing ? "empty.importingTitle" : "empty.noneTitle")}
          action={importing ? { content: t("empty.importingAction"), url: "/app/sync" } : undefined}
          image=""
        >
          <p>{t(importing ? "empty.importingBody" : "empty.noneBody")}</p>
        </EmptyState>
      </div>
    </Card>
  );
}

/** A rate, or a dash when nothing was sold. */
function useRate() {
  const { t } = useTranslation(NS);
  const format = useFormat();
  return useCallback((value: number | null) => (value === null ? t("none") : format.percent(value)), [format, t]);
}

function OrdersView({ analytics, granularity }: { analytics: Analytics; granularity: Granularity }) {
  return (
    <Layout>
      <Layout.Section>
        <Kpis analytics={analytics} />
      </Layout.Section>
      <Layout.Section>
        <TimeCard analytics={analytics} granularity={granularity} metric="units" />
      </Layout.Section>
      <Layout.Section>
        <TimeCard analytics={analytics} granularity={granularity} metric="revenue" />
      </Layout.Section>
      <Layout.Section>
        <ChannelsCard analytics={analytics} />
      </Layout.Section>
      <Layout.Section>
        <LocationsCard analytics={analytics} />
      </Layout.Section>
      <Layout.Section>
        <NotesCard />
      </Layout.Section>
    </Layout>
  );
}

function Kpi({ title, value, detail, testId }: { title: string; value: string; detail?: string; testId: string }) {
  return (
    <Card>
      <BlockStack gap="200">
        <Text as="h2" variant="headingSm">
          {title}
        </Text>
        <Text as="p" variant="headingXl" breakWord>
          <span data-testid={testId}>{value}</span>
        </Text>
        {detail ? (
          <Text as="p" tone="subdued">
            {detail}
          </Text>
        ) : null}
      </BlockStack>
    </Card>
  );
}

function Kpis({ analytics }: { analytics: Analytics }) {
  const { t } = useTranslation(NS);
  const format = useFormat();
  const rate = useRate();
  const { totals, drafts } = analytics;
  return (
    <InlineGrid columns={{ xs: 2, lg: 4 }} gap="400">
      <Kpi
        title={t("kpi.orders")}
        value={format.integer(totals.orders)}
        detail={drafts ? t("kpi.ordersDetail", { drafts: format.integer(drafts.orders) }) : undefined}
        testId="orders-orders"
      />
      <Kpi
        title={t("kpi.units")}
        value={format.integer(totals.units)}
        detail={t("kpi.unitsDetail", { perOrder: format.number(totals.units / totals.orders, 1) })}
        testId="orders-units"
      />
      <Kpi
        title={t("kpi.revenue")}
        value={format.currency(totals.revenue)}
        detail={t("kpi.revenueDetail", { average: format.currency(totals.revenue / totals.orders) })}
        testId="orders-revenue"
      />
      <Kpi
        title={t("kpi.returns")}
        value={rate(totals.returnsRate)}
        detail={t("kpi.returnsDetail", {
          refunded: format.integer(totals.refundedUnits),
          units: format.integer(totals.units),
          restocked: format.integer(totals.restockedUnits),
        })}
        testId="orders-returns-rate"
      />
    </InlineGrid>
  );
}

const legendText = (value: string) => <span style={{ color: "#303030" }}>{value}</span>;
/** Legends list the channels in their order, not by name. */
const channelOrder = (item: { dataKey?: unknown }) => CHANNEL_KEYS.indexOf(item.dataKey as ChannelKey);

/** How a bucket is named on the axis and in the tooltip: a day, a week's days, a month; `*` when the period has only part of it. */
function useBucketNames(granularity: Granularity, format: Formatter) {
  const month = useMemo(
    () => ({
      short: new Intl.DateTimeFormat(format.settings.locale, { month: "short", year: "2-digit", timeZone: "UTC" }),
      long: new Intl.DateTimeFormat(format.settings.locale, { month: "long", year: "numeric", timeZone: "UTC" }),
    }),
    [format.settings.locale],
  );
  const mark = (point: SeriesPoint) => (point.partial ? "*" : "");
  return {
    tick: (point: SeriesPoint) =>
      (granularity === "month" ? month.short.format(dayToUtcDate(point.start)) : format.dayShort(point.from)) + mark(point),
    label: (point: SeriesPoint) => {
      if (granularity === "day") return format.day(point.from);
      if (granularity === "month") return month.long.format(dayToUtcDate(point.start)) + mark(point);
      return `${format.day(point.from)} – ${format.day(point.to)}${mark(point)}`;
    },
  };
}

function TimeCard({ analytics, granularity, metric }: { analytics: Analytics; granularity: Granularity; metric: "units" | "revenue" }) {
  const { t } = useTranslation(NS);
  const format = useFormat();
  const names = useBucketNames(granularity, format);
  const points = analytics.series[metric];
  const byStart = useMemo(() => new Map(points.map((point) => [point.start, point])), [points]);
  const value = (v: number) => (metric === "units" ? format.integer(v) : format.currency(v));
  const tick = (v: number) => (metric === "units" ? format.integer(v) : format.currency(v, { compact: true }));
  return (
    <Card>
      <BlockStack gap="300">
        <BlockStack gap="100">
          <Text as="h2" variant="headingMd">
            {t(`charts.${metric}.title`)}
          </Text>
          <Text as="p" tone="subdued">
            {t("charts.help")}
          </Text>
        </BlockStack>
        <Chart label={t(`charts.${metric}.label`)} testId={`orders-${metric}-chart`} height={CHART_HEIGHT}>
          {() => (
            <BarChart data={points} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
              <CartesianGrid stroke="#ebebeb" vertical={false} />
              <XAxis
                dataKey="start"
                tickFormatter={(start: string) => {
                  const point = byStart.get(start);
                  return point ? names.tick(point) : start;
                }}
                minTickGap={16}
                tick={{ fontSize: 12 }}
              />
              <YAxis allowDecimals={false} tickFormatter={tick} width={metric === "units" ? 48 : 88} tick={{ fontSize: 12 }} />
              <Tooltip
                labelFormatter={(start) => {
                  const point = byStart.get(String(start));
                  return point ? names.label(point) : String(start);
                }}
                formatter={(v) => (typeof v === "number" ? value(v) : String(v))}
              />
              <Legend wrapperStyle={{ fontSize: 12 }} formatter={legendText} itemSorter={channelOrder} />
              {analytics.channels.map((channel) => (
                <Bar
                  key={channel}
                  dataKey={channel}
                  name={t(`channels.${channel}`)}
                  stackId="channels"
                  fill={COLOURS[channel]}
                  isAnimationActive={false}
                  maxBarSize={32}
                />
              ))}
            </BarChart>
          )}
        </Chart>
      </BlockStack>
    </Card>
  );
}

type Cell = string;

/**
 * A table of figures: Polaris's DataTable (the first column text, the others numbers) and, on phones, a list with a
 * label beside each value, since a table wider than the screen would scroll sideways.
 */
function FigureTable({ headings, rows, totals, totalsName }: { headings: string[]; rows: Cell[][]; totals: Cell[]; totalsName: string }) {
  const { smDown } = useBreakpoints();
  if (!smDown) {
    return (
      <DataTable
        columnContentTypes={headings.map((_, index) => (index === 0 ? "text" : "numeric"))}
        headings={headings}
        rows={rows}
        totals={totals}
        showTotalsInFooter
        totalsName={{ singular: totalsName, plural: totalsName }}
      />
    );
  }
  return (
    <BlockStack gap="300">
      {[...rows, [totalsName, ...totals.slice(1)]].map((row, index) => (
        <BlockStack gap="100" key={index}>
          {index > 0 ? <Divider /> : null}
          <Text as="h3" variant="headingSm">
            {row[0]}
          </Text>
          <InlineGrid columns={2} gap="100">
            {headings.slice(1).map((heading, column) => (
              <Text as="p" key={heading}>
                <Text as="span" tone="subdued">
                  {heading}
                </Text>{" "}
                <Text as="span" fontWeight="medium">
                  {row[column + 1]}
                </Text>
              </Text>
            ))}
          </InlineGrid>
        </BlockStack>
      ))}
    </BlockStack>
  );
}

function useFigureCells() {
  const format = useFormat();
  const rate = useRate();
  return useCallback(
    (name: string, f: Figures): Cell[] => [
      name,
      format.integer(f.orders),
      format.integer(f.units),
      format.currency(f.revenue),
      rate(f.returnsRate),
    ],
    [format, rate],
  );
}

function ChannelsCard({ analytics }: { analytics: Analytics }) {
  const { t } = useTranslation(NS);
  const cells = useFigureCells();
  const rows = analytics.byChannel.flatMap((row) => {
    const line = cells(t(`channels.${row.channel}`), row);
    return row.channel === "other" && analytics.drafts ? [line, cells(`↳ ${t("drafts")}`, analytics.drafts)] : [line];
  });
  return (
    <Card>
      <BlockStack gap="300">
        <Text as="h2" variant="headingMd">
          {t("tables.channels")}
        </Text>
        <div data-testid="orders-channels">
          <FigureTable
            headings={["channel", "orders", "units", "revenue", "returnsRate"].map((column) => t(`tables.columns.${column}`))}
            rows={rows}
            totals={cells("", analytics.totals)}
            totalsName={t("tables.all")}
          />
        </div>
      </BlockStack>
    </Card>
  );
}

function LocationsCard({ analytics }: { analytics: Analytics }) {
  const { t } = useTranslation(NS);
  const format = useFormat();
  const cells = useFigureCells();
  const nameOf = (l: Analytics["byLocation"][number]) =>
    l.locationId === NO_LOCATION ? t("noLocation") : (l.name ?? t("unknownLocation", { id: l.locationId }));
  const data = analytics.byLocation.map((l) => ({ name: nameOf(l), ...l.unitsByChannel }));
  return (
    <Card>
      <BlockStack gap="300">
        <Text as="h2" variant="headingMd">
          {t("tables.locations")}
        </Text>
        {/* Locations down the side, so their names stay readable on a phone. */}
        <Chart label={t("charts.locations.label")} testId="orders-locations-chart" height={Math.max(160, data.length * 48 + 64)}>
          {() => (
            <BarChart data={data} layout="vertical" margin={{ top: 8, right: 16, bottom: 0, left: 0 }}>
              <CartesianGrid stroke="#ebebeb" horizontal={false} />
              <XAxis type="number" allowDecimals={false} tickFormatter={(v: number) => format.integer(v)} tick={{ fontSize: 12 }} />
              <YAxis type="category" dataKey="name" width={128} tick={{ fontSize: 12 }} interval={0} />
              <Tooltip formatter={(v) => (typeof v === "number" ? format.integer(v) : String(v))} />
              <Legend wrapperStyle={{ fontSize: 12 }} formatter={legendText} itemSorter={channelOrder} />
              {analytics.channels.map((channel) => (
                <Bar
                  key={channel}
                  dataKey={channel}
                  name={t(`channels.${channel}`)}
                  stackId="channels"
                  fill={COLOURS[channel]}
                  isAnimationActive={false}
                  maxBarSize={24}
                />
              ))}
            </BarChart>
          )}
        </Chart>
        <div data-testid="orders-locations">
          <FigureTable
            headings={["location", "orders", "units", "revenue", "returnsRate"].map((column) => t(`tables.columns.${column}`))}
            rows={analytics.byLocation.map((l) => cells(nameOf(l), l))}
            totals={cells("", analytics.totals)}
            totalsName={t("tables.all")}
          />
        </div>
      </BlockStack>
    </Card>
  );
}

function NotesCard() {
  const { t } = useTranslation(NS);
  return (
    <Card>
      <BlockStack gap="200">
        <Text as="h2" variant="headingMd">
          {t("notes.title")}
        </Text>
        <div data-testid="orders-notes">
          <BlockStack gap="200">
            {(["counted", "drafts", "returns", "unknown", "noLocation"] as const).map((key) => (
              <Text as="p" tone="subdued" key={key}>
                {t(`notes.${key}`)}
              </Text>
            ))}
          </BlockStack>
        </div>
      </BlockStack>
    </Card>
  );
}

const RefusedFilters = z.object({ issues: z.array(z.object({ param: z.string() })) });

/** A filter that cannot be used (400) says which, with a way back to the default period; anything else is the app's error page. */
export function ErrorBoundary() {
  const error = useRouteError();
  const { t } = useTranslation(NS);
  const refused = isRouteErrorResponse(error) && error.status === 400 ? RefusedFilters.safeParse(error.data) : null;
  if (!refused?.success) return <RouteError />;
  const params = [...new Set(refused.data.issues.map((issue) => issue.param))].join(", ");
  return (
    <Page title={t("title")}>
      <Banner tone="critical" title={t("invalid.title")}>
        <BlockStack gap="200">
          <p data-testid="orders-invalid">{t("invalid.body", { params, days: MAX_DAYS })}</p>
          <InlineStack>
            <Button url={PATH}>{t("invalid.reset", { days: DEFAULT_DAYS })}</Button>
          </InlineStack>
        </BlockStack>
      </Banner>
    </Page>
  );
}
