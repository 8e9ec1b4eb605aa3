/**
 * Fluxor's worker (`npm run worker`) as a child process whose calls to Shopify reach the local stand-in,
 * for tests that kill it for real. Started by `startWorkerProcess`; the child runs this file as its entry.
 */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { redirectShopifyFetch } from "../mocks/shopify";

const ROOT = path.resolve(import.meta.dirname, "..", "..");
const STAND_IN_ENV = "FLUXOR_TEST_STAND_IN_URL";

/** Starts the worker in a child process with this process's environment (database, app credentials). */
export function startWorkerProcess(standInUrl: string, env: Record<string, string> = {}): ChildProcess {
  return spawn(process.execPath, ["--import", "tsx", path.join(ROOT, "tests", "demo", "worker-process.ts")], {
    cwd: ROOT,
    env: { ...process.env, ...env, [STAND_IN_ENV]: standInUrl },
    stdio: ["ignore", "inherit", "inherit"],
  });
}

const standInUrl = process.env[STAND_IN_ENV];
if (standInUrl && import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  // Before the worker (and its Shopify adapter) loads, as tests/demo/stack.ts does for the web process.
  redirectShopifyFetch(standInUrl);
  await import("../../app/server/worker-main");
}
