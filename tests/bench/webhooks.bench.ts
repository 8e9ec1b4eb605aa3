/**
 * npm run bench:webhooks [-- --orders 4000 --rate 1000 --max-copies 3 --seed 7]
 * npm run bench:webhooks [-- --orders 4000 --rate 0 --concurrency 32]
 * npm run bench:webhooks -- [--live] [--catalog] [--worker-concurrency 4]
 *
 * Fluxor's HTTP server (the production Express + Remix build, no worker) on a throw-away embedded
 * PostgreSQL receives a burst of signed Shopify webhooks: every order's life (create → updated →
 * refund → fulfilled, some cancelled) plus stock updates, each webhook delivered 1 to `max-copies`
 * times with the same X-Shopify-Webhook-Id, all shuffled so later events often arrive first. It
 * prints accepted webhooks/s and the p50/p99 latency of the receipt, then the events/s the worker
 * drained, and compares the database with the expected final state: events stored once per webhook id
 * (lost / doubled) and daily demand equal to the orders' net units (lost / doubled units).
 *
 * Load: with `--rate R` (default 1 000/s) deliveries leave on a fixed schedule, R per second, whatever
 * the server's answers do — Shopify does not wait for one webhook before sending the next — and each
 * latency is measured from the delivery's scheduled time, so a server that falls behind shows it in
 * p99 instead of slowing the sender down. With `--rate 0` the bench finds the peak instead: a closed
 * loop of `--concurrency` senders, each waiting for its answer before sending the next.
 * Processing: by default the worker starts after the last delivery and the bench times how fast it
 * drains the stored backlog (events/s). With `--live` it runs during the deliveries instead, and the bench
 * prints how far it fell behind (pending events) and how long the queue took to empty after the last one.
 * The worker runs in its own process, as `npm run worker` does in production (`--worker-concurrency`).
 * `--catalog` adds products/create and products/update webhooks for the variants the orders sell, so the
 * stock events also refresh in-stock days.
 *
 * The server and worker processes are children of this one: they are stopped when it ends, fails or is
 * interrupted (SIGINT, SIGTERM), and killed if it exits any other way.
 * Figures only; nothing is asserted. Record results in docs/performance.md.
 */
import { createHmac, randomBytes, randomUUID } from "node:crypto";
import { chmodSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import pg from "pg";
import { prng } from "../support/random";
import { freePort } from "../support/ports";

const { values } = parseArgs({
  options: {
    orders: { type: "string", default: "4000" },
    rate: { type: "string", default: "1000" },
    concurrency: { type: "string", default: "32" },
    "max-copies": { type: "string", default: "3" },
    seed: { type: "string", default: "7" },
    live: { type: "boolean", default: false },
    catalog: { type: "boolean", default: false },
    "worker-concurrency": { type: "string", default: "4" },
  },
});
const ORDERS = Number(values.orders);
const RATE = Number(values.rate);
const CONCURRENCY = Number(values.concurrency);
const MAX_COPIES = Number(values["max-copies"]);
const random = prng(Number(values.seed));
const WORKER_CONCURRENCY = Number(values["worker-concurrency"]);
const SHOP = "bench-webhooks.myshopify.com";
const API_VERSION = "2025-10";
const ROOT = path.resolve(import.meta.dirname, "..", "..");

interface Delivery {
  topic: string;
  webhookId: string;
  body: string;
}

interface Line {
  id: number;
  variantId: number;
  quantity: number;
}

/** Builds every order's webhooks and the expected net units per (variant, day). */
function scenario(): { webhooks: { topic: string; webhookId: string; payload: unknown }[]; expected: Map<string, number> } {
  const webhooks: { topic: string; webhookId: string; payload: unknown }[] = [];
  const expected = new Map<string, number>();
  const pick = (n: number) => Math.floor(random() * n);
  for (let o = 1; o <= ORDERS; o++) {
    const orderId = 5_000_000 + o;
    const day = new Date(Date.UTC(2026, 0, 1) + pick(300) * 86_400_000);
    const at = (hours: number) => new Date(day.getTime() + (12 + hours) * 3_600_000).toISOString();
    const lines: Line[] = Array.from({ length: 1 + pick(3) }, (_, i) => ({
      id: orderId * 10 + i,
      variantId: 800_000 + pick(500),
      quantity: 1 + pick(4),
    }));
    const locationId = 71_000_001 + pick(3);
    const refunds: { id: number; created_at: string; refund_line_items: unknown[] }[] = [];
    const order = (updatedAt: string, cancelledAt: string | null) => ({
      id: orderId,
      name: `#B${o}`,
      email: "not-stored@example.com",
      customer: { first_name: "Not", last_name: "Stored" },
      created_at: at(0),
      processed_at: at(0),
      updated_at: updatedAt,
      cancelled_at: cancelledAt,
      test: false,
      currency: "GBP",
      location_id: locationId,
      fulfillments: [],
      line_items: lines.map((line) => ({
        id: line.id,
        variant_id: line.variantId,
        product_id: Math.floor(line.variantId / 10),
        sku: `SKU-${line.variantId}`,
        quantity: line.quantity,
        price: "4.50",
        discount_allocations: [],
      })),
      refunds: [...refunds],
    });
    const add = (topic: string, payload: unknown) => webhooks.push({ topic, webhookId: randomUUID(), payload });
    add("orders/create", order(at(0), null));
    if (random() < 0.5) {
      lines[0]!.quantity += 1;
      add("orders/updated", order(at(1), null));
    }
    let restocked = 0;
    if (random() < 0.2) {
      restocked = 1;
      const refund = {
        id: orderId * 3,
        created_at: at(2),
        refund_line_items: [{ line_item_id: lines[0]!.id, quantity: 1, restock_type: "return", location_id: locationId }],
      };
      refunds.push(refund);
      add("refunds/create", { ...refund, order_id: orderId });
      add("orders/updated", order(at(2), null));
    }
    const cancelled = random() < 0.1;
    if (cancelled) add("orders/cancelled", order(at(3), at(3)));
    else if (random() < 0.4) add("orders/fulfilled", order(at(3), null));
    if (random() < 0.3)
      add("inventory_levels/update", {
        inventory_item_id: 900_000 + lines[0]!.variantId,
        location_id: locationId,
        available: pick(50),
        updated_at: at(4),
      });
    if (cancelled) continue;
    const key = day.toISOString().slice(0, 10);
    lines.forEach((line, index) => {
      const units = line.quantity - (index === 0 ? restocked : 0);
      const k = `${line.variantId}:${key}`;
      expected.set(k, (expected.get(k) ?? 0) + units);
    });
  }
  if (values.catalog) webhooks.push(...catalog(webhooks));
  return { webhooks, expected };
}

/**
 * products/create for every product the orders sell (variant v of product floor(v / 10), inventory item
 * 900 000 + v), and for half of them a products/update a week later. Drawn from its own generator, so the
 * orders' scenario is the same with and without it.
 */
function catalog(webhooks: { topic: string; payload: unknown }[]): { topic: string; webhookId: string; payload: unknown }[] {
  const pick = prng(Number(values.seed) + 1);
  const variants = new Set<number>();
  for (const hook of webhooks) {
    const lines = (hook.payload as { line_items?: { variant_id: number }[] }).line_items ?? [];
    for (const line of lines) variants.add(line.variant_id);
  }
  const products = new Map<number, number[]>();
  for (const variant of [...variants].sort((a, b) => a - b)) {
    const product = Math.floor(variant / 10);
    products.set(product, [...(products.get(product) ?? []), variant]);
  }
  const out: { topic: string; webhookId: string; payload: unknown }[] = [];
  for (const [product, ids] of products) {
    const payload = (updatedAt: string, price: string) => ({
      id: product,
      title: `Product ${product}`,
      handle: `product-${product}`,
      status: "active",
      vendor: "Bench",
      product_type: "Gift",
      created_at: "2025-12-01T09:00:00Z",
      updated_at: updatedAt,
      variants: ids.map((id) => ({ id, title: `V${id}`, sku: `SKU-${id}`, price, inventory_item_id: 900_000 + id, updated_at: updatedAt })),
    });
    out.push({ topic: "products/create", webhookId: randomUUID(), payload: payload("2025-12-01T09:00:00Z", "4.50") });
    if (pick() < 0.5) out.push({ topic: "products/update", webhookId: randomUUID(), payload: payload("2025-12-08T09:00:00Z", "4.75") });
  }
  return out;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

/** Set by SIGINT/SIGTERM: the run stops where it is and cleans up. */
let interrupted = false;

/** Child processes of this run: stopped by `cleanUp`, killed if this process exits without it. */
const children = new Set<ChildProcess>();
process.on("exit", () => {
  for (const child of children) child.kill("SIGKILL");
});

function spawnChild(args: string[], env: NodeJS.ProcessEnv, stdout: "ignore" | "pipe" = "ignore"): ChildProcess {
  if (interrupted) throw new Error("interrupted");
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ["ignore", stdout, "inherit"] });
  children.add(child);
  child.once("exit", () => children.delete(child));
  return child;
}

/** SIGTERM (each process stops gracefully), then SIGKILL after 15 s. */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
  await exited;
  clearTimeout(timer);
}

/** Undo steps, run last first, once: on success, on error and on SIGINT/SIGTERM. */
const undo: (() => Promise<void>)[] = [];
let cleaning: Promise<void> | undefined;
function cleanUp(): Promise<void> {
  cleaning ??= (async () => {
    for (let step = undo.pop(); step; step = undo.pop())
      await step().catch((error: unknown) => console.error(`clean-up: ${String(error)}`));
  })();
  return cleaning;
}
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    interrupted = true;
    console.error(`\n${signal}: stopping the server, the worker and PostgreSQL…`);
    void cleanUp().finally(() => process.exit(130));
  });
}

async function main() {
  if (!existsSync(path.join(ROOT, "build", "index.js"))) {
    console.log("no Remix build: running `npx remix build` first");
    execFileSync("npx", ["remix", "build"], { cwd: ROOT, stdio: "inherit" });
  }
  const tempDir = mkdtempSync(path.join(os.tmpdir(), "fluxor-bench-webhooks-"));
  undo.push(async () => rmSync(tempDir, { recursive: true, force: true }));
  chmodSync(tempDir, 0o755);
  process.env.FLUXOR_EMBEDDED_PG_DIR = path.join(tempDir, "data");
  process.env.FLUXOR_EMBEDDED_PG_PORT = String(await freePort());
  const secret = "bench-secret-" + randomBytes(8).toString("hex");
  process.env.SHOPIFY_API_KEY = "bench-client-id";
  process.env.SHOPIFY_API_SECRET = secret;
  process.env.SHOPIFY_APP_URL = "http://127.0.0.1";
  process.env.SCOPES = "read_products,read_orders,read_all_orders,read_inventory,read_locations";
  process.env.FLUXOR_ENCRYPTION_KEYS = `bench:${randomBytes(32).toString("base64")}`;
  process.env.NODE_ENV = "production";

  // The database lives in this process; Fluxor's web server and worker run in their own processes, as in
  // production, so that the load generator does not share their event loops.
  const { bootDatabase } = await import("../../app/db/boot.server");
  const database = await bootDatabase();
  undo.push(() => database.stop());
  const port = await freePort();
  const server = spawnChild(
    [
      ...(process.env.BENCH_SERVER_PROFILE ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_SERVER_PROFILE}`] : []),
      "--import",
      "tsx",
      path.join(ROOT, "app", "server", "main.ts"),
    ],
    { ...process.env, DATABASE_URL: database.url, PORT: String(port), HOST: "127.0.0.1", FLUXOR_WORKER: "" },
  );
  undo.push(() => stopChild(server));
  const appUrl = `http://127.0.0.1:${port}`;
  for (let tries = 0; ; tries++) {
    const healthy = await fetch(`${appUrl}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (healthy) break;
    if (tries > 600 || server.exitCode !== null) throw new Error("Fluxor did not start");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const db = new pg.Pool({ connectionString: database.url, max: 2 });
  undo.push(() => db.end());

  /** `npm run worker` in its own process; resolves when it runs. */
  const startWorker = async (): Promise<void> => {
    const worker = spawnChild(
      ["--import", "tsx", path.join(ROOT, "app", "server", "worker-main.ts")],
      { ...process.env, DATABASE_URL: database.url, WORKER_CONCURRENCY: String(WORKER_CONCURRENCY) },
      "pipe",
    );
    undo.push(() => stopChild(worker));
    await new Promise<void>((resolve, reject) => {
      worker.stdout?.on("data", (chunk: Buffer) => {
        process.stdout.write(chunk);
        if (chunk.toString().includes("Fluxor worker running")) resolve();
      });
      worker.once("exit", (code) => reject(new Error(`the worker exited (${code}) before it ran`)));
    });
  };
  const pending = async () => {
    const { rows } = await db.query<{ events: string; jobs: string }>(
      `SELECT (SELECT count(*) FROM "WebhookEvent" WHERE status IN ('received', 'failed')) AS events,
              (SELECT count(*) FROM graphile_worker.jobs WHERE task_identifier = 'sync.webhook' AND attempts < max_attempts) AS jobs`,
    );
    return { events: Number(rows[0]?.events), jobs: Number(rows[0]?.jobs) };
  };
  const untilDrained = async () => {
    while (!interrupted) {
      const left = await pending();
      if (left.events === 0 && left.jobs === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  await db.query(
    `INSERT INTO "Shop" (id, domain, "ianaTimezone", "countryCode", scopes, "updatedAt", "shopInfoSyncedAt")
       VALUES (gen_random_uuid(), $1, 'Europe/London', 'GB', $2, now(), now())`,
    [SHOP, process.env.SCOPES],
  );
  const { webhooks, expected } = scenario();
  const deliveries: Delivery[] = [];
  for (const hook of webhooks) {
    const body = JSON.stringify(hook.payload);
    const copies = 1 + Math.floor(random() * MAX_COPIES);
    for (let c = 0; c < copies; c++) deliveries.push({ topic: hook.topic, webhookId: hook.webhookId, body });
  }
  for (let i = deliveries.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [deliveries[i], deliveries[j]] = [deliveries[j]!, deliveries[i]!];
  }

  // node:http with keep-alive sockets: a light client, so the figures are the server's, not fetch's.
  const agent = new http.Agent({ keepAlive: true, maxSockets: RATE > 0 ? 512 : CONCURRENCY });
  const send = (delivery: Delivery, since = performance.now()): Promise<{ status: number; ms: number }> =>
    new Promise((resolve, reject) => {
      const request = http.request(
        `${appUrl}/webhooks/${delivery.topic}`,
        {
          method: "POST",
          agent,
          headers: {
            "Content-Type": "application/json",
            "Content-Length": Buffer.byteLength(delivery.body),
            "X-Shopify-Topic": delivery.topic,
            "X-Shopify-Hmac-Sha256": createHmac("sha256", secret).update(delivery.body).digest("base64"),
            "X-Shopify-Shop-Domain": SHOP,
            "X-Shopify-API-Version": API_VERSION,
            "X-Shopify-Webhook-Id": delivery.webhookId,
            "X-Shopify-Event-Id": delivery.webhookId,
            "X-Shopify-Triggered-At": new Date().toISOString(),
          },
        },
        (response) => {
          response.resume();
          response.on("end", () => resolve({ status: response.statusCode ?? 0, ms: performance.now() - since }));
        },
      );
      request.on("error", reject);
      request.end(delivery.body);
    });

  if (values.live) await startWorker();
  let maxBacklog = 0;
  const sampler = values.live
    ? setInterval(() => {
        void pending().then((left) => (maxBacklog = Math.max(maxBacklog, left.events)));
      }, 250)
    : undefined;
  // Warm-up (JIT, connection pools), not counted.
  await Promise.all(deliveries.slice(0, 50).map((delivery) => send(delivery)));
  const latencies: number[] = [];
  const statuses = new Map<number, number>();
  const retried = new Map<number, number>();
  const failures = new Map<string, number>();
  const deliver = async (delivery: Delivery, since: number) => {
    // Shopify retries 5xx answers and failed connections; so do we (never expected here), and count them.
    for (let tries = 1; !interrupted; tries++) {
      const result = await send(delivery, since).catch((error: unknown) => {
        const code = error instanceof Error && "code" in error ? String(error.code) : String(error);
        failures.set(code, (failures.get(code) ?? 0) + 1);
        return undefined;
      });
      if (result && result.status < 500) {
        latencies.push(result.ms);
        statuses.set(result.status, (statuses.get(result.status) ?? 0) + 1);
        return;
      }
      if (result) retried.set(result.status, (retried.get(result.status) ?? 0) + 1);
      if (tries >= 5) return;
    }
  };
  const started = performance.now();
  if (RATE > 0) {
    // Open loop: delivery i leaves at started + i / RATE.
    const inFlight: Promise<void>[] = [];
    for (let i = 50; i < deliveries.length && !interrupted; i++) {
      const due = started + ((i - 50) * 1000) / RATE;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
      inFlight.push(deliver(deliveries[i]!, due));
    }
    await Promise.all(inFlight);
  } else {
    let next = 50;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < deliveries.length && !interrupted) {
          const delivery = deliveries[next++]!;
          await deliver(delivery, performance.now());
        }
      }),
    );
  }
  if (interrupted) return;
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const accepted = statuses.get(200) ?? 0;

  console.log(
    `webhooks: ${webhooks.length} distinct, ${deliveries.length} deliveries (1–${MAX_COPIES} copies each, shuffled), ${
      RATE > 0 ? `offered at ${RATE}/s (open loop)` : `closed loop of ${CONCURRENCY} senders`
    }`,
  );
  console.log(`receipt: ${accepted} accepted in ${seconds.toFixed(2)} s = ${Math.round(accepted / seconds)} webhooks/s`);
  console.log(
    `latency: p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms, max ${latencies.at(-1)?.toFixed(1)} ms`,
  );
  console.log(
    `statuses: ${[...statuses].map(([s, n]) => `${s}×${n}`).join(", ")}; retried after ${
      retried.size === 0 ? "no 5xx" : [...retried].map(([s, n]) => `${s}×${n}`).join(", ")
    }; connection errors: ${failures.size === 0 ? "none" : [...failures].map(([code, n]) => `${code}×${n}`).join(", ")}`,
  );

  clearInterval(sampler);
  const mode = `worker in its own process, concurrency ${WORKER_CONCURRENCY}`;
  if (values.live) {
    const backlog = (await pending()).events;
    const after = performance.now();
    await untilDrained();
    const tail = (performance.now() - after) / 1000;
    const total = (performance.now() - started) / 1000;
    console.log(
      `processing (live, ${mode}): at most ${maxBacklog} events pending during the deliveries, ${backlog} at the last one; drained ${tail.toFixed(1)} s after it`,
    );
    console.log(
      `processing: ${webhooks.length} events drained ${total.toFixed(1)} s after the first delivery = ${Math.round(webhooks.length / total)} events/s`,
    );
  } else {
    await startWorker();
    const drainStarted = performance.now();
    await untilDrained();
    const drainSeconds = (performance.now() - drainStarted) / 1000;
    console.log(
      `processing (${mode}): ${webhooks.length} events drained in ${drainSeconds.toFixed(1)} s = ${Math.round(webhooks.length / drainSeconds)} events/s`,
    );
  }

  if (interrupted) return;
  const events = await db.query<{ webhookId: string; n: string; status: string }>(
    `SELECT "webhookId", count(*) AS n, min(status) AS status FROM "WebhookEvent" GROUP BY "webhookId"`,
  );
  const stored = new Map(events.rows.map((row) => [row.webhookId, Number(row.n)]));
  const lostEvents = webhooks.filter((hook) => !stored.has(hook.webhookId)).length;
  const doubledEvents = [...stored.values()].filter((n) => n > 1).length;
  const notProcessed = events.rows.filter((row) => row.status !== "processed" && row.status !== "skipped").length;

  const demand = await db.query<{ variantId: string; day: string; units: number }>(
    `SELECT "variantId"::text, to_char(day, 'YYYY-MM-DD') AS day, sum(units)::int AS units FROM "DailyDemand" GROUP BY 1, 2`,
  );
  const actual = new Map(demand.rows.map((row) => [`${row.variantId}:${row.day}`, row.units]));
  let lostUnits = 0;
  let doubledUnits = 0;
  for (const key of new Set([...expected.keys(), ...actual.keys()])) {
    const diff = (actual.get(key) ?? 0) - (expected.get(key) ?? 0);
    if (diff > 0) doubledUnits += diff;
    else lostUnits -= diff;
  }
  const pii = await db.query<{ n: string }>(`SELECT count(*) AS n FROM "WebhookEvent" WHERE payload::text ~ 'not-stored|Stored'`);
  console.log(
    `events: lost ${lostEvents}, doubled ${doubledEvents}, not processed ${notProcessed}; customer data stored in ${pii.rows[0]?.n} events`,
  );
  console.log(
    `demand: ${[...expected.values()].reduce((a, b) => a + b, 0)} net units expected over ${expected.size} variant-days; lost ${lostUnits}, doubled ${doubledUnits}`,
  );
}

try {
  await main();
} finally {
  await cleanUp();
}
