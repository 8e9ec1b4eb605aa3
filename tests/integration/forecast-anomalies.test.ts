/**
 * Anomaly flags and the candidate overlay (decision 0054) against real PostgreSQL: a nightly run persists the flags
 * of a variant whose sales burst and of one whose sales stopped (stock on hand), the variant read model returns them,
 * the overview counts them (the shop's own rows only); the overlay route answers the shop's own variant with the
 * best few candidates' forecasts (an ensemble's members average to the chosen line), serves a repeat from the read
 * cache, scales to a location, refuses a bad location and 404s another shop's variant.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type * as Read from "../../app/forecasts/read.server";
import type { CandidateOverlay } from "../../app/forecasts/candidates";
import { createTestDatabase, sql } from "../support/db";
import { seedShop, type SeededShop } from "../support/forecast-seed";
import { runNightlyForecasts, storeOfflineSessions } from "../support/installed-shops";
import { sessionToken } from "../support/session-token";

process.env.SHOPIFY_API_KEY = "fluxor-test-key";
process.env.SHOPIFY_API_SECRET = "fluxor-test-secret-" + randomBytes(6).toString("hex");
process.env.SHOPIFY_APP_URL = "https://fluxor.test";
process.env.SCOPES = "read_products,read_orders,read_inventory";
process.env.FLUXOR_ENCRYPTION_KEYS = `t1:${randomBytes(32).toString("base64")}`;
process.env.FORECAST_AUGURS = "0";
process.env.FORECAST_THREADS = "0";

type Handler = (args: { request: Request; params: Record<string, string>; context: Record<string, never> }) => Promise<Response>;

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let A: SeededShop;
let B: SeededShop;
let read: typeof Read;
let overlayRoute: { loader: Handler };
let closePools: () => Promise<void>;

/** Variants of shop A only (B has 6 products): one whose sales burst in its last two days, one whose sales stopped. */
const BURST = "111";
const STOPPED = "121";

function overlay(shop: string, variantId: string, query = ""): Promise<Response> {
  const request = new Request(`https://fluxor.test/app/variants/${variantId}/candidates${query}`, {
    headers: { Authorization: `Bearer ${sessionToken(shop)}` },
  });
  return overlayRoute.loader({ request, params: { variantId }, context: {} });
}

/** A variant's anomaly flags as its forecast (the variant page and the forecast API) carries them. */
async function flagsOf(shopId: string, variantId: string) {
  return (await read.getVariantForecast(shopId, variantId, {}))?.anomalies ?? [];
}

/** Replaces a variant's demand with a steady daily seller (12 a day, 6 on Sundays) and then `last` for its last days. */
async function steadySeller(shop: SeededShop, variantId: string, last: number[]): Promise<void> {
  await sql(db.url, `DELETE FROM "DailyDemand" WHERE "shopId" = $1 AND "variantId" = $2`, [shop.shopId, variantId]);
  await sql(
    db.url,
    `INSERT INTO "DailyDemand" ("shopId", "variantId", "locationId", day, units, revenue, "inStock")
     SELECT $1, $2, 1001, d, u, u * 9.99, NULL
       FROM (SELECT $3::date - g AS d, CASE WHEN g < cardinality($4::int[]) THEN ($4::int[])[cardinality($4::int[]) - g]
                  ELSE CASE extract(isodow FROM $3::date - g) WHEN 7 THEN 6 ELSE 10 + g % 5 END END AS u
               FROM generate_series(0, 199) g) x
      WHERE u > 0`,
    [shop.shopId, variantId, shop.yesterday, last],
  );
  await sql(
    db.url,
    `UPDATE "InventoryLevel" SET available = 40 WHERE "shopId" = $1 AND "inventoryItemId" = (SELECT "inventoryItemId" FROM "ProductVariant" WHERE "shopId" = $1 AND id = $2)`,
    [shop.shopId, variantId],
  );
}

beforeAll(async () => {
  db = await createTestDatabase();
  A = await seedShop(db.url, { domain: "anomaly-a.myshopify.com", products: 12, variantsPerProduct: 2, days: 200, seed: 5 });
  B = await seedShop(db.url, { domain: "anomaly-b.myshopify.com", products: 6, variantsPerProduct: 2, days: 200, seed: 6 });
  await steadySeller(A, BURST, [150, 160]);
  await steadySeller(A, STOPPED, [0, 0, 0, 0, 0, 0, 0, 0]);
  await storeOfflineSessions(db.url, [A.domain, B.domain]);
  await runNightlyForecasts(db.url);
  read = await import("../../app/forecasts/read.server");
  overlayRoute = (await import("../../app/routes/app.variants.$variantId.candidates")) as unknown as typeof overlayRoute;
  const pool = await import("../../app/db/pool.server");
  const { disconnectPrisma } = await import("../../app/db/prisma.server");
  closePools = async () => {
    await pool.closePool();
    await disconnectPrisma();
  };
}, 60_000);

afterAll(async () => {
  await closePools();
  await db.drop();
});

describe("the nightly run's anomaly flags", () => {
  it("persists a burst as spikes and a stop as drops, on the run's last days, and the read model returns them", async () => {
    const run = (
      await sql<{ runId: string }>(db.url, `SELECT "currentRunId" AS "runId" FROM "ShopForecastState" WHERE "shopId" = $1`, [A.shopId])
    )[0]!;
    const burst = await flagsOf(A.shopId, BURST);
    expect(burst.map((flag) => [flag.date, flag.kind, flag.units])).toEqual(expect.arrayContaining([[A.yesterday, "spike", 160]]));
    for (const flag of burst) expect(flag.units).toBeGreaterThan(flag.hi95);
    const stopped = await flagsOf(A.shopId, STOPPED);
    expect(stopped.length).toBeGreaterThanOrEqual(5);
    expect(stopped.every((flag) => flag.kind === "drop" && flag.units === 0 && flag.expected > 5)).toBe(true);
    expect(stopped.at(-1)?.date).toBe(A.yesterday);
    // Another shop never reads A's rows.
    expect(await read.getVariantForecast(B.shopId, BURST, {})).toBeNull();
    // The forecast API's answer (the same read model) carries them too.
    expect((await read.getVariantForecast(A.shopId, BURST, {}))?.runId).toBe(run.runId);
  });

  it("the overview counts the shop's variants with flags and lists the first few", async () => {
    const { loadOverview } = await import("../../app/dashboard/overview.server");
    const { shopByDomain } = await import("../../app/shops/lookup.server");
    const { pool } = await import("../../app/db/pool.server");
    for (const shop of [A, B]) {
      const expected = await sql<{ n: number }>(
        db.url,
        `SELECT count(*)::int AS n FROM "VariantForecast" f JOIN "ShopForecastState" s ON s."currentRunId" = f."runId"
          WHERE s."shopId" = $1 AND jsonb_array_length(f.anomalies) > 0`,
        [shop.shopId],
      );
      const data = await loadOverview((await shopByDomain(pool(), shop.domain))!);
      expect(data.anomalies.count).toBe(expected[0]!.n);
      expect(data.anomalies.variants.length).toBe(Math.min(read.ANOMALY_LIST_SIZE, expected[0]!.n));
    }
    const a = await read.cachedAnomalyOverview(A.shopId);
    expect(a.count).toBeGreaterThanOrEqual(2);
  });

  it("the admin block's stock advice says each variant's unusual days (the shop's own only)", async () => {
    const { getProductStockAdvice } = await import("../../app/forecasts/stock-advice.server");
    const [{ productId }] = (await sql<{ productId: string }>(
      db.url,
      `SELECT "productId"::text AS "productId" FROM "ProductVariant" WHERE "shopId" = $1 AND id = $2`,
      [A.shopId, BURST],
    )) as [{ productId: string }];
    const flags = await flagsOf(A.shopId, BURST);
    const advice = await getProductStockAdvice(A.shopId, productId);
    const variant = advice!.variants.find((v) => v.variantId === `gid://shopify/ProductVariant/${BURST}`)!;
    expect(variant.unusualSales).toEqual(
      flags.map((flag) => ({ date: flag.date, kind: flag.kind, units: flag.units, expected: Math.round(flag.expected * 10) / 10 })),
    );
    expect(variant.unusualSales!.length).toBeGreaterThan(0);
    // The product's other variants sold as expected: none.
    for (const other of advice!.variants.filter((v) => v !== variant && !v.variantId.endsWith(`/${STOPPED}`)))
      expect(other.unusualSales).toEqual([]);
    // B has no such product with flags: its advice for the same id (if any) carries none of A's.
    const b = await getProductStockAdvice(B.shopId, productId);
    for (const v of b?.variants ?? []) expect(v.unusualSales).toEqual([]);
  });

  it("the variants list and its CSV filter to the shop's variants with flags (unusual=1), the overview's link", async () => {
    const { queryFromSearchParams, exportQueryFromSearchParams, variantsHref } = await import("../../app/dashboard/url-state");
    const query = queryFromSearchParams(new URLSearchParams("unusual=1&pageSize=250"));
    expect(variantsHref({ unusual: true })).toBe("/app/variants?unusual=1");
    for (const shop of [A, B]) {
      const flagged = await sql<{ id: string }>(
        db.url,
        `SELECT f."variantId"::text AS id FROM "VariantForecast" f JOIN "ShopForecastState" s ON s."currentRunId" = f."runId"
          WHERE s."shopId" = $1 AND jsonb_array_length(f.anomalies) > 0 ORDER BY 1`,
        [shop.shopId],
      );
      const page = await read.listVariants(shop.shopId, query);
      expect(page.rows.map((row) => row.variantId).sort()).toEqual(flagged.map((row) => row.id));
      expect(page.total).toBe(flagged.length);
      const exported = exportQueryFromSearchParams(new URLSearchParams("unusual=1"));
      if (!exported.ok) throw new Error("the export's query was refused");
      let csv = "";
      for await (const chunk of read.exportVariantsCsv(shop.shopId, exported.query)) csv += chunk;
      expect(csv.trim().split("\n").length - 1).toBe(flagged.length);
    }
    const burst = await read.listVariants(A.shopId, query);
    expect(burst.rows.map((row) => row.variantId)).toEqual(expect.arrayContaining([BURST, STOPPED]));
    // Without the filter, the whole list; a bad value is dropped on the page and refused by the export.
    expect((await read.listVariants(A.shopId, queryFromSearchParams(new URLSearchParams("pageSize=250")))).total).toBeGreaterThan(
      burst.total,
    );
    expect(queryFromSearchParams(new URLSearchParams("unusual=yes")).unusual).toBeUndefined();
    expect(exportQueryFromSearchParams(new URLSearchParams("unusual=yes")).ok).toBe(false);
  });
});

describe("GET /app/variants/:variantId/candidates", () => {
  it("answers the shop's own variant with the best candidates' forecasts; an ensemble's members average to it", async () => {
    const response = await overlay(A.domain, STOPPED);
    expect(response.status).toBe(200);
    const body = (await response.json()) as CandidateOverlay;
    const [stored] = await sql<{ model: string; scores: Record<string, number>; forecast: number[]; start: string }>(
      db.url,
      `SELECT f.model, f."candidateScores" AS scores, f.forecast, to_char(f.start, 'YYYY-MM-DD') AS start FROM "VariantForecast" f
         JOIN "ShopForecastState" s ON s."currentRunId" = f."runId" WHERE s."shopId" = $1 AND f."variantId" = $2`,
      [A.shopId, STOPPED],
    );
    expect(body.start).toBe(stored!.start);
    expect(body.lines.length).toBeGreaterThanOrEqual(2);
    expect(body.lines.length).toBeLessThanOrEqual(4);
    expect(body.lines.map((line) => line.model)).not.toContain(stored!.model);
    const scores = body.lines.map((line) => line.score);
    expect(scores).toEqual([...scores].sort((x, y) => x - y));
    for (const line of body.lines) {
      expect(line.score).toBe(stored!.scores[line.model]);
      expect(line.forecast).toHaveLength(stored!.forecast.length);
    }
    // A steady seller's forecast is the ensemble of its three best candidates: the first three lines.
    expect(stored!.model).toBe("ensemble");
    const members = body.lines.slice(0, 3);
    stored!.forecast.slice(0, 28).forEach((value, day) => {
      const average = members.reduce((sum, line) => sum + line.forecast[day]!, 0) / members.length;
      expect(average).toBeCloseTo(value, 1);
    });
  });

  it("serves a repeat from the read cache, kept under the run and its version", async () => {
    const before = await sql<{ key: string; value: unknown }>(
      db.url,
      `SELECT key, value FROM "ShopCache" WHERE "shopId" = $1 AND name = $2`,
      [A.shopId, `candidates:${STOPPED}`],
    );
    expect(before).toHaveLength(1);
    // A planted value under the same key is what the next answer shows: no recomputation.
    const planted = { ...(before[0]!.value as CandidateOverlay), start: "2000-01-01" };
    await sql(db.url, `UPDATE "ShopCache" SET value = $3::jsonb WHERE "shopId" = $1 AND name = $2`, [
      A.shopId,
      `candidates:${STOPPED}`,
      JSON.stringify(planted),
    ]);
    const again = (await (await overlay(A.domain, STOPPED)).json()) as CandidateOverlay;
    expect(again.start).toBe("2000-01-01");
    await sql(db.url, `UPDATE "ShopCache" SET value = $3::jsonb WHERE "shopId" = $1 AND name = $2`, [
      A.shopId,
      `candidates:${STOPPED}`,
      JSON.stringify(before[0]!.value),
    ]);
  });

  it("scales the lines to a location's share, and refuses a malformed location", async () => {
    const all = (await (await overlay(A.domain, STOPPED)).json()) as CandidateOverlay;
    const warehouse = (await (await overlay(A.domain, STOPPED, "?location=1001")).json()) as CandidateOverlay;
    // All of this variant's sales are at 1001.
    expect(warehouse.lines[0]!.forecast[0]).toBeCloseTo(all.lines[0]!.forecast[0]!, 1);
    const other = (await (await overlay(A.domain, STOPPED, "?location=1002")).json()) as CandidateOverlay;
    expect(other.lines[0]!.forecast[0]).toBeLessThan(all.lines[0]!.forecast[0]!);
    expect((await overlay(A.domain, STOPPED, "?location=abc")).status).toBe(400);
    expect((await overlay(A.domain, STOPPED, "?location=99999")).status).toBe(404);
  });

  it("404s another shop's variant (and an id that is no variant), 401 without a session token", async () => {
    expect((await overlay(B.domain, STOPPED)).status).toBe(404);
    expect((await overlay(A.domain, "999999")).status).toBe(404);
    expect((await overlay(A.domain, "0x1")).status).toBe(404);
    // B's own variant with the same id as one of A's answers B's own.
    const own = await overlay(B.domain, B.variantIds[0]!);
    expect(own.status).toBe(200);
    const unauthenticated = await overlayRoute
      .loader({
        request: new Request(`https://fluxor.test/app/variants/${STOPPED}/candidates`),
        params: { variantId: STOPPED },
        context: {},
      })
      .catch((thrown: unknown) => thrown as Response);
    expect(unauthenticated.status).toBeGreaterThanOrEqual(300);
  });
});
