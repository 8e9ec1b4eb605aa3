/**
 * npm run bench:fleet [-- --shops 1000 --workers 2 --big 50000 --median 150 --sigma 1 --concurrency 4 --seed 7]
 *                     [--skip-orders] [--statements] [--timeout-minutes 90] [--verbose]
 *
 * One night of a fleet on one database. A throw-away PostgreSQL (embedded; or a fresh database on the server of
 * DATABASE_URL, dropped afterwards) is seeded in SQL with `--shops` shops of lognormal sizes (median `--median`
 * variants) and one shop of `--big` variants (0: none), 365–730 days of demand, orders and stock
 * (tests/bench/fleet-seed.ts). Then `--workers` real worker processes (`npm run worker`, each
 * WORKER_CONCURRENCY = `--concurrency` jobs at a time) are started, the nightly fan-out is queued as the 02:00
 * cron queues it (the `forecast.nightly` job), and the bench waits until every shop's run is published and the
 * queue is empty. It prints shops/hour per core and per CPU-hour, each shop's wait from the fan-out to its first
 * batch and to its publish (p50/p95/max; the small shops' waits while the big shop runs), peak connections, the
 * database's size per shop, the largest tables and the I/O and WAL the night wrote.
 *
 * `--statements` loads pg_stat_statements (the embedded server is restarted with it) and prints the statements that
 * took PostgreSQL's time during the night.
 *
 * Waits come from the database's clock: triggers on Graphile Worker's job table (tests/bench/fleet-probe.ts) record
 * when each job was queued, locked and finished. Figures only; nothing is asserted. Results: docs/scale.md.
 */
import { randomBytes } from "node:crypto";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { runMigrations } from "graphile-worker";
import type pg from "pg";
import { migrate } from "../../app/db/migrate.server";
import { startEmbedded, type DatabaseHandle } from "../../app/db/postgres.server";
import { forecastNightlyJob } from "../../app/jobs/contracts/forecasts";
import { freePort } from "../support/ports";
import {
  batchSpans,
  connect,
  connections,
  databaseBytes,
  installJobProbes,
  ioCounters,
  localPostmaster,
  postgresCpuSeconds,
  shopTimings,
  tableSizes,
  type ConnectionSample,
  type IoCounters,
} from "./fleet-probe";
import { drawFleet, seedFleet } from "./fleet-seed";
import { startWorkers, type WorkerFleet } from "./fleet-workers";

const { values } = parseArgs({
  options: {
    shops: { type: "string", default: "1000" },
    workers: { type: "string", default: "2" },
    big: { type: "string", default: "50000" },
    median: { type: "string", default: "150" },
    sigma: { type: "string", default: "1" },
    concurrency: { type: "string", default: process.env.WORKER_CONCURRENCY ?? "4" },
    seed: { type: "string", default: "7" },
    "skip-orders": { type: "boolean", default: false },
    statements: { type: "boolean", default: false },
    "timeout-minutes": { type: "string", default: "90" },
    verbose: { type: "boolean", default: false },
  },
});
const SHOPS = Number(values.shops);
const WORKERS = Number(values.workers);
const BIG = Number(values.big);
const CONCURRENCY = Number(values.concurrency);
const TIMEOUT_MS = Number(values["timeout-minutes"]) * 60_000;
const CORES = os.availableParallelism();
const FORECAST_TASKS = ["forecast.plan", "forecast.batch", "forecast.nightly", "alerts.evaluate"];

const log = (line: string) => console.log(line);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const load = () =>
  os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(", ");
const num = (x: number, digits = 0) => x.toLocaleString("en-GB", { maximumFractionDigits: digits, minimumFractionDigits: digits });
const secs = (ms: number | null | undefined) => (ms === null || ms === undefined ? "—" : `${(ms / 1000).toFixed(1)} s`);
const mib = (bytes: number) => `${num(bytes / 2 ** 20, bytes < 10 * 2 ** 20 ? 2 : 0)} MiB`;

function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

function spread(values: readonly (number | null)[]): string {
  const sorted = values.filter((v): v is number => v !== null).sort((a, b) => a - b);
  return `${secs(percentile(sorted, 0.5))} / ${secs(percentile(sorted, 0.95))} / ${secs(sorted.at(-1))}`;
}

function table(rows: readonly (readonly string[])[]): void {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const line = (r: readonly string[]) => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
  log(line(rows[0]!));
  log(`| ${widths.map((w) => "-".repeat(w)).join(" | ")} |`);
  for (const r of rows.slice(1)) log(line(r));
}

/** A throw-away database: a fresh one on DATABASE_URL's server, or an embedded cluster in a temporary folder. */
async function throwAwayDatabase(): Promise<{ url: string; stop(): Promise<void> }> {
  const external = process.env.DATABASE_URL;
  if (external) {
    const name = `fluxor_fleet_${randomBytes(4).toString("hex")}`;
    const admin = await connect(external);
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const url = new URL(external);
    url.pathname = `/${name}`;
    return {
      url: url.toString(),
      stop: async () => {
        const client = await connect(external);
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await client.end();
      },
    };
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), "fluxor-bench-fleet-"));
  chmodSync(dir, 0o755);
  const options = { dataDir: path.join(dir, "data"), port: await freePort(), databaseName: "fleet" };
  let database: DatabaseHandle;
  try {
    database = await startEmbedded(options);
    if (values.statements) {
      const client = await connect(database.url);
      await client.query(`ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'`);
      await client.end();
      await database.stop();
      database = await startEmbedded(options);
    }
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    url: database.url,
    stop: async () => {
      await database.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

let workers: WorkerFleet | undefined;
let database: { url: string; stop(): Promise<void> } | undefined;
let cleaning: Promise<void> | undefined;

/** Stops the workers, then PostgreSQL; once, whichever way the bench ends. */
function cleanUp(): Promise<void> {
  cleaning ??= (async () => {
    await workers?.stop();
    await database?.stop();
  })();
  return cleaning;
}

// A Ctrl-C or kill stops the children before the bench exits; a second one, or an exit without clean-up, kills them.
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.on(signal, () => {
    if (cleaning) {
      workers?.kill();
      process.exit(130);
    }
    log(`\n${signal}: stopping the workers and PostgreSQL…`);
    void cleanUp().finally(() => process.exit(130));
  });
}
process.on("exit", () => workers?.kill());

async function main(): Promise<void> {
  const fleet = drawFleet({
    shops: SHOPS,
    bigShops: BIG > 0 ? 1 : 0,
    bigVariants: BIG,
    median: Number(values.median),
    sigma: Number(values.sigma),
    seed: Number(values.seed),
  });
  const sizes = fleet.map((s) => s.variants).sort((a, b) => a - b);
  const smallSorted = fleet
    .filter((s) => !s.big)
    .map((s) => s.variants)
    .sort((a, b) => a - b);
  log(`machine: ${os.cpus()[0]?.model ?? "?"}, ${CORES} cores, ${mib(os.totalmem())} RAM, Node ${process.version}; load average ${load()}`);
  log(
    `fleet: ${SHOPS} shops, ${num(sizes.reduce((a, b) => a + b, 0))} variants; ${BIG > 0 ? `1 shop of ${num(BIG)} variants; ` : ""}` +
      `the others p50 ${percentile(smallSorted, 0.5)}, p90 ${percentile(smallSorted, 0.9)}, p99 ${percentile(smallSorted, 0.99)}, max ${smallSorted.at(-1)} variants`,
  );

  database = await throwAwayDatabase();
  const url = database.url;
  await migrate(url);
  await runMigrations({ connectionString: url });
  const db = await connect(url);
  try {
    await db.query(`CREATE SCHEMA fleet_bench`);
    log(`seeding (${values["skip-orders"] ? "no orders" : "with orders"})…`);
    const seeded = await seedFleet(url, fleet, {
      orders: !values["skip-orders"],
      connections: Math.min(CORES, 4),
      seed: Number(values.seed),
      log,
    });
    log(
      `seeded in ${seeded.seconds.toFixed(0)} s: ${num(seeded.variants)} variants, ${num(seeded.demandRows)} daily demand rows, ${num(seeded.orderLines)} order lines`,
    );
    const seededBytes = await databaseBytes(db);
    await installJobProbes(db);

    const env: Record<string, string> = {
      DATABASE_URL: url,
      WORKER_CONCURRENCY: String(CONCURRENCY),
      // The bench queues the night itself: the real cron must not fire a second one while it runs.
      FORECAST_CRON: "0 0 29 2 *",
      SHOPIFY_API_KEY: "fleet-bench",
      SHOPIFY_API_SECRET: `fleet-bench-${randomBytes(8).toString("hex")}`,
      SHOPIFY_APP_URL: "http://127.0.0.1",
      SCOPES: "read_products,read_orders,read_all_orders,read_inventory,read_locations",
      FLUXOR_ENCRYPTION_KEYS: `bench:${randomBytes(32).toString("base64")}`,
    };
    log(`starting ${WORKERS} worker processes (concurrency ${CONCURRENCY} each)…`);
    workers = await startWorkers(WORKERS, env, { verbose: values.verbose });
    const postmaster = await localPostmaster(db);
    const statements = values.statements && (await resetStatements(db));
    await db.query("CHECKPOINT");
    const io0 = await ioCounters(db);
    const pgCpu0 = postmaster === undefined ? undefined : postgresCpuSeconds(postmaster);
    const workerCpu0 = workers.cpuSeconds();
    const load0 = load();

    // What the 02:00 cron does: queue forecast.nightly (Graphile's cron payload), whose handler plans every shop.
    process.env.DATABASE_URL = url;
    const { addJob } = await import("../../app/jobs/queue.server");
    await addJob(db, forecastNightlyJob, { _cron: { ts: new Date().toISOString(), backfilled: false } });
    const t0 = (
      await db.query<{ at: string }>(
        `SELECT e.at::text AS at FROM fleet_bench.job_event e JOIN graphile_worker._private_tasks t ON t.id = e.task_id
          WHERE t.identifier = 'forecast.nightly' AND e.event = 'queued'`,
      )
    ).rows[0]!.at;
    const started = performance.now();
    log(`nightly fan-out queued; load average ${load0}`);

    let peak: ConnectionSample = { total: 0, active: 0 };
    let publishedAtMs: number | undefined;
    let lastCheck = -Infinity;
    let lastPrint = 0;
    for (;;) {
      const c = await connections(db);
      peak = { total: Math.max(peak.total, c.total), active: Math.max(peak.active, c.active) };
      const elapsed = performance.now() - started;
      if (elapsed - lastCheck >= 1000) {
        lastCheck = elapsed;
        const { rows } = await db.query<{ completed: number; failed: number; jobs: number; locked: number }>(
          // The database is fresh: every run in it is one of this night's, one per shop.
          `SELECT (SELECT count(*) FROM "ForecastRun" WHERE status = 'completed')::int AS completed,
                  (SELECT count(*) FROM "ForecastRun" WHERE status = 'failed')::int AS failed,
                  (SELECT count(*) FROM graphile_worker._private_jobs j JOIN graphile_worker._private_tasks t ON t.id = j.task_id
                    WHERE t.identifier = ANY($1::text[]))::int AS jobs,
                  (SELECT count(*) FROM graphile_worker._private_jobs WHERE locked_at IS NOT NULL)::int AS locked`,
          [FORECAST_TASKS],
        );
        const p = rows[0]!;
        if (elapsed - lastPrint >= 15_000) {
          lastPrint = elapsed;
          log(
            `  ${secs(elapsed)}: ${p.completed}/${SHOPS} published, ${p.failed} failed, ${p.jobs} forecast/alert jobs queued (${p.locked} running), ${c.total} connections; load ${load()}`,
          );
        }
        if (publishedAtMs === undefined && p.completed + p.failed >= SHOPS) {
          publishedAtMs = elapsed;
          log(`  every run published at ${secs(elapsed)}; waiting for the queue (alert evaluations) to drain…`);
        }
        if (publishedAtMs !== undefined && p.jobs === 0) break;
        if (elapsed > TIMEOUT_MS) {
          log(`  timed out after ${secs(elapsed)}: the figures below cover what was done`);
          break;
        }
      }
      await sleep(250);
    }
    const drainedMs = performance.now() - started;
    const topStatements = statements ? await slowestStatements(db) : [];
    await db.query("CHECKPOINT"); // every page the night dirtied is written, so it counts in the I/O below
    const io1 = await ioCounters(db);
    const pgCpu1 = postmaster === undefined ? undefined : postgresCpuSeconds(postmaster);
    const workerCpu = workers
      .cpuSeconds()
      .reduce<number>((a, x, i) => a + (x !== undefined && workerCpu0[i] !== undefined ? x - workerCpu0[i]! : 0), 0);
    const pgCpu = pgCpu0 !== undefined && pgCpu1 !== undefined ? pgCpu1 - pgCpu0 : undefined;
    const load1 = load();
    await workers.stop();

    await db.query(`ANALYZE`);
    const timings = await shopTimings(db, t0);
    const spans = await batchSpans(db, t0);
    const afterBytes = await databaseBytes(db);
    const tables = await tableSizes(db);
    const jobs = await db.query<{ task: string; n: number; ms: number }>(
      `SELECT t.identifier AS task, count(*)::int AS n,
              (avg(extract(epoch FROM d.at - l.at)) * 1000)::int AS ms
         FROM fleet_bench.job_event d JOIN fleet_bench.job_event l ON l.job_id = d.job_id AND l.event = 'locked'
         JOIN graphile_worker._private_tasks t ON t.id = d.task_id
        WHERE d.event = 'done' AND l.at = (SELECT max(at) FROM fleet_bench.job_event x WHERE x.job_id = d.job_id AND x.event = 'locked')
        GROUP BY 1 ORDER BY 2 DESC`,
    );
    const maxConnections = (await db.query<{ max_connections: string }>(`SHOW max_connections`)).rows[0]!.max_connections;

    report({
      timings,
      spans,
      seededBytes,
      afterBytes,
      tables,
      jobs: jobs.rows,
      io: io0 && io1 ? diff(io0, io1) : null,
      workerCpu,
      pgCpu,
      peak,
      maxConnections,
      drainedMs,
      loads: [load0, load1],
      seeded,
      topStatements,
    });
  } finally {
    await db.end();
  }
}

/** Clears pg_stat_statements when the server has it loaded; false when it has not. */
async function resetStatements(db: pg.Client): Promise<boolean> {
  try {
    await db.query(`CREATE EXTENSION IF NOT EXISTS pg_stat_statements`);
    await db.query(`SELECT pg_stat_statements_reset()`);
    return true;
  } catch (error) {
    log(`pg_stat_statements is not available (${error instanceof Error ? error.message : String(error)}): no statement figures`);
    return false;
  }
}

/** The statements that took the most of PostgreSQL's time since the reset. */
async function slowestStatements(db: pg.Client) {
  const { rows } = await db.query<{ calls: string; total: number; rows: string; blocks: string; query: string }>(
    `SELECT calls, total_exec_time AS total, rows, shared_blks_hit + shared_blks_read AS blocks,
            regexp_replace(query, '\\s+', ' ', 'g') AS query
       FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
      ORDER BY total_exec_time DESC LIMIT 15`,
  );
  return rows.map((r) => ({ calls: Number(r.calls), totalMs: r.total, rows: Number(r.rows), blocks: Number(r.blocks), query: r.query }));
}

function diff(a: IoCounters, b: IoCounters): IoCounters {
  return {
    reads: b.reads - a.reads,
    writes: b.writes - a.writes,
    extends: b.extends - a.extends,
    fsyncs: b.fsyncs - a.fsyncs,
    walBytes: b.walBytes - a.walBytes,
    walRecords: b.walRecords - a.walRecords,
    walFpi: b.walFpi - a.walFpi,
  };
}

function report(r: {
  timings: Awaited<ReturnType<typeof shopTimings>>;
  spans: Awaited<ReturnType<typeof batchSpans>>;
  seededBytes: number;
  afterBytes: number;
  tables: Awaited<ReturnType<typeof tableSizes>>;
  jobs: { task: string; n: number; ms: number }[];
  io: IoCounters | null;
  workerCpu: number;
  pgCpu: number | undefined;
  peak: ConnectionSample;
  maxConnections: string;
  drainedMs: number;
  loads: [string, string];
  seeded: Awaited<ReturnType<typeof seedFleet>>;
  topStatements: Awaited<ReturnType<typeof slowestStatements>>;
}): void {
  const published = r.timings.filter((t) => t.status === "completed" && t.published !== null);
  if (published.length === 0) {
    log(`\nno run was published: nothing to measure`);
    return;
  }
  const lastPublish = Math.max(...published.map((t) => t.published!));
  const series = published.reduce((a, t) => a + t.series, 0);
  const hours = lastPublish / 3_600_000;
  const cpu = r.workerCpu + (r.pgCpu ?? 0);
  const smalls = r.timings.filter((t) => !t.big);
  const big = r.timings.find((t) => t.big);
  const waits = (of: typeof r.timings, to: "firstBatch" | "published") =>
    spread(of.map((t) => (t[to] === null || t.queued === null ? null : t[to]! - t.queued)));

  log(`\n== one night of ${SHOPS} shops, ${WORKERS} worker processes × concurrency ${CONCURRENCY}, ${CORES} cores ==`);
  log(`load average (1, 5, 15 min): ${r.loads[0]} at the fan-out, ${r.loads[1]} at the end (a shared machine runs slower)`);
  table([
    ["figure", "value"],
    ["runs published", `${published.length} of ${SHOPS} (${r.timings.filter((t) => t.status === "failed").length} failed)`],
    ["fan-out → last publish", secs(lastPublish)],
    ["fan-out → queue empty (alert evaluations included)", secs(r.drainedMs)],
    ["series forecast", `${num(series)} (${num(series / (lastPublish / 1000))} series/s)`],
    ["shops/hour", num(published.length / hours)],
    [`shops/hour per core (${CORES} cores)`, num(published.length / hours / CORES)],
    [
      "CPU used: workers + PostgreSQL",
      r.pgCpu === undefined ? `${num(r.workerCpu)} s + (not local)` : `${num(r.workerCpu)} s + ${num(r.pgCpu)} s = ${num(cpu)} s`,
    ],
    ["shops per CPU-hour (the machine-independent rate)", num(published.length / (cpu / 3600))],
    [
      "series per CPU-second: all / workers only / PostgreSQL only",
      `${num(series / cpu)} / ${num(series / r.workerCpu)} / ${r.pgCpu === undefined ? "—" : num(series / r.pgCpu)}`,
    ],
    ["wait fan-out → first batch, small shops (p50 / p95 / max)", waits(smalls, "firstBatch")],
    ["wait fan-out → published, small shops (p50 / p95 / max)", waits(smalls, "published")],
  ]);
  const slowest = [...smalls].filter((t) => t.published !== null).sort((a, b) => b.published! - a.published!)[0];
  if (slowest)
    log(`slowest small shop: #${slowest.n} (${slowest.variants} variants), published ${secs(slowest.published)} after the fan-out`);

  if (big?.firstBatch != null && big.published != null) {
    const from = big.firstBatch;
    const to = big.published;
    const waiting = smalls.filter((t) => t.queued !== null && t.queued <= from && (t.published === null || t.published > from));
    const servedDuring = waiting.filter((t) => t.published !== null && t.published <= to);
    // How much of the big shop's work ran while small shops still waited for their forecasts: the time it held them up.
    const lastSmall = Math.max(...smalls.map((t) => t.published ?? Infinity));
    let bigTotal = 0;
    let bigBefore = 0;
    for (const s of r.spans.filter((x) => x.big)) {
      bigTotal += s.end - s.start;
      bigBefore += Math.max(0, Math.min(s.end, lastSmall) - s.start);
    }
    log(
      `\nthe big shop (${num(big.variants)} variants): first batch ${secs(big.firstBatch)}, published ${secs(big.published)} after the fan-out`,
    );
    table([
      ["fairness", "value"],
      ["the big shop's run (first batch → published)", secs(to - from)],
      ["small shops waiting when its first batch started", String(waiting.length)],
      [
        "…of which published before it was",
        `${servedDuring.length} (${waiting.length ? Math.round((100 * servedDuring.length) / waiting.length) : 0} %)`,
      ],
      [
        "its batch-job time before the last small shop was published",
        `${secs(bigBefore)} of ${secs(bigTotal)} (${bigTotal ? Math.round((100 * bigBefore) / bigTotal) : 0} %)`,
      ],
    ]);
  }

  log(`\njobs of the night (count, mean lock → done):`);
  table([["task", "jobs", "mean"], ...r.jobs.map((j) => [j.task, num(j.n), `${num(j.ms)} ms`])]);

  log(
    `\nconnections to the database (sampled every 250 ms): peak ${r.peak.total} (${r.peak.active} active at most), max_connections ${r.maxConnections}`,
  );
  log(
    `database: ${mib(r.seededBytes)} seeded, ${mib(r.afterBytes)} after the night = ${mib(r.afterBytes / SHOPS)} per shop (${num(r.afterBytes / r.seeded.variants)} bytes per variant)`,
  );
  table([
    ["largest tables", "total size (with indexes)", "rows (estimated)", "bytes/row"],
    ...r.tables.slice(0, 8).map((t) => [t.name, mib(t.bytes), num(t.rows), t.rows > 0 ? num(t.bytes / t.rows) : "—"]),
  ]);
  if (r.topStatements.length > 0) {
    const total = r.topStatements.reduce((a, x) => a + x.totalMs, 0);
    log(`\nstatements that took PostgreSQL's time (pg_stat_statements, top ${r.topStatements.length}: ${secs(total)} in all):`);
    table([
      ["total", "calls", "mean", "rows", "blocks", "statement"],
      ...r.topStatements.map((x) => [
        secs(x.totalMs),
        num(x.calls),
        `${num(x.totalMs / Math.max(1, x.calls), 1)} ms`,
        num(x.rows),
        num(x.blocks),
        x.query.slice(0, 110),
      ]),
    ]);
  }
  if (r.io) {
    const seconds = r.drainedMs / 1000;
    const blocks = r.io.writes + r.io.extends;
    log(
      `I/O of the night (pg_stat_io, 8 KiB blocks, after a checkpoint): ${num(r.io.reads)} reads, ${num(blocks)} writes + extends ` +
        `(${num(blocks / seconds)}/s on average, ${mib(blocks * 8192)}), ${num(r.io.fsyncs)} fsyncs; WAL ${mib(r.io.walBytes)} ` +
        `(${mib(r.io.walBytes / SHOPS)} per shop, ${num(r.io.walBytes / Math.max(1, series))} bytes per series; ` +
        `${num(r.io.walRecords)} records, ${num(r.io.walFpi)} of them full-page images)`,
    );
  }
}

try {
  await main();
} catch (error) {
  // Interrupted: PostgreSQL stopped under the queries in flight; the signal handler reports and exits.
  if (!cleaning) throw error;
} finally {
  await cleanUp();
}
