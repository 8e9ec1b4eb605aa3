/**
 * Outside signals in the nightly forecast run against real PostgreSQL and the signals stand-in (issue 17): weather is
 * offered only to the opted-in product type; when the weather source is down or gives bad data, the run still completes,
 * forecasts every variant without the signal, and says so in ForecastRun.signals.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type * as Run from "../../app/forecasts/run.server";
import type * as Tasks from "../../app/jobs/contracts/forecasts";
import type * as Pool from "../../app/db/pool.server";
import type * as Sources from "../../app/signals/sources.server";
import { startSignalsStandIn, type SignalsStandIn } from "../mocks/signals";
import { createTestDatabase, sql } from "../support/db";
import { drainForecastJobs, seedShop, type SeededShop } from "../support/forecast-seed";

process.env.FORECAST_BATCH_SIZE = "20";
process.env.FORECAST_AUGURS = "0";
process.env.FORECAST_THREADS = "0";
process.env.FLUXOR_ENCRYPTION_KEYS = `t1:${randomBytes(32).toString("base64")}`;

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let standIn: SignalsStandIn;
let run: typeof Run;
let tasks: typeof Tasks;
let pool: typeof Pool;
let sources: typeof Sources;
let shop: SeededShop;

async function nightly(): Promise<{ id: string; status: string; signals: Record<string, { status: string; reason?: string }> }> {
  const id = await run.startRun(shop.shopId, "manual");
  await drainForecastJobs(db.url, {
    [tasks.forecastBatchJob.name]: async (p: unknown) => {
      await run.runBatch(tasks.forecastBatchJob.payload.parse(p));
    },
  });
  const [row] = await sql<{ id: string; status: string; signals: Record<string, { status: string; reason?: string }> }>(
    db.url,
    `SELECT id, status, signals FROM "ForecastRun" WHERE id = $1`,
    [id],
  );
  return row!;
}

async function weatherRows(runId: string): Promise<{ variantId: string; reason: string }[]> {
  return sql(db.url, `SELECT "variantId"::text AS "variantId", reason FROM "SignalUse" WHERE "runId" = $1 AND signal = 'temperature'`, [
    runId,
  ]);
}

async function forecastCount(runId: string): Promise<number> {
  const [row] = await sql<{ n: number }>(db.url, `SELECT count(*)::int AS n FROM "VariantForecast" WHERE "runId" = $1`, [runId]);
  return row!.n;
}

beforeAll(async () => {
  db = await createTestDatabase();
  standIn = await startSignalsStandIn({ seed: 7 });
  Object.assign(process.env, standIn.env, { FLUXOR_SIGNAL_CIRCUIT_FAILURES: "2" });
  run = await import("../../app/forecasts/run.server");
  tasks = await import("../../app/jobs/contracts/forecasts");
  pool = await import("../../app/db/pool.server");
  sources = await import("../../app/signals/sources.server");
  shop = await seedShop(db.url, { domain: "weather-run.myshopify.com", products: 15, variantsPerProduct: 2, days: 400, seed: 5 });
  const saved = await sources.saveSignalSettings(shop.shopId, {
    weather: { enabled: true, location: { kind: "coordinates", latitude: 51.5074, longitude: -0.1278 }, productTypes: ["Type 1"] },
    indicators: { enabled: false, productTypes: [], countryCode: null, cpiSeries: null, confidenceSeries: null },
  });
  expect(saved.ok).toBe(true);
});

afterAll(async () => {
  await pool.closePool();
  await standIn?.close();
  await db?.drop();
});

beforeEach(async () => {
  standIn.clearFaults();
  // Each run asks the source again: no cached answer, no circuit left open by the run before.
  await sql(db.url, `DELETE FROM "SignalCache"`);
  await sql(db.url, `DELETE FROM "SignalCircuit"`);
});

describe("weather in the nightly run", () => {
  it("is offered to the opted-in product type only, and the run records that it had it", async () => {
    const r = await nightly();
    expect(r.status).toBe("completed");
    expect(r.signals.temperature).toEqual({ status: "ok" });
    const rows = await weatherRows(r.id);
    // seedShop's product p is "Type (p mod 5)", its variants p × 10 + k: Type 1 = products 1, 6, 11.
    expect(rows.map((x) => x.variantId).sort()).toEqual(["11", "12", "61", "62", "111", "112"].sort());
    for (const row of rows) expect(["gain", "no_gain", "too_few_windows", "no_history"]).toContain(row.reason);
    expect(await forecastCount(r.id)).toBe(30);
  });

  it.each([
    ["down", { kind: "outage", mode: "reset" } as const, "unavailable"],
    ["giving bad data", { kind: "bad_data", mode: "implausible" } as const, "bad_data"],
  ])("when the source is %s, the run completes without the signal and says why", async (_, fault, status) => {
    standIn.setFault("forecast", fault);
    standIn.setFault("archive", fault);
    const r = await nightly();
    expect(r.status).toBe("completed");
    expect(r.signals.temperature?.status).toBe(status);
    expect(r.signals.temperature?.reason).toEqual(expect.any(String));
    expect(await weatherRows(r.id)).toEqual([]);
    expect(await forecastCount(r.id)).toBe(30);
    const [state] = await sql<{ currentRunId: string }>(db.url, `SELECT "currentRunId" FROM "ShopForecastState" WHERE "shopId" = $1`, [
      shop.shopId,
    ]);
    expect(state?.currentRunId).toBe(r.id);
  });
});
