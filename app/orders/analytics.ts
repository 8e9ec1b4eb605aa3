/**
 * The order analytics page (`/app/orders`, issue 17 item 7), its pure half: the filters read from the URL (validated,
 * with the default period and granularity and the longest period), the grouping of the database's per-day aggregates
 * into day, week or month buckets, the chart series by channel, the figures by channel and by location, the returns
 * rate, and the CSV rows. app/orders/analytics.server.ts reads the aggregates; docs/decisions/0053-order-analytics.md
 * says what counts and why.
 *
 * What counts is what counts as demand (docs/ARCHITECTURE.md): the lines of real orders, without test orders and
 * without cancelled ones. A completed draft order is a real order (channel "other") and counts; the page shows how
 * much of "other" came from drafts. Each order counts on its day in the shop's time zone (`Order.day`), and so do its
 * refunds, whenever they came: the returns rate of a period is the share of the units sold in it that were refunded.
 */
import { z } from "zod";
import { DbId, IsoDay } from "../api/params";
import type { CsvValue } from "../csv/writer";
import { addDays, dayToUtcDate, daysBetween, utcDateToDay } from "../dashboard/format";
import { ORDER_CHANNELS, type OrderChannel } from "../sync/records";

/** A channel as the page shows it: the three stored ones, and "unknown" for an order whose channel is not known yet (null). */
export type ChannelKey = OrderChannel | "unknown";
export const CHANNEL_KEYS: readonly ChannelKey[] = [...ORDER_CHANNELS, "unknown"];
export const CHANNEL_FILTERS = ["all", ...CHANNEL_KEYS] as const;
export type ChannelFilter = (typeof CHANNEL_FILTERS)[number];

export const GRANULARITIES = ["day", "week", "month"] as const;
export type Granularity = (typeof GRANULARITIES)[number];

/** The period shown without `from` and `to`: the last 30 days, today (the shop's) included. */
export const DEFAULT_DAYS = 30;
/**
 * The longest period: two years and a day, the history the store sync imports (24 months), so any one year can be
 * compared with the one before it. One aggregate over that many days of a million-order shop stays within a page load
 * (decision 0053).
 */
export const MAX_DAYS = 731;
/** The location of an order Shopify names none for (an online order before its first shipment). */
export const NO_LOCATION = "0";
/** Shopify's source name of an order completed from a draft order. */
export const DRAFT_SOURCE = "shopify_draft_order";

export const ORDERS_PARAMS = ["from", "to", "granularity", "channel", "location"] as const;

const Params = z.object({
  from: IsoDay.optional(),
  to: IsoDay.optional(),
  granularity: z.enum(GRANULARITIES).optional(),
  channel: z.enum(CHANNEL_FILTERS).optional(),
  /** "all", "0" (orders without a location) or a location's id; app/orders/analytics.server.ts checks it is the shop's. */
  location: z.union([z.literal("all"), z.literal(NO_LOCATION), DbId]).optional(),
});

export interface OrdersFilter {
  /** First and last day of the period, in the shop's time zone, both included. */
  from: string;
  to: string;
  granularity: Granularity;
  channel: ChannelFilter;
  /** "all", NO_LOCATION or a location id. */
  location: string;
}

export interface ParamIssue {
  param: string;
  message: string;
}

export type ParsedOrdersParams = { ok: true; filter: OrdersFilter } | { ok: false; issues: ParamIssue[] };

/** The granularity of a period when the URL names none: days up to three months, weeks up to a year, then months. */
export function defaultGranularity(from: string, to: string): Granularity {
  const days = daysBetween(from, to) + 1;
  if (days <= 92) return "day";
  if (days <= 366) return "week";
  return "month";
}

/**
 * The filters of `search` (an empty value is an absent one; a repeated one counts once), or what is wrong with them:
 * every bad value is refused, never dropped, so that the page and its CSV never show figures other than the ones
 * asked for. `today` (the shop's) ends the default period.
 */
export function parseOrdersParams(search: URLSearchParams, today: string): ParsedOrdersParams {
  const raw: Record<string, string> = {};
  for (const key of ORDERS_PARAMS) {
    const value = search.get(key);
    if (value !== null && value !== "") raw[key] = value;
  }
  const parsed = Params.safeParse(raw);
  if (!parsed.success) {
    return { ok: false, issues: parsed.error.issues.map((issue) => ({ param: String(issue.path[0] ?? ""), message: issue.message })) };
  }
  const to = parsed.data.to ?? today;
  const from = parsed.data.from ?? addDays(to, -(DEFAULT_DAYS - 1));
  const days = daysBetween(from, to) + 1;
  if (days < 1) return { ok: false, issues: [{ param: "from", message: "must not be after to" }] };
  if (days > MAX_DAYS) {
    return { ok: false, issues: [{ param: "from", message: `must be at most ${MAX_DAYS} days before to, counting both` }] };
  }
  return {
    ok: true,
    filter: {
      from,
      to,
      granularity: parsed.data.granularity ?? defaultGranularity(from, to),
      channel: parsed.data.channel ?? "all",
      location: parsed.data.location ?? "all",
    },
  };
}

/** The URL parameters of a filter (the period always; the others only when they are not the default). */
export function ordersSearch(filter: OrdersFilter): URLSearchParams {
  const search = new URLSearchParams({ from: filter.from, to: filter.to });
  if (filter.granularity !== defaultGranularity(filter.from, filter.to)) search.set("granularity", filter.granularity);
  if (filter.channel !== "all") search.set("channel", filter.channel);
  if (filter.location !== "all") search.set("location", filter.location);
  return search;
}

/** A filter changed by the merchant: a new period drops a granularity that was only its default. */
export function changeFilter(filter: OrdersFilter, change: Partial<OrdersFilter>): OrdersFilter {
  const next = { ...filter, ...change };
  const periodChanged = next.from !== filter.from || next.to !== filter.to;
  if (periodChanged && !("granularity" in change) && filter.granularity === defaultGranularity(filter.from, filter.to)) {
    next.granularity = defaultGranularity(next.from, next.to);
  }
  return next;
}

// ---------------------------------------------------------------------------------------------------------------
// Buckets

/** The first day of the bucket `day` falls in: itself, the Monday of its ISO week, or the first of its month. */
export function bucketStart(day: string, granularity: Granularity): string {
  if (granularity === "day") return day;
  if (granularity === "month") return `${day.slice(0, 8)}01`;
  const weekday = (dayToUtcDate(day).getUTCDay() + 6) % 7; // Monday 0 … Sunday 6
  return addDays(day, -weekday);
}

function nextBucket(start: string, granularity: Granularity): string {
  if (granularity === "day") return addDays(start, 1);
  if (granularity === "week") return addDays(start, 7);
  const date = dayToUtcDate(start);
  date.setUTCMonth(date.getUTCMonth() + 1);
  return utcDateToDay(date);
}

export interface Bucket {
  /** The bucket's key: its first day (a Monday for weeks, the 1st for months), even when the period starts later. */
  start: string;
  /** The days of the period it covers, both included. */
  from: string;
  to: string;
  /** The period covers only part of it (its first or last week or month). */
  partial: boolean;
}

/** Every bucket of the period, in order, empty ones included (the charts' time axis). */
export function bucketsOf(from: string, to: string, granularity: Granularity): Bucket[] {
  const buckets: Bucket[] = [];
  for (let start = bucketStart(from, granularity); start <= to; start = nextBucket(start, granularity)) {
    const end = addDays(nextBucket(start, granularity), -1);
    const first = start < from ? from : start;
    const last = end > to ? to : end;
    buckets.push({ start, from: first, to: last, partial: first !== start || last !== end });
  }
  return buckets;
}

// ---------------------------------------------------------------------------------------------------------------
// Figures

/** One row of the database's aggregate: the orders of one day, channel and location, drafts apart. */
export interface DayRow {
  day: string;
  channel: ChannelKey;
  locationId: string;
  /** Orders completed from a draft order (source name shopify_draft_order). */
  draft: boolean;
  orders: number;
  units: number;
  /** Line totals after line discounts, in the shop's currency, in cents (sums stay exact). */
  revenueCents: number;
  /** Units of these orders refunded so far, restocked or not; and of those, the restocked ones. */
  refundedUnits: number;
  restockedUnits: number;
}

export interface Figures {
  orders: number;
  /** Of `orders`, those completed from a draft order. */
  draftOrders: number;
  units: number;
  revenue: number;
  refundedUnits: number;
  restockedUnits: number;
  /** refundedUnits ÷ units; null without units sold. */
  returnsRate: number | null;
}

/** Refunded units ÷ units sold, or null when nothing was sold (a rate of nothing is not 0 %). */
export function returnsRate(refundedUnits: number, units: number): number | null {
  return units > 0 ? refundedUnits / units : null;
}

interface Sums {
  orders: number;
  draftOrders: number;
  units: number;
  revenueCents: number;
  refundedUnits: number;
  restockedUnits: number;
}

const zero = (): Sums => ({ orders: 0, draftOrders: 0, units: 0, revenueCents: 0, refundedUnits: 0, restockedUnits: 0 });

function add(sums: Sums, row: DayRow): Sums {
  sums.orders += row.orders;
  if (row.draft) sums.draftOrders += row.orders;
  sums.units += row.units;
  sums.revenueCents += row.revenueCents;
  sums.refundedUnits += row.refundedUnits;
  sums.restockedUnits += row.restockedUnits;
  return sums;
}

function figures(sums: Sums): Figures {
  const { revenueCents, ...rest } = sums;
  return { ...rest, revenue: revenueCents / 100, returnsRate: returnsRate(sums.refundedUnits, sums.units) };
}

/** The figures of all `rows` together. */
export function totalsOf(rows: readonly DayRow[]): Figures {
  return figures(rows.reduce(add, zero()));
}

function groupBy(rows: readonly DayRow[], key: (row: DayRow) => string): Map<string, Sums> {
  const groups = new Map<string, Sums>();
  for (const row of rows) {
    const k = key(row);
    groups.set(k, add(groups.get(k) ?? zero(), row));
  }
  return groups;
}

export interface ChannelFigures extends Figures {
  channel: ChannelKey;
}

/** The figures of each channel that has orders, in the channels' order (online store, POS, other, unknown). */
export function byChannel(rows: readonly DayRow[]): ChannelFigures[] {
  const groups = groupBy(rows, (row) => row.channel);
  return CHANNEL_KEYS.flatMap((channel) => {
    const sums = groups.get(channel);
    return sums ? [{ channel, ...figures(sums) }] : [];
  });
}

export interface LocationFigures extends Figures {
  locationId: string;
  /** The location's name; null for NO_LOCATION or a location the shop no longer lists. */
  name: string | null;
  /** Units by channel, for the chart. */
  unitsByChannel: Record<ChannelKey, number>;
}

const byChannelZero = (): Record<ChannelKey, number> => ({ online_store: 0, pos: 0, other: 0, unknown: 0 });

/** The figures of each location that has orders: most revenue first, then by name; "no location" last. */
export function byLocation(rows: readonly DayRow[], names: ReadonlyMap<string, string>): LocationFigures[] {
  const groups = groupBy(rows, (row) => row.locationId);
  const units = new Map<string, Record<ChannelKey, number>>();
  for (const row of rows) {
    const split = units.get(row.locationId) ?? byChannelZero();
    split[row.channel] += row.units;
    units.set(row.locationId, split);
  }
  return [...groups.entries()]
    .map(([locationId, sums]) => ({
      locationId,
      name: locationId === NO_LOCATION ? null : (names.get(locationId) ?? null),
      unitsByChannel: units.get(locationId) ?? byChannelZero(),
      ...figures(sums),
    }))
    .sort(
      (a, b) =>
        Number(a.locationId === NO_LOCATION) - Number(b.locationId === NO_LOCATION) ||
        b.revenue - a.revenue ||
        (a.name ?? "").localeCompare(b.name ?? "") ||
        a.locationId.localeCompare(b.locationId),
    );
}

/** One point of a chart: a bucket and a value per channel. */
export type SeriesPoint = Bucket & Record<ChannelKey, number>;

export interface Series {
  units: SeriesPoint[];
  /** In the shop's currency (not cents). */
  revenue: SeriesPoint[];
}

/** Units and revenue per bucket, one value per channel (zero where none), every bucket of the period present. */
export function seriesOf(rows: readonly DayRow[], filter: Pick<OrdersFilter, "from" | "to" | "granularity">): Series {
  const buckets = bucketsOf(filter.from, filter.to, filter.granularity);
  const units = new Map<string, Record<ChannelKey, number>>(buckets.map((b) => [b.start, byChannelZero()]));
  const cents = new Map<string, Record<ChannelKey, number>>(buckets.map((b) => [b.start, byChannelZero()]));
  for (const row of rows) {
    const start = bucketStart(row.day, filter.granularity);
    const u = units.get(start);
    const c = cents.get(start);
    if (!u || !c) continue; // outside the period: the query never returns one
    u[row.channel] += row.units;
    c[row.channel] += row.revenueCents;
  }
  return {
    units: buckets.map((b) => ({ ...b, ...units.get(b.start)! })),
    revenue: buckets.map((b) => {
      const c = cents.get(b.start)!;
      return { ...b, online_store: c.online_store / 100, pos: c.pos / 100, other: c.other / 100, unknown: c.unknown / 100 };
    }),
  };
}

export interface OrderAnalytics {
  totals: Figures;
  /** The orders completed from draft orders (all in "other" once their channel is known); null when there are none. */
  drafts: Figures | null;
  /** The channels that have orders in the period (what the charts draw and their legends name). */
  channels: ChannelKey[];
  series: Series;
  byChannel: ChannelFigures[];
  byLocation: LocationFigures[];
}

/** Everything the page shows, from the database's per-day rows of the filtered period. */
export function buildOrderAnalytics(rows: readonly DayRow[], filter: OrdersFilter, names: ReadonlyMap<string, string>): OrderAnalytics {
  const channels = byChannel(rows);
  const drafts = rows.filter((row) => row.draft);
  return {
    totals: totalsOf(rows),
    drafts: drafts.length > 0 ? totalsOf(drafts) : null,
    channels: channels.map((c) => c.channel),
    series: seriesOf(rows, filter),
    byChannel: channels,
    byLocation: byLocation(rows, names),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// CSV

/** The export's columns, in order; their titles are in the merchant's language (`orders:csv.<column>`). */
export const CSV_COLUMNS = [
  "periodStart",
  "periodEnd",
  "channel",
  "locationId",
  "location",
  "orders",
  "draftOrders",
  "units",
  "revenue",
  "currency",
  "refundedUnits",
  "restockedUnits",
  "returnsRate",
] as const;
export type CsvColumn = (typeof CSV_COLUMNS)[number];

export interface CsvLabels {
  channel: (channel: ChannelKey) => string;
  /** The name of a location without one in the shop's list (NO_LOCATION, or one removed since). */
  location: (locationId: string) => string;
}

/**
 * The export's rows: one per bucket, channel and location that has orders, in that order (the page's figures broken
 * down, so that they add up to its totals). Dates are ISO days; money is a number in the shop's currency; the rate
 * is a share 0–1 (the writer keeps three decimals), empty when nothing was sold.
 */
export function csvRows(
  rows: readonly DayRow[],
  filter: OrdersFilter,
  names: ReadonlyMap<string, string>,
  currency: string | null,
  labels: CsvLabels,
): CsvValue[][] {
  const buckets = new Map(bucketsOf(filter.from, filter.to, filter.granularity).map((b) => [b.start, b]));
  const channelOrder = (channel: ChannelKey) => CHANNEL_KEYS.indexOf(channel);
  const groups = groupBy(rows, (row) => `${bucketStart(row.day, filter.granularity)}|${row.channel}|${row.locationId}`);
  return [...groups.entries()]
    .map(([key, sums]) => {
      const [start, channel, locationId] = key.split("|") as [string, ChannelKey, string];
      return { bucket: buckets.get(start), channel, locationId, sums };
    })
    .filter((g): g is typeof g & { bucket: Bucket } => g.bucket !== undefined)
    .sort(
      (a, b) =>
        a.bucket.start.localeCompare(b.bucket.start) ||
        channelOrder(a.channel) - channelOrder(b.channel) ||
        Number(a.locationId === NO_LOCATION) - Number(b.locationId === NO_LOCATION) ||
        a.locationId.localeCompare(b.locationId, "en", { numeric: true }),
    )
    .map(({ bucket, channel, locationId, sums }) => {
      const f = figures(sums);
      const name = locationId === NO_LOCATION ? null : (names.get(locationId) ?? null);
      return [
        bucket.from,
        bucket.to,
        labels.channel(channel),
        locationId === NO_LOCATION ? null : locationId,
        name ?? labels.location(locationId),
        f.orders,
        f.draftOrders,
        f.units,
        f.revenue,
        currency,
        f.refundedUnits,
        f.restockedUnits,
        f.returnsRate,
      ];
    });
}
