/**
 * The operator console's sign-in for the e2e specs (tests/e2e/ops.spec.ts, ops-runs.spec.ts): the sign-in form sent
 * as the demo's operator (tests/demo/stack.ts) in any of the console's languages, and browser contexts in another
 * language signed in with the same session.
 */
import type { Browser, BrowserContext, Page, TestInfo } from "@playwright/test";
import { DEMO_OPERATOR } from "../demo/stack";

/** Fills in and sends the sign-in form on `page` as the demo's operator, with the demo's password unless given another. */
export async function signIn(page: Page, password: string = DEMO_OPERATOR.password): Promise<void> {
  await page.getByLabel(/^(Name|Nombre|Nom)/).fill(DEMO_OPERATOR.user);
  await page.getByLabel(/^(Password|Contraseña|Mot de passe)/).fill(password);
  await page.getByRole("button", { name: /^(Sign in|Iniciar sesión|Se connecter)$/ }).click();
}

/**
 * Opens, for a language, a browser context like the test project's (viewport, user agent, device) in that language
 * (Accept-Language), signed in with the session `page` holds now (read once, here).
 */
export async function signedInContexts(
  browser: Browser,
  page: Page,
  testInfo: TestInfo,
): Promise<(locale: string) => Promise<BrowserContext>> {
  const storageState = await page.context().storageState();
  const { viewport, userAgent, deviceScaleFactor, isMobile, hasTouch } = testInfo.project.use;
  return (locale) => browser.newContext({ viewport, userAgent, deviceScaleFactor, isMobile, hasTouch, locale, storageState });
}
