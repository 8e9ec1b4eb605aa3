/**
 * A PostgreSQL server of a test file's own, for fault tests that stop and restart the server: never the
 * shared one of tests/support/global-setup.ts (every other test file uses that one). Its own temporary
 * folder and free port, the app's migrations applied; `stop()` is a fast shutdown (open transactions are
 * rolled back, connections cut, as in a database failover or restart), `start()` brings the same cluster
 * back on the same port.
 */
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { migrate } from "../../app/db/migrate.server";
import { startEmbedded, type DatabaseHandle } from "../../app/db/postgres.server";
import { freePort } from "./ports";

export interface OwnPostgres {
  url: string;
  /** Stops the server (fast shutdown): every connection is cut. */
  stop(): Promise<void>;
  /** Starts the same cluster again, on the same port. */
  start(): Promise<void>;
  /** Suspends every process of the server (SIGSTOP): connections are accepted and nothing answers, as a hung server. */
  freeze(): void;
  /** Resumes them (SIGCONT). */
  thaw(): void;
  /** Stops it for good and removes its files. */
  close(): Promise<void>;
}

export async function startOwnPostgres(databaseName = "fluxor_fault"): Promise<OwnPostgres> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "fluxor-fault-pg-"));
  // The postgres user (when run as root) must enter it; decision 0036 relocates the cluster if it still cannot.
  chmodSync(dir, 0o755);
  const port = await freePort();
  const options = { dataDir: path.join(dir, "data"), port, databaseName };
  let handle: DatabaseHandle | undefined = await startEmbedded(options).catch((error: unknown) => {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  });
  const url = handle.url;
  await migrate(url);
  let frozen: number[] = [];
  const thaw = () => {
    for (const pid of frozen) signal(pid, "SIGCONT");
    frozen = [];
  };
  return {
    url,
    stop: async () => {
      thaw(); // a frozen server could not shut down
      const running = handle;
      handle = undefined;
      await running?.stop();
    },
    start: async () => {
      handle ??= await startEmbedded(options);
    },
    freeze: () => {
      frozen = serverProcesses(options.dataDir);
      for (const pid of frozen) signal(pid, "SIGSTOP");
    },
    thaw,
    close: async () => {
      thaw();
      const running = handle;
      handle = undefined;
      await running?.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The postmaster of the cluster in `dataDir` and its children (backends, checkpointer, …), from /proc. */
function serverProcesses(dataDir: string): number[] {
  const postmaster = Number(readFileSync(path.join(dataDir, "postmaster.pid"), "utf8").split("\n")[0]);
  const children = readdirSync("/proc")
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      try {
        // /proc/<pid>/stat: "pid (comm) state ppid …"; comm may contain spaces, so read after its closing parenthesis.
        const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
        return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === postmaster;
      } catch {
        return false; // ended meanwhile
      }
    })
    .map(Number);
  return [postmaster, ...children];
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // the process ended meanwhile
  }
}
