import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { expect, test, type APIRequestContext, type FrameLocator, type Page, type TestInfo } from "@playwright/test";
import type { StockAdviceResponse } from "../../app/api/stock-advice";
import type * as BlockModel from "../../extensions/stock-block/src/model";
import { expectAccessible, screenshot } from "../support/browser";
import { waitFor } from "../support/wait";

// The admin block (extensions/stock-block) on the stand-in admin's product page (tests/mocks/shopify/
// admin-block-harness.ts): its real source bundled by esbuild, given the admin's `shopify` global, i18n and
// authenticated fetch, reading the real forecast API of the demo stack (playwright.config.ts webServer). In
// English, Spanish and French; ready, out-of-stock, loading, no-data and error states; desktop and mobile.
// Screenshots go to docs/screenshots/ when FLUXOR_UPDATE_SCREENSHOTS=1.

// The block's own row logic. Required, not imported: extensions/stock-block has its own package.json
// (no "type": "module"), so Playwright loads the file as CommonJS.
const { toRows } = createRequire(import.meta.url)("../../extensions/stock-block/src/model.ts") as typeof BlockModel;

const SHOP = "hollow-oak-gifts.myshopify.com";
const STORE_PATH = "/store/hollow-oak-gifts";
const BLOCK_FRAME = "iframe[name='admin-block-fluxor-stock-block']";
const LOCALES = ["en", "es", "fr"] as const;
type Locale = (typeof LOCALES)[number];
type Messages = Record<string, unknown>;

const MESSAGES: Record<Locale, Messages> = {
  en: readJson("extensions/stock-block/locales/en.default.json"),
  es: readJson("extensions/stock-block/locales/es.json"),
  fr: readJson("extensions/stock-block/locales/fr.json"),
};
/** The store sync and the first forecast run of a fresh demo database (the small store) take a minute or two. */
const FIRST_DATA_TIMEOUT = 300_000;
/** No product of the demo store has this id (they are 81000000xx): the app has no record of it. */
const UNKNOWN_PRODUCT = "9999999999";

test.describe.configure({ mode: "serial" });

function readJson(file: string): Messages {
  return JSON.parse(readFileSync(file, "utf8")) as Messages;
}

function message(locale: Locale, key: string): string {
  const value = key.split(".").reduce<unknown>((node, part) => (node as Messages | undefined)?.[part], MESSAGES[locale]);
  if (typeof value !== "string") throw new Error(`no ${key} in the ${locale} strings`);
  return value;
}

/** The app's URL: the tunnel in front of Fluxor, on the admin's port + 1 (playwright.config.ts). */
function appUrl(testInfo: TestInfo): string {
  const admin = new URL(String(testInfo.project.use.baseURL));
  admin.port = String(Number(admin.port) + 1);
  return admin.origin;
}

/** The stock advice of a product, read from the app the way the block reads it (session token of the admin). */
async function stockAdvice(
  request: APIRequestContext,
  testInfo: TestInfo,
  productId: string,
  tokenMode = "valid",
): Promise<{ status: number; body?: StockAdviceResponse }> {
  const tokenAnswer = await request.get(`/admin-extensions/id-token?shop=${SHOP}&token=${tokenMode}`);
  const { token } = (await tokenAnswer.json()) as { token: string };
  const answer = await request.get(`${appUrl(testInfo)}/api/products/${productId}/stock-advice`, {
    headers: { Authorization: `Bearer ${token}` },
  });
  return { status: answer.status(), body: answer.ok() ? ((await answer.json()) as StockAdviceResponse) : undefined };
}

let chosen: Promise<string> | undefined;

/**
 * A product worth showing: once the first forecast run is published, the product with several variants whose
 * advice shows the most different statuses (at risk first).
 */
function chooseProduct(request: APIRequestContext, testInfo: TestInfo): Promise<string> {
  chosen ??= (async () => {
    const list = await (await request.get(`${STORE_PATH}/products`)).text();
    const candidates = [...list.matchAll(/data-product-id="(\d+)" data-variant-count="(\d+)"/g)]
      .filter((match) => Number(match[2]) >= 2)
      .map((match) => match[1] ?? "")
      .slice(0, 40);
    expect(candidates.length).toBeGreaterThan(0);
    // Every product is published by the same run: wait until one shows forecast statuses.
    await waitFor(
      async () => {
        for (const id of candidates.slice(0, 10)) {
          const { body } = await stockAdvice(request, testInfo, id);
          if (body?.variants.some((variant) => variant.status !== "unknown")) return true;
        }
        return false;
      },
      "the first published forecasts",
      FIRST_DATA_TIMEOUT,
      2_000,
    );
    const advice = await Promise.all(candidates.map(async (id) => ({ id, advice: (await stockAdvice(request, testInfo, id)).body })));
    const score = (response?: StockAdviceResponse) => {
      const statuses = new Set(response?.variants.map((variant) => variant.status));
      return (
        statuses.size * 10 +
        (statuses.has("critical") ? 5 : 0) +
        (statuses.has("warning") ? 3 : 0) -
        (statuses.has("unknown") ? 8 : 0) +
        // A variant with unusual sales shows that line too.
        (response?.variants.some((variant) => (variant.unusualSales ?? []).length > 0) ? 4 : 0)
      );
    };
    const best = advice.reduce((a, b) => (score(b.advice) > score(a.advice) ? b : a));
    return best.id;
  })();
  return chosen;
}

async function openProduct(page: Page, productId: string, query: Record<string, string>): Promise<FrameLocator> {
  await page.goto(`${STORE_PATH}/products/${productId}?${new URLSearchParams(query)}`);
  return page.frameLocator(BLOCK_FRAME);
}

/** What the block must show for `advice` in `locale`: the extension's own row logic with the admin's strings and Intl formats. */
async function expectedRows(page: Page, locale: Locale, advice: StockAdviceResponse) {
  const unusual = advice.variants.flatMap((v) => v.unusualSales ?? []);
  const numbers = advice.variants.flatMap((v) => [Math.round(v.daysOfCover ?? 0), v.reorderQuantity, (v.unusualSales ?? []).length]);
  numbers.push(...unusual.flatMap((day) => [day.units, day.expected]));
  const days = [
    ...advice.variants.flatMap((v) => [...(v.stockoutDate ? [v.stockoutDate] : []), ...(v.outOfStock ? [v.outOfStock.since] : [])]),
    ...unusual.map((day) => day.date),
  ];
  const money = advice.variants.flatMap((v) => (v.outOfStock ? [v.outOfStock.lostRevenuePerDay] : []));
  const currency = advice.currency ?? null;
  // Formatted by the browser's Intl, as the admin's i18n.formatNumber / formatDate / formatCurrency do.
  const formatted = await page.evaluate(
    ([loc, nums, isoDays, amounts, code]) => ({
      numbers: nums.map((n) => new Intl.NumberFormat(loc, { maximumFractionDigits: 0 }).format(n)),
      days: isoDays.map((d) => new Intl.DateTimeFormat(loc, { day: "numeric", month: "short" }).format(new Date(`${d}T12:00:00Z`))),
      money: amounts.map((n) =>
        code
          ? new Intl.NumberFormat(loc, { style: "currency", currency: code }).format(n)
          : new Intl.NumberFormat(loc, { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(n),
      ),
    }),
    [locale, numbers, days, money, currency] as const,
  );
  const localizer: BlockModel.Localizer = {
    t: (key, options = {}) => message(locale, key).replace(/\{\{(\w+)\}\}/g, (_, name: string) => String(options[name] ?? "")),
    formatNumber: (value) => formatted.numbers[numbers.indexOf(value)] ?? String(value),
    formatDay: (iso) => formatted.days[days.indexOf(iso)] ?? iso,
    formatMoney: (value) => formatted.money[money.indexOf(value)] ?? String(value),
  };
  return toRows(advice, localizer);
}

function collectPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  return errors;
}

test("the block shows each variant's outlook from the app, in the admin user's language", async ({ page, request }, testInfo) => {
  test.setTimeout(FIRST_DATA_TIMEOUT + 120_000);
  const productId = await chooseProduct(request, testInfo);
  const errors = collectPageErrors(page);
  for (const locale of LOCALES) {
    const advice = (await stockAdvice(request, testInfo, productId)).body;
    if (!advice) throw new Error(`no stock advice for product ${productId}`);
    const fetched = page.waitForRequest((r) => r.url().endsWith(`/api/products/${productId}/stock-advice`) && r.method() === "GET");
    const block = await openProduct(page, productId, { locale });

    // The admin added the session token to the block's request to its app.
    expect((await fetched).headers()["authorization"]).toMatch(/^Bearer [\w-]+\.[\w-]+\.[\w-]+$/);
    await expect(block.getByRole("heading", { name: message(locale, "name") })).toBeVisible();
    const rows = block.locator("s-admin-block > s-stack > s-stack");
    await expect(rows).toHaveCount(advice.variants.length);
    const expected = await expectedRows(page, locale, advice);
    for (const [index, row] of expected.entries()) {
      const shown = rows.nth(index);
      await expect(shown.locator("s-text[type='strong']")).toHaveText(row.title);
      await expect(shown.locator("s-badge")).toHaveText(row.statusText);
      await expect(shown.locator("s-badge")).toHaveAttribute("tone", row.tone);
      await expect(shown.locator(":scope > s-text").nth(0)).toHaveText(`${row.cover} · ${row.stockout} · ${row.reorder}`);
      await expect(shown.locator(":scope > s-text").nth(1)).toHaveText(row.trend);
      // The last week's unusual sales, when the variant had any.
      if (row.unusual) await expect(shown.locator(":scope > s-text[tone='caution']")).toHaveText(row.unusual);
      else await expect(shown.locator(":scope > s-text")).toHaveCount(2);
    }
    if (locale === "en") {
      await screenshot(page, testInfo, "admin-block");
      await expectAccessible(page, BLOCK_FRAME, "the block (ready)");
    }
  }
  expect(errors).toEqual([]);
});

test("an out-of-stock variant shows since when and the sales it loses, not a cover or a stockout date", async ({
  page,
  request,
}, testInfo) => {
  test.setTimeout(FIRST_DATA_TIMEOUT + 120_000);
  await chooseProduct(request, testInfo);
  // Products with nothing in stock (the admin's product list), then the one whose advice says out of stock.
  const list = await (await request.get(`${STORE_PATH}/products`)).text();
  const empty = [...list.matchAll(/data-product-id="(\d+)"[^\n]*\n[^\n]*\n<td class="num">0 in stock for/g)].map((match) => match[1] ?? "");
  const advised = await Promise.all(empty.map(async (id) => ({ id, advice: (await stockAdvice(request, testInfo, id)).body })));
  const found = advised.find(({ advice }) => advice?.variants.some((variant) => variant.outOfStock));
  if (!found?.advice) throw new Error(`no out-of-stock variant among the ${empty.length} products without stock`);
  const index = found.advice.variants.findIndex((variant) => variant.outOfStock);
  expect(found.advice.variants[index]).toMatchObject({ status: "critical", daysOfCover: 0, stockoutDate: null });
  expect(found.advice.currency).toBe("GBP");
  const errors = collectPageErrors(page);
  for (const locale of ["en", "fr"] as const) {
    const block = await openProduct(page, found.id, { locale });
    const rows = block.locator("s-admin-block > s-stack > s-stack");
    await expect(rows).toHaveCount(found.advice.variants.length);
    const row = (await expectedRows(page, locale, found.advice))[index]!;
    expect(row.statusText).toBe(message(locale, "status.outOfStock"));
    const shown = rows.nth(index);
    await expect(shown.locator("s-badge")).toHaveText(row.statusText);
    await expect(shown.locator("s-badge")).toHaveAttribute("tone", "critical");
    await expect(shown.locator(":scope > s-text").nth(0)).toHaveText(`${row.cover} · ${row.stockout} · ${row.reorder}`);
    if (locale === "en") {
      await expect(shown.locator(":scope > s-text").nth(0)).toContainText(
        /^Out of stock since .+ \(estimated\) · Losing £[\d,]+\.\d\d a day · Reorder/,
      );
      await screenshot(page, testInfo, "admin-block-out-of-stock");
      await expectAccessible(page, BLOCK_FRAME, "the block (out of stock)");
    }
  }
  expect(errors).toEqual([]);
});

test("while the app answers, the block shows a labelled spinner", async ({ page, request }, testInfo) => {
  const productId = await chooseProduct(request, testInfo);
  let release: () => void = () => {};
  const answered = new Promise<void>((resolve) => (release = resolve));
  await page.route("**/api/products/*/stock-advice", async (route) => {
    await answered;
    await route.continue();
  });
  const block = await openProduct(page, productId, { locale: "es" });
  await expect(block.getByRole("status", { name: message("es", "loading") })).toBeVisible();
  release();
  await expect(block.locator("s-badge").first()).toBeVisible();
  await expect(block.locator("s-spinner")).toHaveCount(0);
});

test("a product the app has no record of shows the no-data message", async ({ page, request }, testInfo) => {
  expect((await stockAdvice(request, testInfo, UNKNOWN_PRODUCT)).status).toBe(404);
  for (const locale of ["en", "fr"] as const) {
    const block = await openProduct(page, UNKNOWN_PRODUCT, { locale });
    await expect(block.getByText(message(locale, "noData"))).toBeVisible();
    await expect(block.locator("s-badge")).toHaveCount(0);
    await expect(block.getByRole("alert")).toHaveCount(0);
  }
  await expectAccessible(page, BLOCK_FRAME, "the block (no data)");
});

test("a session token the app must refuse: 401, and the block shows its error banner", async ({ page, request }, testInfo) => {
  const productId = await chooseProduct(request, testInfo);
  // What the app answers to such tokens (read here directly; the browser does not let the block read a 401 without CORS headers).
  expect((await stockAdvice(request, testInfo, productId, "invalid-signature")).status).toBe(401);
  expect((await stockAdvice(request, testInfo, productId, "expired")).status).toBe(401);
  for (const [locale, token] of [
    ["en", "invalid-signature"],
    ["es", "expired"],
  ] as const) {
    const block = await openProduct(page, productId, { locale, token });
    await expect(block.getByRole("alert")).toBeVisible();
    await expect(block.locator("s-banner[tone='critical']")).toHaveText(message(locale, "error"));
    await expect(block.locator("s-badge")).toHaveCount(0);
    if (locale === "en") {
      await expectAccessible(page, BLOCK_FRAME, "the block (error)");
      if (testInfo.project.name === "desktop") await screenshot(page, testInfo, "admin-block-error");
    }
  }
});
