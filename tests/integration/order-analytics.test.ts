/**
 * The order analytics page and its CSV (docs/decisions/0053-order-analytics.md) through Fluxor's own routes (the
 * admin's session token), against real PostgreSQL: orders of every channel seeded in SQL for two shops that share
 * order, line and location ids, so that a figure of shop A holding any of shop B's orders would show. What counts
 * (test and cancelled orders left out, completed drafts in "other" and shown apart, unknown channels, orders without
 * a location), the returns rate (refunded units, restocked or not, on the order's day), the filters (channel,
 * location, granularity, period), the empty states, and refusals: a filter that cannot be used, or another shop's
 * location, answers 400 on the page and the CSV.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type * as Pool from "../../app/db/pool.server";
import type * as PageRoute from "../../app/routes/app.orders";
import { createTestDatabase, sql } from "../support/db";
import { storeOfflineSessions } from "../support/installed-shops";
import { sessionToken } from "../support/session-token";

process.env.SHOPIFY_API_KEY = "fluxor-test-key";
process.env.SHOPIFY_API_SECRET = "fluxor-test-secret-" + randomBytes(6).toString("hex");
process.env.SHOPIFY_APP_URL = "https://fluxor.test";
process.env.SCOPES = "read_products,read_orders,read_all_orders,read_inventory";
process.env.FLUXOR_ENCRYPTION_KEYS = `t1:${randomBytes(32).toString("base64")}`;

const A = "orders-a.myshopify.com";
const B = "orders-b.myshopify.com";
/** A shop without orders: first while its sync imports, then after it completed. */
const C = "orders-c.myshopify.com";
const WAREHOUSE = "5001";
const HIGH_STREET = "5002";
/** Only shop A has this one. */
const POP_UP = "5003";
/** The period the tests ask for: two full ISO weeks and a day, Monday 2 March to Monday 16 March 2026. */
const PERIOD = "from=2026-03-02&to=2026-03-16";

type Args = { request: Request; params: Record<string, string>; context: { clientIp: string } };
type PageData = Awaited<ReturnType<typeof PageRoute.loader>>;

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let pool: typeof Pool;
let pageLoader: (args: Args) => Promise<PageData>;
let csvLoader: (args: Args) => Promise<Response>;
const shopIds = new Map<string, string>();

function args(shop: string, path: string): Args {
  const request = new Request(`https://fluxor.test${path}`, { headers: { Authorization: `Bearer ${sessionToken(shop)}` } });
  return { request, params: {}, context: { clientIp: "127.0.0.1" } };
}

const page = (shop: string, query: string) => pageLoader(args(shop, `/app/orders?${query}`));

/** The page loader's refusal: the Response it throws. */
async function pageRefusal(shop: string, query: string): Promise<{ status: number; params: string[] }> {
  try {
    await page(shop, query);
  } catch (thrown) {
    if (!(thrown instanceof Response)) throw thrown;
    const body = (await thrown.json()) as { issues?: { param: string }[] };
    return { status: thrown.status, params: [...new Set((body.issues ?? []).map((issue) => issue.param))] };
  }
  throw new Error(`${query} was answered`);
}

async function csv(shop: string, query: string): Promise<{ status: number; lines: string[][] }> {
  const response = await csvLoader(args(shop, `/app/orders.csv?${query}`));
  const text = await response.text();
  if (!response.ok) return { status: response.status, lines: [] };
  return {
    status: response.status,
    lines: text
      .split("\r\n")
      .filter((line) => line !== "")
      .map((line) => line.split(",")),
  };
}

interface SeedOrder {
  id: number;
  day: string;
  channel: string | null;
  source?: string | null;
  location?: string;
  test?: boolean;
  cancelled?: boolean;
  /** [quantity, line total] per line. */
  lines: [number, number][];
  /** [line index, quantity, restock type] per refunded line. */
  refunds?: [number, number, string][];
}

async function seedOrders(domain: string, orders: SeedOrder[]): Promise<void> {
  const shopId = shopIds.get(domain)!;
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    for (const o of orders) await seedOrder(client, shopId, o);
  } finally {
    await client.end();
  }
}

async function seedOrder(client: pg.Client, shopId: string, o: SeedOrder): Promise<void> {
  const source = o.source !== undefined ? o.source : o.channel === "online_store" ? "web" : o.channel === "pos" ? "pos" : null;
  await client.query(
    `INSERT INTO "Order" ("shopId", id, name, "shopifyCreatedAt", "processedAt", "shopifyUpdatedAt", "cancelledAt", test, "currencyCode",
                          "locationId", day, channel, "sourceName", "fulfillmentStatus")
     VALUES ($1, $2::bigint, '#' || $2::text, $3::date, $3::date, $3::date, CASE WHEN $4 THEN $3::date + 1 END, $5, 'GBP', $6, $3::date, $7, $8, 'FULFILLED')`,
    [shopId, o.id, o.day, o.cancelled ?? false, o.test ?? false, o.location ?? WAREHOUSE, o.channel, source],
  );
  for (const [index, [quantity, total]] of o.lines.entries()) {
    await client.query(
      `INSERT INTO "OrderLine" ("shopId", id, "orderId", "variantId", quantity, "discountedTotal") VALUES ($1, $2, $3, 1, $4, $5)`,
      [shopId, o.id * 10 + index, o.id, quantity, total],
    );
  }
  for (const [index, quantity, restock] of o.refunds ?? []) {
    await client.query(
      `INSERT INTO "RefundLine" ("shopId", "refundId", "lineItemId", "orderId", quantity, "restockType", "createdAt")
       VALUES ($1, $2, $3, $4, $5, $6, now())`,
      [shopId, o.id * 100 + index, o.id * 10 + index, o.id, quantity, restock],
    );
  }
}

beforeAll(async () => {
  db = await createTestDatabase();
  pool = await import("../../app/db/pool.server");
  for (const domain of [A, B, C]) {
    const [row] = await sql<{ id: string }>(
      db.url,
      `INSERT INTO "Shop" (id, domain, name, "ianaTimezone", "countryCode", "currencyCode", "updatedAt", "shopInfoSyncedAt")
       VALUES (gen_random_uuid(), $1, $1, 'Europe/London', 'GB', 'GBP', now(), now()) RETURNING id`,
      [domain],
    );
    shopIds.set(domain, row!.id);
  }
  await storeOfflineSessions(db.url, [A, B, C]);
  for (const [domain, locations] of [
    [A, [WAREHOUSE, HIGH_STREET, POP_UP]],
    [B, [WAREHOUSE, HIGH_STREET]],
  ] as const) {
    await sql(
      db.url,
      `INSERT INTO "Location" ("shopId", id, name, "isActive", "shopifyUpdatedAt")
       SELECT $1, l, CASE l WHEN 5001 THEN 'Warehouse' WHEN 5002 THEN 'High Street' ELSE 'Pop-up' END, true, now() FROM unnest($2::bigint[]) l`,
      [shopIds.get(domain), locations],
    );
  }
  for (const domain of [A, B]) {
    await sql(
      db.url,
      `INSERT INTO "SyncRun" (id, "shopId", kind, status, phase, "finishedAt") VALUES (gen_random_uuid(), $1, 'initial', 'completed', 'done', now())`,
      [shopIds.get(domain)],
    );
  }
  await sql(
    db.url,
    `INSERT INTO "SyncRun" (id, "shopId", kind, status, phase) VALUES (gen_random_uuid(), $1, 'initial', 'running', 'orders')`,
    [shopIds.get(C)],
  );

  // Shop A, 2–16 March: three online orders (one shipped from nowhere yet), two POS sales at the High Street, a
  // completed draft order, an order whose channel is not known yet; and what does not count: a test order, a
  // cancelled one, and orders the day before and after the period.
  await seedOrders(A, [
    {
      id: 1,
      day: "2026-03-02",
      channel: "online_store",
      lines: [
        [2, 20],
        [1, 15.5],
      ],
      refunds: [[0, 1, "RETURN"]],
    },
    { id: 2, day: "2026-03-05", channel: "online_store", lines: [[4, 40]], refunds: [[0, 1, "NO_RESTOCK"]] },
    { id: 3, day: "2026-03-16", channel: "online_store", location: "0", lines: [[1, 9.99]] },
    { id: 4, day: "2026-03-03", channel: "pos", location: HIGH_STREET, lines: [[3, 30]] },
    { id: 5, day: "2026-03-10", channel: "pos", location: HIGH_STREET, lines: [[1, 10]] },
    { id: 6, day: "2026-03-11", channel: "other", source: "shopify_draft_order", lines: [[5, 100]] },
    { id: 7, day: "2026-03-12", channel: null, source: null, location: POP_UP, lines: [[2, 4.01]] },
    { id: 8, day: "2026-03-04", channel: "online_store", test: true, lines: [[50, 500]] },
    { id: 9, day: "2026-03-04", channel: "pos", location: HIGH_STREET, cancelled: true, lines: [[60, 600]] },
    { id: 10, day: "2026-03-01", channel: "online_store", lines: [[70, 700]] },
    { id: 11, day: "2026-03-17", channel: "online_store", lines: [[80, 800]] },
  ]);
  // Shop B: the same ids, days and locations, other quantities; it would show in any figure of A's that leaked.
  await seedOrders(B, [
    { id: 1, day: "2026-03-02", channel: "online_store", lines: [[1000, 10_000]], refunds: [[0, 500, "RETURN"]] },
    { id: 4, day: "2026-03-03", channel: "pos", location: HIGH_STREET, lines: [[2000, 20_000]] },
    { id: 12, day: "2026-03-11", channel: "other", source: "shopify_draft_order", lines: [[3000, 30_000]] },
  ]);

  const pageRoute = (await import("../../app/routes/app.orders")) as unknown as { loader: typeof pageLoader };
  pageLoader = pageRoute.loader;
  const csvRoute = (await import("../../app/routes/app.orders[.csv]")) as unknown as { loader: typeof csvLoader };
  csvLoader = csvRoute.loader;
}, 120_000);

afterAll(async () => {
  await pool?.closePool();
  await (await import("../../app/db/prisma.server")).disconnectPrisma();
  await db?.drop();
});

describe("the figures of a period", () => {
  it("count real orders only, their units, sales and refunded units, by channel and by location", async () => {
    const data = await page(A, PERIOD);
    expect(data.filter).toEqual({ from: "2026-03-02", to: "2026-03-16", granularity: "day", channel: "all", location: "all" });
    expect(data).toMatchObject({ anyOrders: true, importing: false });
    const { totals, drafts, byChannel, byLocation } = data.analytics;
    // Orders 1–7: test (8), cancelled (9) and out-of-period (10, 11) orders left out.
    expect(totals).toEqual({
      orders: 7,
      draftOrders: 1,
      units: 19,
      revenue: 229.5,
      refundedUnits: 2,
      restockedUnits: 1,
      returnsRate: 2 / 19,
    });
    expect(drafts).toMatchObject({ orders: 1, units: 5, revenue: 100 });
    expect(byChannel.map((c) => [c.channel, c.orders, c.units, c.revenue, c.refundedUnits])).toEqual([
      ["online_store", 3, 8, 85.49, 2],
      ["pos", 2, 4, 40, 0],
      ["other", 1, 5, 100, 0],
      ["unknown", 1, 2, 4.01, 0],
    ]);
    expect(byLocation.map((l) => [l.locationId, l.name, l.orders, l.units])).toEqual([
      [WAREHOUSE, "Warehouse", 3, 12],
      [HIGH_STREET, "High Street", 2, 4],
      [POP_UP, "Pop-up", 1, 2],
      ["0", null, 1, 1],
    ]);
    expect(data.locations.map((l) => l.name).sort()).toEqual(["High Street", "Pop-up", "Warehouse"]);
  });

  it("never include another shop's orders, whose ids, days and locations are the same", async () => {
    const a = await page(A, PERIOD);
    const b = await page(B, PERIOD);
    expect(a.analytics.totals.units).toBe(19);
    expect(b.analytics.totals).toMatchObject({ orders: 3, units: 6000, revenue: 60_000, refundedUnits: 500 });
    expect(b.locations.map((l) => l.id).sort()).toEqual([WAREHOUSE, HIGH_STREET]);
    // A filter by a location only shop A has is refused for shop B, not answered with A's figures.
    expect(await pageRefusal(B, `${PERIOD}&location=${POP_UP}`)).toEqual({ status: 400, params: ["location"] });
    expect((await csv(B, `${PERIOD}&location=${POP_UP}`)).status).toBe(400);
    const lines = (await csv(A, `${PERIOD}&granularity=month`)).lines;
    expect(lines.slice(1).reduce((sum, line) => sum + Number(line[7]), 0)).toBe(19);
  });

  it("group into ISO weeks and months, every bucket present, partial ones marked", async () => {
    const weekly = await page(A, `${PERIOD}&granularity=week`);
    expect(weekly.analytics.series.units.map((p) => [p.start, p.partial, p.online_store, p.pos, p.other, p.unknown])).toEqual([
      ["2026-03-02", false, 7, 3, 0, 0],
      ["2026-03-09", false, 0, 1, 5, 2],
      ["2026-03-16", true, 1, 0, 0, 0],
    ]);
    expect(weekly.analytics.series.revenue[1]).toMatchObject({ pos: 10, other: 100, unknown: 4.01 });
    const daily = await page(A, PERIOD);
    expect(daily.analytics.series.units).toHaveLength(15);
    const monthly = await page(A, `${PERIOD}&granularity=month`);
    expect(monthly.analytics.series.units).toEqual([
      expect.objectContaining({ start: "2026-03-01", from: "2026-03-02", to: "2026-03-16", partial: true, online_store: 8 }),
    ]);
  });

  it("filter by channel (unknown included) and by location, orders without one included", async () => {
    const pos = await page(A, `${PERIOD}&channel=pos`);
    expect(pos.analytics.totals).toMatchObject({ orders: 2, units: 4 });
    expect(pos.analytics.channels).toEqual(["pos"]);
    const unknown = await page(A, `${PERIOD}&channel=unknown`);
    expect(unknown.analytics.byChannel.map((c) => [c.channel, c.units])).toEqual([["unknown", 2]]);
    const other = await page(A, `${PERIOD}&channel=other`);
    expect(other.analytics.drafts).toMatchObject({ orders: 1 });
    const warehouse = await page(A, `${PERIOD}&location=${WAREHOUSE}`);
    expect(warehouse.analytics.totals).toMatchObject({ orders: 3, units: 12 });
    const none = await page(A, `${PERIOD}&location=0&channel=online_store`);
    expect(none.analytics.totals).toMatchObject({ orders: 1, units: 1, revenue: 9.99 });
    const empty = await page(A, `from=2026-01-01&to=2026-01-31`);
    expect(empty).toMatchObject({ anyOrders: true, analytics: { totals: { orders: 0, returnsRate: null } } });
  });
});

describe("the export", () => {
  it("has the page's figures, one line per period, channel and location, titles and names in the merchant's language", async () => {
    const { status, lines } = await csv(A, `${PERIOD}&granularity=week&locale=fr`);
    expect(status).toBe(200);
    expect(lines[0]).toEqual([
      "Début de période",
      "Fin de période",
      "Canal",
      "ID d’emplacement",
      "Emplacement",
      "Commandes",
      "Issues de commandes provisoires",
      "Unités vendues",
      "Ventes",
      "Devise",
      "Unités remboursées",
      "Unités remises en stock",
      "Taux de retour",
    ]);
    expect(lines.slice(1)).toEqual([
      ["2026-03-02", "2026-03-08", "Boutique en ligne", WAREHOUSE, "Warehouse", "2", "0", "7", "75.5", "GBP", "2", "1", "0.286"],
      ["2026-03-02", "2026-03-08", "Point de vente", HIGH_STREET, "High Street", "1", "0", "3", "30", "GBP", "0", "0", "0"],
      ["2026-03-09", "2026-03-15", "Point de vente", HIGH_STREET, "High Street", "1", "0", "1", "10", "GBP", "0", "0", "0"],
      ["2026-03-09", "2026-03-15", "Autres canaux", WAREHOUSE, "Warehouse", "1", "1", "5", "100", "GBP", "0", "0", "0"],
      ["2026-03-09", "2026-03-15", "Inconnu", POP_UP, "Pop-up", "1", "0", "2", "4.01", "GBP", "0", "0", "0"],
      ["2026-03-16", "2026-03-16", "Boutique en ligne", "", "Sans emplacement", "1", "0", "1", "9.99", "GBP", "0", "0", "0"],
    ]);
  });
});

describe("refusals and empty states", () => {
  it("answer 400 naming the filter for a value they cannot use, on the page and the CSV", async () => {
    for (const [query, param] of [
      ["channel=web", "channel"],
      ["granularity=year", "granularity"],
      ["from=2026-02-30", "from"],
      ["from=2026-03-20&to=2026-03-01", "from"],
      ["from=2020-01-01&to=2026-03-01", "from"],
      ["location=abc", "location"],
      ["location=9223372036854775808", "location"],
      ["location=777", "location"],
    ] as const) {
      expect(await pageRefusal(A, query), query).toEqual({ status: 400, params: [param] });
      expect((await csv(A, query)).status, `csv ${query}`).toBe(400);
    }
  });

  it("tell a shop without orders whether its import is still running", async () => {
    expect(await page(C, "")).toMatchObject({ anyOrders: false, importing: true, analytics: { totals: { orders: 0 } } });
    await sql(db.url, `UPDATE "SyncRun" SET status = 'completed', "finishedAt" = now() WHERE "shopId" = $1`, [shopIds.get(C)]);
    expect(await page(C, "")).toMatchObject({ anyOrders: false, importing: false });
  });
});
