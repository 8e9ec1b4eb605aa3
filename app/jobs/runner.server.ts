/**
 * Starts Graphile Worker on the app's database with the handlers and schedule it is given (the one list
 * is app/server/jobs.server.ts): in the web process for the demo, or alone (`npm run worker`).
 */
import { EventEmitter } from "node:events";
import { Logger, parseCronItems, run, type CronItem, type Runner, type WorkerEvents } from "graphile-worker";
import { toTaskList, type JobHandler } from "./handler";
import { watchLiveness } from "./liveness.server";

export interface WorkerOptions {
  connectionString: string;
  handlers: readonly JobHandler[];
  /** Recurring jobs (UTC). Task names contain dots, which Graphile's crontab text format refuses, hence items. */
  cron: CronItem[];
  concurrency?: number;
}

/** Warnings and errors only, unless FLUXOR_WORKER_LOG=info (a line per job is noise at webhook volumes). */
const logger = new Logger(() => (level, message) => {
  if (level === "error") console.error(message);
  else if (level === "warning" || process.env.FLUXOR_WORKER_LOG === "info") console.log(message);
});

export async function startWorker(options: WorkerOptions): Promise<Runner> {
  const events: WorkerEvents = new EventEmitter();
  const liveness = watchLiveness(events, options.connectionString, (line) => console.error(line));
  const runner = await run({
    events,
    connectionString: options.connectionString,
    concurrency: options.concurrency ?? Number(process.env.WORKER_CONCURRENCY ?? 4),
    // The process entry point owns signals: it stops the HTTP server, then the worker, then PostgreSQL.
    noHandleSignals: true,
    pollInterval: 1000,
    taskList: toTaskList(options.handlers),
    logger,
    parsedCronItems: parseCronItems(options.cron),
    preset: { worker: { completeJobBatchDelay: 0, failJobBatchDelay: 0 } },
  }).catch(async (error: unknown) => {
    await liveness.stop();
    throw error;
  });
  liveness.start();
  void runner.promise.then(
    () => liveness.stop(),
    () => liveness.stop(),
  );
  return runner;
}
