/**
 * A job's contract: its name, the zod schema of its payload, its deduplication key, its named queue and
 * how often it is tried. Code that queues a job imports only the contract (app/jobs/contracts/); the
 * handler that runs it lives in its domain and is bound to the contract with `handle` (./handler.ts).
 *
 * Enqueueing validates the payload before it reaches the queue, and the handler validates it again when
 * it runs (a job queued by an older release, or by hand in SQL, cannot reach the handler malformed).
 */
import type { z } from "zod";

export interface JobContract<Schema extends z.ZodType> {
  name: string;
  payload: Schema;
  /** Jobs with the same key replace each other while queued (deduplication), e.g. one per shop. */
  jobKey?: (payload: z.infer<Schema>) => string | undefined;
  /** Jobs of one named queue run one at a time, in order (e.g. a shop's sync steps). */
  queue?: (payload: z.infer<Schema>) => string | undefined;
  /** Graphile Worker priority: among jobs that are due, lower numbers run first (default 0). */
  priority?: (payload: z.infer<Schema>) => number;
  maxAttempts?: number;
}

export function defineJob<Schema extends z.ZodType>(contract: JobContract<Schema>): JobContract<Schema> {
  return contract;
}

/** Graphile Worker's default, used when a contract names none. */
export const DEFAULT_MAX_ATTEMPTS = 25;
