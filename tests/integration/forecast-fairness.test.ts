/**
 * Fairness of the nightly forecasts (decision 0051): one big shop must not make the small shops wait for it. A real
 * Graphile Worker (one job at a time, so the order it picks jobs in is the order they run) works through the night of
 * a big shop, whose domain sorts first so the fan-out plans it first, and three small shops. Every small shop's
 * forecast must be published before the big shop's second batch starts, and a small shop's run requested while the
 * big shop's run is under way must go ahead of the big shop's remaining batches. Order only; no timing is asserted.
 */
import { Logger, runOnce, type Task, type TaskList } from "graphile-worker";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type * as Run from "../../app/forecasts/run.server";
import type * as Pool from "../../app/db/pool.server";
import { createTestDatabase, sql } from "../support/db";
import { seedShop, type SeededShop } from "../support/forecast-seed";

process.env.FORECAST_BATCH_SIZE = "10";
process.env.FORECAST_AUGURS = "0";
process.env.FORECAST_THREADS = "0";

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let run: typeof Run;
let pool: typeof Pool;
let taskList: TaskList;
let big: SeededShop;
let smalls: SeededShop[];
const quiet = new Logger(() => () => {});

/** What ran, in order: a run's plan or one of its batches, and the runs published so far when it started. */
interface Step {
  task: "plan" | "batch";
  shopId: string;
  batch?: number;
  publishedBefore: string[];
}

async function publishedShops(): Promise<string[]> {
  const rows = await sql<{ shopId: string }>(
    db.url,
    `SELECT "shopId" FROM "ShopForecastState" WHERE "currentRunId" IS NOT NULL AND "publishedAt" IS NOT NULL ORDER BY "shopId"`,
  );
  return rows.map((r) => r.shopId);
}

/** Runs every queued forecast job with a real worker, one at a time; `onStep` may queue more work as each job starts. */
async function runNight(onStep: (step: Step, steps: Step[]) => Promise<void> = async () => {}): Promise<Step[]> {
  const steps: Step[] = [];
  const record =
    (task: Step["task"], original: Task): Task =>
    async (payload, helpers) => {
      const p = payload as { shopId?: string; runId?: string; batch?: number };
      const shopId =
        p.shopId ?? (await sql<{ shopId: string }>(db.url, `SELECT "shopId" FROM "ForecastRun" WHERE id = $1`, [p.runId]))[0]!.shopId;
      const step: Step = { task, shopId, batch: p.batch, publishedBefore: await publishedShops() };
      steps.push(step);
      await onStep(step, steps);
      return original(payload, helpers);
    };
  await runOnce({
    connectionString: db.url,
    concurrency: 1,
    noHandleSignals: true,
    logger: quiet,
    taskList: {
      "forecast.plan": record("plan", taskList["forecast.plan"]!),
      "forecast.batch": record("batch", taskList["forecast.batch"]!),
    },
    preset: { worker: { completeJobBatchDelay: 0, failJobBatchDelay: 0 } },
  });
  return steps;
}

beforeAll(async () => {
  db = await createTestDatabase();
  run = await import("../../app/forecasts/run.server");
  pool = await import("../../app/db/pool.server");
  const { forecastHandlers } = await import("../../app/forecasts/tasks.server");
  const { toTaskList } = await import("../../app/jobs/handler");
  taskList = toTaskList(forecastHandlers);
  // 90 variants = 9 batches of 10; each small shop has 6 variants = 1 batch. "a-big" sorts first: planned first.
  big = await seedShop(db.url, { domain: "a-big.myshopify.com", products: 30, variantsPerProduct: 3, days: 120, seed: 3 });
  smalls = [];
  for (const [i, domain] of ["b-small.myshopify.com", "c-small.myshopify.com", "d-small.myshopify.com"].entries())
    smalls.push(await seedShop(db.url, { domain, products: 3, variantsPerProduct: 2, days: 120, seed: 10 + i }));
});
afterAll(async () => {
  await pool.closePool();
  await db.drop();
});

describe("the nightly forecasts of a big shop and small shops", () => {
  it("publish every small shop before the big shop's second batch runs, though the big shop is planned first", async () => {
    expect(await run.planNightly()).toBe(4);
    const steps = await runNight();

    const plans = steps.filter((s) => s.task === "plan").map((s) => s.shopId);
    expect(plans[0]).toBe(big.shopId); // the fan-out reached the big shop first
    const bigBatches = steps.filter((s) => s.task === "batch" && s.shopId === big.shopId);
    expect(bigBatches.map((s) => s.batch).sort((a, b) => a! - b!)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    const secondBigBatch = steps.find((s) => s.task === "batch" && s.shopId === big.shopId && s.batch !== 0)!;
    expect(secondBigBatch.publishedBefore).toEqual(expect.arrayContaining(smalls.map((s) => s.shopId)));
    expect(secondBigBatch.publishedBefore).not.toContain(big.shopId);
    // And the big shop's run is published all the same.
    expect(await publishedShops()).toEqual(expect.arrayContaining([big.shopId, ...smalls.map((s) => s.shopId)]));
    const runs = await sql<{ status: string }>(db.url, `SELECT status FROM "ForecastRun"`);
    expect(runs.map((r) => r.status)).toEqual(["completed", "completed", "completed", "completed"]);
  });

  it("runs a small shop's forecast requested during the big shop's run before the big shop's remaining batches", async () => {
    const [small] = smalls;
    expect(await run.requestForecastRun(big.shopId, "manual")).toBe(true);
    const steps = await runNight(async (step) => {
      // The big shop's run is under way (its third batch starts): the merchant of a small shop asks for a run.
      if (step.task === "batch" && step.shopId === big.shopId && step.batch === 2)
        expect(await run.requestForecastRun(small!.shopId, "manual")).toBe(true);
    });
    const at = (shopId: string, batch: number) => steps.findIndex((s) => s.task === "batch" && s.shopId === shopId && s.batch === batch);
    expect(at(big.shopId, 2)).toBeGreaterThan(-1);
    expect(at(small!.shopId, 0)).toBeGreaterThan(at(big.shopId, 2));
    expect(at(small!.shopId, 0)).toBeLessThan(at(big.shopId, 3));
    const latest = await sql<{ shopId: string; status: string }>(
      db.url,
      `SELECT DISTINCT ON ("shopId") "shopId", status FROM "ForecastRun" ORDER BY "shopId", "startedAt" DESC`,
    );
    expect(latest.filter((r) => r.shopId === big.shopId || r.shopId === small!.shopId).map((r) => r.status)).toEqual([
      "completed",
      "completed",
    ]);
  });
});
