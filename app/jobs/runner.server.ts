/** Starts Graphile Worker on the app's database: in the web process for the demo, or alone (`npm run worker`). */
import { parseCronItems, run, type Runner } from "graphile-worker";
import { cronItems, taskList } from "./tasks";

export interface WorkerOptions {
  connectionString: string;
  concurrency?: number;
}

export async function startWorker(options: WorkerOptions): Promise<Runner> {
  return run({
    connectionString: options.connectionString,
    concurrency: options.concurrency ?? Number(process.env.WORKER_CONCURRENCY ?? 4),
    // The process entry point owns signals: it stops the HTTP server, then the worker, then PostgreSQL.
    noHandleSignals: true,
    pollInterval: 1000,
    taskList: taskList(),
    parsedCronItems: parseCronItems(cronItems()),
    preset: { worker: { completeJobBatchDelay: 0, failJobBatchDelay: 0 } },
  });
}
