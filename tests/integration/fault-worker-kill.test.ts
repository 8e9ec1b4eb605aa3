/**
 * The job worker killed with SIGKILL — a real process, as `npm run worker` runs in production — in the middle of
 * three kinds of work, and a new worker process started after it:
 *
 * - a forecast run: killed inside a batch's write transaction, with some batches already in;
 * - a settings apply (the `forecast.advice` job that re-derives the advice after a settings save): killed inside its
 *   transaction;
 * - an email send: killed once before its request left (the message row is being updated), and once while Resend
 *   (the stand-in) was accepting the request, so that the answer never came back.
 *
 * The dead worker's jobs stay locked until the new worker's heartbeat sweep unlocks them (app/jobs/liveness.server.ts,
 * a 3 s timeout here). After each: the run is published once with every variant's rows, the advice rows are all
 * there, once each, and follow the saved settings, and each email reached Resend exactly once (its idempotency key).
 */
import { randomBytes } from "node:crypto";
import type { ChildProcess } from "node:child_process";
import { once } from "node:events";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type * as Log from "../../app/email/log.server";
import type * as Pool from "../../app/db/pool.server";
import type * as Forecasts from "../../app/forecasts/run.server";
import type * as Settings from "../../app/forecasts/settings.server";
import { startWorkerProcess } from "../demo/worker-process";
import { newWebhookSecret, startResendStandIn, type ResendStandIn } from "../mocks/resend";
import { createTestDatabase, sql } from "../support/db";
import { seedShop, type SeededShop } from "../support/forecast-seed";
import { waitFor } from "../support/wait";

const OWNER = "owner@kill-shop.test";
/** No Shopify call is made here; the worker process still wants a stand-in address. */
const NO_STAND_IN = "http://127.0.0.1:9";

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let resend: ResendStandIn;
let shop: SeededShop;
let pool: typeof Pool;
let settings: typeof Settings;
let forecasts: typeof Forecasts;
let log: typeof Log;
let worker: ChildProcess | undefined;

function startWorker(): ChildProcess {
  worker = startWorkerProcess(NO_STAND_IN, {
    // The dead worker's jobs are unlocked after 3 s without its heartbeat, not a minute.
    FLUXOR_WORKER_LIVENESS_SECONDS: "3",
    // One job at a time, so that a kill lands between a run's batches.
    WORKER_CONCURRENCY: "1",
  });
  return worker;
}

async function kill(process: ChildProcess): Promise<void> {
  if (process.exitCode !== null || process.signalCode !== null) return;
  const exited = once(process, "exit");
  process.kill("SIGKILL");
  await exited;
}

/** A connection of the test's own holding a row lock: the worker's next statement on that row waits inside its job. */
async function lockRow(statement: string, values: unknown[]): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: db.url });
  // A test that fails while holding it leaves it open until the database is dropped, which ends it.
  client.on("error", () => {});
  await client.connect();
  await client.query("BEGIN");
  await client.query(statement, values);
  return client;
}

async function release(lock: pg.Client): Promise<void> {
  await lock.query("ROLLBACK");
  await lock.end();
}

async function statementWaiting(pattern: string): Promise<void> {
  await waitFor(
    async () =>
      (
        await sql(
          db.url,
          `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE $1`,
          [pattern],
        )
      ).length > 0,
    `a worker statement like ${pattern} to wait for the held lock`,
    // The worker process compiles the app first.
    90_000,
    50,
  );
}

async function lockedJobs(task: string): Promise<number> {
  const rows = await sql(db.url, `SELECT 1 FROM graphile_worker.jobs WHERE task_identifier = $1 AND locked_by IS NOT NULL`, [task]);
  return rows.length;
}

beforeAll(async () => {
  db = await createTestDatabase();
  process.env.FORECAST_BATCH_SIZE = "10";
  process.env.FORECAST_AUGURS = "0";
  process.env.FORECAST_THREADS = "0";
  process.env.SHOPIFY_API_KEY = "fluxor-test-key";
  process.env.SHOPIFY_API_SECRET = `fluxor-test-secret-${randomBytes(8).toString("hex")}`;
  process.env.SHOPIFY_APP_URL = "https://fluxor.test";
  process.env.FLUXOR_ENCRYPTION_KEYS = `t1:${randomBytes(32).toString("base64")}`;
  process.env.RESEND_API_KEY = "re_test_key";
  process.env.RESEND_WEBHOOK_SECRET = newWebhookSecret();
  process.env.FLUXOR_EMAIL_FROM = "Fluxor <alerts@fluxor.test>";
  resend = await startResendStandIn({ rateLimit: false });
  process.env.RESEND_BASE_URL = resend.url;
  pool = await import("../../app/db/pool.server");
  settings = await import("../../app/forecasts/settings.server");
  forecasts = await import("../../app/forecasts/run.server");
  log = await import("../../app/email/log.server");
  shop = await seedShop(db.url, { domain: "kill-shop.myshopify.com", products: 15, variantsPerProduct: 2, days: 200, seed: 7 });
  await sql(db.url, `UPDATE "Shop" SET email = $2 WHERE id = $1`, [shop.shopId, OWNER]);
}, 120_000);

afterAll(async () => {
  try {
    if (worker) await kill(worker);
    await resend?.close();
    await pool?.closePool();
    await (await import("../../app/db/prisma.server")).disconnectPrisma();
  } finally {
    await db?.drop();
  }
});

describe("a worker killed with SIGKILL", () => {
  let runId: string;

  it("during a forecast run: a new worker finishes the run, published once with every variant's rows", async () => {
    expect(await forecasts.requestForecastRun(shop.shopId, "manual")).toBe(true);
    const first = startWorker();
    const started = await waitFor(
      async () =>
        (
          await sql<{ id: string; batchesDone: number; batchesTotal: number }>(
            db.url,
            `SELECT id, "batchesDone", "batchesTotal" FROM "ForecastRun" WHERE "shopId" = $1`,
            [shop.shopId],
          )
        ).find((run) => run.batchesDone >= 1),
      "the run's first batch",
      90_000,
      50,
    );
    runId = started.id;
    expect(started.batchesTotal).toBe(3);
    // The worker's next statement on the run row waits, inside its batch job: the next batch's write (in its
    // transaction), or the check whether the batch just written completes the run. Kill the worker there.
    const lock = await lockRow(`SELECT 1 FROM "ForecastRun" WHERE id = $1 FOR UPDATE`, [runId]);
    try {
      const [held] = await sql<{ status: string; batchesDone: number }>(
        db.url,
        `SELECT status, "batchesDone" FROM "ForecastRun" WHERE id = $1`,
        [runId],
      );
      expect(held?.status).toBe("running");
      expect(held?.batchesDone).toBeLessThan(3);
      await statementWaiting(`%"ForecastRun"%FOR %UPDATE%`);
      await kill(first);
    } finally {
      await release(lock);
    }
    expect(await lockedJobs("forecast.batch")).toBe(1); // the dead worker's batch is still locked

    startWorker();
    await waitFor(
      async () =>
        (await sql<{ status: string }>(db.url, `SELECT status FROM "ForecastRun" WHERE id = $1`, [runId]))[0]?.status === "completed",
      "the run to be published",
      90_000,
      200,
    );
    const runs = await sql<{ id: string; batchesDone: number }>(db.url, `SELECT id, "batchesDone" FROM "ForecastRun" WHERE "shopId" = $1`, [
      shop.shopId,
    ]);
    expect(runs).toEqual([{ id: runId, batchesDone: 3 }]);
    const [rows] = await sql<{ current: string; forecasts: number; variants: number; advice: number; adviceKeys: number }>(
      db.url,
      `SELECT (SELECT "currentRunId" FROM "ShopForecastState" WHERE "shopId" = $2)::text AS current,
              (SELECT count(*) FROM "VariantForecast" WHERE "runId" = $1)::int AS forecasts,
              (SELECT count(DISTINCT "variantId") FROM "VariantForecast" WHERE "runId" = $1)::int AS variants,
              (SELECT count(*) FROM "VariantAdvice" WHERE "runId" = $1)::int AS advice,
              (SELECT count(DISTINCT ("variantId", "locationId")) FROM "VariantAdvice" WHERE "runId" = $1)::int AS "adviceKeys"`,
      [runId, shop.shopId],
    );
    expect(rows).toMatchObject({ current: runId, forecasts: shop.variantIds.length, variants: shop.variantIds.length });
    // Every variant has its all-locations row and one per location that stocks it: three here, once each.
    expect(rows?.advice).toBe(shop.variantIds.length * 3);
    expect(rows?.adviceKeys).toBe(rows?.advice);
  }, 240_000);

  it("during a settings apply: a new worker applies the saved settings to every advice row, once", async () => {
    const before = await sql<{ rows: number; safety: number }>(
      db.url,
      `SELECT count(*)::int AS rows, sum("safetyStock")::float8 AS safety FROM "VariantAdvice" WHERE "runId" = $1`,
      [runId],
    );
    // recomputeAdvice locks the shop's forecast state first: hold it, and the job waits inside its transaction.
    const lock = await lockRow(`SELECT 1 FROM "ShopForecastState" WHERE "shopId" = $1 FOR UPDATE`, [shop.shopId]);
    const saved = await settings.saveSettings(shop.shopId, {
      serviceLevel: 0.99,
      leadTimeDays: 21,
      leadTimeSdDays: 4,
      reviewPeriodDays: 7,
      orderCost: 25,
      holdingCostRate: 0.25,
      locationIds: [],
    });
    expect(saved.rerun).toBe(false);
    try {
      await statementWaiting(`%"ShopForecastState"%FOR UPDATE%`);
      await kill(worker!);
    } finally {
      await release(lock);
    }
    expect(await settings.adviceUpdating(shop.shopId)).toBe(true); // the killed job wrote nothing

    startWorker();
    await waitFor(async () => !(await settings.adviceUpdating(shop.shopId)), "the saved settings to be applied", 90_000, 200);
    const after = await sql<{ rows: number; keys: number; safety: number }>(
      db.url,
      `SELECT count(*)::int AS rows, count(DISTINCT ("variantId", "locationId"))::int AS keys, sum("safetyStock")::float8 AS safety
         FROM "VariantAdvice" WHERE "runId" = $1`,
      [runId],
    );
    expect(after[0]?.rows).toBe(before[0]?.rows);
    expect(after[0]?.keys).toBe(before[0]?.rows);
    expect(after[0]?.safety).toBeGreaterThan(before[0]?.safety ?? 0); // a higher service level and a longer lead time
    // Every row already follows the saved settings: re-deriving them changes none.
    expect((await settings.recomputeAdvice(shop.shopId)).recomputed).toBe(0);
  }, 240_000);

  async function queueEmail(key: string, sendAt?: Date): Promise<string> {
    const { emailFixture } = await import("../../app/email/fixtures");
    const queued = await log.queueMessage(pool.pool(), {
      shopId: shop.shopId,
      kind: "test",
      alertType: null,
      templateVersion: "test@1",
      recipient: OWNER,
      idempotencyKey: key,
      priority: 30,
      content: { ...emailFixture("test"), recipient: OWNER },
      sendAt,
    });
    return queued.id;
  }

  async function sentOnce(messageId: string, key: string): Promise<void> {
    await waitFor(
      async () =>
        (await sql<{ status: string }>(db.url, `SELECT status FROM "EmailMessage" WHERE id = $1`, [messageId]))[0]?.status === "sent",
      "the email to be sent",
      90_000,
      200,
    );
    const accepted = resend.messages().filter((m) => m.idempotency_key === key);
    expect(accepted).toHaveLength(1);
    const [row] = await sql<{ providerId: string; sent: number }>(
      db.url,
      `SELECT "providerId", (SELECT count(*) FROM "EmailEvent" WHERE "messageId" = $1 AND type = 'sent')::int AS sent FROM "EmailMessage" WHERE id = $1`,
      [messageId],
    );
    expect(row).toEqual({ providerId: accepted[0]!.id, sent: 1 });
  }

  it("during an email send, before the request left: the new worker sends it, once", async () => {
    const key = `test:kill-before:${randomBytes(4).toString("hex")}`;
    // Due in a few seconds, so that the test holds the message row before the worker takes the job: the send then
    // stops at its first write to the row (counting the attempt), before it calls Resend, and is killed there.
    const messageId = await queueEmail(key, new Date(Date.now() + 3000));
    const lock = await lockRow(`SELECT 1 FROM "EmailMessage" WHERE id = $1 FOR UPDATE`, [messageId]);
    try {
      await statementWaiting(`%UPDATE "EmailMessage" SET attempts%`);
      await kill(worker!);
    } finally {
      await release(lock);
    }
    expect(resend.messages().filter((m) => m.idempotency_key === key)).toHaveLength(0);

    startWorker();
    await sentOnce(messageId, key);
  }, 240_000);

  it("during an email send, after Resend accepted it but before the answer came back: the retry sends nothing twice", async () => {
    const key = `test:kill-after:${randomBytes(4).toString("hex")}`;
    // The stand-in takes the request (and its idempotency key) and waits there; the worker dies while waiting.
    const gate = resend.faults.hold();
    const messageId = await queueEmail(key);
    await gate.reached;
    await kill(worker!);
    gate.release();
    await waitFor(async () => resend.messages().some((m) => m.idempotency_key === key), "Resend to accept the email", 10_000, 20);
    const [row] = await sql<{ status: string }>(db.url, `SELECT status FROM "EmailMessage" WHERE id = $1`, [messageId]);
    expect(row?.status).toBe("queued"); // the worker never learnt that it was sent

    startWorker();
    await sentOnce(messageId, key);
  }, 240_000);
});
