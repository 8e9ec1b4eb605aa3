import { readFileSync } from "node:fs";
import { expect, test, type FrameLocator, type Page } from "@playwright/test";
import type billingEn from "../../app/i18n/locales/billing/en.json";
import { expectAccessible, screenshot } from "../support/browser";
import { APP_FRAME } from "../support/vitals";
import { demoQuery } from "../support/demo-db";

// The Stripe rail in the browser (decision 0045): the demo's second shop, North Fjord Supply, is a direct contract
// (FLUXOR_STRIPE_RAIL_SHOPS). On its billing page, choosing Pro monthly leaves the admin for the Stripe stand-in's
// hosted Checkout; paying with the 3-D Secure test card and completing the challenge comes back to the billing page,
// where the plan shows once Stripe's signed webhooks are in, with Stripe's invoice and its PDF, the billing details
// Stripe holds for the customer (given at Checkout: the business name, the address and a UK VAT number) in English,
// Spanish and French, the invoices CSV, and the way to change them in Stripe's billing portal. Desktop only: the
// flow is the same on a phone, and the shop can subscribe once.

const SHOP = "north-fjord-supply.myshopify.com";
const ADMIN_PATH = "/store/north-fjord-supply/apps/fluxor";
const FIRST_DATA_TIMEOUT = 300_000;
const LOCALES = ["en", "es", "fr"] as const;
type Locale = (typeof LOCALES)[number];
/** The page's words in each language (app/i18n/locales/billing). */
const TEXT = Object.fromEntries(
  LOCALES.map((locale) => [locale, JSON.parse(readFileSync(`app/i18n/locales/billing/${locale}.json`, "utf8")) as typeof billingEn]),
) as Record<Locale, typeof billingEn>;
/** What the spec gives at Checkout: the business's name, its UK VAT number (the stand-in verifies it) and address. */
const BUSINESS = "North Fjord Supply AS";
const VAT = "GB123456789";
const POSTAL_CODE = "EC1A 1BB";

/** The shop's email: Fluxor gives it to the Stripe customer it creates, and Checkout keeps it. */
async function shopEmail(): Promise<string | null> {
  const rows = await demoQuery<{ email: string | null }>(`SELECT email FROM "Shop" WHERE domain = $1`, [SHOP]);
  return rows[0]?.email ?? null;
}

async function openBilling(page: Page, locale: Locale = "en"): Promise<FrameLocator> {
  await page.goto(`${ADMIN_PATH}/app/billing?locale=${locale}`);
  const app = page.frameLocator(APP_FRAME);
  await expect(app.getByTestId("billing-interactive")).toHaveAttribute("data-interactive", "yes", { timeout: 30_000 });
  return app;
}

test("Stripe rail: choose Pro, pay in the hosted Checkout with 3-D Secure, back with the plan and Stripe's invoice", async ({
  page,
}, testInfo) => {
  test.skip(testInfo.project.name !== "desktop", "one subscription per shop: the desktop project runs it");
  test.setTimeout(FIRST_DATA_TIMEOUT + 120_000);
  let app = page.frameLocator(APP_FRAME);
  await expect(async () => {
    app = await openBilling(page);
    await expect(app.getByTestId("billing-status")).toBeVisible({ timeout: 10_000 });
  }).toPass({ timeout: FIRST_DATA_TIMEOUT, intervals: [2_000, 5_000] });

  await app.locator("#interval-monthly").click();
  await app.locator("#choose-pro").click();
  // Stripe's hosted Checkout, in the top window.
  await page.waitForURL(/\/c\/pay\/cs_test_/);
  await page.getByTestId("card-number").fill("4000 0027 6000 3184");
  await page.getByTestId("card-expiry").fill("12 / 34");
  await page.getByTestId("card-cvc").fill("123");
  await page.getByTestId("billing-name").fill("Ingrid Berg");
  if ((await page.getByTestId("billing-country").count()) > 0) await page.getByTestId("billing-country").selectOption("GB");
  if ((await page.getByTestId("billing-postal-code").count()) > 0) await page.getByTestId("billing-postal-code").fill(POSTAL_CODE);
  // Fluxor asks Checkout to collect tax ids: buying as a business, with a UK VAT number.
  await page.getByTestId("business-name").fill(BUSINESS);
  await page.getByTestId("tax-id-type").selectOption("gb_vat");
  await page.getByTestId("tax-id-value").fill(VAT);
  await screenshot(page, testInfo, "billing-stripe-checkout");
  await page.getByTestId("submit").click();
  // The card asks for 3-D Secure.
  await page.getByTestId("complete-authentication").click();
  await page.waitForURL(/\/store\/north-fjord-supply\/apps\/[^/]+\/app\/billing/);

  // The webhooks bring the subscription into the ledger: the page shows Pro, and Stripe's invoice with its PDF.
  await expect(async () => {
    app = await openBilling(page);
    await expect(app.getByTestId("billing-plan")).toHaveText("Pro", { timeout: 5_000 });
  }).toPass({ timeout: 60_000, intervals: [1_000, 2_000] });
  const invoices = app.getByTestId("stripe-invoices");
  await expect(invoices).toBeVisible();
  await expect(invoices.getByRole("link", { name: "Download PDF" }).first()).toHaveAttribute("href", /^http:\/\/127\.0\.0\.1:\d+\//);
  await screenshot(page, testInfo, "billing-stripe");

  // The invoices export: Stripe's invoices, the one Checkout made among them (the first in the page's table too).
  const text = TEXT.en;
  await expect(app.locator("#export-invoices")).toHaveText(text.invoices.export);
  const download = page.waitForEvent("download");
  await app.locator("#export-invoices").click();
  const file = await download;
  expect(file.suggestedFilename()).toMatch(/^fluxor-invoices-\d{4}-\d{2}-\d{2}\.csv$/);
  const [header, ...rows] = readFileSync((await file.path()) ?? "", "utf8")
    .trim()
    .split(/\r?\n/);
  expect(header).toBe("number,date,period_start,period_end,status,subtotal,discount,tax,total,currency,amount_paid,pdf_url");
  expect(rows.length).toBeGreaterThanOrEqual(1);
  const day = /^\d{4}-\d{2}-\d{2}$/;
  for (const row of rows) {
    const [number, date, start, end, status, subtotal, discount, tax, total, currency, paid, pdf, ...rest] = row.split(",");
    expect(rest, row).toEqual([]);
    expect(number, row).toMatch(/\S/);
    for (const value of [date, start, end]) expect(value, row).toMatch(day);
    expect(status, row).toMatch(/^(paid|open|draft|void|uncollectible)$/);
    for (const value of [subtotal, discount, tax, total, paid]) expect(value, row).toMatch(/^-?\d+(\.\d+)?$/);
    expect(currency, row).toMatch(/^[A-Z]{3}$/);
    expect(pdf, row).toMatch(/^(http:\/\/127\.0\.0\.1:\d+\/\S+)?$/);
  }
  const first = rows[0]!.split(",")[0]!;
  await expect(invoices.locator("tbody tr").first()).toContainText(first);
  await expect(app.getByTestId("billing-invoices").getByText(text.invoices.exportFailed)).toHaveCount(0);

  // Billing details: what Stripe holds for the customer, as given at Checkout (the business name before the name on
  // the card), with the shop's email Fluxor created the customer with.
  const email = await shopEmail();
  for (const locale of LOCALES) {
    const words = TEXT[locale];
    if (locale !== "en") app = await openBilling(page, locale);
    const details = app.getByTestId("billing-details");
    await expect(details.getByRole("heading", { level: 2, name: words.details.title })).toBeVisible();
    await expect(details).toContainText(words.details.stripe);
    await expect(details).toContainText(words.details.email);
    await expect(details).toContainText(words.details.address);
    await expect(details.getByRole("heading", { level: 3, name: words.details.taxIds })).toBeVisible();
    await expect(details.getByTestId("billing-details-email")).toContainText(email ?? words.details.notSet);
    await expect(details.getByTestId("billing-details-name")).toContainText(BUSINESS);
    const address = details.getByTestId("billing-details-address");
    await expect(address).toContainText(POSTAL_CODE);
    const country = new Intl.DisplayNames([locale], { type: "region" }).of("GB")!;
    await expect(address).toContainText(country);
    const taxIds = details.getByTestId("billing-details-tax-ids");
    await expect(taxIds.getByRole("listitem")).toHaveCount(1);
    await expect(taxIds).toContainText(`GB VAT ${VAT}`);
    await expect(taxIds).toContainText(words.details.verification.verified);
    await expect(details.getByText(words.details.noTaxId)).toHaveCount(0);
    await expect(details.locator("#billing-details-edit")).toHaveText(words.details.edit);
    await expect(app.locator("#export-invoices")).toHaveText(words.invoices.export);
    // Nothing of the Shopify rail's card.
    await expect(details.locator("#shopify-billing-settings")).toHaveCount(0);
    if (locale === "en") {
      await details.evaluate((card) => card.scrollIntoView({ block: "center" }));
      await screenshot(page, testInfo, "billing-stripe-details");
      await expectAccessible(page, APP_FRAME, "billing, Stripe rail");
    }
  }

  // "Edit in the billing portal": the app leaves the admin for Stripe's portal, which shows the same details; its
  // return link comes back to the billing page.
  app = await openBilling(page);
  await app.locator("#billing-details-edit").click();
  await page.waitForURL(/\/p\/session\//);
  if (email) await expect(page.getByTestId("billing-email")).toHaveValue(email);
  await expect(page.getByTestId("tax-id")).toContainText(VAT);
  await page.getByTestId("return").click();
  await page.waitForURL(/\/store\/north-fjord-supply\/apps\/[^/]+\/app\/billing/);
  app = page.frameLocator(APP_FRAME);
  await expect(app.getByTestId("billing-plan")).toHaveText("Pro", { timeout: 30_000 });
});
