/**
 * `npm test`: every check and every test, in one command, ending with one line `N passed, N failed`.
 *   1. type check and lint (not counted as tests, but a failure fails the run)
 *   2. build: Remix, and the admin block extension with Shopify CLI (offline); npm's advisory check of the
 *      production dependencies (fails on high or critical; says so when the advisory service cannot be asked)
 *   3. Vitest: unit + integration (real PostgreSQL, local Shopify stand-in)
 *   4. Playwright in Debian's chromium, through the stand-in admin shell
 * A runner that cannot start (its global setup or web server dies) is named with the cause, e.g.
 * `vitest could not start: embedded PostgreSQL could not start: …`, and counts as a failure.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { playwrightFailures, vitestFailures, type PlaywrightFailureReport, type VitestFailureReport } from "./support/failures";

const root = path.resolve(import.meta.dirname, "..");
const results = path.join(root, "test-results");
rmSync(results, { recursive: true, force: true });
mkdirSync(results, { recursive: true });

interface StepResult {
  ok: boolean;
  /** The exit code, or the signal that ended it. */
  exit: number | string;
  /** The last lines it printed (stdout and stderr), without colours. */
  tail: string[];
}

const TAIL_LINES = 400;

/** Runs a command, showing its output as it comes and keeping the tail of it for the summary. */
async function step(title: string, command: string, args: string[], env: Record<string, string> = {}): Promise<StepResult> {
  console.log(`\n━━ ${title}: ${command} ${args.join(" ")}`);
  const started = Date.now();
  const tail: string[] = [];
  const colour = process.stdout.isTTY && !process.env.NO_COLOR ? { FORCE_COLOR: "1" } : {};
  const child = spawn(command, args, { cwd: root, stdio: ["inherit", "pipe", "pipe"], env: { ...process.env, ...colour, ...env } });
  for (const [stream, sink] of [
    [child.stdout, process.stdout],
    [child.stderr, process.stderr],
  ] as const) {
    let partial = "";
    stream.on("data", (chunk: Buffer) => {
      sink.write(chunk);
      const lines = (partial + chunk.toString("utf8")).split("\n");
      partial = lines.pop() ?? "";
      tail.push(...lines.map(plain));
      if (tail.length > TAIL_LINES) tail.splice(0, tail.length - TAIL_LINES);
    });
    stream.on("end", () => {
      if (partial) tail.push(plain(partial));
    });
  }
  const exit = await new Promise<number | string>((resolve) => {
    child.once("error", (error) => {
      tail.push(`${error.name}: ${error.message}`);
      resolve(1);
    });
    child.once("close", (code, signal) => resolve(code ?? signal ?? 1));
  });
  const ok = exit === 0;
  console.log(`━━ ${title}: ${ok ? "ok" : `FAILED (exit ${exit})`} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return { ok, exit, tail };
}

function plain(line: string): string {
  // eslint-disable-next-line no-control-regex
  return line.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, "").trimEnd();
}

/**
 * The line that says why a runner failed before (or without) failing a test: our own "… could not start: …"
 * line when there is one (the embedded database), else the first error line of Playwright's web server,
 * else the first error line at all.
 */
function causeOf(tail: string[], fallback: string): string {
  const ours = tail.findLast((line) => /could not start: /.test(line));
  if (ours)
    return ours
      .replace(/^\[WebServer\]\s*/, "")
      .replace(/^\[?(\w*Error: )?/, "")
      .replace(/\]$/, "");
  const isError = (line: string) => /^\s*(\w*Error|error)\b[^:]{0,40}: \S/.test(line);
  const server = tail.filter((line) => line.startsWith("[WebServer]")).map((line) => line.replace(/^\[WebServer\]\s*/, ""));
  return (server.find(isError) ?? tail.find(isError))?.trim() ?? fallback;
}

let checksFailed = 0;
if (!(await step("typecheck", "npx", ["tsc", "--noEmit"])).ok) checksFailed++;
if (!(await step("typecheck extension", "npx", ["tsc", "-p", "extensions/stock-block/tsconfig.json"])).ok) checksFailed++;
if (!(await step("lint", "npx", ["eslint", "."])).ok) checksFailed++;
if (!(await step("build (app + admin block extension, offline)", "npm", ["run", "build"])).ok) checksFailed++;
if (!(await step("npm audit (production dependencies)", "npx", ["tsx", "tests/npm-audit.ts"])).ok) checksFailed++;

const vitestJson = path.join(results, "vitest.json");
const vitest = await step("vitest (unit + integration)", "npx", [
  "vitest",
  "run",
  "--reporter=default",
  "--reporter=json",
  `--outputFile.json=${vitestJson}`,
]);

const playwrightJson = path.join(results, "playwright.json");
const playwright = await step("playwright (chromium)", "npx", ["playwright", "test", "--reporter=list,json"], {
  PLAYWRIGHT_JSON_OUTPUT_NAME: playwrightJson,
});

interface VitestReport extends VitestFailureReport {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTotalTestSuites: number;
  numFailedTestSuites: number;
}
interface PlaywrightReport extends PlaywrightFailureReport {
  stats: { expected: number; unexpected: number; flaky: number; skipped: number };
  errors?: { message?: string }[];
}

let passed = 0;
let failed = 0;
let skipped = 0;
const causes: string[] = [];
/** Each failed test by file and name, with the first line of its error: the end of the output names them. */
const failures: string[] = [];
if (existsSync(vitestJson)) {
  const report = JSON.parse(readFileSync(vitestJson, "utf8")) as VitestReport;
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  skipped += report.numPendingTests;
  failures.push(...vitestFailures(report, root));
  // A file that fails to load has no failed test but is a failure all the same.
  if (report.numFailedTestSuites > 0 && report.numFailedTests === 0) failed += report.numFailedTestSuites;
  // A global setup that dies, or an unhandled error: a report without a failure, and a failed run.
  else if (!vitest.ok && report.numFailedTests === 0) {
    failed++;
    causes.push(`vitest ${report.numTotalTestSuites === 0 ? "could not start" : "failed"}: ${causeOf(vitest.tail, `exit ${vitest.exit}`)}`);
  }
} else {
  failed++;
  causes.push(`vitest could not start: ${causeOf(vitest.tail, `it wrote no report (exit ${vitest.exit})`)}`);
}
if (existsSync(playwrightJson)) {
  const report = JSON.parse(readFileSync(playwrightJson, "utf8")) as PlaywrightReport;
  passed += report.stats.expected + report.stats.flaky;
  failed += report.stats.unexpected;
  skipped += report.stats.skipped;
  failures.push(...playwrightFailures(report));
  if (report.stats.unexpected === 0 && ((report.errors?.length ?? 0) > 0 || !playwright.ok)) {
    // e.g. "Process from config.webServer was not able to start": the web server's own output says why.
    failed++;
    const ran = report.stats.expected + report.stats.flaky + report.stats.skipped > 0;
    causes.push(
      `playwright ${ran ? "failed" : "could not start"}: ${causeOf(playwright.tail, report.errors?.[0]?.message ?? `exit ${playwright.exit}`)}`,
    );
  }
} else {
  failed++;
  causes.push(`playwright could not start: ${causeOf(playwright.tail, `it wrote no report (exit ${playwright.exit})`)}`);
}
failed += checksFailed;

if (failures.length > 0) console.log(`\nFailed:\n${failures.map((line) => `  ✘ ${line}`).join("\n")}`);
if (causes.length > 0) console.error(`\n${causes.join("\n")}`);
console.log(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
