import { expect, test } from "@playwright/test";
import { screenshot } from "../support/browser";

// The demo stack (playwright.config.ts webServer) hosts the stand-in admin on the base URL.
const ADMIN_PATH = "/store/hollow-oak-gifts/apps/fluxor";

test("the merchant opens Fluxor in the admin and sees the shop's real details", async ({ page }, testInfo) => {
  await page.goto(ADMIN_PATH);
  const app = page.frameLocator("iframe[name='app-iframe']");
  // While the store syncs the home page is the setup view; once forecasts exist it is the overview.
  const setup = app.getByTestId("shop-name");
  const overview = app.getByTestId("metric-at-risk");
  await expect(setup.or(overview)).toBeVisible({ timeout: 30_000 });
  if (await setup.isVisible()) {
    await expect(setup).toHaveText(/\S+/, { timeout: 30_000 });
    await expect(app.getByTestId("shop-currency")).toHaveText("GBP");
    await expect(app.getByTestId("shop-timezone")).toHaveText("Europe/London");
    await expect(app.getByText("What Fluxor does next")).toBeVisible();
  } else {
    await expect(app.getByRole("heading", { level: 1 })).toHaveText(/\S+/);
    await expect(app.getByTestId("metric-dead-stock")).toHaveText(/£|GBP/);
  }
  await screenshot(page, testInfo, "home");
});
