import { readFileSync } from "node:fs";
import { expect, test, type FrameLocator, type Page } from "@playwright/test";
import type impactEn from "../../app/i18n/locales/impact/en.json";
import { expectAccessible, screenshot } from "../support/browser";
import { demoQuery } from "../support/demo-db";
import { APP_FRAME } from "../support/vitals";

// The signal impact page and the data-source settings page in the stand-in admin (playwright.config.ts webServer), on
// the desktop project. In English, once the demo store's first forecast run is published: a card per signal, the
// products filtered by a signal; then the weather source: an out-of-range latitude shows its field error and saves
// nothing, a valid location saves (toast), and "Test connection" reaches the signals stand-in. Then both pages in
// Spanish and French. The shop's source settings are put back as they were at the end.
// Screenshots go to docs/screenshots/signals-*.png when FLUXOR_UPDATE_SCREENSHOTS=1.

const ADMIN_PATH = "/store/hollow-oak-gifts/apps/fluxor";
const SHOP = "hollow-oak-gifts.myshopify.com";
const LOCALES = ["en", "es", "fr"] as const;
type Locale = (typeof LOCALES)[number];
/** The pages' words in each language (app/i18n/locales/impact). */
const TEXT = Object.fromEntries(
  LOCALES.map((locale) => [locale, JSON.parse(readFileSync(`app/i18n/locales/impact/${locale}.json`, "utf8")) as typeof impactEn]),
) as Record<Locale, typeof impactEn>;
/** The store sync and the first forecast run of a fresh demo database (the small store) take a minute or two. */
const FIRST_RUN_TIMEOUT = 300_000;
const HYDRATION = /hydrat|did not match|Minified React error #(418|421|423|425)/i;
const SIGNALS = ["promotion", "temperature", "cpi", "consumer_confidence", "competitor_price"] as const;

interface SettingRow {
  source: string;
  enabled: boolean;
  config: unknown;
  apiKeyCiphertext: string | null;
  apiKeyHint: string | null;
}

async function shopId(): Promise<string> {
  const [shop] = await demoQuery<{ id: string }>(`SELECT id FROM "Shop" WHERE domain = $1`, [SHOP]);
  if (!shop) throw new Error(`${SHOP} is not installed`);
  return shop.id;
}

async function settingRows(shop: string): Promise<SettingRow[]> {
  return demoQuery<SettingRow>(
    `SELECT source, enabled, config, "apiKeyCiphertext", "apiKeyHint" FROM "SignalSourceSetting" WHERE "shopId" = $1 ORDER BY source`,
    [shop],
  );
}

async function restoreSettings(shop: string, rows: SettingRow[]): Promise<void> {
  await demoQuery(`DELETE FROM "SignalSourceSetting" WHERE "shopId" = $1`, [shop]);
  for (const row of rows)
    await demoQuery(
      `INSERT INTO "SignalSourceSetting" ("shopId", source, enabled, config, "apiKeyCiphertext", "apiKeyHint") VALUES ($1, $2, $3, $4::jsonb, $5, $6)`,
      [shop, row.source, row.enabled, JSON.stringify(row.config), row.apiKeyCiphertext, row.apiKeyHint],
    );
}

/** Waits for the shop's first published forecast run (the store sync comes first). */
async function publishedRun(shop: string): Promise<void> {
  const deadline = Date.now() + FIRST_RUN_TIMEOUT;
  for (;;) {
    const [state] = await demoQuery<{ runId: string | null }>(
      `SELECT "currentRunId" AS "runId" FROM "ShopForecastState" WHERE "shopId" = $1`,
      [shop],
    ).catch(() => []);
    if (state?.runId) return;
    if (Date.now() > deadline) throw new Error(`no forecast run of ${SHOP} published`);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
  }
}

async function open(page: Page, path: string, locale: Locale, marker: string): Promise<FrameLocator> {
  await page.goto(`${ADMIN_PATH}${path}?locale=${locale}`);
  const app = page.frameLocator(APP_FRAME);
  await expect(app.getByTestId(marker)).toHaveAttribute("data-interactive", "yes", { timeout: 30_000 });
  return app;
}

function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(`${page.url()}: ${message.text()}`);
  });
  page.on("pageerror", (error) => errors.push(`${page.url()}: ${error.message}`));
  return errors;
}

test("signal impact and data sources: cards, products by signal, a refused and a saved source, a connection test; in English, Spanish and French", async ({
  page,
}, testInfo) => {
  test.skip(testInfo.project.name === "mobile", "one desktop run covers both pages; their layout is Polaris's own cards, table and form");
  test.setTimeout(FIRST_RUN_TIMEOUT + 180_000);
  const errors = watchErrors(page);
  const shop = await shopId();
  const before = await settingRows(shop);
  try {
    await publishedRun(shop);
    const en = TEXT.en;

    // The impact page: one card per signal; the products table follows the signal chosen.
    let app = await open(page, "/app/signals", "en", "impact-interactive");
    await expect(app.getByRole("heading", { level: 1, name: en.title })).toBeVisible();
    for (const signal of SIGNALS) await expect(app.getByTestId(`impact-card-${signal}`)).toContainText(en.signal[signal]);
    if (!before.some((row) => row.source === "weather" && row.enabled))
      await expect(app.getByTestId("impact-card-temperature")).toContainText(en.fresh.off.replace("{{source}}", en.source.weather));
    const considered = await app.getByTestId("impact-products").count();
    if (considered > 0) {
      const filter = app.getByTestId("impact-filter");
      await filter.getByRole("button", { name: en.signal.promotion }).click();
      await expect(filter.getByRole("button", { name: en.signal.promotion })).toHaveAttribute("aria-pressed", "true");
      const cells = app.getByTestId("impact-products").locator("tbody tr td:nth-child(2)");
      for (const text of await cells.allInnerTexts()) expect(text).toBe(en.signal.promotion);
    } else {
      await expect(app.getByTestId("impact-none-considered")).toBeVisible();
    }
    await screenshot(page, testInfo, "signals-impact");
    await expectAccessible(page, APP_FRAME, "signal impact page");

    // The data sources: a latitude out of range is refused where it is typed, and nothing is saved.
    app = await open(page, "/app/signals/sources", "en", "sources-interactive");
    await expect(app.getByRole("heading", { level: 1, name: en.sources.title })).toBeVisible();
    await expect(app.getByTestId("sources-privacy")).toContainText(en.sources.privacy.title);
    await app.getByText(en.sources.weather.enabled, { exact: true }).click();
    await app.locator("#weather-latitude").fill("200");
    await app.locator("#weather-longitude").fill("13.41");
    await app.locator("#weather-types").click();
    await app.getByRole("listbox", { name: en.sources.types.label }).getByRole("option").first().click();
    await app.locator("#weather-types").press("Escape");
    await app.locator("#save-sources").click();
    await expect(app.getByText(en.errors.latitude_range)).toBeVisible();
    await expect(app.getByTestId("sources-errors")).toContainText(en.sources.errorsBanner);
    expect(await settingRows(shop)).toEqual(before);
    await screenshot(page, testInfo, "signals-sources-error");

    // A valid location saves (rounded to 0.1°), and the connection test reaches the stand-in with it.
    await app.locator("#weather-latitude").fill("52,52");
    await app.locator("#save-sources").click();
    await expect(page.locator("#toasts")).toContainText(en.sources.saved);
    const weather = (await settingRows(shop)).find((row) => row.source === "weather");
    expect(weather).toMatchObject({ enabled: true, config: { location: { kind: "coordinates", latitude: 52.5, longitude: 13.4 } } });
    await expect(app.locator("#weather-latitude")).toHaveValue("52.5");
    await app.locator("#test-weather").click();
    await expect(app.getByTestId("test-result-weather")).toContainText(en.sources.test.ok.weather.split(".")[0]!);
    await screenshot(page, testInfo, "signals-sources");
    await expectAccessible(page, APP_FRAME, "data sources page");

    // Both pages in Spanish and French.
    for (const locale of ["es", "fr"] as const) {
      const words = TEXT[locale];
      app = await open(page, "/app/signals", locale, "impact-interactive");
      await expect(app.getByRole("heading", { level: 1, name: words.title })).toBeVisible();
      await expect(app.getByTestId("impact-card-promotion")).toContainText(words.signal.promotion);
      await expect(app.getByTestId("impact-card-temperature")).toContainText(words.signal.temperature);
      await screenshot(page, testInfo, `signals-impact-${locale}`);
      app = await open(page, "/app/signals/sources", locale, "sources-interactive");
      await expect(app.getByRole("heading", { level: 1, name: words.sources.title })).toBeVisible();
      await expect(app.getByTestId("sources-privacy")).toContainText(words.sources.privacy.title);
      await expect(app.getByText(words.sources.indicators.apiKey, { exact: true })).toBeVisible();
      await screenshot(page, testInfo, `signals-sources-${locale}`);
    }
    expect(errors.filter((error) => HYDRATION.test(error))).toEqual([]);
  } finally {
    await restoreSettings(shop, before);
  }
});
