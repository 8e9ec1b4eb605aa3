/**
 * Hostile parameters found from outside (issue 16, items 2, 3 and 5) against the routes that took them to
 * PostgreSQL and answered 500: ids past bigint, NUL bytes in text, years outside any data and unbounded forecast
 * ranges. The API answers 400 { error, issues }; the pages answer as they do to any bad input (a dropped list
 * filter, a 404, a field error, nothing replayed). Routes are called as Remix loaders/actions with real session
 * tokens against real PostgreSQL.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { VariantForecastDetail } from "../../app/forecasts/contract";
import { RANGE_HISTORY_DAYS } from "../../app/forecasts/contract";
import { createTestDatabase, sql } from "../support/db";
import { seedShop, type SeededShop } from "../support/forecast-seed";
import { sessionToken } from "../support/session-token";
import { runNightlyForecasts, storeOfflineSessions } from "../support/installed-shops";

process.env.SHOPIFY_API_KEY = "fluxor-test-key";
process.env.SHOPIFY_API_SECRET = "fluxor-test-secret-" + randomBytes(6).toString("hex");
process.env.SHOPIFY_APP_URL = "https://fluxor.test";
process.env.SCOPES = "read_products,read_orders,read_inventory";
process.env.FLUXOR_ENCRYPTION_KEYS = `t1:${randomBytes(32).toString("base64")}`;
process.env.FORECAST_AUGURS = "0";
process.env.FORECAST_THREADS = "0";

const PAST_BIGINT = "9223372036854775808";

type Args = { request: Request; params: Record<string, string>; context: Record<string, never> };
type Handler = (args: Args) => Promise<unknown>;
type Route = { loader: Handler; action: Handler };

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let A: SeededShop;
let routes: Record<"forecast" | "advice" | "recompute" | "variants" | "variant" | "settings" | "sync", Route>;
let closePools: () => Promise<void>;

function request(path: string, init: RequestInit = {}): Request {
  const headers = new Headers(init.headers);
  headers.set("Authorization", `Bearer ${sessionToken(A.domain)}`);
  return new Request(`https://fluxor.test${path}`, { ...init, headers });
}

/** A loader's or action's answer; a thrown Response (a page's 404) is the answer too. */
async function call(handler: Handler, path: string, params: Record<string, string> = {}, init: RequestInit = {}): Promise<unknown> {
  try {
    return await handler({ request: request(path, init), params, context: {} });
  } catch (thrown) {
    if (thrown instanceof Response) return thrown;
    throw thrown;
  }
}

async function api(handler: Handler, path: string, params: Record<string, string>, init: RequestInit = {}) {
  const response = (await call(handler, path, params, init)) as Response;
  const body = response.status === 304 ? null : ((await response.json()) as { error?: string; issues?: { path: string }[] });
  return { status: response.status, body };
}

function post(fields: Record<string, string>): RequestInit {
  return { method: "POST", body: new URLSearchParams(fields), headers: { "Content-Type": "application/x-www-form-urlencoded" } };
}

beforeAll(async () => {
  db = await createTestDatabase();
  A = await seedShop(db.url, { domain: "hostile-a.myshopify.com", products: 4, variantsPerProduct: 2, days: 120, seed: 7 });
  await storeOfflineSessions(db.url, [A.domain]);
  await runNightlyForecasts(db.url);
  const load = async (module: Promise<unknown>) => (await module) as Route;
  routes = {
    forecast: await load(import("../../app/routes/api.variants.$variantId.forecast")),
    advice: await load(import("../../app/routes/api.products.$productId.stock-advice")),
    recompute: await load(import("../../app/routes/api.variants.$variantId.recompute")),
    variants: await load(import("../../app/routes/app.variants._index")),
    variant: await load(import("../../app/routes/app.variants.$variantId")),
    settings: await load(import("../../app/routes/app.settings")),
    sync: await load(import("../../app/routes/app.sync")),
  };
  const pool = await import("../../app/db/pool.server");
  const { disconnectPrisma } = await import("../../app/db/prisma.server");
  closePools = async () => {
    await pool.closePool();
    await disconnectPrisma();
  };
});
afterAll(async () => {
  await closePools();
  await db.drop();
});

describe("ids past bigint", () => {
  it("the API answers 400 for a variant, product or location id past 2^63 − 1", async () => {
    const id = A.variantIds[0]!;
    const forecast = await api(routes.forecast.loader, `/api/variants/${PAST_BIGINT}/forecast`, { variantId: PAST_BIGINT });
    expect(forecast).toMatchObject({ status: 400, body: { error: "invalid variant id" } });
    const gid = `gid://shopify/ProductVariant/${PAST_BIGINT}`;
    expect((await api(routes.forecast.loader, `/api/variants/x/forecast`, { variantId: gid })).status).toBe(400);
    const location = await api(routes.forecast.loader, `/api/variants/${id}/forecast?location=${PAST_BIGINT}`, { variantId: id });
    expect(location.status).toBe(400);
    expect(location.body?.issues?.[0]?.path).toBe("location");
    const advice = await api(routes.advice.loader, `/api/products/${PAST_BIGINT}/stock-advice`, { productId: PAST_BIGINT });
    expect(advice).toMatchObject({ status: 400, body: { error: "invalid product id" } });
    const recompute = await api(
      routes.recompute.action,
      `/api/variants/${PAST_BIGINT}/recompute`,
      { variantId: PAST_BIGINT },
      { method: "POST" },
    );
    expect(recompute).toMatchObject({ status: 400, body: { error: "invalid variant id" } });
  });

  it("the pages answer as to any bad id: the list drops the location, the variant page is not found", async () => {
    const list = (await call(routes.variants.loader, `/app/variants?location=${PAST_BIGINT}`)) as {
      query: { location: string };
      page: { total: number };
    };
    expect(list.query.location).toBe("0");
    expect(list.page.total).toBeGreaterThan(0);
    const page = (await call(routes.variant.loader, `/app/variants/${PAST_BIGINT}`, { variantId: PAST_BIGINT })) as Response;
    expect(page.status).toBe(404);
    const id = A.variantIds[0]!;
    const located = (await call(routes.variant.loader, `/app/variants/${id}?location=${PAST_BIGINT}`, { variantId: id })) as {
      location: string;
    };
    expect(located.location).toBe("0");
  });

  it("settings refuse deleting a product override past bigint with a field error; sync replays nothing", async () => {
    const deleted = await call(
      routes.settings.action,
      "/app/settings",
      {},
      post({ intent: "delete-override", scope: "product", key: PAST_BIGINT }),
    );
    expect(deleted).toEqual({ intent: "delete-override", ok: false, errors: { key: "settings.errors.override.key" } });
    const saved = await call(
      routes.settings.action,
      "/app/settings",
      {},
      post({ intent: "override", scope: "product", key: PAST_BIGINT, leadTimeDays: "21" }),
    );
    expect(saved).toEqual({ intent: "override", ok: false, errors: { key: "settings.errors.override.key" } });
    expect(await call(routes.sync.action, "/app/sync", {}, post({ eventId: PAST_BIGINT }))).toEqual({ replayed: false });
  });
});

describe("NUL bytes", () => {
  it("the variants list drops a search, vendor or product type with a NUL and keeps the rest", async () => {
    const list = (await call(routes.variants.loader, "/app/variants?q=a%00b&vendor=x%00y&productType=%00&pageSize=10")) as {
      query: { q?: string; vendor?: string[]; productType?: string[]; pageSize: number };
      page: { total: number };
    };
    expect([list.query.q, list.query.vendor, list.query.productType, list.query.pageSize]).toEqual([undefined, undefined, undefined, 10]);
    expect(list.page.total).toBeGreaterThan(0);
  });

  it("settings refuse an override key with a NUL as a field error, saving or deleting", async () => {
    const attempts: Record<string, string>[] = [
      { intent: "override", scope: "vendor", key: "Ac\u0000me", leadTimeDays: "21" },
      { intent: "delete-override", scope: "vendor", key: "Ac\u0000me" },
    ];
    for (const fields of attempts)
      expect(await call(routes.settings.action, "/app/settings", {}, post(fields))).toEqual({
        intent: fields.intent,
        ok: false,
        errors: { key: "settings.errors.override.key" },
      });
    const rows = await sql<{ n: number }>(db.url, `SELECT count(*)::int AS n FROM "VendorLeadTime"`);
    expect(rows[0]!.n).toBe(0);
  });
});

describe("dates", () => {
  it("the API refuses years outside 2000–2100 and ranges wider than the window", async () => {
    const id = A.variantIds[0]!;
    for (const query of ["from=0050-01-01", "from=0100-01-01", "to=2101-01-01", "from=2000-01-01&to=2025-01-01"]) {
      const answer = await api(routes.forecast.loader, `/api/variants/${id}/forecast?${query}`, { variantId: id });
      expect(answer, query).toMatchObject({ status: 400, body: { error: "invalid query" } });
    }
  });

  it(`answers at most ${RANGE_HISTORY_DAYS} days of history before asOf, however early from is`, async () => {
    const id = A.variantIds[0]!;
    const response = (await call(routes.forecast.loader, `/api/variants/${id}/forecast?from=2000-01-01`, { variantId: id })) as Response;
    expect(response.status).toBe(200);
    const detail = (await response.json()) as VariantForecastDetail;
    expect(detail.history.length).toBe(RANGE_HISTORY_DAYS + 1);
    expect(detail.history.at(-1)!.day).toBe(detail.asOf);
  });

  it("the variant page ignores a range it cannot read, as before", async () => {
    const id = A.variantIds[0]!;
    const page = (await call(routes.variant.loader, `/app/variants/${id}?from=0050-01-01`, { variantId: id })) as {
      detail: VariantForecastDetail;
    };
    expect(page.detail.variantId).toBe(id);
  });
});
