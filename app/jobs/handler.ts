/**
 * Binds a job's contract to the code that runs it. Handlers must be idempotent: Graphile Worker runs a
 * job at least once and retries failures with exponential back-off, so a handler can run again after a
 * crash at any point. The one list of handlers is app/server/jobs.server.ts.
 */
import type { JobHelpers, Task, TaskList } from "graphile-worker";
import type { z } from "zod";
import type { JobContract } from "./contract";

export interface JobHandler {
  name: string;
  task: Task;
}

export function handle<Schema extends z.ZodType>(
  contract: JobContract<Schema>,
  run: (payload: z.infer<Schema>, helpers: JobHelpers) => Promise<void>,
): JobHandler {
  return {
    name: contract.name,
    task: async (raw, helpers) => {
      const parsed = contract.payload.safeParse(raw);
      if (!parsed.success) {
        // Retrying cannot fix a malformed payload: log it and let the job complete.
        helpers.logger.error(`dropping ${contract.name} job ${helpers.job.id}: invalid payload: ${parsed.error.message}`);
        return;
      }
      await run(parsed.data, helpers);
    },
  };
}

/** Graphile Worker's task list; a name handled twice is a programming error. */
export function toTaskList(handlers: readonly JobHandler[]): TaskList {
  const list: TaskList = {};
  for (const handler of handlers) {
    if (list[handler.name]) throw new Error(`job ${handler.name} has two handlers`);
    list[handler.name] = handler.task;
  }
  return list;
}
