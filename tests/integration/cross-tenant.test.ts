/**
 * Cross-tenant access end to end (issue 16, "Found from outside" item 12): the Shopify stand-in hosts two stores,
 * Fluxor is installed into both the way the admin installs it and syncs both, and then shop B's session token asks
 * for, and tries to change, shop A's data by id through every route that takes an id: the forecast API, recomputes,
 * stock advice, the variant page's loader data, the variants list's location filter, the sync page's replay, the
 * settings' lead-time overrides and counted locations, and the CSV exports. Each answers 404 (or an empty list, or
 * nothing done) and A's rows stay as they were; A's own token reads the same ids. The two stores number their
 * records in id spaces of their own (as Shopify's ids are unique across shops), so none of A's ids is also B's.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, sql } from "../support/db";
import { sessionHeaders } from "../support/session-token";
import { waitFor } from "../support/wait";
import { BROWSER_HEADERS, startStack, type Stack } from "../demo/stack";

/** A small store each: the two syncs and first forecast runs take seconds. */
const SCALE = { products: 10, days: 90 };
/** Upper bound for the installs, syncs and first runs of both stores on a busy 2-core machine (not a timing assertion). */
const READY_TIMEOUT = 180_000;

const VARIANT_PAGE = "routes/app.variants.$variantId";
const VARIANTS_LIST = "routes/app.variants._index";
const SYNC_PAGE = "routes/app.sync";
const SETTINGS_PAGE = "routes/app.settings";

interface Tenant {
  domain: string;
  shopId: string;
  variantId: string;
  productId: string;
  locationId: string;
  /** Every variant id of the shop, as Fluxor stored them. */
  variantIds: Set<string>;
}

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let stack: Stack;
let A: Tenant;
let B: Tenant;
/** A's recompute (requested with A's token), A's webhook event that failed for good, A's product override. */
let recomputeId: string;
let deadEventId: string;
/** A's rows that B's requests could touch, before B tried. */
let before: Record<string, string>;

/** A request from inside the shop's embedded admin: an ordinary browser, with App Bridge's session token. */
function asShop(shop: string, path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  for (const [name, value] of Object.entries({ ...BROWSER_HEADERS, ...sessionHeaders(shop) })) headers.set(name, value);
  return fetch(`${stack.appUrl}${path}`, { ...init, headers, redirect: "manual" });
}

/** A Remix loader's or action's data (`?_data=<route id>`), as the app's client-side navigations and forms fetch it. */
function routeData(path: string, route: string): string {
  return `${path}${path.includes("?") ? "&" : "?"}_data=${encodeURIComponent(route)}`;
}

function form(fields: Record<string, string | string[]>): RequestInit {
  const body = new URLSearchParams();
  for (const [name, value] of Object.entries(fields)) for (const one of [value].flat()) body.append(name, one);
  return { method: "POST", body, headers: { "Content-Type": "application/x-www-form-urlencoded" } };
}

async function jsonOf<T>(response: Response): Promise<T> {
  expect(response.headers.get("content-type") ?? "").toMatch(/json/);
  return (await response.json()) as T;
}

/** A digest of each of the shop's rows that an id-taking route could write. */
async function tenantRows(shopId: string): Promise<Record<string, string>> {
  const tables: [string, string][] = [
    ["ForecastRecompute", `t.id, t."variantId", t.status`],
    ["ProductLeadTime", `t."productId", t."leadTimeDays", t."leadTimeSdDays", t."updatedAt"`],
    ["VendorLeadTime", `t.vendor, t."leadTimeDays", t."leadTimeSdDays", t."updatedAt"`],
    ["ShopSettings", `t."locationIds", t."updatedAt"`],
    // The events a replay could touch (the nightly reconciliation may add processed ones meanwhile).
    ["WebhookEvent", `t.id, t.status, t.attempts`],
  ];
  const digests: Record<string, string> = {};
  for (const [table, columns] of tables) {
    const [row] = await sql<{ digest: string }>(
      db.url,
      `SELECT count(*) || ':' || md5(coalesce(string_agg(row(${columns})::text, '|' ORDER BY row(${columns})::text), '')) AS digest
         FROM "${table}" t WHERE t."shopId" = $1${table === "WebhookEvent" ? ` AND t.status IN ('failed', 'dead')` : ""}`,
      [shopId],
    );
    digests[table] = row!.digest;
  }
  return digests;
}

/** The shop's ids once its first forecast run is published: a forecast variant, its product, a location. */
async function tenant(domain: string): Promise<Tenant> {
  const [shop] = await waitFor(
    () =>
      sql<{ shopId: string }>(
        db.url,
        `SELECT s.id AS "shopId" FROM "Shop" s JOIN "ShopForecastState" f ON f."shopId" = s.id
          WHERE s.domain = $1 AND f."currentRunId" IS NOT NULL`,
        [domain],
      ).then((rows) => rows.length > 0 && rows),
    `${domain}'s first published forecast run`,
    READY_TIMEOUT,
    500,
  );
  const shopId = shop!.shopId;
  const [forecast] = await sql<{ variantId: string; productId: string; locationId: string }>(
    db.url,
    `SELECT a."variantId"::text AS "variantId", a."productId"::text AS "productId", a."locationId"::text AS "locationId"
       FROM "VariantAdvice" a JOIN "ShopForecastState" f ON f."currentRunId" = a."runId"
      WHERE a."shopId" = $1 AND a."locationId" <> 0 ORDER BY a."variantId", a."locationId" LIMIT 1`,
    [shopId],
  );
  const variants = await sql<{ id: string }>(db.url, `SELECT id::text FROM "ProductVariant" WHERE "shopId" = $1`, [shopId]);
  return { domain, shopId, ...forecast!, variantIds: new Set(variants.map((row) => row.id)) };
}

beforeAll(
  async () => {
    db = await createTestDatabase();
    stack = await startStack({ stores: 2, scale: SCALE });
    const [shopA, shopB] = stack.shops as [string, string];
    for (const shop of stack.shops) await stack.install(shop);
    A = await tenant(shopA);
    B = await tenant(shopB);

    // What A has that B will ask for: a recompute (done before B tries), a webhook event that failed for good (the
    // sync page offers to replay it), and lead-time overrides for one of its products and one of its vendors.
    const queued = await asShop(A.domain, `/api/variants/${A.variantId}/recompute`, { method: "POST" });
    expect(queued.status).toBe(202);
    recomputeId = (await jsonOf<{ id: string }>(queued)).id;
    await waitFor(
      async () => {
        const view = await jsonOf<{ status: string }>(await asShop(A.domain, `/api/recomputes/${recomputeId}`));
        return view.status !== "queued";
      },
      "A's recompute",
      READY_TIMEOUT,
    );
    const [event] = await sql<{ id: string }>(
      db.url,
      `UPDATE "WebhookEvent" SET status = 'dead', attempts = 5, "lastError" = 'cross-tenant test'
      WHERE id = (SELECT min(id) FROM "WebhookEvent" WHERE "shopId" = $1) RETURNING id::text`,
      [A.shopId],
    );
    deadEventId = event!.id;
    const vendor = await sql<{ vendor: string }>(db.url, `SELECT vendor FROM "Product" WHERE "shopId" = $1 AND id = $2`, [
      A.shopId,
      A.productId,
    ]);
    for (const [scope, key] of [
      ["product", A.productId],
      ["vendor", vendor[0]!.vendor],
    ]) {
      const saved = await asShop(
        A.domain,
        routeData("/app/settings", SETTINGS_PAGE),
        form({ intent: "override", scope: scope!, key: key!, leadTimeDays: "21", leadTimeSdDays: "3" }),
      );
      expect(await jsonOf(saved)).toMatchObject({ intent: "override", ok: true });
    }
    before = await tenantRows(A.shopId);
  },
  READY_TIMEOUT * 2 + 60_000,
);

afterAll(async () => {
  await stack?.close();
  await db?.drop();
});

describe("two stores, Fluxor installed and synced in each", () => {
  it("gives each store its own ids, tokens and rows", () => {
    expect(stack.shops).toEqual(["hollow-oak-gifts.myshopify.com", "second-store.myshopify.com"]);
    expect(A.shopId).not.toBe(B.shopId);
    const standInA = stack.standIn.store(A.domain);
    const standInB = stack.standIn.store(B.domain);
    expect(standInA.installed() && standInB.installed()).toBe(true);
    const [tokenA] = standInA.accessTokens();
    expect(tokenA).toBeDefined();
    expect(standInB.accessTokens()).not.toContain(tokenA);
    // No id of A's is one of B's: a route that forgot the shop would find nothing of B's own to hide behind.
    expect([...A.variantIds].filter((id) => B.variantIds.has(id))).toEqual([]);
    expect(standInB.state.location(Number(A.locationId))).toBeUndefined();
    expect(standInB.state.product(Number(A.productId))).toBeUndefined();
    expect(A.variantIds.has(A.variantId) && B.variantIds.has(B.variantId)).toBe(true);
  });
});

describe("shop B's session token on shop A's ids", () => {
  it("GET /api/variants/:id/forecast: 404 for A's variant, as a number or a GID, and for B's variant at A's location", async () => {
    for (const id of [A.variantId, encodeURIComponent(`gid://shopify/ProductVariant/${A.variantId}`)]) {
      const response = await asShop(B.domain, `/api/variants/${id}/forecast`);
      expect(response.status).toBe(404);
      expect(JSON.stringify(await response.json())).not.toContain(A.variantId);
    }
    // A's answer's ETag, replayed by B, is no 304: B never learns that it matched.
    const own = await asShop(A.domain, `/api/variants/${A.variantId}/forecast`);
    expect(own.status).toBe(200);
    const etag = own.headers.get("etag") ?? "";
    expect(etag).not.toBe("");
    expect((await asShop(B.domain, `/api/variants/${A.variantId}/forecast`, { headers: { "If-None-Match": etag } })).status).toBe(404);
    expect((await asShop(B.domain, `/api/variants/${B.variantId}/forecast?location=${A.locationId}`)).status).toBe(404);
  });

  it("POST /api/variants/:id/recompute: 404 for A's variant, and no recompute is queued in either shop", async () => {
    const response = await asShop(B.domain, `/api/variants/${A.variantId}/recompute`, { method: "POST" });
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: "variant not found" });
    expect(await sql(db.url, `SELECT id FROM "ForecastRecompute" WHERE "shopId" = $1`, [B.shopId])).toEqual([]);
  });

  it("GET /api/recomputes/:id: 404 for A's recompute", async () => {
    const response = await asShop(B.domain, `/api/recomputes/${recomputeId}`);
    expect(response.status).toBe(404);
    expect(JSON.stringify(await response.json())).not.toContain(A.variantId);
  });

  it("GET /api/products/:id/stock-advice: 404 for A's product", async () => {
    const response = await asShop(B.domain, `/api/products/${A.productId}/stock-advice`);
    expect(response.status).toBe(404);
    expect(JSON.stringify(await response.json())).not.toContain(A.productId);
  });

  it("the variant page's loader data: 404 for A's variant, and for B's variant at A's location", async () => {
    const foreign = await asShop(B.domain, routeData(`/app/variants/${A.variantId}`, VARIANT_PAGE));
    expect(foreign.status).toBe(404);
    expect(await foreign.text()).not.toContain(A.variantId);
    const located = await asShop(B.domain, routeData(`/app/variants/${B.variantId}?location=${A.locationId}`, VARIANT_PAGE));
    expect(located.status).toBe(404);
  });

  it("the variants list filtered on A's location: no row", async () => {
    const response = await asShop(B.domain, routeData(`/app/variants?location=${A.locationId}`, VARIANTS_LIST));
    expect(response.status).toBe(200);
    const data = await jsonOf<{ page: { rows: { variantId: string }[]; total: number }; options: { locations: { id: string }[] } }>(
      response,
    );
    expect(data.page).toMatchObject({ rows: [], total: 0 });
    expect(data.options.locations.map((location) => location.id)).not.toContain(A.locationId);
  });

  it("the sync page: replaying A's dead webhook event does nothing, and B's page does not list it", async () => {
    const replay = await asShop(B.domain, routeData("/app/sync", SYNC_PAGE), form({ eventId: deadEventId }));
    expect(await jsonOf(replay)).toEqual({ replayed: false });
    const [event] = await sql<{ status: string; attempts: number }>(db.url, `SELECT status, attempts FROM "WebhookEvent" WHERE id = $1`, [
      deadEventId,
    ]);
    expect(event).toEqual({ status: "dead", attempts: 5 });
    const page = await jsonOf<{ status: { webhooks: { id: string }[]; deadLetters: { id: string }[] } }>(
      await asShop(B.domain, routeData("/app/sync", SYNC_PAGE)),
    );
    const listed = [...page.status.webhooks, ...page.status.deadLetters].map((event) => event.id);
    const ofA = await sql<{ id: string }>(db.url, `SELECT id::text FROM "WebhookEvent" WHERE "shopId" = $1`, [A.shopId]);
    expect(listed.filter((id) => ofA.some((event) => event.id === id))).toEqual([]);
    expect(page.status.deadLetters).toEqual([]);
  });

  it("settings: deleting A's lead-time overrides leaves them; an override on A's product id shows nothing of A's", async () => {
    const [vendor] = await sql<{ vendor: string }>(db.url, `SELECT vendor FROM "VendorLeadTime" WHERE "shopId" = $1`, [A.shopId]);
    for (const [scope, key] of [
      ["product", A.productId],
      ["product", `gid://shopify/Product/${A.productId}`],
      ["vendor", vendor!.vendor],
    ]) {
      const deleted = await asShop(
        B.domain,
        routeData("/app/settings", SETTINGS_PAGE),
        form({ intent: "delete-override", scope: scope!, key: key! }),
      );
      expect(deleted.status).toBe(200);
    }
    expect(await sql(db.url, `SELECT "productId"::text FROM "ProductLeadTime" WHERE "shopId" = $1`, [A.shopId])).toEqual([
      { productId: A.productId },
    ]);
    expect(await sql(db.url, `SELECT vendor FROM "VendorLeadTime" WHERE "shopId" = $1`, [A.shopId])).toEqual([{ vendor: vendor!.vendor }]);
    // B may name any product id in its own overrides; the row is B's, and B's page gives it no title of A's.
    const saved = await asShop(
      B.domain,
      routeData("/app/settings", SETTINGS_PAGE),
      form({ intent: "override", scope: "product", key: A.productId, leadTimeDays: "9" }),
    );
    expect(saved.status).toBe(200);
    const page = await jsonOf<{ productLeadTimes: { productId: string; title: string }[] }>(
      await asShop(B.domain, routeData("/app/settings", SETTINGS_PAGE)),
    );
    const titleOfA = await sql<{ title: string }>(db.url, `SELECT title FROM "Product" WHERE "shopId" = $1 AND id = $2`, [
      A.shopId,
      A.productId,
    ]);
    expect(page.productLeadTimes).toEqual([expect.objectContaining({ productId: A.productId, title: A.productId })]);
    expect(page.productLeadTimes[0]!.title).not.toBe(titleOfA[0]!.title);
    const deleted = await asShop(
      B.domain,
      routeData("/app/settings", SETTINGS_PAGE),
      form({ intent: "delete-override", scope: "product", key: A.productId }),
    );
    expect(deleted.status).toBe(200);
  });

  it("the CSV exports: the variants at A's location are none; no export names A's variants or A's shop", async () => {
    const located = await asShop(B.domain, `/app/variants.csv?location=${A.locationId}`);
    expect(located.status).toBe(200);
    const lines = (await located.text()).trim().split(/\r?\n/);
    expect(lines).toHaveLength(1);
    const all = await asShop(B.domain, "/app/variants.csv");
    expect(all.status).toBe(200);
    const ids = (await all.text())
      .trim()
      .split(/\r?\n/)
      .slice(1)
      .map((line) => line.split(",")[0]!.replace(/"/g, ""));
    expect(ids.length).toBeGreaterThan(0);
    expect(ids.every((id) => B.variantIds.has(id))).toBe(true);
    for (const path of ["/app/billing.csv", "/app/billing/invoices.csv", "/app/alerts/analytics.csv?period=90"]) {
      const response = await asShop(B.domain, path);
      expect(response.status, path).toBe(200);
      const text = await response.text();
      expect(text, path).not.toContain(A.domain);
      expect(text, path).not.toContain(A.shopId);
      for (const id of A.variantIds) expect(text, path).not.toContain(id);
    }
  });

  it("settings: counting A's location in B's forecasts counts nothing of A's", async () => {
    const saved = await asShop(
      B.domain,
      routeData("/app/settings", SETTINGS_PAGE),
      form({
        intent: "settings",
        serviceLevelPercent: "95",
        leadTimeDays: "14",
        leadTimeSdDays: "3",
        reviewPeriodDays: "7",
        orderCost: "20",
        holdingCostPercent: "25",
        locationIds: [A.locationId],
      }),
    );
    expect(saved.status).toBe(200);
    const page = await jsonOf<{ locations: { id: string }[] }>(await asShop(B.domain, routeData("/app/settings", SETTINGS_PAGE)));
    expect(page.locations.map((location) => location.id)).not.toContain(A.locationId);
    const forecast = await asShop(B.domain, `/api/variants/${B.variantId}/forecast`);
    expect(forecast.status).toBe(200);
    const detail = await jsonOf<{ variantId: string; history: { units: number }[] }>(forecast);
    expect(detail.variantId).toBe(B.variantId);
    // A's demand at that location is no part of B's history: B has no sales there.
    expect(detail.history.every((day) => day.units === 0)).toBe(true);
  });

  it("left every row of A's as it was", async () => {
    expect(await tenantRows(A.shopId)).toEqual(before);
  });
});

describe("shop A's session token on its own ids (the same requests answer)", () => {
  it("reads its forecast, recompute, stock advice, variant page and filtered list", async () => {
    const forecast = await asShop(A.domain, `/api/variants/${A.variantId}/forecast?location=${A.locationId}`);
    expect(forecast.status).toBe(200);
    expect(await jsonOf(forecast)).toMatchObject({ variantId: A.variantId });
    const recompute = await asShop(A.domain, `/api/recomputes/${recomputeId}`);
    expect(recompute.status).toBe(200);
    expect(await jsonOf(recompute)).toMatchObject({ id: recomputeId, variantId: A.variantId });
    const advice = await asShop(A.domain, `/api/products/${A.productId}/stock-advice`);
    expect(advice.status).toBe(200);
    expect(JSON.stringify(await advice.json())).toContain(A.variantId);
    const page = await asShop(A.domain, routeData(`/app/variants/${A.variantId}`, VARIANT_PAGE));
    expect(page.status).toBe(200);
    expect(await jsonOf(page)).toMatchObject({ detail: { variantId: A.variantId } });
    const list = await jsonOf<{ page: { rows: { variantId: string; locationId: string }[] } }>(
      await asShop(A.domain, routeData(`/app/variants?location=${A.locationId}`, VARIANTS_LIST)),
    );
    expect(list.page.rows.length).toBeGreaterThan(0);
    expect(list.page.rows.every((row) => row.locationId === A.locationId && A.variantIds.has(row.variantId))).toBe(true);
    const csv = await asShop(A.domain, `/app/variants.csv?location=${A.locationId}`);
    expect(csv.status).toBe(200);
    expect(await csv.text()).toContain(A.variantId);
  });

  it("replays its dead webhook event and deletes its own override", async () => {
    const replay = await asShop(A.domain, routeData("/app/sync", SYNC_PAGE), form({ eventId: deadEventId }));
    expect(await jsonOf(replay)).toEqual({ replayed: true });
    const deleted = await asShop(
      A.domain,
      routeData("/app/settings", SETTINGS_PAGE),
      form({ intent: "delete-override", scope: "product", key: A.productId }),
    );
    expect(await jsonOf(deleted)).toMatchObject({ intent: "delete-override", ok: true });
    expect(await sql(db.url, `SELECT 1 FROM "ProductLeadTime" WHERE "shopId" = $1`, [A.shopId])).toEqual([]);
  });
});
