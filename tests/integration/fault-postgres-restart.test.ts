/**
 * PostgreSQL stopped (a fast shutdown: every connection cut, open transactions rolled back) and started again a
 * few seconds later under a running Fluxor — web process and job worker — at three moments:
 *
 * - during the initial sync (a sync statement is waiting on the run row when the server goes);
 * - during a forecast publish (the publishing transaction has marked the run completed and switched the shop's
 *   current run, but not committed);
 * - during webhook intake (store changes happen while the database is down: their deliveries are refused with a
 *   5xx, so Shopify retries them, and the retries after the restart are stored and applied once).
 *
 * And once hung rather than stopped (every server process suspended): `/healthz` answers 503 after its 2 s probe
 * instead of hanging with the database.
 *
 * After each: the interrupted work is retried and completes, the data equals the store (or the one run, once),
 * nothing is doubled, `/healthz` said 503 with `database.ok: false` while the server was down and 200 after,
 * and the app answers again (an embedded page load: the pg pool and Prisma reconnect) without a restart.
 *
 * The database is a PostgreSQL server of this file's own (tests/support/own-postgres.ts), never the one the
 * other test files share.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BROWSER_HEADERS, DEMO_SHOP, startStack, type Stack } from "../demo/stack";
import { sql } from "../support/db";
import { freshGet } from "../support/fresh-http";
import { startOwnPostgres, type OwnPostgres } from "../support/own-postgres";
import { expected, stored } from "../support/store-expectations";
import { waitFor } from "../support/wait";

/** How long the server stays down: longer than a connection attempt, shorter than the stand-in's webhook retries. */
const DOWN_MS = 2500;

let own: OwnPostgres;
let stack: Stack;
let shopId: string;

beforeAll(async () => {
  own = await startOwnPostgres();
  process.env.DATABASE_URL = own.url;
  // The job a dead connection left locked is unlocked by the heartbeat sweep: seconds, not a minute.
  process.env.FLUXOR_WORKER_LIVENESS_SECONDS = "3";
  process.env.FORECAST_AUGURS = "0";
  process.env.FORECAST_THREADS = "0";
  stack = await startStack({
    scale: { products: 40, days: 90 },
    // Shopify retries a refused webhook for hours; here the retries span more than the outage, in seconds.
    webhooks: { retryBaseMs: 400, maxAttempts: 10 },
  });
  await stack.install(DEMO_SHOP);
  shopId = (await sql<{ id: string }>(own.url, `SELECT id FROM "Shop" WHERE domain = $1`, [DEMO_SHOP]))[0]!.id;
}, 120_000);

afterAll(async () => {
  try {
    await stack?.close();
  } finally {
    await own?.close(); // even when the app failed to stop: no server is left running
  }
});

interface Health {
  status: number;
  ok: boolean;
  database: { ok: boolean };
}

async function health(): Promise<Health> {
  const response = await freshGet(`${stack.appUrl}/healthz`);
  const body = JSON.parse(response.body) as { ok: boolean; database: { ok: boolean } };
  return { status: response.status, ok: body.ok, database: body.database };
}

/** A connection of the test's own that holds a row lock, so that the app's next statement on that row waits. */
async function lockRow(statement: string, values: unknown[]): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: own.url });
  // The server's shutdown ends this connection too.
  client.on("error", () => {});
  await client.connect();
  await client.query("BEGIN");
  await client.query(statement, values);
  return client;
}

/** Waits until one of the app's statements matching `pattern` waits for a lock. */
async function statementWaiting(pattern: string): Promise<void> {
  await waitFor(
    async () =>
      (
        await sql(
          own.url,
          `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE $1`,
          [pattern],
        )
      ).length > 0,
    `a statement like ${pattern} to wait for the held lock`,
    60_000,
    50,
  );
}

/**
 * Stops the server, checks /healthz and the embedded page while it is down (and runs `whileDown`), starts it again,
 * checks /healthz.
 */
async function restartPostgres(whileDown: () => Promise<void> = async () => {}): Promise<void> {
  await own.stop();
  expect(await health()).toEqual({ status: 503, ok: false, database: { ok: false } });
  await pageSaysUnavailable();
  const downSince = Date.now();
  await whileDown();
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, DOWN_MS - (Date.now() - downSince))));
  expect((await health()).status).toBe(503);
  await own.start();
  expect(await health()).toMatchObject({ status: 200, ok: true, database: { ok: true } });
}

/** While the database is down the embedded page (document and data request) is an outage, 503 with Retry-After, not a 500. */
async function pageSaysUnavailable(): Promise<void> {
  const url = `${stack.appUrl}/app?${stack.standIn.embeddedParams(DEMO_SHOP)}`;
  for (const answer of [await freshGet(url, BROWSER_HEADERS), await freshGet(`${url}&_data=routes%2Fapp`, BROWSER_HEADERS)]) {
    expect(answer.status).toBe(503);
    expect(answer.headers["retry-after"]).toBe("5");
  }
}

/** The app answers its embedded page, which reads the session (Prisma) and the shop (pg pool): no restart was needed. */
async function appAnswers(): Promise<void> {
  const page = await freshGet(`${stack.appUrl}/app?${stack.standIn.embeddedParams(DEMO_SHOP)}`, BROWSER_HEADERS);
  expect(page.status).toBe(200);
}

function storeMatches(have: Awaited<ReturnType<typeof stored>>, want: ReturnType<typeof expected>): void {
  expect(have.locations).toEqual(want.locations);
  expect(have.products).toEqual(want.products);
  expect(have.variants).toEqual(want.variants);
  expect(have.levels).toEqual(want.levels);
  expect(have.orders).toEqual(want.orders);
  expect(have.lines).toBe(want.lines);
  expect(have.refundLines).toBe(want.refundLines);
  expect(have.demand).toEqual(want.demand);
}

describe("PostgreSQL stopped and restarted", () => {
  it("during the initial sync: the sync resumes and ends with exactly the store", async () => {
    const run = await waitFor(
      async () =>
        (
          await sql<{ id: string; phase: string }>(own.url, `SELECT id, phase FROM "SyncRun" WHERE "shopId" = $1 AND kind = 'initial'`, [
            shopId,
          ])
        ).find((r) => r.phase === "orders" || r.phase === "inventory"),
      "the initial sync to reach the stock levels or the orders",
      90_000,
      50,
    );
    const lock = await lockRow(`SELECT 1 FROM "SyncRun" WHERE id = $1 FOR UPDATE`, [run.id]);
    await statementWaiting(`%"SyncRun"%`);
    await restartPostgres();
    await lock.end().catch(() => {});

    await waitFor(
      async () =>
        (await sql<{ status: string }>(own.url, `SELECT status FROM "SyncRun" WHERE id = $1`, [run.id]))[0]?.status === "completed",
      "the interrupted sync to complete",
      90_000,
      200,
    );
    const runs = await sql(own.url, `SELECT 1 FROM "SyncRun" WHERE "shopId" = $1 AND kind = 'initial'`, [shopId]);
    expect(runs).toHaveLength(1); // the same run resumed, none started afresh
    storeMatches(await stored(own.url, shopId), expected(stack.standIn.store(DEMO_SHOP).state));
    await appAnswers();
  }, 180_000);

  it("during a forecast publish: the run is published once, with all its rows", async () => {
    // The run the sync asked for first: let it finish, so that the one under test is alone.
    await waitFor(
      async () =>
        (
          await sql(
            own.url,
            `SELECT 1 FROM "ForecastRun" WHERE "shopId" = $1 HAVING count(*) FILTER (WHERE status = 'running') = 0 AND count(*) > 0`,
            [shopId],
          )
        ).length > 0,
      "the first forecast run to end",
      90_000,
      200,
    );
    const before = await sql<{ id: string }>(own.url, `SELECT id FROM "ForecastRun" WHERE "shopId" = $1`, [shopId]);
    // Publishing ends by recording which settings the advice follows (ShopSettings): hold that row, and the publish
    // waits there, inside its transaction, after the run was marked completed and made current.
    await sql(own.url, `INSERT INTO "ShopSettings" ("shopId") VALUES ($1) ON CONFLICT DO NOTHING`, [shopId]);
    const lock = await lockRow(`SELECT 1 FROM "ShopSettings" WHERE "shopId" = $1 FOR UPDATE`, [shopId]);
    await sql(
      own.url,
      `SELECT graphile_worker.add_job('forecast.plan', json_build_object('shopId', $1::text, 'trigger', 'manual'), job_key => 'forecast.plan:' || $1)`,
      [shopId],
    );
    await statementWaiting(`%UPDATE "ShopSettings"%`);
    const [run] = await sql<{ id: string; status: string; batchesTotal: number }>(
      own.url,
      `SELECT id, status, "batchesTotal" FROM "ForecastRun" WHERE "shopId" = $1 AND NOT (id = ANY($2::uuid[]))`,
      [shopId, before.map((r) => r.id)],
    );
    expect(run?.status).toBe("running"); // the publish has not committed
    await restartPostgres();
    await lock.end().catch(() => {});

    await waitFor(
      async () =>
        (await sql<{ status: string }>(own.url, `SELECT status FROM "ForecastRun" WHERE id = $1`, [run!.id]))[0]?.status === "completed",
      "the interrupted run to be published",
      90_000,
      200,
    );
    const runs = await sql(own.url, `SELECT 1 FROM "ForecastRun" WHERE "shopId" = $1`, [shopId]);
    expect(runs).toHaveLength(before.length + 1);
    const [published] = await sql<{ currentRunId: string; batchesDone: number; seriesCount: number }>(
      own.url,
      `SELECT s."currentRunId", r."batchesDone", r."seriesCount" FROM "ShopForecastState" s JOIN "ForecastRun" r ON r.id = s."currentRunId" WHERE s."shopId" = $1`,
      [shopId],
    );
    expect(published?.currentRunId).toBe(run!.id);
    expect(published?.batchesDone).toBe(run!.batchesTotal);
    const [rows] = await sql<{ forecasts: number; variants: number; advice: number; adviceKeys: number }>(
      own.url,
      `SELECT (SELECT count(*) FROM "VariantForecast" WHERE "runId" = $1)::int AS forecasts,
              (SELECT count(DISTINCT "variantId") FROM "VariantForecast" WHERE "runId" = $1)::int AS variants,
              (SELECT count(*) FROM "VariantAdvice" WHERE "runId" = $1)::int AS advice,
              (SELECT count(DISTINCT ("variantId", "locationId")) FROM "VariantAdvice" WHERE "runId" = $1)::int AS "adviceKeys"`,
      [run!.id],
    );
    expect(rows?.forecasts).toBe(published?.seriesCount);
    expect(rows?.variants).toBe(rows?.forecasts);
    expect(rows?.advice).toBeGreaterThan(0);
    expect(rows?.adviceKeys).toBe(rows?.advice);
    await appAnswers();
  }, 180_000);

  it("hung (every server process suspended): /healthz says 503 instead of hanging, and 200 once it answers again", async () => {
    own.freeze();
    try {
      expect(await health()).toEqual({ status: 503, ok: false, database: { ok: false } });
    } finally {
      own.thaw();
    }
    await waitFor(async () => (await health()).status === 200, "/healthz to answer 200 again", 30_000, 200);
    await appAnswers();
  }, 60_000);

  it("during webhook intake: deliveries are refused while it is down, and their retries are applied once", async () => {
    const state = stack.standIn.store(DEMO_SHOP).state;
    const since = new Date().toISOString();
    const products = state.products();
    const location = state.locations[0]!.id;
    const variants = products.flatMap((p) => p.variants).filter((v) => state.level(v.inventoryItemId, location));
    expect(variants.length).toBeGreaterThan(3);
    await restartPostgres(async () => {
      state.createOrder({ sourceName: "web", locationId: location, lines: [{ variantId: variants[0]!.id, quantity: 2 }] });
      state.createOrder({
        sourceName: "pos",
        locationId: location,
        lines: [
          { variantId: variants[1]!.id, quantity: 1 },
          { variantId: variants[2]!.id, quantity: 3 },
        ],
      });
      state.setQuantity(variants[3]!.inventoryItemId, location, "available", 77);
      // Every one of these webhooks reached the app while the database was down, and was refused.
      await waitFor(
        async () => {
          const mine = stack.standIn.webhooks.attempts().filter((a) => a.at >= since && a.shop === DEMO_SHOP);
          const ids = new Set(mine.map((a) => a.webhookId));
          return ids.size >= 5 && [...ids].every((id) => mine.some((a) => a.webhookId === id && a.status >= 500));
        },
        "the store changes' webhooks to be refused",
        DOWN_MS * 4,
        50,
      );
    });

    await stack.standIn.webhooks.idle();
    const attempts = stack.standIn.webhooks.attempts().filter((a) => a.at >= since && a.shop === DEMO_SHOP);
    const delivered = new Set(attempts.filter((a) => a.status === 200).map((a) => a.webhookId));
    expect(new Set(attempts.map((a) => a.webhookId))).toEqual(delivered); // every webhook got through in the end
    const events = await sql<{ webhookId: string; status: string }>(
      own.url,
      `SELECT "webhookId", status FROM "WebhookEvent" WHERE "shopId" = $1 AND "webhookId" = ANY($2::text[])`,
      [shopId, [...delivered]],
    );
    expect(events.map((e) => e.webhookId).sort()).toEqual([...delivered].sort()); // each stored once
    await waitFor(
      async () =>
        (await sql(own.url, `SELECT 1 FROM "WebhookEvent" WHERE "shopId" = $1 AND status IN ('received', 'failed')`, [shopId])).length ===
        0,
      "the webhooks to be applied",
      60_000,
      200,
    );
    storeMatches(await stored(own.url, shopId), expected(state));
    await appAnswers();
  }, 180_000);
});
