/** Starts Graphile Worker on the app's database: in the web process for the demo, or alone (`npm run worker`). */
import { EventEmitter } from "node:events";
import { Logger, parseCronItems, run, type Runner, type WorkerEvents } from "graphile-worker";
import { watchLiveness } from "./liveness.server";
import { cronItems, taskList } from "./tasks";

export interface WorkerOptions {
  connectionString: string;
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
    taskList: taskList(),
    logger,
    parsedCronItems: parseCronItems(cronItems()),
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
