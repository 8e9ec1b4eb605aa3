import { expect, test } from "@playwright/test";
import { screenshot } from "../support/browser";

// The demo stack (playwright.config.ts webServer) hosts the stand-in admin on the base URL.
const ADMIN_PATH = "/store/hollow-oak-gifts/apps/fluxor";

test("the sync status page shows every phase with its progress, and the webhooks received", async ({ page }, testInfo) => {
  test.setTimeout(300_000);
  await page.goto(`${ADMIN_PATH}/app/sync?locale=en`);
  const app = page.frameLocator("iframe[name='app-iframe']");
  await expect(app.getByRole("heading", { name: "Store sync" })).toBeVisible({ timeout: 60_000 });
  for (const phase of ["locations", "products", "inventory", "orders", "demand", "refunds"]) {
    await expect(app.getByTestId(`phase-${phase}`)).toBeVisible();
  }
  // The page polls while the sync runs: the demand table gets built (the small demo store takes about a minute).
  await expect(app.getByTestId("phase-demand")).toHaveText(/^done/, { timeout: 240_000 });
  await expect(app.getByTestId("phase-orders")).toHaveText(/^done · [\d,]+ rows/);
  await screenshot(page, testInfo, "sync");
});
