/**
 * Three things that had no test, on the whole stack (web process, a worker process, the Shopify stand-in):
 *
 * - Webhook replay: Shopify delivers at least once, so every store change arrives twice with the same
 *   X-Shopify-Webhook-Id (stored and applied once); an older delivery that arrives after a newer one changes
 *   nothing; the sync page's Replay of a dead event applies it again without doubling anything.
 * - The nightly reconciliation (app/sync/reconcile.server.ts, through its cron job's fan-out): webhooks that never
 *   arrived (a new order, a stock change, a deleted product) leave the database behind the store; the reconciliation
 *   finds the drift, repairs it, and Postgres then holds exactly the store; a second run finds nothing to repair.
 * - `/healthz`: every field it documents (app/routes/healthz.tsx), with the values the database holds.
 */
import type { ChildProcess } from "node:child_process";
import { once } from "node:events";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type * as Pool from "../../app/db/pool.server";
import type * as Webhooks from "../../app/sync/webhooks.server";
import { DEMO_SHOP, startStack, type Stack } from "../demo/stack";
import { startWorkerProcess } from "../demo/worker-process";
import { levelPayload, orderPayload } from "../mocks/shopify/store/rest";
import { createTestDatabase, sql } from "../support/db";
import { freshGet } from "../support/fresh-http";
import { expected, stored } from "../support/store-expectations";
import { waitFor } from "../support/wait";

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let stack: Stack;
let worker: ChildProcess | undefined;
let pool: typeof Pool;
let webhooks: typeof Webhooks;
let shopId: string;

async function stopWorker(): Promise<void> {
  const running = worker;
  if (!running || running.exitCode !== null || running.signalCode !== null) return;
  const exited = once(running, "exit");
  running.kill("SIGTERM");
  await exited;
}

async function storeMatches(): Promise<void> {
  const want = expected(stack.standIn.store(DEMO_SHOP).state);
  const have = await stored(db.url, shopId);
  expect(have.locations).toEqual(want.locations);
  expect(have.products).toEqual(want.products);
  expect(have.variants).toEqual(want.variants);
  expect(have.levels).toEqual(want.levels);
  expect(have.orders).toEqual(want.orders);
  expect(have.lines).toBe(want.lines);
  expect(have.refundLines).toBe(want.refundLines);
  expect(have.demand).toEqual(want.demand);
}

/** Waits until every stored webhook event of the shop has been applied (or found to change nothing). */
async function webhooksApplied(): Promise<void> {
  await stack.standIn.webhooks.idle();
  await waitFor(
    async () =>
      (await sql(db.url, `SELECT 1 FROM "WebhookEvent" WHERE "shopId" = $1 AND status NOT IN ('processed', 'skipped')`, [shopId]))
        .length === 0,
    "the shop's webhook events to be applied",
    60_000,
    100,
  );
}

interface Repairs {
  products: { shopify: number; ours: number };
  orders: { shopify: number; ours: number };
  productsRemoved: number;
  variantsRemoved: number;
  inventoryLevelsFixed: number;
  inventoryLevelsRemoved: number;
  resync: boolean;
}

/** The completed reconciliations' repairs, oldest first. */
async function reconciliations(): Promise<Repairs[]> {
  const rows = await sql<{ repairs: Repairs }>(
    db.url,
    `SELECT repairs FROM "SyncRun" WHERE "shopId" = $1 AND kind = 'reconcile' AND status = 'completed' ORDER BY "finishedAt"`,
    [shopId],
  );
  return rows.map((row) => row.repairs);
}

async function initialSyncs(): Promise<{ id: string; status: string }[]> {
  return sql(db.url, `SELECT id, status FROM "SyncRun" WHERE "shopId" = $1 AND kind = 'initial' ORDER BY "startedAt"`, [shopId]);
}

beforeAll(async () => {
  db = await createTestDatabase();
  stack = await startStack({ inlineWorker: false, scale: { products: 40, days: 60 } });
  worker = startWorkerProcess(stack.standIn.url, { FLUXOR_WORKER_LIVENESS_SECONDS: "3" });
  pool = await import("../../app/db/pool.server");
  webhooks = await import("../../app/sync/webhooks.server");
  await stack.install(DEMO_SHOP);
  shopId = (await sql<{ id: string }>(db.url, `SELECT id FROM "Shop" WHERE domain = $1`, [DEMO_SHOP]))[0]!.id;
  await waitFor(async () => (await initialSyncs())[0]?.status === "completed", "the initial sync", 120_000, 200);
}, 180_000);

afterAll(async () => {
  try {
    await stopWorker();
    await stack?.close();
    await pool?.closePool();
  } finally {
    await db?.drop();
  }
});

describe("webhook replay", () => {
  it("applies a webhook delivered twice once, ignores an older delivery after a newer one, and replays a dead event once", async () => {
    const state = stack.standIn.store(DEMO_SHOP).state;
    const since = new Date().toISOString();
    // Shopify's at-least-once delivery: every webhook from here on arrives twice, with the same webhook id.
    stack.standIn.webhooks.setMode({ duplicateRate: 1 });
    const order = [...state.orders()]
      .reverse()
      .find((o) => !o.cancelledAt && o.refunds.length === 0 && o.lineItems.every((line) => state.variant(line.variantId)));
    expect(order).toBeDefined();
    const beforeCancel = orderPayload(order!);
    state.cancelOrder(order!.id); // orders/cancelled, refunds/create and the restocked levels
    const location = state.locations[0]!.id;
    const item = state
      .products()
      .flatMap((p) => p.variants)
      .map((v) => v.inventoryItemId)
      .find((id) => state.level(id, location))!;
    const levelBefore = levelPayload(state.level(item, location)!);
    state.setQuantity(item, location, "available", 55);
    await webhooksApplied();
    stack.standIn.webhooks.setMode({});

    const attempts = stack.standIn.webhooks.attempts().filter((a) => a.at >= since && a.shop === DEMO_SHOP);
    const ids = [...new Set(attempts.map((a) => a.webhookId))];
    expect(ids.length).toBeGreaterThanOrEqual(4);
    for (const id of ids) expect(attempts.filter((a) => a.webhookId === id && a.status === 200).length).toBeGreaterThanOrEqual(2);
    const events = await sql<{ webhookId: string; n: number }>(
      db.url,
      `SELECT "webhookId", count(*)::int AS n FROM "WebhookEvent" WHERE "shopId" = $1 AND "webhookId" = ANY($2::text[]) GROUP BY 1`,
      [shopId, ids],
    );
    expect(events).toHaveLength(ids.length);
    expect(events.every((e) => e.n === 1)).toBe(true);
    await storeMatches();

    // The order as it was before its cancellation, and the stock level as it was, delivered late (new webhook ids).
    const lateOrder = await stack.standIn.deliverWebhook(DEMO_SHOP, "orders/updated", beforeCancel);
    const lateLevel = await stack.standIn.deliverWebhook(DEMO_SHOP, "inventory_levels/update", levelBefore);
    expect([lateOrder.status, lateLevel.status]).toEqual([200, 200]);
    await webhooksApplied();
    const [late] = await sql<{ status: string }>(db.url, `SELECT status FROM "WebhookEvent" WHERE "shopId" = $1 AND "webhookId" = $2`, [
      shopId,
      lateOrder.webhookId,
    ]);
    expect(late?.status).toBe("skipped");
    await storeMatches();

    // The sync page's Replay, on the cancellation's event after its retries ran out: applied again, nothing doubled.
    const [cancelEvent] = await sql<{ id: string }>(
      db.url,
      `SELECT id::text FROM "WebhookEvent" WHERE "shopId" = $1 AND topic = 'orders/cancelled' AND "webhookId" = ANY($2::text[])`,
      [shopId, ids],
    );
    await sql(db.url, `UPDATE "WebhookEvent" SET status = 'dead', attempts = 10 WHERE id = $1`, [cancelEvent!.id]);
    expect(await webhooks.replayEvent(DEMO_SHOP, cancelEvent!.id)).toBe(true);
    await webhooksApplied();
    await storeMatches();
  }, 120_000);
});

describe("the nightly reconciliation", () => {
  it("repairs what missed webhooks left behind, and then finds nothing to repair", async () => {
    const state = stack.standIn.store(DEMO_SHOP).state;
    // From here on the stand-in's webhooks never arrive (tests that need one deliver it themselves).
    stack.standIn.webhooks.close();
    const location = state.locations[0]!.id;
    const variants = state
      .products()
      .flatMap((p) => p.variants)
      .filter((v) => state.level(v.inventoryItemId, location));
    state.createOrder({ sourceName: "web", locationId: location, lines: [{ variantId: variants[0]!.id, quantity: 2 }] });
    state.setQuantity(variants[1]!.inventoryItemId, location, "available", 999);
    const deleted = state.products().at(-1)!;
    state.deleteProduct(deleted.id);
    const before = await initialSyncs();

    // The cron job without a shop: it queues one reconciliation per synced shop.
    await sql(db.url, `SELECT graphile_worker.add_job('sync.reconcile', '{}'::json, max_attempts => 1)`);
    const repaired = await waitFor(async () => (await reconciliations()).at(0), "the reconciliation", 60_000, 200);
    expect(repaired.products.shopify).toBe(repaired.products.ours - 1);
    expect(repaired.orders.shopify).toBe(repaired.orders.ours + 1);
    // The deleted product and its variants are marked deleted, and their stock levels removed.
    expect(repaired.productsRemoved).toBe(1);
    expect(repaired.variantsRemoved).toBe(deleted.variants.length);
    expect(repaired.inventoryLevelsRemoved).toBeGreaterThanOrEqual(deleted.variants.length);
    // The new order's line took 2 units at the location, and a level was set: both corrected from Shopify's export.
    expect(repaired.inventoryLevelsFixed).toBeGreaterThanOrEqual(2);
    // The order is imported again with the rest of the store.
    expect(repaired.resync).toBe(true);

    // The counts differed: the store is imported again (the same idempotent upserts), and then matches.
    await waitFor(
      async () => {
        const runs = await initialSyncs();
        return runs.length === before.length + 1 && runs.every((r) => r.status === "completed");
      },
      "the re-import",
      120_000,
      200,
    );
    await storeMatches();

    await sql(
      db.url,
      `SELECT graphile_worker.add_job('sync.reconcile', json_build_object('shop', $1::text), queue_name => 'sync:' || $1,
              job_key => 'sync.reconcile:' || $1, max_attempts => 3)`,
      [DEMO_SHOP],
    );
    const again = await waitFor(async () => (await reconciliations()).at(1), "the second reconciliation", 60_000, 200);
    expect(again.products.shopify).toBe(again.products.ours);
    expect(again.orders.shopify).toBe(again.orders.ours);
    expect(again).toMatchObject({
      productsRemoved: 0,
      variantsRemoved: 0,
      inventoryLevelsFixed: 0,
      inventoryLevelsRemoved: 0,
      resync: false,
    });
    expect(await initialSyncs()).toHaveLength(before.length + 1);
  }, 240_000);
});

describe("/healthz", () => {
  it("reports the database, the job queue, the webhook backlog and the syncs as the database holds them", async () => {
    // No worker from here on: what is queued stays queued while the figures are compared.
    await stopWorker();
    // A job nobody runs (a task no worker knows), due an hour ago; a job that used all its attempts.
    await sql(db.url, `SELECT graphile_worker.add_job('fault.never-run', '{}'::json, run_at => now() - interval '1 hour')`);
    await sql(db.url, `SELECT graphile_worker.add_job('fault.dead', '{}'::json, max_attempts => 1)`);
    await sql(
      db.url,
      `UPDATE graphile_worker._private_jobs SET attempts = max_attempts WHERE task_id = (SELECT id FROM graphile_worker._private_tasks WHERE identifier = 'fault.dead')`,
    );
    // A webhook received half an hour ago and not yet applied, and a dead one (of a shop of their own).
    const [other] = await sql<{ id: string }>(
      db.url,
      `INSERT INTO "Shop" (id, domain, "updatedAt") VALUES (gen_random_uuid(), 'health-fixture.myshopify.com', now()) RETURNING id`,
    );
    await sql(
      db.url,
      `INSERT INTO "WebhookEvent" ("shopId", "webhookId", topic, "apiVersion", payload, status, "receivedAt")
       VALUES ($1, 'health-pending', 'inventory_levels/update', '2025-10', '{}'::jsonb, 'received', now() - interval '30 minutes'),
              ($1, 'health-dead', 'inventory_levels/update', '2025-10', '{}'::jsonb, 'dead', now() - interval '2 hours')`,
      [other!.id],
    );

    const figures = async () => {
      const [row] = await sql<{
        waiting: number;
        dead: number;
        jobLag: number;
        pending: number;
        hooksDead: number;
        hookLag: number;
        last: Date;
        running: number;
      }>(
        db.url,
        `SELECT (SELECT count(*) FROM graphile_worker.jobs WHERE attempts < max_attempts)::int AS waiting,
                (SELECT count(*) FROM graphile_worker.jobs WHERE attempts >= max_attempts)::int AS dead,
                (SELECT extract(epoch FROM now() - min(run_at)) FROM graphile_worker.jobs
                  WHERE locked_at IS NULL AND attempts < max_attempts AND run_at <= now())::float8 AS "jobLag",
                (SELECT count(*) FROM "WebhookEvent" WHERE status IN ('received', 'failed'))::int AS pending,
                (SELECT count(*) FROM "WebhookEvent" WHERE status = 'dead')::int AS "hooksDead",
                (SELECT extract(epoch FROM now() - min("receivedAt")) FROM "WebhookEvent" WHERE status IN ('received', 'failed'))::float8 AS "hookLag",
                (SELECT max("finishedAt") FROM "SyncRun" WHERE status = 'completed') AS last,
                (SELECT count(*) FROM "SyncRun" WHERE status = 'running')::int AS running`,
      );
      return row!;
    };
    const before = await figures();
    const response = await freshGet(`${stack.appUrl}/healthz`);
    const after = await figures();
    expect(response.status).toBe(200);
    expect(response.headers["cache-control"]).toBe("no-store");
    const body = JSON.parse(response.body) as {
      ok: boolean;
      database: { ok: boolean; latencyMs: number };
      queue: { lagSeconds: number; waiting: number; dead: number };
      webhooks: { lagSeconds: number; pending: number; dead: number };
      sync: { lastCompletedAt: string | null; running: number };
    };
    expect(Object.keys(body).sort()).toEqual(["database", "ok", "queue", "sync", "webhooks"]);
    expect(body.ok).toBe(true);
    expect(body.database.ok).toBe(true);
    expect(body.database.latencyMs).toBeGreaterThanOrEqual(0);
    expect(body.queue).toEqual({ lagSeconds: expect.any(Number), waiting: before.waiting, dead: before.dead });
    expect(after).toMatchObject({ waiting: before.waiting, dead: before.dead, pending: before.pending, hooksDead: before.hooksDead });
    expect(before.dead).toBeGreaterThanOrEqual(1);
    expect(body.queue.lagSeconds).toBeGreaterThanOrEqual(Math.max(3600, before.jobLag));
    expect(body.queue.lagSeconds).toBeLessThanOrEqual(after.jobLag);
    expect(body.webhooks).toEqual({ lagSeconds: expect.any(Number), pending: before.pending, dead: before.hooksDead });
    expect(before.pending).toBeGreaterThanOrEqual(1);
    expect(body.webhooks.lagSeconds).toBeGreaterThanOrEqual(Math.max(1800, before.hookLag));
    expect(body.webhooks.lagSeconds).toBeLessThanOrEqual(after.hookLag);
    expect(body.sync).toEqual({ lastCompletedAt: before.last.toISOString(), running: before.running });
  }, 60_000);
});
