/**
 * What `npm run bench:fleet` measures in PostgreSQL, without touching the app: triggers on Graphile Worker's job
 * table record when each job was queued, locked by a worker and finished (times from the database's clock), so each
 * shop's wait is exact; the server's I/O and WAL counters; connections; the sizes of the database and its tables;
 * and the CPU time of the PostgreSQL processes when the server runs on this machine.
 */
import { readdirSync, readFileSync } from "node:fs";
import pg from "pg";
import { parentPid, processCpuSeconds } from "./fleet-workers";

/**
 * A connected client whose connection may be cut under it: when the bench is interrupted, PostgreSQL stops while a
 * query is in flight. That query rejects, which its caller sees; without a listener the client's "error" event would
 * also crash the process before it cleans up.
 */
export async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  client.on("error", () => {});
  await client.connect();
  return client;
}

/** Instruments Graphile Worker's jobs table (the bench's own throw-away database only). */
export async function installJobProbes(db: pg.ClientBase): Promise<void> {
  await db.query(`
    CREATE UNLOGGED TABLE fleet_bench.job_event (
      job_id bigint NOT NULL, task_id int NOT NULL, shop_id text, run_id text, batch int, priority int,
      event text NOT NULL, at timestamptz NOT NULL);
    CREATE FUNCTION fleet_bench.record_job() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      j graphile_worker._private_jobs;
    BEGIN
      IF TG_OP = 'DELETE' THEN j := OLD; ELSE j := NEW; END IF;
      INSERT INTO fleet_bench.job_event (job_id, task_id, shop_id, run_id, batch, priority, event, at)
      VALUES (j.id, j.task_id, j.payload->>'shopId', j.payload->>'runId', (j.payload->>'batch')::int, j.priority,
              CASE TG_OP WHEN 'INSERT' THEN 'queued' WHEN 'UPDATE' THEN 'locked' ELSE 'done' END,
              CASE TG_OP WHEN 'INSERT' THEN j.created_at WHEN 'UPDATE' THEN j.locked_at ELSE clock_timestamp() END);
      RETURN NULL;
    END $$;
    CREATE TRIGGER fleet_bench_queued AFTER INSERT ON graphile_worker._private_jobs FOR EACH ROW EXECUTE FUNCTION fleet_bench.record_job();
    CREATE TRIGGER fleet_bench_locked AFTER UPDATE ON graphile_worker._private_jobs FOR EACH ROW
      WHEN (NEW.locked_at IS NOT NULL AND NEW.locked_at IS DISTINCT FROM OLD.locked_at) EXECUTE FUNCTION fleet_bench.record_job();
    CREATE TRIGGER fleet_bench_done AFTER DELETE ON graphile_worker._private_jobs FOR EACH ROW EXECUTE FUNCTION fleet_bench.record_job();
  `);
}

export interface ShopTiming {
  n: number;
  variants: number;
  big: boolean;
  /** ms since the fan-out (the forecast.nightly job's queueing), from the database clock. */
  queued: number | null;
  firstBatch: number | null;
  published: number | null;
  status: string | null;
  series: number;
}

export async function shopTimings(db: pg.ClientBase, t0: string): Promise<ShopTiming[]> {
  const { rows } = await db.query<ShopTiming>(
    `WITH ev AS (SELECT e.*, t.identifier AS task FROM fleet_bench.job_event e JOIN graphile_worker._private_tasks t ON t.id = e.task_id),
          plan AS (SELECT shop_id::uuid AS shop_id, min(at) FILTER (WHERE event = 'queued') AS queued FROM ev WHERE task = 'forecast.plan' GROUP BY 1),
          batch AS (SELECT run_id::uuid AS run_id, min(at) FILTER (WHERE event = 'locked') AS started FROM ev WHERE task = 'forecast.batch' GROUP BY 1),
          run AS (SELECT DISTINCT ON ("shopId") * FROM "ForecastRun" ORDER BY "shopId", "startedAt" DESC)
     SELECT s.n, s.variants, s.big,
            extract(epoch FROM p.queued - $1::timestamptz) * 1000 AS queued,
            extract(epoch FROM b.started - $1::timestamptz) * 1000 AS "firstBatch",
            extract(epoch FROM r."finishedAt" - $1::timestamptz) * 1000 AS published,
            r.status, coalesce(r."seriesCount", 0) AS series
       FROM fleet_bench.shop s LEFT JOIN plan p ON p.shop_id = s.id LEFT JOIN run r ON r."shopId" = s.id LEFT JOIN batch b ON b.run_id = r.id
      ORDER BY s.n`,
    [t0],
  );
  return rows.map((r) => ({
    ...r,
    queued: r.queued === null ? null : Number(r.queued),
    firstBatch: r.firstBatch === null ? null : Number(r.firstBatch),
    published: r.published === null ? null : Number(r.published),
    series: Number(r.series),
  }));
}

export interface BatchSpan {
  big: boolean;
  start: number;
  end: number;
}

/** Every forecast.batch job's lock → done span (ms since t0), and whether it was a big shop's. */
export async function batchSpans(db: pg.ClientBase, t0: string): Promise<BatchSpan[]> {
  const { rows } = await db.query<{ big: boolean; start: string; end: string }>(
    `WITH ev AS (SELECT e.* FROM fleet_bench.job_event e JOIN graphile_worker._private_tasks t ON t.id = e.task_id WHERE t.identifier = 'forecast.batch'),
          span AS (SELECT job_id, run_id::uuid AS run_id, max(at) FILTER (WHERE event = 'locked') AS locked, max(at) FILTER (WHERE event = 'done') AS done
                     FROM ev GROUP BY job_id, run_id)
     SELECT s.big, extract(epoch FROM span.locked - $1::timestamptz) * 1000 AS start, extract(epoch FROM span.done - $1::timestamptz) * 1000 AS "end"
       FROM span JOIN "ForecastRun" r ON r.id = span.run_id JOIN fleet_bench.shop s ON s.id = r."shopId"
      WHERE span.locked IS NOT NULL AND span.done IS NOT NULL`,
    [t0],
  );
  return rows.map((r) => ({ big: r.big, start: Number(r.start), end: Number(r.end) }));
}

export interface IoCounters {
  reads: number;
  writes: number;
  extends: number;
  fsyncs: number;
  walBytes: number;
  walRecords: number;
  /** Full-page images: a page's first change after a checkpoint is written to the WAL whole. */
  walFpi: number;
}

/** Cluster-wide counters (pg_stat_io: PostgreSQL 16+; pg_stat_wal: 14+); null where the server has none. */
export async function ioCounters(db: pg.ClientBase): Promise<IoCounters | null> {
  try {
    const io = await db.query<{ reads: string; writes: string; extends: string; fsyncs: string }>(
      `SELECT coalesce(sum(reads), 0) AS reads, coalesce(sum(writes), 0) AS writes, coalesce(sum(extends), 0) AS extends,
              coalesce(sum(fsyncs), 0) AS fsyncs FROM pg_stat_io`,
    );
    const wal = await db.query<{ wal_bytes: string; wal_records: string; wal_fpi: string }>(
      `SELECT wal_bytes, wal_records, wal_fpi FROM pg_stat_wal`,
    );
    const i = io.rows[0]!;
    const w = wal.rows[0]!;
    return {
      reads: Number(i.reads),
      writes: Number(i.writes),
      extends: Number(i.extends),
      fsyncs: Number(i.fsyncs),
      walBytes: Number(w.wal_bytes),
      walRecords: Number(w.wal_records),
      walFpi: Number(w.wal_fpi),
    };
  } catch {
    return null;
  }
}

export interface TableSize {
  name: string;
  bytes: number;
  rows: number;
}

/** Tables of the app's schema by total size (heap + indexes + TOAST), largest first; rows as estimated by ANALYZE. */
export async function tableSizes(db: pg.ClientBase): Promise<TableSize[]> {
  const { rows } = await db.query<{ name: string; bytes: string; rows: string }>(
    `SELECT c.relname AS name, pg_total_relation_size(c.oid) AS bytes, greatest(c.reltuples, 0)::bigint AS rows
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind = 'r' AND n.nspname = 'public' ORDER BY pg_total_relation_size(c.oid) DESC`,
  );
  return rows.map((r) => ({ name: r.name, bytes: Number(r.bytes), rows: Number(r.rows) }));
}

export async function databaseBytes(db: pg.ClientBase): Promise<number> {
  return Number((await db.query<{ n: string }>(`SELECT pg_database_size(current_database()) AS n`)).rows[0]!.n);
}

export interface ConnectionSample {
  total: number;
  active: number;
}

/** Connections to the bench's database other than this one. */
export async function connections(db: pg.ClientBase): Promise<ConnectionSample> {
  const { rows } = await db.query<{ total: number; active: number }>(
    `SELECT count(*)::int AS total, count(*) FILTER (WHERE state = 'active')::int AS active
       FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`,
  );
  return rows[0]!;
}

/**
 * The postmaster's pid when the server runs on this machine (the parent of this connection's backend), else
 * undefined: then the bench cannot see PostgreSQL's CPU time.
 */
export async function localPostmaster(db: pg.ClientBase): Promise<number | undefined> {
  const backend = (await db.query<{ pid: number }>(`SELECT pg_backend_pid() AS pid`)).rows[0]!.pid;
  const parent = parentPid(backend);
  if (parent === undefined) return undefined;
  try {
    return readFileSync(`/proc/${parent}/cmdline`, "utf8").includes("postgres") ? parent : undefined;
  } catch {
    return undefined;
  }
}

/**
 * CPU seconds PostgreSQL has used so far: the postmaster's own, its exited (reaped) children's and its live
 * children's. A backend that exits moves from the last term to the second, so the difference of two readings is
 * the CPU time used between them.
 */
export function postgresCpuSeconds(postmaster: number): number | undefined {
  const base = processCpuSeconds(postmaster, true);
  if (base === undefined) return undefined;
  let children = 0;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (parentPid(pid) === postmaster) children += processCpuSeconds(pid) ?? 0;
  }
  return base + children;
}
