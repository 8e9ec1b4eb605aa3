/**
 * A real crash: the job worker runs in its own process (as `npm run worker` does in production), is
 * killed with SIGKILL while the initial sync is importing orders, and a new worker process is started.
 * The dead worker's locked job is recovered through the heartbeat sweep (app/jobs/liveness.server.ts),
 * the sync resumes from its last committed checkpoint, and Postgres ends holding exactly the store.
 */
import type { ChildProcess } from "node:child_process";
import { once } from "node:events";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_SHOP, startStack, type Stack } from "../demo/stack";
import { startWorkerProcess } from "../demo/worker-process";
import { createTestDatabase, sql } from "../support/db";
import { waitFor } from "../support/wait";
import { expected, stored } from "../support/store-expectations";

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let stack: Stack;
const workers: ChildProcess[] = [];

async function stop(worker: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (worker.exitCode !== null || worker.signalCode !== null) return;
  const exited = once(worker, "exit");
  worker.kill(signal);
  await exited;
}

beforeAll(async () => {
  db = await createTestDatabase();
  // Short heartbeat timeout so the test need not wait a minute for the dead worker's lock.
  process.env.FLUXOR_WORKER_LIVENESS_SECONDS = "5";
  stack = await startStack({ inlineWorker: false, scale: { products: 80, days: 200 } });
});

afterAll(async () => {
  for (const worker of workers) await stop(worker, "SIGTERM");
  await stack?.close();
  await db?.drop();
});

describe("a worker killed mid-sync", () => {
  it("resumes from its checkpoint in a new process and ends with exactly the store's data", async () => {
    await stack.install(DEMO_SHOP);
    const [shop] = await sql<{ id: string }>(db.url, `SELECT id FROM "Shop" WHERE domain = $1`, [DEMO_SHOP]);
    const phaseOf = async () =>
      (
        await sql<{ status: string; phase: string; lines: string | null }>(
          db.url,
          `SELECT status, phase, phases->'orders'->>'linesDone' AS lines FROM "SyncRun" WHERE "shopId" = $1 AND kind = 'initial'`,
          [shop!.id],
        )
      )[0];

    // The orders file stalls before its last line: batches before it are committed, the import cannot finish,
    // so the kill always lands mid-import (a race with a fast import otherwise).
    stack.standIn.faults.holdNextBulkDownload(DEMO_SHOP, "orders");
    const first = startWorkerProcess(stack.standIn.url);
    workers.push(first);
    // Some order batches are committed, the import is not finished: kill it there.
    const atKill = await waitFor(
      async () => {
        const run = await phaseOf();
        return run?.phase === "orders" && Number(run.lines ?? 0) > 0 ? run : undefined;
      },
      "the orders import to be under way",
      // Generous: the suite runs test files in parallel on two cores, and the worker child compiles the app first.
      300_000,
      50,
    );
    await stop(first, "SIGKILL");
    const afterKill = await phaseOf();
    expect(afterKill?.status).toBe("running");
    expect(afterKill?.phase).toBe("orders");
    const locked = await sql(db.url, `SELECT 1 FROM graphile_worker.jobs WHERE locked_by IS NOT NULL`);
    expect(locked.length).toBeGreaterThan(0); // the dead worker's job is still locked

    const second = startWorkerProcess(stack.standIn.url);
    workers.push(second);
    await waitFor(async () => (await phaseOf())?.status === "completed", "the resumed sync to complete", 300_000, 50);
    const resumedFrom = Number(atKill.lines);
    expect(resumedFrom).toBeGreaterThan(0);

    const want = expected(stack.standIn.store(DEMO_SHOP).state);
    const have = await stored(db.url, shop!.id);
    expect(have.locations).toEqual(want.locations);
    expect(have.products).toEqual(want.products);
    expect(have.variants).toEqual(want.variants);
    expect(have.levels).toEqual(want.levels);
    expect(have.orders).toEqual(want.orders);
    expect(have.lines).toBe(want.lines);
    expect(have.refundLines).toBe(want.refundLines);
    expect(have.demand).toEqual(want.demand);
    await stop(second, "SIGTERM");
  }, 660_000);
});
