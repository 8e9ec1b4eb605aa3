/**
 * The forecast API's resource routes, called as Remix loaders/actions with real session tokens (HS256,
 * signed with the app secret like Shopify's) against real PostgreSQL: 401 without a valid token, 400 on bad
 * params, ETag/304, 429 past the daily recompute limit, the correlation id, and never another shop's data.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { StockAdviceResponse } from "../../app/api/stock-advice";
import type { VariantForecastDetail } from "../../app/forecasts/contract";
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

type Args = { request: Request; params: Record<string, string>; context: Record<string, never> };
type Handler = (args: Args) => Promise<Response>;

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let A: SeededShop;
let B: SeededShop;
let forecastRoute: { loader: Handler; action: Handler };
let adviceRoute: { loader: Handler };
let recomputeRoute: { action: Handler };
let statusRoute: { loader: Handler };
let closePools: () => Promise<void>;
let runRecompute: (id: string) => Promise<unknown>;

function call(handler: Handler, path: string, params: Record<string, string>, init: RequestInit & { shop?: string; token?: string } = {}) {
  const headers = new Headers(init.headers);
  if (init.shop) headers.set("Authorization", `Bearer ${init.token ?? sessionToken(init.shop)}`);
  return handler({ request: new Request(`https://fluxor.test${path}`, { ...init, headers }), params, context: {} });
}

beforeAll(async () => {
  db = await createTestDatabase();
  A = await seedShop(db.url, { domain: "api-a.myshopify.com", products: 12, variantsPerProduct: 2, days: 200, seed: 3 });
  B = await seedShop(db.url, { domain: "api-b.myshopify.com", products: 6, variantsPerProduct: 2, days: 200, seed: 4 });
  await storeOfflineSessions(db.url, [A.domain, B.domain]);
  await runNightlyForecasts(db.url);
  const recompute = await import("../../app/forecasts/recompute.server");
  runRecompute = recompute.runRecompute;
  forecastRoute = (await import("../../app/routes/api.variants.$variantId.forecast")) as unknown as typeof forecastRoute;
  adviceRoute = (await import("../../app/routes/api.products.$productId.stock-advice")) as unknown as typeof adviceRoute;
  recomputeRoute = (await import("../../app/routes/api.variants.$variantId.recompute")) as unknown as typeof recomputeRoute;
  statusRoute = (await import("../../app/routes/api.recomputes.$id")) as unknown as typeof statusRoute;
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

describe("authentication", () => {
  it("answers 401 without a session token, or with a forged one", async () => {
    const none = await call(forecastRoute.loader, `/api/variants/${A.variantIds[0]}/forecast`, { variantId: A.variantIds[0]! });
    expect(none.status).toBe(401);
    expect(((await none.json()) as { error: string }).error).toMatch(/session token/);
    const forged = await call(
      forecastRoute.loader,
      `/api/variants/${A.variantIds[0]}/forecast`,
      { variantId: A.variantIds[0]! },
      {
        shop: A.domain,
        token: sessionToken(A.domain, "not-the-secret"),
      },
    );
    expect(forged.status).toBe(401);
    const advice = await call(adviceRoute.loader, `/api/products/1/stock-advice`, { productId: "1" });
    expect(advice.status).toBe(401);
  });

  it("carries the caller's X-Request-Id (or a new one) on the answer and its log lines", async () => {
    const lines: string[] = [];
    const spy = vi.spyOn(console, "log").mockImplementation((line: string) => void lines.push(line));
    const res = await call(
      forecastRoute.loader,
      `/api/variants/${A.variantIds[0]}/forecast`,
      { variantId: A.variantIds[0]! },
      {
        shop: A.domain,
        headers: { "X-Request-Id": "req-123" },
      },
    );
    spy.mockRestore();
    expect(res.headers.get("X-Request-Id")).toBe("req-123");
    expect(lines.some((l) => JSON.parse(l).requestId === "req-123")).toBe(true);
    const fresh = await call(
      forecastRoute.loader,
      `/api/variants/x/forecast`,
      { variantId: "x" },
      { shop: A.domain, headers: { "X-Request-Id": "bad id!" } },
    );
    expect(fresh.headers.get("X-Request-Id")).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe("GET /api/variants/:variantId/forecast", () => {
  it("validates params with a 400 { error, issues }", async () => {
    const bad = await call(forecastRoute.loader, `/api/variants/abc/forecast`, { variantId: "abc" }, { shop: A.domain });
    expect(bad.status).toBe(400);
    const body = (await bad.json()) as { error: string; issues: { path: string; message: string }[] };
    expect(body.error).toBe("invalid variant id");
    expect(body.issues.length).toBeGreaterThan(0);
    const id = A.variantIds[0]!;
    const range = await call(forecastRoute.loader, `/api/variants/${id}/forecast?from=2025-13-01`, { variantId: id }, { shop: A.domain });
    expect(range.status).toBe(400);
    expect(((await range.json()) as { issues: { path: string }[] }).issues[0]!.path).toBe("from");
    const order = await call(
      forecastRoute.loader,
      `/api/variants/${id}/forecast?from=2025-02-01&to=2025-01-01`,
      { variantId: id },
      { shop: A.domain },
    );
    expect(order.status).toBe(400);
  });

  it("answers the stored forecast with an ETag, then 304", async () => {
    const id = A.variantIds[3]!;
    const gid = encodeURIComponent(`gid://shopify/ProductVariant/${id}`);
    const res = await call(
      forecastRoute.loader,
      `/api/variants/${gid}/forecast?location=1001`,
      { variantId: `gid://shopify/ProductVariant/${id}` },
      { shop: A.domain },
    );
    expect(res.status).toBe(200);
    const body = (await res.json()) as VariantForecastDetail;
    expect(body.variantId).toBe(id);
    expect(body.forecast).toHaveLength(90);
    expect(body).toHaveProperty("outOfStock");
    expect(body.advice.every((row) => "outOfStockSince" in row && "lostRevenuePerDay" in row)).toBe(true);
    const etag = res.headers.get("ETag")!;
    expect(etag).toMatch(/^".+"$/);
    expect(res.headers.get("Cache-Control")).toMatch(/private/);
    const again = await call(
      forecastRoute.loader,
      `/api/variants/${gid}/forecast?location=1001`,
      { variantId: id },
      { shop: A.domain, headers: { "If-None-Match": etag } },
    );
    expect(again.status).toBe(304);
    const otherRange = await call(
      forecastRoute.loader,
      `/api/variants/${id}/forecast`,
      { variantId: id },
      { shop: A.domain, headers: { "If-None-Match": etag } },
    );
    expect(otherRange.status).toBe(200);
  });

  it("never answers another shop's data", async () => {
    // Same variant id in both shops: each token sees its own shop's run.
    const shared = B.variantIds[0]!;
    const a = (await (
      await call(forecastRoute.loader, `/api/variants/${shared}/forecast`, { variantId: shared }, { shop: A.domain })
    ).json()) as VariantForecastDetail;
    const b = (await (
      await call(forecastRoute.loader, `/api/variants/${shared}/forecast`, { variantId: shared }, { shop: B.domain })
    ).json()) as VariantForecastDetail;
    expect(a.runId).not.toBe(b.runId);
    const runs = await sql<{ shopId: string }>(db.url, `SELECT "shopId" FROM "ForecastRun" WHERE id = $1`, [b.runId]);
    expect(runs[0]!.shopId).toBe(B.shopId);
    const onlyA = A.variantIds.at(-1)!;
    expect((await call(forecastRoute.loader, `/api/variants/${onlyA}/forecast`, { variantId: onlyA }, { shop: B.domain })).status).toBe(
      404,
    );
    expect((await call(adviceRoute.loader, `/api/products/12/stock-advice`, { productId: "12" }, { shop: B.domain })).status).toBe(404);
  });
});

describe("GET /api/products/:productId/stock-advice", () => {
  it("answers the admin block's contract", async () => {
    const res = await call(adviceRoute.loader, `/api/products/2/stock-advice`, { productId: "2" }, { shop: A.domain });
    expect(res.status).toBe(200);
    const body = (await res.json()) as StockAdviceResponse;
    expect(body.productId).toBe("gid://shopify/Product/2");
    expect(body.variants.map((v) => v.variantId)).toEqual(["gid://shopify/ProductVariant/21", "gid://shopify/ProductVariant/22"]);
    // Fields added later (decision 0039) come on top of the first release's, whose statuses stay the four it knows.
    expect(body.currency).toBe("GBP");
    for (const v of body.variants) {
      expect(v.weeklyUnits).toHaveLength(8);
      expect(["critical", "warning", "ok", "unknown"]).toContain(v.status);
      expect(v).toHaveProperty("outOfStock");
      if (v.outOfStock) expect(v).toMatchObject({ status: "critical", daysOfCover: 0, stockoutDate: null });
    }
    const cached = await call(
      adviceRoute.loader,
      `/api/products/2/stock-advice`,
      { productId: "2" },
      { shop: A.domain, headers: { "If-None-Match": res.headers.get("ETag")! } },
    );
    expect(cached.status).toBe(304);
  });
});

describe("POST /api/variants/:variantId/recompute", () => {
  it("queues a recompute (202), runs it, reports its status, and bumps the ETag", async () => {
    const id = A.variantIds[5]!;
    const before = await call(forecastRoute.loader, `/api/variants/${id}/forecast`, { variantId: id }, { shop: A.domain });
    const res = await call(
      recomputeRoute.action,
      `/api/variants/${id}/recompute`,
      { variantId: id },
      { shop: A.domain, method: "POST", headers: { "X-Request-Id": "rc-1" } },
    );
    expect(res.status).toBe(202);
    const { id: recomputeId } = (await res.json()) as { id: string };
    expect(res.headers.get("Location")).toBe(`/api/recomputes/${recomputeId}`);
    const queued = await sql<{ payload: { requestId: string } }>(
      db.url,
      `SELECT j.payload FROM graphile_worker._private_jobs j JOIN graphile_worker._private_tasks t ON t.id = j.task_id WHERE t.identifier = 'forecast.recompute'`,
    );
    expect(queued[0]!.payload.requestId).toBe("rc-1");
    expect(await runRecompute(recomputeId)).toBe("completed");
    const status = await call(statusRoute.loader, `/api/recomputes/${recomputeId}`, { id: recomputeId }, { shop: A.domain });
    expect(((await status.json()) as { status: string }).status).toBe("completed");
    expect((await call(statusRoute.loader, `/api/recomputes/${recomputeId}`, { id: recomputeId }, { shop: B.domain })).status).toBe(404);
    expect((await call(statusRoute.loader, `/api/recomputes/nope`, { id: "nope" }, { shop: A.domain })).status).toBe(400);
    const after = await call(
      forecastRoute.loader,
      `/api/variants/${id}/forecast`,
      { variantId: id },
      { shop: A.domain, headers: { "If-None-Match": before.headers.get("ETag")! } },
    );
    expect(after.status).toBe(200);
  });

  it("refuses a variant of another shop, and answers 429 with Retry-After past 100 a day", async () => {
    const onlyA = A.variantIds.at(-1)!;
    expect(
      (await call(recomputeRoute.action, `/api/variants/${onlyA}/recompute`, { variantId: onlyA }, { shop: B.domain, method: "POST" }))
        .status,
    ).toBe(404);
    await sql(
      db.url,
      `INSERT INTO "ForecastRecompute" (id, "shopId", "variantId", status, "requestId") SELECT gen_random_uuid(), $1, $2, 'completed', 'seed' FROM generate_series(1, 99)`,
      [A.shopId, A.variantIds[0]],
    );
    const id = A.variantIds[1]!;
    const limited = await call(
      recomputeRoute.action,
      `/api/variants/${id}/recompute`,
      { variantId: id },
      { shop: A.domain, method: "POST" },
    );
    expect(limited.status).toBe(429);
    const retry = Number(limited.headers.get("Retry-After"));
    expect(retry).toBeGreaterThan(0);
    expect(retry).toBeLessThanOrEqual(86_400);
    // Shop B has its own allowance.
    const b = B.variantIds[0]!;
    expect(
      (await call(recomputeRoute.action, `/api/variants/${b}/recompute`, { variantId: b }, { shop: B.domain, method: "POST" })).status,
    ).toBe(202);
  });
});
