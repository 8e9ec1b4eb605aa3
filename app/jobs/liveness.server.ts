/**
 * Crash recovery for Graphile Worker. A job locked by a worker process that died without a graceful
 * shutdown (kill -9, out of memory, a lost host) stays locked for 4 hours, and so does its named queue
 * (a shop's whole sync). Every worker process therefore writes a heartbeat for its worker ids, and
 * sweeps: the jobs of a worker id whose heartbeat is older than the timeout are unlocked with
 * Graphile's public `force_unlock_workers` and run again (every task is idempotent).
 *
 * The timeout (FLUXOR_WORKER_LIVENESS_SECONDS, default 60) must exceed the longest time a worker's event
 * loop can be blocked; forecast batches run in short slices, far below it.
 */
import pg from "pg";
import type { WorkerEvents } from "graphile-worker";

export interface Liveness {
  /** Begins beating and sweeping (once Graphile's schema exists, i.e. after the runner started). */
  start(): void;
  stop(): Promise<void>;
}

export function livenessSeconds(): number {
  const seconds = Number(process.env.FLUXOR_WORKER_LIVENESS_SECONDS ?? 60);
  return Number.isFinite(seconds) && seconds >= 1 ? seconds : 60;
}

/**
 * Unlocks the jobs of workers that stopped beating; returns the worker ids it unlocked. `alive`: ids the caller
 * knows to be alive (its own), never unlocked whatever their heartbeat says.
 */
export async function unlockDeadWorkers(
  db: Pick<pg.Pool, "query">,
  timeoutSeconds = livenessSeconds(),
  alive: readonly string[] = [],
): Promise<string[]> {
  const { rows } = await db.query<{ locked_by: string }>(
    `WITH dead AS (
       SELECT DISTINCT j.locked_by FROM graphile_worker.jobs j
        WHERE j.locked_by IS NOT NULL AND j.locked_at < now() - make_interval(secs => $1)
          AND NOT (j.locked_by = ANY($2::text[]))
          AND NOT EXISTS (SELECT 1 FROM "WorkerHeartbeat" h WHERE h."workerId" = j.locked_by AND h."beatAt" > now() - make_interval(secs => $1))
     ),
     unlocked AS (SELECT graphile_worker.force_unlock_workers(array_agg(locked_by)) FROM dead HAVING count(*) > 0)
     SELECT locked_by FROM dead WHERE EXISTS (SELECT 1 FROM unlocked)`,
    [timeoutSeconds, alive],
  );
  return rows.map((row) => row.locked_by);
}

/** Heartbeats for this process's workers, and a periodic sweep for dead ones. Attach before the workers start. */
export function watchLiveness(events: WorkerEvents, connectionString: string, log: (line: string) => void): Liveness {
  const pool = new pg.Pool({ connectionString, max: 1 });
  pool.on("error", (error) => log(`liveness: idle connection lost: ${error.message}`));
  const workerIds = new Set<string>();
  // Graphile locks jobs under the worker pool's id (batched fetching) or a worker's id: beat for both.
  events.on("pool:create", ({ workerPool }) => workerIds.add(workerPool.id));
  events.on("pool:release", ({ workerPool }) => workerIds.delete(workerPool.id));
  events.on("worker:create", ({ worker }) => workerIds.add(worker.workerId));
  events.on("worker:stop", ({ worker }) => workerIds.delete(worker.workerId));
  const timeout = livenessSeconds();

  const beat = async () => {
    if (workerIds.size === 0) return;
    await pool.query(
      `INSERT INTO "WorkerHeartbeat" ("workerId", "beatAt") SELECT unnest($1::text[]), now()
       ON CONFLICT ("workerId") DO UPDATE SET "beatAt" = excluded."beatAt"`,
      [[...workerIds]],
    );
  };
  const sweep = async () => {
    // A long synchronous stretch (a forecast batch on a busy machine) delays this process's beats and its sweep
    // alike: the sweep must then neither find its own workers stale nor unlock their jobs, which are still running.
    await beat();
    const unlocked = await unlockDeadWorkers(pool, timeout, [...workerIds]);
    if (unlocked.length > 0) log(`unlocked the jobs of ${unlocked.length} dead worker(s): ${unlocked.join(", ")}`);
    await pool.query(`DELETE FROM "WorkerHeartbeat" WHERE "beatAt" < now() - interval '1 day'`);
  };
  let stopped = false;
  // A beat or sweep still running when the worker stops fails on the closed pool: that is no news.
  const guard = (work: () => Promise<void>) => () =>
    void work().catch((error: unknown) => {
      if (!stopped) log(`liveness: ${String(error)}`);
    });
  const timers: NodeJS.Timeout[] = [];
  return {
    start: () => {
      timers.push(setInterval(guard(beat), Math.max(500, (timeout * 1000) / 4)));
      timers.push(setInterval(guard(sweep), Math.max(1000, (timeout * 1000) / 2)));
      for (const timer of timers) timer.unref();
      guard(sweep)();
    },
    stop: async () => {
      stopped = true;
      for (const timer of timers) clearInterval(timer);
      await pool.end();
    },
  };
}
