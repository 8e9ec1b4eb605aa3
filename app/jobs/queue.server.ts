/** Enqueue jobs (from routes, hooks and other jobs). Postgres is the queue: no Redis. */
import { makeWorkerUtils, type WorkerUtils } from "graphile-worker";
import type { z } from "zod";
import type { TaskDefinition } from "./define-task";

let utils: Promise<WorkerUtils> | undefined;

function workerUtils(): Promise<WorkerUtils> {
  const connectionString = process.env.DATABASE_URL;
  if (!connectionString) throw new Error("DATABASE_URL is not set");
  utils ??= makeWorkerUtils({ connectionString });
  return utils;
}

export async function enqueue<Schema extends z.ZodType>(
  task: TaskDefinition<Schema>,
  payload: z.infer<Schema>,
  options: { runAt?: Date } = {},
): Promise<void> {
  const valid = task.payload.parse(payload);
  const queue = await workerUtils();
  await queue.addJob(task.name, valid, {
    jobKey: task.jobKey?.(valid),
    maxAttempts: task.maxAttempts,
    runAt: options.runAt,
  });
}

export async function closeQueue(): Promise<void> {
  if (!utils) return;
  const current = utils;
  utils = undefined;
  await (await current).release();
}
