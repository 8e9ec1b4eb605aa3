/**
 * Order analytics from the database: one aggregate per page load, grouped in SQL by the orders' day (the shop's time
 * zone), channel and location, so that a million-order shop sends a few thousand rows to the app, never its orders.
 * Every query is scoped by the shop's id; the orders are found through the `(shopId, day, channel)` index. What the
 * figures mean is in ./analytics.ts and docs/decisions/0053-order-analytics.md.
 */
import { csvLine } from "../csv/writer";
import { pool, type Queryable } from "../db/pool.server";
import { addDays } from "../dashboard/format";
import type { Shop } from "../shops/lookup.server";
import {
  buildOrderAnalytics,
  csvRows,
  DRAFT_SOURCE,
  NO_LOCATION,
  parseOrdersParams,
  type CsvLabels,
  type DayRow,
  type OrderAnalytics,
  type OrdersFilter,
  type ParamIssue,
} from "./analytics";

/**
 * The 400 of a page or an export asked with filters it cannot use: the issues, for a program and for the page's error
 * boundary, which names them in the merchant's language.
 */
export function invalidParamsResponse(issues: readonly ParamIssue[]): Response {
  return new Response(JSON.stringify({ error: "invalid_parameters", issues }), {
    status: 400,
    headers: {
      "Content-Type": "application/json; charset=utf-8",
      "Cache-Control": "private, no-store",
      "X-Content-Type-Options": "nosniff",
    },
  });
}

export interface ShopLocation {
  id: string;
  name: string;
  active: boolean;
}

/** The shop's locations, active ones first, by name. */
export async function shopLocations(db: Queryable, shopId: string): Promise<ShopLocation[]> {
  const { rows } = await db.query<ShopLocation>(
    `SELECT id::text AS id, name, "isActive" AS active FROM "Location" WHERE "shopId" = $1 ORDER BY "isActive" DESC, name, id`,
    [shopId],
  );
  return rows;
}

export type ResolvedFilter = { ok: true; filter: OrdersFilter; locations: ShopLocation[] } | { ok: false; issues: ParamIssue[] };

/**
 * The filters of a request for `shop`, or what is wrong with them: as parsed by parseOrdersParams (the shop's today
 * ends the default period), and a location that is not one of the shop's is refused, like any other bad value.
 */
export async function resolveFilter(shop: Shop, search: URLSearchParams, db: Queryable = pool()): Promise<ResolvedFilter> {
  const parsed = parseOrdersParams(search, addDays(shop.yesterday, 1));
  if (!parsed.ok) return parsed;
  const locations = await shopLocations(db, shop.id);
  const { location } = parsed.filter;
  if (location !== "all" && location !== NO_LOCATION && !locations.some((l) => l.id === location)) {
    return { ok: false, issues: [{ param: "location", message: "must be a location of this shop" }] };
  }
  return { ok: true, filter: parsed.filter, locations };
}

interface AggregateRow {
  day: string;
  channel: DayRow["channel"];
  locationId: string;
  draft: boolean;
  orders: number;
  units: string;
  revenueCents: string;
  refundedUnits: string;
  restockedUnits: string;
}

/**
 * The filtered period's orders grouped by day, channel, location and draft-ness. The orders are read once, by the
 * `(shopId, day, channel)` index (a channel filter is an index condition), then their lines and refund lines are
 * summed per order through the `(shopId, orderId)` indexes, and everything is grouped per day. Test and cancelled
 * orders are left out, as they are from demand.
 */
export async function dayRows(db: Queryable, shopId: string, filter: OrdersFilter): Promise<DayRow[]> {
  const params: unknown[] = [shopId, filter.from, filter.to, DRAFT_SOURCE];
  const where: string[] = [];
  if (filter.channel === "unknown") where.push(`o.channel IS NULL`);
  else if (filter.channel !== "all") where.push(`o.channel = $${params.push(filter.channel)}`);
  if (filter.location !== "all") where.push(`o."locationId" = $${params.push(filter.location)}::bigint`);
  const { rows } = await db.query<AggregateRow>(
    `WITH o AS MATERIALIZED (
       SELECT o.id, o.day, coalesce(o.channel, 'unknown') AS channel, o."locationId", coalesce(o."sourceName" = $4, false) AS draft
         FROM "Order" o
        WHERE o."shopId" = $1 AND o.day BETWEEN $2::date AND $3::date AND NOT o.test AND o."cancelledAt" IS NULL
              ${where.map((condition) => `AND ${condition}`).join(" ")}
     ), counts AS (
       SELECT day, channel, "locationId", draft, count(*)::int AS orders FROM o GROUP BY day, channel, "locationId", draft
     ), lines AS (
       SELECT o.day, o.channel, o."locationId", o.draft, sum(l.quantity) AS units, sum(l."discountedTotal") AS revenue
         FROM o JOIN "OrderLine" l ON l."shopId" = $1 AND l."orderId" = o.id
        GROUP BY o.day, o.channel, o."locationId", o.draft
     ), refunds AS (
       SELECT o.day, o.channel, o."locationId", o.draft, sum(r.quantity) AS refunded,
              coalesce(sum(r.quantity) FILTER (WHERE r."restockType" <> 'NO_RESTOCK'), 0) AS restocked
         FROM o JOIN "RefundLine" r ON r."shopId" = $1 AND r."orderId" = o.id
        GROUP BY o.day, o.channel, o."locationId", o.draft
     )
     SELECT to_char(c.day, 'YYYY-MM-DD') AS day, c.channel, c."locationId"::text AS "locationId", c.draft, c.orders,
            coalesce(l.units, 0)::text AS units, round(coalesce(l.revenue, 0) * 100)::text AS "revenueCents",
            coalesce(r.refunded, 0)::text AS "refundedUnits", coalesce(r.restocked, 0)::text AS "restockedUnits"
       FROM counts c
       LEFT JOIN lines l USING (day, channel, "locationId", draft)
       LEFT JOIN refunds r USING (day, channel, "locationId", draft)
      ORDER BY c.day, c.channel, c."locationId", c.draft`,
    params,
  );
  return rows.map((row) => ({
    ...row,
    units: Number(row.units),
    revenueCents: Number(row.revenueCents),
    refundedUnits: Number(row.refundedUnits),
    restockedUnits: Number(row.restockedUnits),
  }));
}

/** Whether the shop has any order at all (test orders aside), and whether its first import is still to come or running. */
async function shopState(db: Queryable, shopId: string): Promise<{ anyOrders: boolean; importing: boolean }> {
  const { rows } = await db.query<{ anyOrders: boolean; sync: string | null }>(
    `SELECT EXISTS (SELECT 1 FROM "Order" WHERE "shopId" = $1 AND NOT test) AS "anyOrders",
            (SELECT status FROM "SyncRun" WHERE "shopId" = $1 AND kind = 'initial' ORDER BY "startedAt" DESC LIMIT 1) AS sync`,
    [shopId],
  );
  const sync = rows[0]?.sync ?? null;
  // Not started yet (a new install) or running; a failed import is the sync page's to tell.
  return { anyOrders: rows[0]?.anyOrders ?? false, importing: sync === null || sync === "running" };
}

export interface OrdersPage {
  filter: OrdersFilter;
  /** The shop's today: the default period ends on it. */
  today: string;
  locations: ShopLocation[];
  analytics: OrderAnalytics;
  /** No order at all yet (test orders aside): the page shows its empty state, not zeros. */
  anyOrders: boolean;
  /** The store sync's first import has not started or is running: figures may be missing orders. */
  importing: boolean;
}

export type OrdersPageResult = { ok: true; page: OrdersPage } | { ok: false; issues: ParamIssue[] };

/** The page of one shop for a request's search parameters, or what is wrong with them. */
export async function loadOrderAnalytics(shop: Shop, search: URLSearchParams, db: Queryable = pool()): Promise<OrdersPageResult> {
  const resolved = await resolveFilter(shop, search, db);
  if (!resolved.ok) return resolved;
  const { filter, locations } = resolved;
  const [rows, state] = await Promise.all([dayRows(db, shop.id, filter), shopState(db, shop.id)]);
  const names = new Map(locations.map((l) => [l.id, l.name]));
  return {
    ok: true,
    page: { filter, today: addDays(shop.yesterday, 1), locations, analytics: buildOrderAnalytics(rows, filter, names), ...state },
  };
}

/** Lines sent per chunk of the export. */
const CSV_CHUNK = 500;

/** The export of a resolved filter: the header (column titles in the merchant's language), then one line per row. */
export async function* ordersCsv(
  shop: Shop,
  resolved: { filter: OrdersFilter; locations: ShopLocation[] },
  header: readonly string[],
  labels: CsvLabels,
  db: Queryable = pool(),
): AsyncGenerator<string> {
  const rows = await dayRows(db, shop.id, resolved.filter);
  const names = new Map(resolved.locations.map((l) => [l.id, l.name]));
  const lines = csvRows(rows, resolved.filter, names, shop.currency, labels).map(csvLine);
  yield csvLine(header) + lines.slice(0, CSV_CHUNK).join("");
  for (let start = CSV_CHUNK; start < lines.length; start += CSV_CHUNK) yield lines.slice(start, start + CSV_CHUNK).join("");
}
