/**
 * Every Graphile Worker task is declared with a zod schema for its payload: enqueueing validates the
 * payload before it reaches the queue, and the task validates it again when it runs (a job enqueued
 * by an older release, or by hand in SQL, cannot reach the handler malformed).
 * Handlers must be idempotent: Graphile Worker runs a job at least once and retries failures with
 * exponential back-off, so a handler can run again after a crash at any point.
 */
import type { JobHelpers, Task } from "graphile-worker";
import type { z } from "zod";

export interface TaskDefinition<Schema extends z.ZodType> {
  name: string;
  payload: Schema;
  /** Jobs for the same key replace each other while queued (deduplication), e.g. one per shop. */
  jobKey?: (payload: z.infer<Schema>) => string;
  maxAttempts?: number;
  run: (payload: z.infer<Schema>, helpers: JobHelpers) => Promise<void>;
}

export function defineTask<Schema extends z.ZodType>(definition: TaskDefinition<Schema>): TaskDefinition<Schema> {
  return definition;
}

export function toGraphileTask<Schema extends z.ZodType>(definition: TaskDefinition<Schema>): Task {
  return async (raw, helpers) => {
    const parsed = definition.payload.safeParse(raw);
    if (!parsed.success) {
      // Retrying cannot fix a malformed payload: log it and let the job complete.
      helpers.logger.error(`dropping ${definition.name} job ${helpers.job.id}: invalid payload: ${parsed.error.message}`);
      return;
    }
    await definition.run(parsed.data, helpers);
  };
}
