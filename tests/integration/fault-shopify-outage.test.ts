/**
 * Shopify down for a sustained period during a shop's initial sync: the Admin API answers 429, 503 and 504 (from the
 * stand-in itself), then stops answering at all (a timeout). The circuit breaker is the real one (app/sync/circuit.server.ts,
 * its state in Postgres) inside the real worker process, driven by those real HTTP failures; only its timings are
 * shortened through its settings (2 failed requests open it, 5 s cool-down). Every Admin API request is counted on
 * the way to the stand-in (tests/support/shopify-fault-proxy.ts), so "the circuit stops the calls" is measured where
 * Shopify would see them.
 *
 * closed → open after 2 failed requests (6 attempts each) → no request reaches Shopify while open, the job fails fast
 * → half-open after the cool-down: exactly one request is tried (six attempts), and another caller is refused meanwhile
 * → that trial fails: open again → the next trial hangs (no answer) and its worker is killed (a deploy during the
 * outage) → Shopify recovers; a new worker takes the abandoned trial over after a cool-down → it succeeds: closed →
 * the sync finishes with exactly the store.
 *
 * The sync job is woken up after each failure (as `bulk_operations/finish` wakes it) instead of waiting for Graphile's
 * growing back-off, so the test takes a minute, not an hour.
 */
import type { ChildProcess } from "node:child_process";
import { once } from "node:events";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type * as AdminClient from "../../app/sync/admin-client.server";
import type * as Circuit from "../../app/sync/circuit.server";
import type * as Pool from "../../app/db/pool.server";
import { DEMO_SHOP, startStack, type Stack } from "../demo/stack";
import { startWorkerProcess } from "../demo/worker-process";
import { toStandInUrl } from "../mocks/shopify";
import { createTestDatabase, sql } from "../support/db";
import { startShopifyFaultProxy, type ShopifyFaultProxy } from "../support/shopify-fault-proxy";
import { expected, stored } from "../support/store-expectations";
import { waitFor } from "../support/wait";

const FAILURES_TO_OPEN = 2;
const COOL_DOWN_SECONDS = 5;
/** The sync client's attempts per request (app/sync/admin-client.server.ts, not configurable there). */
const ATTEMPTS = 6;
const WORKER_ENV = {
  FLUXOR_CIRCUIT_FAILURES: String(FAILURES_TO_OPEN),
  FLUXOR_CIRCUIT_COOLDOWN_SECONDS: String(COOL_DOWN_SECONDS),
  FLUXOR_WORKER_LIVENESS_SECONDS: "3",
};

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let stack: Stack;
let proxy: ShopifyFaultProxy;
let worker: ChildProcess | undefined;
let pool: typeof Pool;
let circuit: typeof Circuit;
let adminClient: typeof AdminClient;
let shopId: string;

interface CircuitRow {
  state: string;
  consecutiveFailures: number;
  openedAt: Date | null;
  updatedAt: Date;
}

async function circuitRow(): Promise<CircuitRow | undefined> {
  return (
    await sql<CircuitRow>(db.url, `SELECT state, "consecutiveFailures", "openedAt", "updatedAt" FROM "ApiCircuit" WHERE "shopId" = $1`, [
      shopId,
    ])
  )[0];
}

/** Requests of the sync's own client (the one behind the breaker) that reached Shopify, optionally since `from`. */
function syncRequests(from = 0, to = Number.POSITIVE_INFINITY): number {
  return proxy.requests().filter((r) => r.shop === DEMO_SHOP && !r.library && r.at >= from && r.at <= to).length;
}

/** Runs the shop's sync job now if it is waiting (a woken job starts with fresh attempts). */
async function wakeSync(): Promise<void> {
  await sql(
    db.url,
    `SELECT graphile_worker.add_job('sync.initial', json_build_object('shop', $1::text), queue_name => 'sync:' || $1,
            job_key => 'sync.initial:' || $1, max_attempts => 12)
      WHERE NOT EXISTS (SELECT 1 FROM graphile_worker.jobs WHERE key = 'sync.initial:' || $1 AND locked_at IS NOT NULL)`,
    [DEMO_SHOP],
  );
}

async function circuitOpenErrors(from: Date, to: Date): Promise<number> {
  const rows = await sql<{ n: number }>(
    db.url,
    `SELECT count(*)::int AS n FROM "SyncRun", jsonb_array_elements(errors) e
      WHERE "shopId" = $1 AND kind = 'initial' AND e->>'message' LIKE 'circuit open%' AND (e->>'at')::timestamptz BETWEEN $2 AND $3`,
    [shopId, from, to],
  );
  return rows[0]?.n ?? 0;
}

async function stopWorker(signal: NodeJS.Signals): Promise<void> {
  const running = worker;
  if (!running || running.exitCode !== null || running.signalCode !== null) return;
  const exited = once(running, "exit");
  running.kill(signal);
  await exited;
}

beforeAll(async () => {
  db = await createTestDatabase();
  stack = await startStack({ inlineWorker: false, scale: { products: 40, days: 60 } });
  proxy = await startShopifyFaultProxy(stack.standIn);
  // The worker's calls to Shopify go through the proxy; the web process's (install, pages) straight to the stand-in.
  worker = startWorkerProcess(proxy.url, WORKER_ENV);
  pool = await import("../../app/db/pool.server");
  circuit = await import("../../app/sync/circuit.server");
  adminClient = await import("../../app/sync/admin-client.server");
}, 120_000);

afterAll(async () => {
  try {
    await stopWorker("SIGTERM");
    await proxy?.close();
    await stack?.close();
    await pool?.closePool();
  } finally {
    await db?.drop();
  }
});

describe("Shopify failing for a sustained period", () => {
  it("opens the circuit, stops calling, probes once per cool-down, and closes when Shopify recovers; the sync ends exact", async () => {
    await stack.install(DEMO_SHOP);
    shopId = (await sql<{ id: string }>(db.url, `SELECT id FROM "Shop" WHERE domain = $1`, [DEMO_SHOP]))[0]!.id;
    // Another process's client on the same breaker (its state is in Postgres), calling through the same network.
    const [token] = stack.standIn.store(DEMO_SHOP).accessTokens();
    const other = adminClient.createAdminClient({
      transport: adminClient.fetchTransport(DEMO_SHOP, token!, (url, init) => fetch(toStandInUrl(proxy.url, String(url)), init)),
      breaker: circuit.postgresCircuit(pool.pool(), shopId, { threshold: FAILURES_TO_OPEN, coolDownMs: COOL_DOWN_SECONDS * 1000 }),
    });
    await waitFor(async () => syncRequests() > 0, "the sync's first Admin API call", 90_000, 50);

    // 1. Shopify fails every call: 429, 503 and 504, each with Retry-After: 1.
    const beforeOutage = proxy.requests().length;
    proxy.outage(DEMO_SHOP, { kind: "status", statuses: [429, 503, 504], retryAfterSeconds: 1 });
    const opened = await waitFor(
      async () => {
        const row = await circuitRow();
        if (row?.state === "open") return row;
        await wakeSync();
        return undefined;
      },
      "the circuit to open",
      90_000,
      200,
    );
    expect(opened.consecutiveFailures).toBeGreaterThanOrEqual(FAILURES_TO_OPEN);
    const failedCalls = proxy
      .requests()
      .slice(beforeOutage)
      .filter((r) => r.shop === DEMO_SHOP && !r.library);
    expect(failedCalls.length).toBeGreaterThanOrEqual(FAILURES_TO_OPEN * ATTEMPTS);
    expect(new Set(failedCalls.map((r) => r.outcome))).toEqual(new Set([429, 503, 504]));

    // 2. Open: the job still runs, and fails at once; nothing reaches Shopify until the cool-down is over.
    await wakeSync();
    const halfOpen = await waitFor(
      async () => {
        const row = await circuitRow();
        if (row?.state === "half_open") return row;
        if (row && Date.now() - row.openedAt!.getTime() > COOL_DOWN_SECONDS * 1000) await wakeSync();
        return undefined;
      },
      "a trial after the cool-down",
      60_000,
      20,
    );
    const openedAt = opened.openedAt!.getTime();
    expect(syncRequests(openedAt + 1, halfOpen.updatedAt.getTime() - 1)).toBe(0);
    expect(await circuitOpenErrors(opened.openedAt!, halfOpen.updatedAt)).toBeGreaterThanOrEqual(1);

    // 3. Half-open: one trial (its six attempts) while everyone else is refused; it fails, the circuit opens again.
    await expect(other.request(`{ shop { name } }`)).rejects.toBeInstanceOf(circuit.CircuitOpenError);
    const reopened = await waitFor(
      async () => {
        const row = await circuitRow();
        return row?.state === "open" && row.openedAt!.getTime() > openedAt ? row : undefined;
      },
      "the failed trial to open the circuit again",
      60_000,
      50,
    );
    expect(syncRequests(halfOpen.updatedAt.getTime(), reopened.openedAt!.getTime())).toBe(ATTEMPTS);

    // 4. Shopify stops answering: the next trial hangs, and its worker is killed meanwhile (a deploy during the
    //    outage). The circuit is left half-open by a trial that will never report.
    proxy.outage(DEMO_SHOP, { kind: "hang" });
    await waitFor(
      async () => {
        if (proxy.held() > 0) return true;
        if (Date.now() - reopened.openedAt!.getTime() > COOL_DOWN_SECONDS * 1000) await wakeSync();
        return false;
      },
      "the next trial to hang",
      60_000,
      50,
    );
    expect((await circuitRow())?.state).toBe("half_open");
    await stopWorker("SIGKILL");

    // 5. Shopify is back. A new worker takes the abandoned trial over once its cool-down has passed, and succeeds.
    proxy.recover(DEMO_SHOP);
    const recoveredAt = Date.now();
    worker = startWorkerProcess(proxy.url, WORKER_ENV);
    await waitFor(
      async () => {
        const row = await circuitRow();
        if (row?.state === "closed") return true;
        await wakeSync();
        return false;
      },
      "the circuit to close",
      120_000,
      500,
    );
    expect(await circuitRow()).toMatchObject({ state: "closed", consecutiveFailures: 0, openedAt: null });
    expect(syncRequests(recoveredAt)).toBeGreaterThan(0);
    await expect(other.request(`{ shop { name } }`)).resolves.toMatchObject({ shop: { name: expect.any(String) } });

    await waitFor(
      async () =>
        (await sql<{ status: string }>(db.url, `SELECT status FROM "SyncRun" WHERE "shopId" = $1 AND kind = 'initial'`, [shopId]))[0]
          ?.status === "completed",
      "the sync to complete",
      120_000,
      500,
    );
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
  }, 300_000);
});
