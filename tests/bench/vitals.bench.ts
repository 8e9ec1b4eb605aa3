/**
 * npm run bench:vitals [-- --runs 5 --port 4610 --pages variants,overview --devices mobile --verbose --rebuild --attach]
 *
 * Web Vitals (LCP, CLS, INP) of the dashboard pages, at desktop and on a phone, as a merchant meets them:
 * starts the demo stack the way playwright.config.ts's webServer does (small store, fresh database),
 * waits for the first forecast, then opens each page in the stand-in admin `--runs` times in Debian's
 * chromium, each time in a new browser context (cold cache) with the Playwright projects' device
 * descriptors (they carry an ordinary user agent: the Shopify library answers "HeadlessChrome" with 410).
 * Each load waits 1.5 s, makes one interaction (for INP), waits 1 s and reads the figures of the app's
 * frame (tests/support/vitals.ts, shared with tests/e2e/dashboard.spec.ts).
 * Prints median / p75 / max per page × device; `--verbose` also prints every layout shift with the
 * elements that moved. Figures only; nothing is asserted. Stops the stack and exits by itself.
 * Like the e2e web server, the stack serves `build/` as it is (built only when missing): after changing
 * app code, pass `--rebuild` (FLUXOR_DEMO_REBUILD=1) or run `npx remix build` first.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import path from "node:path";
import { parseArgs } from "node:util";
import { chromium, type Browser, type BrowserContextOptions, type Page } from "@playwright/test";
import playwrightConfig from "../../playwright.config";
import { freePort } from "../support/ports";
import {
  APP_FRAME,
  dashboardPages,
  describeShifts,
  installVitalsObserver,
  measureAppPage,
  type Vitals,
  type VitalsPage,
} from "../support/vitals";
import { waitFor } from "../support/wait";

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "5" },
    /** Base port of the demo stack (it uses port … port + 3); default: a free one. */
    port: { type: "string" },
    pages: { type: "string", default: "overview,variants,variant,settings,sync" },
    devices: { type: "string", default: "desktop,mobile" },
    verbose: { type: "boolean", default: false },
    /** Rebuild the app before starting the stack (FLUXOR_DEMO_REBUILD=1), so the figures are those of the current code. */
    rebuild: { type: "boolean", default: false },
    /** Measure a demo stack already running on --port (e.g. `npm run demo -- --port 4610 --store small`) instead of starting one. */
    attach: { type: "boolean", default: false },
  },
});
const RUNS = Number(values.runs);
if (!Number.isInteger(RUNS) || RUNS < 1) throw new Error(`--runs must be a positive whole number, not ${values.runs}`);
const ROOT = path.resolve(import.meta.dirname, "..", "..");
const ADMIN_PATH = "/store/hollow-oak-gifts/apps/fluxor";
/** The store sync and the first forecast run of a fresh demo database take a minute or two. */
const FIRST_DATA_TIMEOUT = 300_000;

/** The browser and devices of playwright.config.ts: the same chromium flags and the same projects. */
const launchArgs = playwrightConfig.use?.launchOptions?.args ?? [];
function deviceOptions(name: string): BrowserContextOptions {
  const use = playwrightConfig.projects?.find((project) => project.name === name)?.use;
  if (!use) throw new Error(`playwright.config.ts has no project "${name}"`);
  return {
    viewport: use.viewport,
    screen: use.screen,
    userAgent: use.userAgent,
    deviceScaleFactor: use.deviceScaleFactor,
    isMobile: use.isMobile,
    hasTouch: use.hasTouch,
  };
}

const wantedPages = values.pages.split(",").map((name) => name.trim());
const wantedDevices = values.devices.split(",").map((name) => name.trim());
const knownPages = dashboardPages("").map((spec) => spec.name);
for (const name of wantedPages) if (!knownPages.includes(name)) throw new Error(`unknown page ${name}; pages: ${knownPages.join(", ")}`);

async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/** A base port with the three after it free too (admin, tunnel, app, PostgreSQL). */
async function freeBasePort(): Promise<number> {
  for (let tries = 0; tries < 20; tries++) {
    const base = await freePort();
    if (base + 3 > 65535) continue;
    const free = await Promise.all([1, 2, 3].map((offset) => portIsFree(base + offset)));
    if (free.every(Boolean)) return base;
  }
  throw new Error("no four free ports in a row");
}

function startDemo(port: number, rebuild: boolean): { child: ChildProcess; output: () => string } {
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      path.join(ROOT, "tests", "demo", "main.ts"),
      "--port",
      String(port),
      "--fresh-database",
      "--store",
      "small",
      "--quiet",
    ],
    { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...(rebuild ? { FLUXOR_DEMO_REBUILD: "1" } : {}) } },
  );
  let output = "";
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000));
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  return { child, output: () => output };
}

async function stopDemo(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
  await exited;
  clearTimeout(timer);
}

const adminUrl = (appPath: string) => `${ADMIN_PATH}${appPath}${appPath.includes("?") ? "&" : "?"}locale=en`;

/** Polls an app page until `testId` shows (the page reloaded each time), or fails naming `what`. */
async function waitForApp(page: Page, appPath: string, testId: string, what: string): Promise<void> {
  await waitFor(
    async () => {
      await page.goto(adminUrl(appPath));
      return page
        .frameLocator(APP_FRAME)
        .getByTestId(testId)
        .first()
        .waitFor({ timeout: 10_000 })
        .then(
          () => true,
          () => false,
        );
    },
    what,
    FIRST_DATA_TIMEOUT,
    2_000,
  );
}

/**
 * Waits for the first forecast on both pages that show it (the list's rows; the overview's figures,
 * whose row counts may be a minute stale) and returns the path of the first variant at risk.
 */
async function waitForFirstData(browser: Browser, baseURL: string): Promise<string> {
  const context = await browser.newContext({ ...deviceOptions("desktop"), baseURL });
  try {
    const page = await context.newPage();
    await waitForApp(page, "/app/variants?risk=stockout,reorder", "variant-link", "the first forecast (variants in the list)");
    const variantPath = await page
      .frameLocator(APP_FRAME)
      .getByTestId("variant-link")
      .first()
      .evaluate((span) => new URL(span.closest("a")?.href ?? "/app/variants").pathname);
    await waitForApp(page, "", "metric-at-risk", "the overview's figures");
    return variantPath;
  } finally {
    await context.close();
  }
}

/** One load of one page in a new browser context (a cold cache, as a merchant opening the app). */
async function measure(browser: Browser, baseURL: string, device: string, spec: VitalsPage): Promise<Vitals> {
  const context = await browser.newContext({ ...deviceOptions(device), baseURL });
  try {
    await installVitalsObserver(context);
    const page: Page = await context.newPage();
    return await measureAppPage(page, adminUrl(spec.path), spec.interact);
  } finally {
    await context.close();
  }
}

/** Nearest-rank percentile of numbers sorted ascending. */
function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

function summary(list: readonly (number | null)[], format: (value: number) => string): string {
  const known = list.filter((value): value is number => value !== null).sort((a, b) => a - b);
  if (known.length === 0) return "n/a";
  const missing = list.length - known.length;
  const figures = `${format(percentile(known, 50))} / ${format(percentile(known, 75))} / ${format(known.at(-1) ?? Number.NaN)}`;
  return missing ? `${figures} (${missing} without)` : figures;
}

if (values.attach && !values.port) throw new Error("--attach needs the --port of the running demo stack");
const port = values.port ? Number(values.port) : await freeBasePort();
const baseURL = `http://127.0.0.1:${port}`;
const demo = values.attach ? undefined : startDemo(port, values.rebuild);
let browser: Browser | undefined;
let interrupted = false;
const interrupt = () => {
  if (interrupted) return;
  interrupted = true;
  console.error("\nStopping…");
  void Promise.all([browser?.close(), demo && stopDemo(demo.child)]).finally(() => process.exit(130));
};
process.once("SIGINT", interrupt);
process.once("SIGTERM", interrupt);

try {
  const started = performance.now();
  await waitFor(
    async () => {
      if (demo && demo.child.exitCode !== null) throw new Error(`the demo stack exited (${demo.child.exitCode}):\n${demo.output()}`);
      return fetch(`http://127.0.0.1:${port + 1}/healthz`).then(
        (response) => response.ok,
        () => false,
      );
    },
    "the demo stack's /healthz",
    values.rebuild ? 300_000 : 180_000,
    250,
  );
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium", args: launchArgs });
  const variantPath = await waitForFirstData(browser, baseURL);
  console.log(
    `demo stack on ${baseURL}, first forecast on the list and the overview after ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  const specs = dashboardPages(variantPath).filter((spec) => wantedPages.includes(spec.name));

  const rows: string[][] = [];
  for (const spec of specs) {
    for (const device of wantedDevices) {
      const results: Vitals[] = [];
      for (let run = 0; run < RUNS; run++) {
        const vitals = await measure(browser, baseURL, device, spec);
        results.push(vitals);
        if (values.verbose) {
          const inputs = vitals.interactionStarts.map((start) => `${Math.round(start)} ms`).join(", ") || "none";
          console.log(`${spec.name} ${device} run ${run + 1}: CLS ${vitals.cls.toFixed(4)}; input at ${inputs}`);
          for (const line of describeShifts(vitals.shifts)) console.log(`  ${line}`);
        }
      }
      rows.push([
        spec.name,
        device,
        summary(
          results.map((vitals) => vitals.lcp),
          (ms) => String(Math.round(ms)),
        ),
        summary(
          results.map((vitals) => vitals.cls),
          (cls) => cls.toFixed(3),
        ),
        summary(
          results.map((vitals) => vitals.inp),
          (ms) => String(Math.round(ms)),
        ),
      ]);
    }
  }

  const header = ["page", "device", "LCP ms (median / p75 / max)", "CLS (median / p75 / max)", "INP ms (median / p75 / max)"];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]?.length ?? 0)));
  const line = (cells: string[]) => `| ${cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join(" | ")} |`;
  console.log(`\nWeb Vitals, ${RUNS} loads per page and device (good: LCP ≤ 2500 ms, CLS ≤ 0.1, INP ≤ 200 ms)\n`);
  console.log(line(header));
  console.log(`|${widths.map((width) => "-".repeat(width + 2)).join("|")}|`);
  for (const row of rows) console.log(line(row));
} finally {
  await browser?.close();
  if (demo) await stopDemo(demo.child);
}
