import { expect, test, type FrameLocator, type Page } from "@playwright/test";
import { screenshot } from "../support/browser";
import { APP_FRAME } from "../support/vitals";

// The Stripe rail in the browser (decision 0045): the demo's second shop, North Fjord Supply, is a direct contract
// (FLUXOR_STRIPE_RAIL_SHOPS). On its billing page, choosing Pro monthly leaves the admin for the Stripe stand-in's
// hosted Checkout; paying with the 3-D Secure test card and completing the challenge comes back to the billing page,
// where the plan shows once Stripe's signed webhooks are in, with Stripe's invoice and its PDF. Desktop only: the
// flow is the same on a phone, and the shop can subscribe once.

const ADMIN_PATH = "/store/north-fjord-supply/apps/fluxor";
const FIRST_DATA_TIMEOUT = 300_000;

async function openBilling(page: Page): Promise<FrameLocator> {
  await page.goto(`${ADMIN_PATH}/app/billing?locale=en`);
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
  await page.getByTestId("billing-name").fill("North Fjord Supply AS");
  if ((await page.getByTestId("billing-country").count()) > 0) await page.getByTestId("billing-country").selectOption("GB");
  if ((await page.getByTestId("billing-postal-code").count()) > 0) await page.getByTestId("billing-postal-code").fill("EC1A 1BB");
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
});
