/**
 * The one way to queue a job: `addJob(db, contract, payload)`. It is SQL (graphile_worker.add_job) on
 * whatever `db` is given, so a job can be added in the same transaction as the data that caused it: pass
 * the transaction's client, or the pool (app/db/pool.server.ts) when there is none. Postgres is the queue:
 * no Redis. (The webhook receipt adds its jobs inside its one group-commit statement with
 * graphile_worker.add_jobs, from the sync.webhook contract's name and attempts: decision 0021.)
 */
import { runMigrations } from "graphile-worker";
import type { z } from "zod";
import type { Queryable } from "../db/pool.server";
import { DEFAULT_MAX_ATTEMPTS, type JobContract } from "./contract";

let workerSchema: Promise<void> | undefined;

/** graphile_worker's schema must exist before add_job can be called (the worker creates it too). */
export function ensureWorkerSchema(): Promise<void> {
  const connectionString = process.env.DATABASE_URL;
  if (!connectionString) throw new Error("DATABASE_URL is not set");
  workerSchema ??= runMigrations({ connectionString, logger: undefined }).catch((error: unknown) => {
    workerSchema = undefined;
    throw error;
  });
  return workerSchema;
}

export async function addJob<Schema extends z.ZodType>(
  db: Queryable,
  contract: JobContract<Schema>,
  payload: z.infer<Schema>,
  options: { runAt?: Date } = {},
): Promise<void> {
  await ensureWorkerSchema();
  const valid = contract.payload.parse(payload);
  await db.query(
    `SELECT graphile_worker.add_job($1, $2::json, queue_name => $3, run_at => $4, max_attempts => $5, job_key => $6, priority => $7)`,
    [
      contract.name,
      JSON.stringify(valid),
      contract.queue?.(valid) ?? null,
      options.runAt ?? null,
      contract.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
      contract.jobKey?.(valid) ?? null,
      contract.priority?.(valid) ?? null,
    ],
  );
}
