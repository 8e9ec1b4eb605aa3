/**
 * Worker processes for `npm run bench:fleet`: N real `npm run worker` processes (app/server/worker-main.ts under
 * tsx, as the script runs it), each with its own pg pools, on the bench's database. They are stopped the way a
 * deployment stops them (SIGTERM: Graphile Worker finishes its jobs, the pool closes), and killed if they do not
 * stop in time; the bench also kills them when it fails or is interrupted, so no child outlives it.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";

const ROOT = path.resolve(import.meta.dirname, "..", "..");
const READY_LINE = "Fluxor worker running";
const STOP_TIMEOUT_MS = 60_000;

export interface WorkerFleet {
  readonly pids: readonly number[];
  /** CPU seconds (user + system, threads included) each worker has used so far; undefined once it exited. */
  cpuSeconds(): (number | undefined)[];
  /** SIGTERM, wait for a clean exit (SIGKILL after a minute); resolves when every process is gone. */
  stop(): Promise<void>;
  /** Last resort, synchronous: SIGKILL every process still running (process exit, a second Ctrl-C). */
  kill(): void;
}

export async function startWorkers(count: number, env: Record<string, string>, options: { verbose: boolean }): Promise<WorkerFleet> {
  const children: ChildProcess[] = [];
  const fleet: WorkerFleet = {
    get pids() {
      return children.map((c) => c.pid ?? -1);
    },
    cpuSeconds: () => children.map((c) => (c.pid !== undefined && c.exitCode === null ? processCpuSeconds(c.pid) : undefined)),
    stop: async () => {
      await Promise.all(
        children.map(async (child) => {
          if (child.exitCode !== null || child.signalCode !== null) return;
          const exited = new Promise((resolve) => child.once("exit", resolve));
          child.kill("SIGTERM");
          const timer = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MS);
          await exited;
          clearTimeout(timer);
        }),
      );
    },
    kill: () => {
      for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    },
  };
  try {
    await Promise.all(
      Array.from({ length: count }, async (_, k) => {
        const child = spawn(process.execPath, ["--import", "tsx", path.join(ROOT, "app", "server", "worker-main.ts")], {
          cwd: ROOT,
          env: { ...process.env, ...env },
          stdio: ["ignore", "pipe", "inherit"],
        });
        children.push(child);
        await new Promise<void>((resolve, reject) => {
          let partial = "";
          child.stdout?.setEncoding("utf8");
          child.stdout?.on("data", (chunk: string) => {
            const lines = (partial + chunk).split("\n");
            partial = lines.pop() ?? "";
            for (const line of lines) {
              if (line.includes(READY_LINE)) resolve();
              if (options.verbose) console.log(`  [worker ${k + 1}] ${line}`);
            }
          });
          child.once("exit", (code, signal) => reject(new Error(`worker ${k + 1} exited before it was ready (${code ?? signal})`)));
        });
      }),
    );
  } catch (error) {
    fleet.kill();
    throw error;
  }
  return fleet;
}

/** Clock ticks per second of /proc's times (sysconf(_SC_CLK_TCK)): 100 on every Linux kernel build we run on. */
const CLOCK_TICKS = 100;

/** utime + stime of a process (all its threads), from /proc/<pid>/stat; undefined when it cannot be read. */
export function processCpuSeconds(pid: number, withReapedChildren = false): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may hold spaces) start at state: utime is field 14, stime 15, cutime 16, cstime 17.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const [utime, stime, cutime, cstime] = [11, 12, 13, 14].map((i) => Number(fields[i]));
    const own = utime! + stime!;
    return (withReapedChildren ? own + cutime! + cstime! : own) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}

/** The parent pid of a process, from /proc; undefined when it is not on this machine. */
export function parentPid(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
  } catch {
    return undefined;
  }
}
