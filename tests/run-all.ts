/**
 * `npm test`: every check and every test, in one command, ending with one line `N passed, N failed`.
 *   1. type check and lint (not counted as tests, but a failure fails the run)
 *   2. build: Remix, and the admin block extension with Shopify CLI (offline)
 *   3. Vitest: unit + integration (real PostgreSQL, local Shopify stand-in)
 *   4. Playwright in Debian's chromium, through the stand-in admin shell
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const results = path.join(root, "test-results");
rmSync(results, { recursive: true, force: true });
mkdirSync(results, { recursive: true });

let checksFailed = 0;
function step(title: string, command: string, args: string[], env: Record<string, string> = {}): boolean {
  console.log(`\n━━ ${title}: ${command} ${args.join(" ")}`);
  const started = Date.now();
  const run = spawnSync(command, args, { cwd: root, stdio: "inherit", env: { ...process.env, ...env } });
  const ok = run.status === 0;
  console.log(`━━ ${title}: ${ok ? "ok" : `FAILED (exit ${run.status ?? run.signal})`} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return ok;
}

if (!step("typecheck", "npx", ["tsc", "--noEmit"])) checksFailed++;
if (!step("typecheck extension", "npx", ["tsc", "-p", "extensions/stock-block/tsconfig.json"])) checksFailed++;
if (!step("lint", "npx", ["eslint", "."])) checksFailed++;
if (!step("build (app + admin block extension, offline)", "npm", ["run", "build"])) checksFailed++;

const vitestJson = path.join(results, "vitest.json");
step("vitest (unit + integration)", "npx", ["vitest", "run", "--reporter=default", "--reporter=json", `--outputFile.json=${vitestJson}`]);

const playwrightJson = path.join(results, "playwright.json");
step("playwright (chromium)", "npx", ["playwright", "test", "--reporter=list,json"], { PLAYWRIGHT_JSON_OUTPUT_NAME: playwrightJson });

interface VitestReport {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTotalTestSuites: number;
  numFailedTestSuites: number;
}
interface PlaywrightReport {
  stats: { expected: number; unexpected: number; flaky: number; skipped: number };
  errors?: unknown[];
}

let passed = 0;
let failed = 0;
let skipped = 0;
if (existsSync(vitestJson)) {
  const report = JSON.parse(readFileSync(vitestJson, "utf8")) as VitestReport;
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  skipped += report.numPendingTests;
  // A file that fails to load has no failed test but is a failure all the same.
  if (report.numFailedTestSuites > 0 && report.numFailedTests === 0) failed += report.numFailedTestSuites;
} else {
  console.error("vitest wrote no report");
  failed++;
}
if (existsSync(playwrightJson)) {
  const report = JSON.parse(readFileSync(playwrightJson, "utf8")) as PlaywrightReport;
  passed += report.stats.expected + report.stats.flaky;
  failed += report.stats.unexpected;
  skipped += report.stats.skipped;
  if ((report.errors?.length ?? 0) > 0 && report.stats.unexpected === 0) failed++;
} else {
  console.error("playwright wrote no report");
  failed++;
}
failed += checksFailed;

console.log(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
