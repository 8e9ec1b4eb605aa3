/**
 * Starts Graphile Worker on the app's database with the handlers and schedule it is given (the one list
 * is app/server/jobs.server.ts): in the web process for the demo, or alone (`npm run worker`).
 */
import { EventEmitter } from "node:events";
import { Logger, parseCronItems, run, type CronItem, type Runner, type WorkerEvents } from "graphile-worker";
import pg from "pg";
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

/** Waits between attempts to start a new runner after one died: doubling from 1 s, at most 30 s. */
const RESTART_DELAYS_MS = { first: 1000, max: 30_000 };

/**
 * The job worker of this process. Graphile Worker stops its whole worker pool for good when the database fails
 * under it (a job's outcome that cannot be written: "queue is in an inconsistent state; aborting"), and then the
 * process would stay up without processing anything. So the runner is supervised: one that ends without being
 * asked to is replaced by a new one as soon as the database answers again. Its jobs lose nothing: the dead
 * runner's heartbeats stopped with it, so the liveness sweep unlocks the job it held (docs/decisions/0023).
 */
export async function startWorker(options: WorkerOptions): Promise<Runner> {
  const events: WorkerEvents = new EventEmitter();
  const liveness = watchLiveness(events, options.connectionString, (line) => console.error(line));
  // One pool for every runner of this process, with error listeners that outlive them: a pool Graphile makes
  // itself loses its listeners when its runner ends, and a connection it still holds then crashes the process
  // at the database's next restart (an "error" event nobody listens to).
  const concurrency = options.concurrency ?? Number(process.env.WORKER_CONCURRENCY ?? 4);
  // Graphile's own default size, or more: each concurrent job holds a connection, and the LISTEN takes one.
  const pgPool = new pg.Pool({ connectionString: options.connectionString, max: Math.max(10, concurrency + 2) });
  pgPool.on("error", (error) => console.error(`job worker: idle connection lost: ${error.message}`));
  pgPool.on("connect", (client) => client.on("error", () => {}));
  const start = () =>
    run({
      events,
      pgPool,
      concurrency,
      // The process entry point owns signals: it stops the HTTP server, then the worker, then PostgreSQL.
      noHandleSignals: true,
      pollInterval: 1000,
      taskList: toTaskList(options.handlers),
      logger,
      parsedCronItems: parseCronItems(options.cron),
      preset: { worker: { completeJobBatchDelay: 0, failJobBatchDelay: 0 } },
    });
  let current = await start().catch(async (error: unknown) => {
    await liveness.stop();
    await pgPool.end();
    throw error;
  });
  liveness.start();

  let stopping = false;
  let running = true;
  let restarting: Promise<void> | undefined;
  let wake: (() => void) | undefined;
  let finished: () => void = () => {};
  const promise = new Promise<void>((resolve) => (finished = resolve));
  // A pause that stop() cuts short.
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  const replace = async (reason: unknown) => {
    console.error(`job worker stopped unexpectedly (${String(reason)}); starting a new one`);
    for (let delay = RESTART_DELAYS_MS.first; !stopping; delay = Math.min(delay * 2, RESTART_DELAYS_MS.max)) {
      await pause(delay);
      if (stopping) return;
      try {
        current = await start();
        running = true;
        supervise(current);
        console.error("job worker running again");
        return;
      } catch (error) {
        console.error(`job worker could not start (${String(error)}); trying again`);
      }
    }
  };
  const supervise = (runner: Runner) => {
    const ended = (reason: unknown) => {
      running = false;
      if (!stopping) restarting = replace(reason).finally(() => (restarting = undefined));
    };
    runner.promise.then(
      () => ended("its worker pool exited"),
      (error: unknown) => ended(error),
    );
  };
  supervise(current);

  const end = async (how: "stop" | "kill", reason?: string) => {
    if (stopping) return promise;
    stopping = true;
    wake?.();
    try {
      await restarting; // a runner being started is stopped like the others
      if (running) await current[how](reason);
    } finally {
      await liveness.stop();
      await pgPool.end();
      finished();
    }
  };
  return {
    stop: (reason) => end("stop", reason),
    kill: (reason) => end("kill", reason),
    addJob: (...args) => current.addJob(...args),
    promise,
    events,
  };
}
