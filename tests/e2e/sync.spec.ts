import { expect, test } from "@playwright/test";
import { expectAccessible, screenshot } from "../support/browser";

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
  await expect(app.getByRole("heading", { name: "Failed webhooks" })).toBeVisible();
  await expect(app.getByRole("heading", { name: "Recent webhooks" })).toBeVisible();
  await expect(app.getByText(/^bulk_operations\/finish$/).first()).toBeVisible();
  // Nothing scrolls sideways, on a phone either: no element is wider than the box that shows it.
  const sideways = await app
    .locator("body")
    .evaluate(() =>
      [...document.querySelectorAll<HTMLElement>("body *")]
        .filter((el) => el.scrollWidth > el.clientWidth + 1 && /auto|scroll/.test(getComputedStyle(el).overflowX))
        .map((el) => el.className),
    );
  expect(sideways).toEqual([]);
  await expectAccessible(page, "iframe[name='app-iframe']", "sync page");
  await screenshot(page, testInfo, "sync");
});
