import { readFileSync } from "node:fs";
import { expect, test, type FrameLocator, type Page } from "@playwright/test";
import type billingEn from "../../app/i18n/locales/billing/en.json";
import { expectAccessible, screenshot } from "../support/browser";
import { APP_FRAME } from "../support/vitals";
import { demoQuery } from "../support/demo-db";

// The billing page in the stand-in admin (playwright.config.ts webServer: the demo with a fresh database), in English,
// Spanish and French, on the desktop and mobile projects: the current plan (the fresh demo shop's trial), usage
// against the limits with 90 days of history (seeded in SQL in the demo's database and removed afterwards) as a chart,
// a table and a CSV file; the pricing calculator; a coupon's field error; and the approval flow: choosing Pro monthly
// leaves the iframe for the Shopify stand-in's approval page, Approve comes back to the billing page with the plan
// active, and cancelling goes through the churn step (the smaller plan first, then why); then it subscribes again, so
// that the specs after it (and the mobile project's) find the shop with full access — a cancelled shop is read-only
// and starts no forecast run. The approval flow runs once, in the desktop project. Screenshots go to
// docs/screenshots/billing-*.png when FLUXOR_UPDATE_SCREENSHOTS=1.

const SHOP = "hollow-oak-gifts.myshopify.com";
const ADMIN_PATH = "/store/hollow-oak-gifts/apps/fluxor";
const LOCALES = ["en", "es", "fr"] as const;
type Locale = (typeof LOCALES)[number];
type Text = typeof billingEn;
/** The page's words in each language (app/i18n/locales/billing). */
const TEXT = Object.fromEntries(
  LOCALES.map((locale) => [locale, JSON.parse(readFileSync(`app/i18n/locales/billing/${locale}.json`, "utf8")) as Text]),
) as Record<Locale, Text>;

/** The install, the first store sync and the shop's details of a fresh demo database take a minute or two. */
const FIRST_DATA_TIMEOUT = 300_000;
/** Seeded usage days are marked with this creation time, so that only they are removed. */
const SEED_MARK = "2000-01-01T00:00:00Z";
const SEEDED_DAYS = 89;
const HYDRATION = /hydrat|did not match|Minified React error #(418|421|423|425)/i;

test.describe.configure({ mode: "serial" });

/** `template` with its {{placeholders}} filled in. */
function fill(template: string, values: Record<string, string | number>): string {
  return template.replace(/{{\s*(\w+)\s*}}/g, (_, name: string) => String(values[name] ?? `{{${name}}}`));
}

/** A pattern for `template` with every placeholder matching `any` (text around them matched literally). */
function pattern(template: string, values: Record<string, string> = {}): RegExp {
  const parts = template.split(/({{\s*\w+\s*}})/);
  return new RegExp(
    parts
      .map((part) => {
        const name = /^{{\s*(\w+)\s*}}$/.exec(part)?.[1];
        if (name) return values[name] ?? ".+?";
        return part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      })
      .join(""),
  );
}

/** Whether the shop ever had a Shopify subscription (a previous project's run of the approval flow). */
async function subscribedBefore(): Promise<boolean> {
  const [row] = await demoQuery<{ n: number }>(
    `SELECT count(*)::int AS n FROM "BillingEvent" e JOIN "BillingAccount" a ON a.id = e."accountId" JOIN "Shop" s ON s.id = a."shopId"
      WHERE s.domain = $1 AND e.provider = 'shopify'`,
    [SHOP],
  );
  return (row?.n ?? 0) > 0;
}

/** The Shopify charges the shop paid, as the ledger recorded them (one per invoice): the lines of the charges export. */
async function shopifyChargesPaid(): Promise<number> {
  const [row] = await demoQuery<{ n: number }>(
    `SELECT count(DISTINCT e.payload->>'invoiceId')::int AS n
       FROM "BillingEvent" e JOIN "BillingAccount" a ON a.id = e."accountId" JOIN "Shop" s ON s.id = a."shopId"
      WHERE s.domain = $1 AND e.provider = 'shopify' AND e.type = 'invoice_paid'`,
    [SHOP],
  );
  return row?.n ?? 0;
}

/**
 * 89 days of usage before today (the shop's time zone): variants growing towards today's count, orders and a
 * nightly forecast run. Days the billing meter already recorded are left as they are.
 */
async function seedUsage(): Promise<void> {
  const [shop] = await demoQuery<{ id: string; variants: number }>(
    `SELECT s.id, (SELECT count(*)::int FROM "ProductVariant" v WHERE v."shopId" = s.id AND v."deletedAt" IS NULL) AS variants
       FROM "Shop" s WHERE s.domain = $1`,
    [SHOP],
  );
  if (!shop) throw new Error(`${SHOP} is not installed`);
  await demoQuery(
    `INSERT INTO "UsageDay" ("shopId", day, variants, locations, orders, "forecastRuns", "createdAt")
     SELECT $1, (now() AT TIME ZONE coalesce(s."ianaTimezone", 'UTC'))::date - n,
            greatest(1, round($2::int * (0.6 + 0.4 * (($3 - n)::float8 / $3))))::int,
            2, 20 + ((n * 37) % 23) + CASE WHEN n % 7 IN (1, 2) THEN 12 ELSE 0 END, 1, $4::timestamptz
       FROM "Shop" s, generate_series(1, $3) AS n
      WHERE s.id = $1
     ON CONFLICT ("shopId", day) DO NOTHING`,
    [shop.id, Math.max(shop.variants, 40), SEEDED_DAYS, SEED_MARK],
  );
}

async function unseedUsage(): Promise<void> {
  await demoQuery(`DELETE FROM "UsageDay" WHERE "createdAt" = $1::timestamptz AND "shopId" = (SELECT id FROM "Shop" WHERE domain = $2)`, [
    SEED_MARK,
    SHOP,
  ]);
}

async function openBilling(page: Page, locale: Locale): Promise<FrameLocator> {
  await page.goto(`${ADMIN_PATH}/app/billing?locale=${locale}`);
  const app = page.frameLocator(APP_FRAME);
  // A click before hydration would do nothing.
  await expect(app.getByTestId("billing-interactive")).toHaveAttribute("data-interactive", "yes", { timeout: 30_000 });
  return app;
}

/** The page once the shop is installed and synced (the first test of a fresh demo waits for it), with usage seeded. */
async function openSynced(page: Page, locale: Locale): Promise<FrameLocator> {
  let app = page.frameLocator(APP_FRAME);
  await expect(async () => {
    app = await openBilling(page, locale);
    await expect(app.getByTestId("billing-status")).toBeVisible({ timeout: 10_000 });
    const [shop] = await demoQuery<{ variants: number; details: boolean }>(
      `SELECT (SELECT count(*)::int FROM "ProductVariant" v WHERE v."shopId" = s.id AND v."deletedAt" IS NULL) AS variants,
              s."shopInfoSyncedAt" IS NOT NULL AS details
         FROM "Shop" s WHERE s.domain = $1`,
      [SHOP],
    );
    expect(shop?.variants ?? 0).toBeGreaterThan(0);
    expect(shop?.details).toBe(true);
  }).toPass({ timeout: FIRST_DATA_TIMEOUT, intervals: [2_000, 5_000] });
  await seedUsage();
  return openBilling(page, locale);
}

function consoleErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(message.text());
  });
  page.on("pageerror", (error) => errors.push(error.message));
  return errors;
}

test.afterAll(async () => {
  await unseedUsage();
});

for (const locale of LOCALES) {
  test(`billing page: plan, status, usage and history, plans, invoices (${locale})`, async ({ page }, testInfo) => {
    test.setTimeout(FIRST_DATA_TIMEOUT + 120_000);
    const text = TEXT[locale];
    const errors = consoleErrors(page);
    const app = await openSynced(page, locale);
    const mobile = testInfo.project.name === "mobile";

    await expect(app.getByRole("heading", { level: 1, name: text.title })).toBeVisible();
    // The app's navigation, in the admin's sidebar (hidden on a phone).
    if (!mobile) await expect(page.locator("#app-nav")).toContainText(text.nav);

    // The current plan: the fresh demo shop's trial (14 days from the install, 13 once a day has begun to pass), or
    // the subscription the approval flow of an earlier project's run cancelled.
    const status = app.getByTestId("billing-status");
    if (await subscribedBefore()) {
      // The desktop project's approval flow cancelled, then subscribed again.
      await expect(status).toContainText(text.status.active);
    } else {
      await expect(status).toContainText(text.status.trial);
      await expect(app.getByTestId("billing-days-left")).toHaveText(pattern(text.daysLeft_other, { count: "1[34]" }));
      await expect(app.getByTestId("billing-plan")).toHaveText(fill(text.current.trialPlan, { plan: text.plans.pro }));
      await expect(app.getByTestId("billing-trial-carry")).toBeVisible();
    }

    // Usage against the limits, and the last 90 days as a chart, a summary and (on request) a table.
    const usage = app.getByTestId("billing-usage");
    await expect(usage).toContainText(text.usage.variants);
    await expect(app.getByTestId("meter-variants")).toHaveText(/\d/);
    await expect(usage.getByRole("progressbar")).toHaveCount(2);
    await expect(app.getByTestId("billing-history-summary")).toHaveText(pattern(text.history.summary));
    // Variants against orders, and the forecast runs on their own scale below.
    const chart = app.getByTestId("billing-history-chart");
    await expect(chart.locator(".recharts-wrapper > svg")).toHaveCount(2);
    await expect(chart.locator(".recharts-line")).toHaveCount(1);
    await expect(chart.locator(".recharts-bar")).toHaveCount(2);
    await app.getByRole("button", { name: text.history.showTable }).click();
    const table = app.getByTestId("billing-history-table");
    await expect(table).toContainText(pattern(text.history.todaySoFar));
    if (!mobile) await expect(table.locator("tbody tr")).toHaveCount(SEEDED_DAYS + 1);
    await app.getByRole("button", { name: text.history.hideTable }).click();
    await expect(table).toHaveCount(0);

    // Three plans, one recommended for the store's usage; charges are Shopify's.
    for (const plan of ["starter", "pro", "enterprise"] as const)
      await expect(app.getByTestId(`plan-${plan}`)).toContainText(text.plans[plan]);
    await expect(app.getByTestId("billing-plans").getByText(text.picker.recommended, { exact: true })).toHaveCount(1);
    // The shop's currency is GBP: the USD prices come with an approximate amount in pounds.
    await expect(app.getByTestId("plan-pro")).toContainText(/≈[^\n]*(£|GBP)/);
    const charges = app.locator("#shopify-charges");
    await expect(charges).toHaveText(text.invoices.shopifyLink);
    await expect(charges).toHaveAttribute("href", /\/store\/hollow-oak-gifts\/settings\/billing$/);
    // The charges export, explained beside it: what Fluxor recorded from Shopify.
    await expect(app.locator("#export-invoices")).toHaveText(text.invoices.exportCharges);
    await expect(app.getByTestId("billing-invoices")).toContainText(text.invoices.exportChargesHelp);

    // Billing details: Shopify's, for the store as a whole (one sentence and the way to the store's billing settings).
    const details = app.getByTestId("billing-details");
    await expect(details.getByRole("heading", { level: 2, name: text.details.title })).toBeVisible();
    await expect(details).toContainText(text.details.shopify);
    const settings = details.locator("#shopify-billing-settings");
    await expect(settings).toHaveText(text.details.shopifyLink);
    await expect(settings).toHaveAttribute("href", /\/store\/hollow-oak-gifts\/settings\/billing$/);
    await expect(settings).toHaveAttribute("target", "_top");
    // Nothing of the Stripe rail's card.
    await expect(details.locator("#billing-details-edit")).toHaveCount(0);
    await expect(details.getByTestId("billing-details-email")).toHaveCount(0);

    if (locale === "en") {
      // The pointer away from the charts (no tooltip open), the page from its top.
      await page.mouse.move(0, 0);
      await app.locator("body").evaluate(() => window.scrollTo(0, 0));
      await screenshot(page, testInfo, "billing");
      await chart.evaluate((figure) => figure.scrollIntoView({ block: "center" }));
      await screenshot(page, testInfo, "billing-usage");
      await expectAccessible(page, APP_FRAME, "billing");

      // The usage export: the seeded days and today so far.
      const download = page.waitForEvent("download");
      await app.locator("#export-usage").click();
      const file = await download;
      expect(file.suggestedFilename()).toMatch(/^fluxor-usage-\d{4}-\d{2}-\d{2}\.csv$/);
      const [header, ...rows] = readFileSync((await file.path()) ?? "", "utf8")
        .trim()
        .split(/\r?\n/);
      expect(header).toBe("day,variants,locations,orders,forecast_runs,day_complete");
      expect(rows.length).toBe(SEEDED_DAYS + 1);
      expect(rows.at(-1)).toMatch(/^\d{4}-\d{2}-\d{2},\d+,\d+,\d+,\d+,false$/);

      // The billing details card, and the charges export: one line per paid period Fluxor recorded from Shopify.
      await details.evaluate((card) => card.scrollIntoView({ block: "center" }));
      await screenshot(page, testInfo, "billing-details");
      const chargesDownload = page.waitForEvent("download");
      await app.locator("#export-invoices").click();
      const chargesFile = await chargesDownload;
      expect(chargesFile.suggestedFilename()).toMatch(/^fluxor-invoices-\d{4}-\d{2}-\d{2}\.csv$/);
      const [chargesHeader, ...chargeRows] = readFileSync((await chargesFile.path()) ?? "", "utf8")
        .trim()
        .split(/\r?\n/);
      expect(chargesHeader).toBe("date,period_start,period_end,plan,interval,amount,currency");
      expect(chargeRows.length).toBe(await shopifyChargesPaid());
      for (const row of chargeRows)
        expect(row).toMatch(
          /^\d{4}-\d{2}-\d{2},\d{4}-\d{2}-\d{2},\d{4}-\d{2}-\d{2},(starter|pro|enterprise)?,(monthly|annual)?,-?[\d.]+,USD$/,
        );
      await expect(app.getByTestId("billing-invoices").getByText(text.invoices.exportFailed)).toHaveCount(0);
    }
    expect(errors.filter((error) => HYDRATION.test(error))).toEqual([]);
  });
}

test("pricing calculator, annual prices and a coupon's field error", async ({ page }, testInfo) => {
  test.setTimeout(FIRST_DATA_TIMEOUT + 60_000);
  const text = TEXT.en;
  const errors = consoleErrors(page);
  const app = await openSynced(page, "en");
  const result = app.getByTestId("billing-calculator-result");

  // 5 000 variants in 3 locations: Pro. More locations than Pro has: Enterprise. More than Enterprise: a contract.
  await app.locator("#calc-locations").fill("3");
  await app.locator("#calc-variants").fill("5 000");
  await expect(app.getByTestId("billing-calculator-plan")).toHaveText(text.plans.pro);
  await expect(result).toContainText("79");
  // The plan card the numbers fit is marked (unless it is already the one recommended for the store).
  const marked = new RegExp(`${pattern(text.picker.fits).source}|${pattern(text.picker.recommended).source}`);
  await expect(app.getByTestId("plan-pro")).toContainText(marked);
  await app.locator("#calc-variants").fill("500");
  await app.locator("#calc-locations").fill("1");
  await expect(app.getByTestId("billing-calculator-plan")).toHaveText(text.plans.starter);
  await expect(app.getByTestId("plan-starter")).toContainText(marked);
  await app.locator("#calc-variants").fill("5000");
  await app.locator("#calc-locations").fill("11");
  await expect(app.getByTestId("billing-calculator-plan")).toHaveText(text.plans.enterprise);
  await app.locator("#calc-variants").fill("250000");
  await expect(result).toHaveText(fill(text.calculator.tooBig, { plan: text.plans.enterprise }));
  await app.locator("#calc-variants").fill("lots");
  await expect(app.getByText(text.calculator.invalid)).toBeVisible();
  await app.locator("#calc-variants").fill("5000");
  await app.locator("#calc-locations").fill("3");
  await expect(app.getByTestId("billing-calculator-plan")).toHaveText(text.plans.pro);

  // Annual: two months free, shown as the saving.
  await app.locator("#interval-annual").click();
  await expect(app.locator("#interval-annual")).toHaveAttribute("aria-pressed", "true");
  await expect(app.getByTestId("plan-pro-price")).toContainText("790");
  await expect(app.getByTestId("plan-pro")).toContainText(pattern(text.picker.annualSaving));
  await expect(result).toContainText(pattern(text.calculator.annualDetail));
  await app.getByTestId("billing-calculator").evaluate((box) => box.scrollIntoView({ block: "start" }));
  await screenshot(page, testInfo, "billing-plans");
  await app.locator("#interval-monthly").click();

  // A coupon that does not exist: its field error, and no trip to Shopify.
  await app.locator("#coupon").fill("NOPE10");
  // Enterprise: never the shop's plan here (Pro is, once the desktop project's approval flow has run).
  await app.locator("#choose-enterprise").click();
  await expect(app.getByText(text.errors.coupon.unknown)).toBeVisible();
  await expect(app.locator("#coupon")).toHaveAttribute("aria-invalid", "true");
  expect(page.url()).toContain(ADMIN_PATH);
  expect(page.url()).not.toContain("RecurringApplicationCharge");
  expect(errors.filter((error) => HYDRATION.test(error))).toEqual([]);
});

test("approval flow: choose Pro monthly, approve at Shopify, back with the plan active; cancel through the churn step", async ({
  page,
}, testInfo) => {
  // Once per demo shop: it ends subscribed, so the specs after it find the shop with full access.
  test.skip(testInfo.project.name !== "desktop", "one subscription life per demo shop");
  test.setTimeout(FIRST_DATA_TIMEOUT + 120_000);
  const text = TEXT.en;
  let app = await openSynced(page, "en");

  // Choose: the app leaves the iframe for Shopify's approval page (top level).
  await app.locator("#interval-monthly").click();
  await app.locator("#choose-pro").click();
  await page.waitForURL(/\/RecurringApplicationCharge\/confirm_recurring_application_charge\?signature=/);
  await expect(page.getByTestId("charge-name")).toContainText("Fluxor Pro (monthly)");
  await expect(page.getByTestId("charge-price")).toContainText("79.00 USD");
  await expect(page.getByTestId("charge-interval")).toHaveText("every 30 days");
  await expect(page.getByTestId("charge-usage")).toContainText("90.00 USD");
  await screenshot(page, testInfo, "billing-approval");

  // Approve: back in the admin, on the billing page, which records the approval.
  await page.getByTestId("charge-approve").click();
  await page.waitForURL(/\/store\/hollow-oak-gifts\/apps\/[^/]+\/app\/billing/);
  app = page.frameLocator(APP_FRAME);
  await expect(app.getByTestId("billing-interactive")).toHaveAttribute("data-interactive", "yes", { timeout: 30_000 });
  await expect(app.getByTestId("billing-returned")).toHaveText(fill(text.returned.approved, { plan: text.plans.pro }));
  await expect(app.getByTestId("billing-status")).toContainText(text.status.active);
  await expect(app.getByTestId("billing-plan")).toHaveText(text.plans.pro);
  await expect(app.getByTestId("billing-price")).toContainText(pattern(text.per.monthly));
  await expect(app.getByTestId("billing-next-charge")).toContainText(/79/);
  await expect(app.locator("#choose-pro")).toBeDisabled();
  await screenshot(page, testInfo, "billing-active");

  // Cancel: first the smaller plan, and what cancelling means on Shopify (no pause; the data stays, read-only). The
  // approval's toast has gone first (it would cover the dialog's buttons on a phone).
  await expect(page.locator("#toasts .toast")).toHaveCount(0);
  await app.locator("#billing-cancel").click();
  await expect(app.getByTestId("cancel-step-offer")).toBeVisible();
  await expect(app.getByTestId("cancel-offer")).toContainText(fill(text.cancel.offerTitle, { plan: text.plans.starter }));
  await expect(app.getByTestId("cancel-no-pause")).toHaveText(text.cancel.noPause);
  await expect(app.getByRole("button", { name: fill(text.cancel.switch, { plan: text.plans.starter }) })).toBeVisible();
  await screenshot(page, testInfo, "billing-cancel");
  await app.getByRole("button", { name: text.cancel.continue }).click();

  // Then why, before confirming.
  await expect(app.getByTestId("cancel-step-reason")).toBeVisible();
  const confirm = app.locator("#cancel-confirm");
  await expect(confirm).toHaveText(text.cancel.confirm);
  await expect(confirm).toBeDisabled();
  await app.getByText(text.cancel.reasons.too_expensive).click();
  await app.locator("#cancel-feedback").fill("Seasonal shop: back in spring.");
  await screenshot(page, testInfo, "billing-cancel-reason");
  await confirm.click();
  await expect(page.locator("#toasts")).toContainText(text.toast.cancelled);
  await expect(app.getByTestId("cancel-step-reason")).toHaveCount(0);
  await expect(app.getByTestId("billing-status")).toContainText(text.status.cancelled);
  await expect(app.getByTestId("billing-status-detail")).toContainText(text.statusDetail.cancelled);
  await expect(app.locator("#billing-cancel")).toHaveCount(0);
  // The approval's notice is gone, and the return is not recorded (nor announced) again when the data reloads.
  await expect(app.getByTestId("billing-returned")).toHaveCount(0);
  expect(await app.locator("body").evaluate(() => window.location.search)).not.toContain("charge_id");

  // Subscribe again: a cancelled shop is read-only (no forecast runs), and the specs after this one use the demo shop.
  await app.locator("#interval-monthly").click();
  await app.locator("#choose-pro").click();
  await page.waitForURL(/\/RecurringApplicationCharge\/confirm_recurring_application_charge\?signature=/);
  await page.getByTestId("charge-approve").click();
  await page.waitForURL(/\/store\/hollow-oak-gifts\/apps\/[^/]+\/app\/billing/);
  app = page.frameLocator(APP_FRAME);
  await expect(app.getByTestId("billing-status")).toContainText(text.status.active, { timeout: 30_000 });
});
