/**
 * Several processes, one database (issue 16): two web processes and two worker processes, each a real process
 * as `npm start` and `npm run worker` run them (the first web process is the test's own stack), on one
 * PostgreSQL.
 * - The initial sync, every forecast job and the nightly cron run once: the store ends exactly as the stand-in
 *   holds it, no Graphile job id completes twice across the two workers' logs, and a cron due at one minute
 *   fires in one worker only.
 * - A webhook delivered to both web processes (Shopify's at-least-once delivery, behind a load balancer) is
 *   stored and applied once.
 * - SIGTERM drains: a worker stopped in the middle of the nightly run exits 0, leaves no job locked and the
 *   other worker finishes the run; a web process stopped with SIGTERM exits 0.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_SHOP, startStack, type Stack } from "../demo/stack";
import { webhookHmac } from "../mocks/shopify/crypto";
import { createTestDatabase, sql } from "../support/db";
import { expected, stored } from "../support/store-expectations";
import { freePort } from "../support/ports";
import { waitFor } from "../support/wait";

const ROOT = path.resolve(import.meta.dirname, "..", "..");

interface Child {
  process: ChildProcess;
  output: string[];
}

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let stack: Stack;
const children: Child[] = [];

/** A child process of this repository's code with the stack's environment; its output is kept for the test to read. */
function startChild(entry: string, env: Record<string, string>): Child {
  const child = spawn(process.execPath, ["--import", "tsx", path.join(ROOT, entry)], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    let partial = "";
    stream.on("data", (chunk: Buffer) => {
      const lines = (partial + chunk.toString("utf8")).split("\n");
      partial = lines.pop() ?? "";
      output.push(...lines);
    });
  }
  const started = { process: child, output };
  children.push(started);
  return started;
}

/** A worker process whose calls to Shopify reach the stand-in (tests/demo/worker-process.ts), logging every job. */
function startWorker(): Child {
  return startChild("tests/demo/worker-process.ts", {
    FLUXOR_TEST_STAND_IN_URL: stack.standIn.url,
    FLUXOR_WORKER_LOG: "info",
    // The nightly fan-out every minute, so a test can see one cron occurrence meet two workers.
    FORECAST_CRON: "* * * * *",
  });
}

async function stop(child: Child, signal: NodeJS.Signals): Promise<number | string | null> {
  const { process: proc } = child;
  if (proc.exitCode !== null || proc.signalCode !== null) return proc.exitCode ?? proc.signalCode;
  const exited = once(proc, "exit") as Promise<[number | null, NodeJS.Signals | null]>;
  proc.kill(signal);
  const [code, sig] = await exited;
  return code ?? sig;
}

/** "Completed task 123 (forecast.batch, 751.67ms) with success": the job ids and task names a worker's log says it finished. */
function completed(child: Child): { id: string; task: string }[] {
  return child.output.flatMap((line) => {
    const match = /Completed task (\d+) \(([^,)]+)[^)]*\) with success/.exec(line);
    return match ? [{ id: match[1]!, task: match[2]! }] : [];
  });
}

function orderWebhook(id: number, variant: { id: string; productId: string; sku: string | null }, quantity: number) {
  const at = new Date().toISOString();
  return {
    id,
    name: `#MP${id}`,
    created_at: at,
    processed_at: at,
    updated_at: at,
    cancelled_at: null,
    currency: "GBP",
    location_id: null,
    line_items: [
      {
        id: id * 10,
        variant_id: Number(variant.id),
        product_id: Number(variant.productId),
        sku: variant.sku,
        quantity,
        price: "4.00",
        discount_allocations: [],
      },
    ],
    refunds: [],
  };
}

async function deliver(baseUrl: string, topic: string, webhookId: string, payload: unknown): Promise<number> {
  const body = JSON.stringify(payload);
  const response = await fetch(`${baseUrl}/webhooks/${topic}`, {
    method: "POST",
    headers: {
      "Content-Type": "application/json",
      "X-Shopify-Topic": topic,
      "X-Shopify-Shop-Domain": DEMO_SHOP,
      "X-Shopify-Webhook-Id": webhookId,
      "X-Shopify-Event-Id": webhookId,
      "X-Shopify-API-Version": "2025-10",
      "X-Shopify-Triggered-At": new Date().toISOString(),
      "X-Shopify-Hmac-Sha256": webhookHmac(process.env.SHOPIFY_API_SECRET ?? "", body),
    },
    body,
  });
  await response.arrayBuffer();
  return response.status;
}

beforeAll(async () => {
  db = await createTestDatabase();
  process.env.FLUXOR_WORKER_LIVENESS_SECONDS = "5";
  stack = await startStack({ inlineWorker: false, scale: { products: 40, days: 120 } });
});

afterAll(async () => {
  for (const child of children) await stop(child, "SIGKILL");
  await stack?.close();
  await db?.drop();
});

describe("two web and two worker processes on one database", () => {
  it("run each job once, store each webhook once, fire each cron once and drain on SIGTERM", async () => {
    const webPort = await freePort();
    const web2 = startChild("app/server/main.ts", { PORT: String(webPort), HOST: "127.0.0.1" });
    const web2Url = `http://127.0.0.1:${webPort}`;
    const workers = [startWorker(), startWorker()];
    await stack.install(DEMO_SHOP);
    const [shop] = await sql<{ id: string }>(db.url, `SELECT id FROM "Shop" WHERE domain = $1`, [DEMO_SHOP]);
    const shopId = shop!.id;

    // The initial sync, shared by two workers, ends with exactly the store.
    await waitFor(
      async () =>
        (await sql(db.url, `SELECT 1 FROM "SyncRun" WHERE "shopId" = $1 AND kind = 'initial' AND status = 'completed'`, [shopId])).length >
        0,
      "the initial sync to complete",
      300_000,
      100,
    );
    const want = expected(stack.standIn.store(DEMO_SHOP).state);
    const have = await stored(db.url, shopId);
    expect(have.variants).toEqual(want.variants);
    expect(have.orders).toEqual(want.orders);
    expect(have.lines).toBe(want.lines);
    expect(have.demand).toEqual(want.demand);

    // Webhooks, each delivered to both web processes (the second one started from `npm start`'s entry).
    await waitFor(async () => (await fetch(`${web2Url}/healthz`).catch(() => null))?.ok === true, "the second web process", 120_000, 200);
    const [variant] = await sql<{ id: string; productId: string; sku: string | null }>(
      db.url,
      `SELECT v.id::text AS id, v."productId"::text AS "productId", v.sku FROM "ProductVariant" v WHERE v."shopId" = $1 ORDER BY v.id LIMIT 1`,
      [shopId],
    );
    const ordersBefore = Number(
      (await sql<{ n: string }>(db.url, `SELECT count(*) AS n FROM "Order" WHERE "shopId" = $1`, [shopId]))[0]!.n,
    );
    const sent = Array.from({ length: 20 }, (_, i) => ({ id: 990_000_000 + i, quantity: 1 + (i % 3) }));
    const statuses = await Promise.all(
      sent.flatMap(({ id, quantity }) => {
        const payload = orderWebhook(id, variant!, quantity);
        const webhookId = `mp-order-${id}`;
        return [deliver(stack.appUrl, "orders/create", webhookId, payload), deliver(web2Url, "orders/create", webhookId, payload)];
      }),
    );
    expect(statuses.every((status) => status === 200)).toBe(true);
    const units = async () =>
      Number(
        (
          await sql<{ n: string }>(
            db.url,
            `SELECT coalesce(sum(l.quantity), 0) AS n FROM "OrderLine" l JOIN "Order" o ON o.id = l."orderId" AND o."shopId" = l."shopId"
              WHERE o."shopId" = $1 AND o.name LIKE '#MP%'`,
            [shopId],
          )
        )[0]!.n,
      );
    const wantUnits = sent.reduce((sum, { quantity }) => sum + quantity, 0);
    await waitFor(async () => (await units()) === wantUnits, "the webhooks' orders to be applied", 120_000, 100).catch(
      async (error: unknown) => {
        const states = await sql(
          db.url,
          `SELECT status, "lastError", count(*) FROM "WebhookEvent" WHERE "webhookId" LIKE 'mp-order-%' GROUP BY 1, 2`,
        );
        throw new Error(
          `${String(error)}; events: ${JSON.stringify(states)}; worker output: ${workers.flatMap((w) => w.output.slice(-5)).join(" | ")}`,
        );
      },
    );
    const ordersAfter = Number((await sql<{ n: string }>(db.url, `SELECT count(*) AS n FROM "Order" WHERE "shopId" = $1`, [shopId]))[0]!.n);
    expect(ordersAfter - ordersBefore).toBe(sent.length);
    const events = await sql<{ n: string }>(
      db.url,
      `SELECT count(*) AS n FROM "WebhookEvent" WHERE "shopId" = $1 AND "webhookId" LIKE 'mp-order-%'`,
      [shopId],
    );
    expect(Number(events[0]!.n)).toBe(sent.length);

    // The nightly cron, due every minute in both workers, fires once per minute: wait for one occurrence.
    const nightlies = () => workers.flatMap((worker) => completed(worker).filter((job) => job.task === "forecast.nightly"));
    await waitFor(async () => nightlies().length >= 1, "the nightly cron to fire", 90_000, 200);
    const firstFired = Date.now();
    // Both workers poll the schedule; give the other one time to (wrongly) fire the same minute too.
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    const sameMinute = nightlies().length;
    expect(sameMinute).toBe(1);

    // SIGTERM one worker while the nightly run's jobs are queued or running: it exits 0 and leaves nothing locked.
    const [first, second] = workers as [Child, Child];
    expect(await stop(first, "SIGTERM")).toBe(0);
    const stoppedId = await sql<{ n: string }>(
      db.url,
      `SELECT count(*) AS n FROM graphile_worker.jobs WHERE locked_by IS NOT NULL AND locked_at < now() - interval '10 seconds'`,
    );
    expect(Number(stoppedId[0]!.n)).toBe(0);
    // The other worker finishes what is left.
    await waitFor(
      async () =>
        (await sql(db.url, `SELECT 1 FROM "ForecastRun" WHERE "shopId" = $1 AND trigger = 'nightly' AND status = 'completed'`, [shopId]))
          .length > 0,
      "the nightly run to be published by the remaining worker",
      300_000,
      200,
    );
    const runs = await sql<{ status: string }>(
      db.url,
      `SELECT status FROM "ForecastRun" WHERE "shopId" = $1 AND trigger = 'nightly' AND "startedAt" >= to_timestamp($2 / 1000.0) - interval '1 minute'`,
      [shopId, firstFired],
    );
    expect(runs.filter((run) => run.status === "failed")).toEqual([]);

    // No job ran twice anywhere.
    const ids = workers.flatMap((worker) => completed(worker).map((job) => job.id));
    expect(ids.length).toBeGreaterThan(0);
    expect(new Set(ids).size).toBe(ids.length);

    expect(await stop(second, "SIGTERM")).toBe(0);
    expect(await stop(web2, "SIGTERM")).toBe(0);
  }, 600_000);
});
