import { readFileSync } from "node:fs";
import { expect, test, type FrameLocator, type Page, type TestInfo } from "@playwright/test";
import type ordersEn from "../../app/i18n/locales/orders/en.json";
import { DEMO_SHOP } from "../demo/stack";
import { expectAccessible, screenshot } from "../support/browser";
import { demoQuery } from "../support/demo-db";
import { APP_FRAME } from "../support/vitals";

// The order analytics page (/app/orders, issue 17 item 7) in the stand-in admin (playwright.config.ts webServer: the
// demo with a fresh database), in English, Spanish and French, on the desktop project. Nothing is seeded: the demo
// store's own orders (online, POS and other channels, synced by the store sync) are the page's data, checked against
// the demo's database. For each language: the page with its figures and charts, a channel filter that changes them
// (kept in the URL), and the CSV of the filtered view. Nothing is changed, so nothing is restored. Screenshots go to
// docs/screenshots/order-analytics-<locale>-desktop.png when FLUXOR_UPDATE_SCREENSHOTS=1.

const ADMIN_PATH = "/store/hollow-oak-gifts/apps/fluxor";
const LOCALES = ["en", "es", "fr"] as const;
type Locale = (typeof LOCALES)[number];
const HYDRATION = /hydrat|did not match|Minified React error #(418|423|425)/i;
/** The page's words in each language, read from its locale files (app/i18n/locales/orders). */
const TEXT = Object.fromEntries(
  LOCALES.map((locale) => [locale, JSON.parse(readFileSync(`app/i18n/locales/orders/${locale}.json`, "utf8")) as typeof ordersEn]),
) as Record<Locale, typeof ordersEn>;

/** The demo store's orders of the page's default period (its last 30 days, today included), as the page counts them. */
async function countOrders(channel?: string): Promise<number> {
  const [row] = await demoQuery<{ n: string }>(
    `SELECT count(*) AS n FROM "Order" o JOIN "Shop" s ON s.id = o."shopId"
      WHERE s.domain = $1 AND NOT o.test AND o."cancelledAt" IS NULL
        AND o.day BETWEEN (now() AT TIME ZONE coalesce(s."ianaTimezone", 'UTC'))::date - 29 AND (now() AT TIME ZONE coalesce(s."ianaTimezone", 'UTC'))::date
        AND ($2::text IS NULL OR o.channel = $2)`,
    [DEMO_SHOP, channel ?? null],
  );
  return Number(row!.n);
}

/** A figure's whole number, whatever the language's digit grouping. */
const wholeNumber = async (app: FrameLocator, testId: string) => Number((await app.getByTestId(testId).innerText()).replace(/\D/g, ""));

/** The admin shell's frame is as tall as the window: make the window as tall as the page for the screenshot. */
async function fullHeightScreenshot(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  const viewport = page.viewportSize()!;
  const app = page.frameLocator(APP_FRAME);
  const height = await app.locator("html").evaluate((html) => html.scrollHeight);
  await page.setViewportSize({ width: viewport.width, height: height + 56 });
  await expect(app.getByTestId("orders-locations-chart").locator("svg.recharts-surface").first()).toBeVisible();
  await screenshot(page, testInfo, name);
  await page.setViewportSize(viewport);
}

test("order analytics: figures, charts, a channel filter and the CSV, in English, Spanish and French", async ({ page }, testInfo) => {
  test.skip(testInfo.project.name === "mobile", "one pass on the desktop project covers the three languages");
  test.setTimeout(420_000);
  const errors: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(message.text());
  });
  page.on("pageerror", (error) => errors.push(error.message));

  // The demo store's initial sync imports its orders within a minute or two of the demo's start (--store small).
  await expect
    .poll(
      async () => {
        const [row] = await demoQuery<{ done: boolean }>(
          `SELECT EXISTS (SELECT 1 FROM "SyncRun" r JOIN "Shop" s ON s.id = r."shopId"
                           WHERE s.domain = $1 AND r.kind = 'initial' AND r.status = 'completed') AS done`,
          [DEMO_SHOP],
        );
        return row?.done ?? false;
      },
      { timeout: 300_000, intervals: [2_000], message: "the demo store's orders imported" },
    )
    .toBe(true);

  for (const locale of LOCALES) {
    const words = TEXT[locale];
    const before = await countOrders();
    await page.goto(`${ADMIN_PATH}/app/orders?locale=${locale}`);
    const app = page.frameLocator(APP_FRAME);
    await expect(app.getByRole("heading", { level: 1, name: words.title })).toBeVisible();

    // Every real order of the last 30 days, of the three channels; units, sales and a returns rate.
    const all = await wholeNumber(app, "orders-orders");
    expect(all).toBeGreaterThanOrEqual(before);
    expect(all).toBeLessThanOrEqual(await countOrders());
    expect(all).toBeGreaterThan(0);
    await expect(app.getByTestId("orders-units")).toHaveText(/[1-9]/);
    await expect(app.getByTestId("orders-revenue")).toHaveText(/£|GBP/);
    await expect(app.getByTestId("orders-returns-rate")).toHaveText(/%/);
    const channels = app.getByTestId("orders-channels");
    for (const channel of ["online_store", "pos", "other"] as const) await expect(channels).toContainText(words.channels[channel]);
    for (const chart of ["orders-units-chart", "orders-revenue-chart", "orders-locations-chart"]) {
      await expect(app.getByTestId(chart).locator("svg.recharts-surface").first()).toBeVisible();
    }
    await expect(app.getByTestId("orders-units-chart").locator(".recharts-legend-item-text")).toContainText([
      words.channels.online_store,
      words.channels.pos,
      words.channels.other,
    ]);
    await expect(app.getByTestId("orders-notes")).toContainText(words.notes.drafts);
    await fullHeightScreenshot(page, testInfo, `order-analytics-${locale}`);
    if (locale === "en") await expectAccessible(page, APP_FRAME, `order analytics (${locale})`);

    // Point of Sale only: fewer orders, the filter in the URL, only that channel in the table.
    await app.getByRole("combobox", { name: words.filters.channel, exact: true }).selectOption("pos");
    await expect.poll(() => app.locator("body").evaluate(() => window.location.search)).toContain("channel=pos");
    await expect.poll(() => wholeNumber(app, "orders-orders")).toBeLessThan(all);
    const pos = await wholeNumber(app, "orders-orders");
    expect(pos).toBeGreaterThan(0);
    expect(pos).toBeLessThanOrEqual(await countOrders("pos"));
    await expect(channels).not.toContainText(words.channels.online_store);
    await expect(app.getByRole("combobox", { name: words.filters.channel, exact: true })).toHaveValue("pos");

    // The CSV of what the page shows: titles in the page's language, POS lines adding up to the orders shown.
    const download = page.waitForEvent("download");
    await app.locator("#export-orders").click();
    const file = await download;
    expect(file.suggestedFilename()).toMatch(/^fluxor-orders-\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}\.csv$/);
    const [header, ...rows] = readFileSync((await file.path()) ?? "", "utf8")
      .trim()
      .split(/\r\n/)
      .map((line) => line.split(","));
    expect(header).toEqual(Object.values(words.csv));
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((row) => row[2] === words.channels.pos)).toBe(true);
    expect(rows.reduce((sum, row) => sum + Number(row[5]), 0)).toBe(pos);
  }

  // A filter the page cannot use is refused with what to check, and a way back. (The admin passes only its own
  // parameters to the frame, so the frame's own URL is changed, with the session token the admin just gave it.)
  await page.goto(`${ADMIN_PATH}/app/orders?locale=en`);
  const app = page.frameLocator(APP_FRAME);
  await expect(app.getByTestId("orders-orders")).toHaveText(/[1-9]/);
  await app.locator("body").evaluate(() => {
    const url = new URL(window.location.href);
    url.searchParams.set("channel", "web");
    window.location.assign(url.toString());
  });
  await expect(app.getByTestId("orders-invalid")).toContainText("channel");
  await app.getByRole("link", { name: TEXT.en.invalid.reset.replace("{{days}}", "30") }).click();
  await expect(app.getByTestId("orders-orders")).toHaveText(/[1-9]/);
  expect(await app.locator("body").evaluate(() => window.location.search)).not.toContain("channel=web");

  expect(errors.filter((error) => HYDRATION.test(error))).toEqual([]);
});
