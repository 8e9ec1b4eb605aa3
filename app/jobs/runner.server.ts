/** Starts Graphile Worker on the app's database: in the web process for the demo, or alone (`npm run worker`). */
import { run, type Runner } from "graphile-worker";
import { SYNC_CRONTAB } from "../sync/tasks";
import { taskList } from "./tasks";

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
    crontab: ["# scheduled tasks are declared here in code, not in a crontab file", SYNC_CRONTAB].join("\n"),
    preset: { worker: { completeJobBatchDelay: 0, failJobBatchDelay: 0 } },
  });
}
