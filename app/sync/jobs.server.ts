/**
 * Adding sync jobs with SQL (graphile_worker.add_job), so that a job can be added in the same
 * transaction — even the same statement — as the data that caused it, and so that a shop's sync steps
 * share a named queue (Graphile Worker runs one job of a named queue at a time).
 */
import { runMigrations } from "graphile-worker";
import type { z } from "zod";
import type { TaskDefinition } from "../jobs/define-task";
import type { Queryable } from "./db.server";

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

export interface AddJobOptions {
  queueName?: string;
  runAt?: Date;
  jobKey?: string;
  maxAttempts?: number;
}

export async function addJob<Schema extends z.ZodType>(
  db: Queryable,
  task: TaskDefinition<Schema>,
  payload: z.infer<Schema>,
  options: AddJobOptions = {},
): Promise<void> {
  await ensureWorkerSchema();
  const valid = task.payload.parse(payload);
  await db.query(`SELECT graphile_worker.add_job($1, $2::json, queue_name => $3, run_at => $4, max_attempts => $5, job_key => $6)`, [
    task.name,
    JSON.stringify(valid),
    options.queueName ?? null,
    options.runAt ?? null,
    options.maxAttempts ?? task.maxAttempts ?? 25,
    options.jobKey ?? task.jobKey?.(valid) ?? null,
  ]);
}

/** The named queue a shop's sync steps run in, one at a time. */
export function shopQueue(shopDomain: string): string {
  return `sync:${shopDomain}`;
}
