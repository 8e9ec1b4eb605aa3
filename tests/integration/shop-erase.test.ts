/**
 * shop/redact against writers in flight, on real PostgreSQL. The erasure and every job that writes a
 * shop's rows lock the shop row first (eraseShop FOR UPDATE, shopTransaction FOR KEY SHARE), so:
 * - a write in progress when the erasure starts finishes first, and the erasure then deletes it all,
 *   including rows inserted after the erasure began (no deadlock, no row left behind);
 * - a write that starts after the shop is gone is refused and writes nothing;
 * - a forecast job of an uninstalled shop ends quietly instead of retrying.
 * CI once caught the deadlock this prevents: the erasure deleted DailyDemand, then waited on a sync
 * transaction that had locked rows of a later table and then wanted DailyDemand.
 */
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "@prisma/client";
import type { JobHelpers } from "graphile-worker";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type * as Run from "../../app/forecasts/run.server";
import type * as Tasks from "../../app/jobs/contracts/forecasts";
import type * as Pool from "../../app/db/pool.server";
import type * as Shops from "../../app/shops/lifecycle.server";
import { createTestDatabase, sql } from "../support/db";
import { JOBS_OF, seedShop, type SeededShop } from "../support/forecast-seed";
import { waitFor } from "../support/wait";

process.env.FORECAST_BATCH_SIZE = "50";
process.env.FORECAST_AUGURS = "0";
process.env.FORECAST_THREADS = "0";

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let prisma: PrismaClient;
let pool: typeof Pool;
let shops: typeof Shops;
let run: typeof Run;
let tasks: typeof Tasks;

/** Rows of the shop left in any table with a shopId column, by table. */
async function rowsLeft(shopId: string): Promise<Record<string, number>> {
  const tables = await sql<{ table_name: string }>(
    db.url,
    `SELECT table_name FROM information_schema.columns WHERE table_schema = 'public' AND column_name = 'shopId'`,
  );
  const left: Record<string, number> = {};
  for (const { table_name } of tables) {
    const [row] = await sql<{ n: number }>(db.url, `SELECT count(*)::int AS n FROM "${table_name}" WHERE "shopId" = $1`, [shopId]);
    if (row!.n > 0) left[table_name] = row!.n;
  }
  return left;
}

/** The backend pids waiting on a lock right now. */
async function waitingOnLocks(): Promise<number> {
  const [row] = await sql<{ n: number }>(db.url, `SELECT count(*)::int AS n FROM pg_locks WHERE NOT granted`);
  return row!.n;
}

const helpers = (attempts = 1): JobHelpers => {
  const logger = { info: () => {}, warn: () => {}, error: () => {}, debug: () => {} };
  return { logger, job: { attempts, max_attempts: 4 } } as unknown as JobHelpers;
};

beforeAll(async () => {
  db = await createTestDatabase();
  prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: db.url, max: 2 }) });
  pool = await import("../../app/db/pool.server");
  shops = await import("../../app/shops/lifecycle.server");
  run = await import("../../app/forecasts/run.server");
  tasks = await import("../../app/jobs/contracts/forecasts");
});
afterAll(async () => {
  await prisma?.$disconnect();
  await pool?.closePool();
  await db?.drop();
});

describe("shop/redact while the shop's jobs write", () => {
  let A: SeededShop;
  let B: SeededShop;

  beforeAll(async () => {
    A = await seedShop(db.url, { domain: "erase-a.myshopify.com", products: 6, variantsPerProduct: 2, days: 60, seed: 3 });
    B = await seedShop(db.url, { domain: "erase-b.myshopify.com", products: 6, variantsPerProduct: 2, days: 60, seed: 4 });
  });

  it("waits for a write in flight, then deletes everything, including what that write inserted", async () => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let erased: Promise<Shops.EraseOutcome> | undefined;
    const write = pool.shopTransaction(A.shopId, async (tx) => {
      // Lock rows of a table the erasure reaches late…
      await tx.query(`UPDATE "ProductVariant" SET "syncedAt" = now() WHERE "shopId" = $1`, [A.shopId]);
      // …let the erasure start and block…
      erased = shops.eraseShop(A.domain);
      await waitFor(async () => (await waitingOnLocks()) > 0, "the erasure to wait on the shop row", 10_000, 20);
      await released;
      // …then touch a table the erasure deletes first (the order that deadlocked), and insert new rows.
      await tx.query(`UPDATE "DailyDemand" SET units = units WHERE "shopId" = $1`, [A.shopId]);
      await tx.query(
        `INSERT INTO "DailyDemand" ("shopId", "variantId", "locationId", day, units, revenue, "inStock")
         SELECT "shopId", "variantId", "locationId", day + 1000, units, revenue, "inStock" FROM "DailyDemand" WHERE "shopId" = $1 LIMIT 5`,
        [A.shopId],
      );
    });
    release();
    await write;
    expect(await erased).toBe("erased");
    expect(await rowsLeft(A.shopId)).toEqual({});
    expect(await sql(db.url, `SELECT 1 FROM "Shop" WHERE domain = $1`, [A.domain])).toHaveLength(0);
    // The other shop is untouched.
    expect((await rowsLeft(B.shopId)).ProductVariant).toBe(B.variantIds.length);
  });

  it("refuses a write that starts after the erasure, and writes nothing", async () => {
    await expect(
      pool.shopTransaction(A.shopId, async (tx) => {
        await tx.query(`INSERT INTO "ShopForecastState" ("shopId", "changedRows", "updatedAt") VALUES ($1, 0, now())`, [A.shopId]);
      }),
    ).rejects.toBeInstanceOf(pool.ShopGoneError);
    expect(await rowsLeft(A.shopId)).toEqual({});
  });

  it("ends a forecast batch of an uninstalled shop quietly, failing its run and writing no forecast", async () => {
    const runId = await run.startRun(B.shopId, "manual");
    expect(runId).not.toBeNull();
    await shops.markUninstalled(B.domain);
    const [job] = (await sql<{ payload: unknown }>(db.url, JOBS_OF(tasks.forecastBatchJob.name))).filter(
      (row) => (row.payload as { runId?: string }).runId === runId,
    );
    const payload = tasks.forecastBatchJob.payload.parse(job!.payload);
    const { forecastHandlers } = await import("../../app/forecasts/tasks.server");
    const batchHandler = forecastHandlers.find((h) => h.name === tasks.forecastBatchJob.name)!;
    await expect(batchHandler.task(payload, helpers())).resolves.toBeUndefined();
    const [state] = await sql<{ status: string; error: string }>(db.url, `SELECT status, error FROM "ForecastRun" WHERE id = $1`, [runId]);
    expect(state).toEqual({ status: "failed", error: "the shop was uninstalled" });
    expect(await sql(db.url, `SELECT 1 FROM "VariantForecast" WHERE "runId" = $1`, [runId])).toHaveLength(0);
  });

  it("then erases that shop completely; a later run of it plans nothing", async () => {
    expect(await shops.eraseShop(B.domain, new Date())).toBe("erased");
    expect(await rowsLeft(B.shopId)).toEqual({});
    await expect(run.startRun(B.shopId, "manual")).resolves.toBeNull();
  });
});

describe("shop/redact of a shop installed again after the request", () => {
  it("keeps the new install's rows, and erases once a request postdates the install", async () => {
    const C = await seedShop(db.url, { domain: "erase-c.myshopify.com", products: 3, variantsPerProduct: 2, days: 30, seed: 5 });
    await shops.markUninstalled(C.domain);
    const requestedAt = new Date();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(await shops.recordAuthorization(C.domain, "read_products")).toBe("reinstall");
    expect(await shops.eraseShop(C.domain, requestedAt)).toBe("kept_reinstalled");
    expect((await rowsLeft(C.shopId)).ProductVariant).toBe(C.variantIds.length);
    expect(await shops.eraseShop(C.domain, new Date())).toBe("erased");
    expect(await rowsLeft(C.shopId)).toEqual({});
  });
});
