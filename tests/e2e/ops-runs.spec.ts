import { readFileSync } from "node:fs";
import { expect, test, type Page, type TestInfo } from "@playwright/test";
import type opsEn from "../../app/i18n/locales/ops/en.json";
import { expectAccessible, screenshot } from "../support/browser";
import { DEMO_SHOP, STRIPE_DEMO_SHOP } from "../demo/stack";
import { demoQuery } from "../support/demo-db";
import { signedInContexts, signIn } from "../support/ops-sign-in";

// The operator console's forecast runs page (/ops/runs, issue 17 item 8) on the demo (playwright.config.ts webServer),
// on the desktop project (the console is a desktop back-office tool), in English, Spanish and French. Nothing is seeded: the demo's own forecast runs
// (the first one starts once the demo store's sync has built its daily demand) are the page's data, and the spec waits
// for one of the demo store's to be completed (the Stripe shop's small store can complete one without a measured
// accuracy). The figures are checked against the demo's database, read before and after each page
// (a run may start or finish in between). Screenshots go to docs/screenshots/ops-runs-*.png when
// FLUXOR_UPDATE_SCREENSHOTS=1.

const PORT = Number(process.env.FLUXOR_E2E_PORT ?? 4310);
const OPS = `http://127.0.0.1:${PORT + 2}/ops`;
const LOCALES = ["en", "es", "fr"] as const;
type Locale = (typeof LOCALES)[number];
const HYDRATION = /hydrat|did not match|Minified React error #(418|423|425)/i;
/** The console's words in each language, read from its locale files (app/i18n/locales/ops). */
const TEXT = Object.fromEntries(
  LOCALES.map((locale) => [locale, JSON.parse(readFileSync(`app/i18n/locales/ops/${locale}.json`, "utf8")) as typeof opsEn]),
) as Record<Locale, typeof opsEn>;

test.describe.configure({ mode: "serial" });

/** The page's default period in SQL: runs started on the last 30 UTC days, today included. */
const IN_PERIOD = `"startedAt" >= ((now() AT TIME ZONE 'UTC')::date - 29)::timestamp AT TIME ZONE 'UTC'`;

const DEMO_SHOP_RUN = `"shopId" = (SELECT id FROM "Shop" WHERE domain = '${DEMO_SHOP}')`;
const MEASURED = `status = 'completed' AND jsonb_typeof(accuracy->'accTotal') = 'number'`;

async function countRuns(where = "true"): Promise<number> {
  const [row] = await demoQuery<{ n: string }>(`SELECT count(*) AS n FROM "ForecastRun" WHERE ${IN_PERIOD} AND ${where}`);
  return Number(row!.n);
}

/** A figure's whole number, whatever the language's digit grouping. */
const wholeNumber = async (page: Page, testId: string) => Number((await page.getByTestId(testId).innerText()).replace(/\D/g, ""));

function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(message.text());
  });
  page.on("pageerror", (error) => errors.push(error.message));
  return errors;
}

async function shoot(page: Page, testInfo: TestInfo, name: string) {
  // The chart is drawn after hydration; let the layout settle before the full-page capture.
  await page.waitForLoadState("networkidle");
  await screenshot(page, testInfo, name);
}

test("forecast runs: figures, chart, table, a filter, the CSV export and a refused filter, in English, Spanish and French", async ({
  browser,
  page,
}, testInfo) => {
  test.skip(testInfo.project.name === "mobile", "the operator console is a desktop back-office tool");
  test.setTimeout(420_000);
  const errors = watchErrors(page);

  // The demo store's first forecast run is completed a minute or two after the demo starts (--store small).
  await expect
    .poll(() => countRuns(`status = 'completed' AND ${DEMO_SHOP_RUN}`), {
      timeout: 300_000,
      intervals: [2_000],
      message: "a completed forecast run of the demo store",
    })
    .toBeGreaterThan(0);

  // Signed out, the page leads to sign-in, and back to it after.
  await page.goto(`${OPS}/runs`);
  await expect(page).toHaveURL(/\/ops\/login\?next=%2Fops%2Fruns$/);
  await signIn(page);
  await expect(page).toHaveURL(`${OPS}/runs`);

  const signedInContext = await signedInContexts(browser, page, testInfo);
  for (const locale of LOCALES) {
    const context = await signedInContext(locale);
    const view = await context.newPage();
    const viewErrors = watchErrors(view);
    const words = TEXT[locale].runs;

    const before = await countRuns();
    const measured = await countRuns(MEASURED);
    await view.goto(`${OPS}/runs`);
    const after = await countRuns();
    await expect(view.getByRole("heading", { name: words.title, level: 1 })).toBeVisible();
    await expect(view.getByRole("link", { name: TEXT[locale].nav.runs, exact: true })).toHaveAttribute("aria-current", "page");

    // The headline figures: every run of the period, and the others as figures or "—" when nothing was measured.
    const runs = await wholeNumber(view, "ops-runs-count");
    expect(runs).toBeGreaterThanOrEqual(before);
    expect(runs).toBeLessThanOrEqual(after);
    await expect(view.getByTestId("ops-runs-failed")).toHaveText(/^\d+$/);
    await expect(view.getByTestId("ops-runs-failure-rate")).toHaveText(/%|—/);
    await expect(view.getByTestId("ops-runs-duration-median")).toHaveText(/\d/);
    await expect(view.getByTestId("ops-runs-duration-p95")).toHaveText(/\d/);
    await expect(view.getByTestId("ops-runs-accuracy")).toHaveText(measured > 0 ? /%/ : "—");

    // The chart, drawn in the browser: the accuracy line and its legend; its figures by day as a table on request.
    const chart = view.getByTestId("ops-runs-chart");
    await expect(chart).toHaveAttribute("aria-label", words.chart.label);
    await expect(chart.locator("svg.recharts-surface").first()).toBeVisible();
    await expect(chart.locator(".recharts-legend-item-text")).toHaveText([words.chart.failed, words.chart.accuracy]);
    const disclosure = view.getByRole("button", { name: words.chart.showTable });
    await expect(disclosure).toHaveAttribute("aria-expanded", "false");
    await disclosure.click();
    await expect(view.getByRole("button", { name: words.chart.hideTable })).toHaveAttribute("aria-expanded", "true");
    const days = view.getByTestId("ops-runs-days");
    await expect(days).toBeVisible();
    await expect(days).toContainText(words.days.accuracy);

    // The runs: the demo store's, each with its status.
    const table = view.getByTestId("ops-runs-table");
    await expect(table).toContainText(DEMO_SHOP);
    await expect(table).toContainText(words.status.completed);
    if (!testInfo.project.use.isMobile) await expect(table.locator("tbody tr")).toHaveCount(Math.min(runs, 50));
    await expect(view.getByTestId("ops-runs-page")).toBeVisible();
    await expectAccessible(view, "body", `ops runs (${locale})`);
    await shoot(view, testInfo, `ops-runs-${locale}`);

    expect(
      viewErrors.filter((error) => HYDRATION.test(error)),
      locale,
    ).toEqual([]);
    await context.close();
  }

  // A filter (English): completed runs of the demo store, through the form; the URL holds it.
  const words = TEXT.en.runs;
  const filters = page.getByTestId("ops-runs-filters");
  await filters.getByLabel(words.filters.q).fill("hollow-oak");
  await filters.getByLabel(words.filters.status).selectOption("completed");
  const demoCompleted = `status = 'completed' AND ${DEMO_SHOP_RUN}`;
  const completedBefore = await countRuns(demoCompleted);
  await filters.getByRole("button", { name: words.filters.apply }).click();
  await expect(page).toHaveURL(/\/ops\/runs\?q=hollow-oak&status=completed&from=\d{4}-\d{2}-\d{2}&to=\d{4}-\d{2}-\d{2}$/);
  // The URL changes a moment before the filtered page is drawn: wait for it (the other demo shop gone from the list).
  await expect(page.getByTestId("ops-runs-table")).not.toContainText(STRIPE_DEMO_SHOP);
  let completed = 0;
  await expect
    .poll(async () => {
      completed = await wholeNumber(page, "ops-runs-count");
      return completed >= completedBefore && completed <= (await countRuns(demoCompleted));
    })
    .toBe(true);
  await expect(page.getByTestId("ops-runs-failed")).toHaveText("0");
  const table = page.getByTestId("ops-runs-table");
  await expect(table.getByText(words.status.running, { exact: true })).toHaveCount(0);
  await expect(table.getByText(words.status.failed, { exact: true })).toHaveCount(0);
  await expect(filters.getByLabel(words.filters.q)).toHaveValue("hollow-oak");
  await shoot(page, testInfo, "ops-runs-filtered");

  // The CSV export of the same filters: one line per run, the column names in English.
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: words.export }).click()]);
  expect(download.suggestedFilename()).toMatch(/^fluxor-forecast-runs-\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}\.csv$/);
  const csv = Buffer.concat(await (await download.createReadStream()).toArray()).toString("utf8");
  const [header, ...lines] = csv.trimEnd().split("\r\n");
  expect(header!.split(",").slice(0, 5)).toEqual(Object.values(words.csv).slice(0, 5));
  expect(lines.length).toBeGreaterThanOrEqual(completed);
  expect(lines.length).toBeLessThanOrEqual(await countRuns(demoCompleted));
  for (const line of lines) expect(line).toContain(`,${DEMO_SHOP},`);

  // A filter the page cannot use: 400, said so inside the console, with the way back.
  const refused = await page.goto(`${OPS}/runs?status=done`);
  expect(refused?.status()).toBe(400);
  await expect(page.getByTestId("ops-runs-invalid")).toContainText("status");
  await expect(page.getByRole("button", { name: "Sign out" })).toBeVisible();
  await expectAccessible(page, "body", "ops runs, a refused filter");
  await page.getByRole("link", { name: words.invalid.reset.replace("{{days}}", "30") }).click();
  await expect(page).toHaveURL(`${OPS}/runs`);
  await expect(page.getByTestId("ops-runs-table")).toBeVisible();

  expect(errors.filter((error) => HYDRATION.test(error))).toEqual([]);
});
