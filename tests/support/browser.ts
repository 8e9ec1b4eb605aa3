/**
 * What the Playwright specs share: a full-page screenshot kept with the test's output (and written to
 * docs/screenshots/<name>-<project>.png when FLUXOR_UPDATE_SCREENSHOTS=1), and the accessibility bar (no
 * serious or critical axe violations inside one frame of the page).
 */
import AxeBuilder from "@axe-core/playwright";
import { expect, type Page, type TestInfo } from "@playwright/test";

const UPDATE_SCREENSHOTS = process.env.FLUXOR_UPDATE_SCREENSHOTS === "1";

export async function screenshot(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  await page.screenshot({ path: testInfo.outputPath(`${name}.png`), fullPage: true });
  if (UPDATE_SCREENSHOTS) await page.screenshot({ path: `docs/screenshots/${name}-${testInfo.project.name}.png`, fullPage: true });
}

/** No serious or critical axe violations inside the frame that `frameSelector` finds. */
export async function expectAccessible(page: Page, frameSelector: string, what: string): Promise<void> {
  const results = await new AxeBuilder({ page }).include(frameSelector).analyze();
  const serious = results.violations.filter((violation) => violation.impact === "serious" || violation.impact === "critical");
  const summary = serious.map(
    (violation) => `${violation.id} (${violation.impact}): ${violation.nodes.map((node) => node.target.join(" ")).join(", ")}`,
  );
  expect(summary, `axe on ${what}`).toEqual([]);
}
