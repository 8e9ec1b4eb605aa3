import { execFile } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { promisify } from "node:util";
import { expect, test, type APIRequestContext, type Page, type TestInfo } from "@playwright/test";
import type alertsEn from "../../app/i18n/locales/alerts/en.json";
import { APP_FRAME } from "../support/vitals";
import { DEMO_DATABASE_URL, demoQuery } from "../support/demo-db";

// Every kind of email the app sends, in the demo's inbox (the Resend stand-in, tests/mocks/resend/inbox.ts), each
// brought about through the app's own paths on the demo (playwright.config.ts webServer, a fresh database):
// - the immediate alert of each type: a failed forecast run (forecast_failed), then a manual run evaluated against
//   immediate rules of every product alert type for one location and vendor, chosen so that each finds a few
//   variants (tests/support/email-inbox-steps.ts, run with tsx: the app's modules on the demo's database);
// - the daily and weekly digests and the weekly summary: `npm run alerts:tick -- --at <the shop's next weekly send>`;
// - the recipient confirmation and the test email: the alert settings page (save with a new recipient, "send me a
//   test"), whose web process holds the secret that signs their links.
// The desktop project makes them; the mobile project finds them there. Then each email is opened in the inbox at
// 1280 px (desktop) and on a Pixel 7 (mobile) and checked: the shop's language, the text part, the unsubscribe
// headers and links, the calls to action. Screenshots: docs/screenshots/inbox-<type>-<project>.png when
// FLUXOR_UPDATE_SCREENSHOTS=1 (clock-dependent text masked, phone shots at CSS pixels to stay small).

const PORT = Number(process.env.FLUXOR_E2E_PORT ?? 4310);
/** The Resend stand-in's inbox (base port + 4, tests/demo/stack.ts); the demo's database is tests/support/demo-db.ts. */
const INBOX = `http://127.0.0.1:${PORT + 4}/inbox`;
const ADMIN = `http://127.0.0.1:${PORT}`;
const SHOP = "hollow-oak-gifts.myshopify.com";
const ADMIN_PATH = "/store/hollow-oak-gifts/apps/fluxor";
/** The new recipient the settings page is saved with: it receives the confirmation email. */
const NEW_RECIPIENT = "stock-team@hollow-oak-gifts.test";
/** What the failed run's email reports (tests/support/email-inbox-steps.ts): marks the emails of this spec's doing. */
const FAILURE_MARK = "tests/e2e/email-inbox.spec.ts";
const UPDATE_SCREENSHOTS = process.env.FLUXOR_UPDATE_SCREENSHOTS === "1";

/** The store sync, the first forecast run and the first alert of a fresh demo database take a minute or two. */
const FIRST_ALERT_TIMEOUT = 300_000;
/** Emails wait in the one email queue, paced to Resend's 2 requests a second, behind whatever else is queued. */
const INBOX_TIMEOUT = 180_000;

const PRODUCT_TYPES = ["out_of_stock", "stockout_predicted", "reorder_point", "low_stock", "dead_stock"] as const;
const TYPES = [
  ...PRODUCT_TYPES,
  "forecast_failed",
  "digest_daily",
  "digest_weekly",
  "weekly_summary",
  "recipient_confirmation",
  "test",
] as const;
type EmailType = (typeof TYPES)[number];
type Locale = "en" | "es" | "fr";

test.describe.configure({ mode: "serial" });

// ---------------------------------------------------------------------------------------------------------------
// The inbox's API and what each email is

interface InboxMessage {
  id: string;
  to: string[];
  subject: string;
  html: string;
  text: string;
  headers: Record<string, string>;
  tags: { name: string; value: string }[];
  created_at: string;
  /** The app's idempotency key of the email (its log, by the `message` tag): Resend saw a batch's key for digests. */
  key: string;
}

const tag = (m: Pick<InboxMessage, "tags">, name: string) => m.tags.find((t) => t.name === name)?.value ?? "";

/** Everything in the inbox, newest first. */
async function inbox(request: APIRequestContext): Promise<InboxMessage[]> {
  const response = await request.get(`${INBOX}/api/messages`);
  expect(response.ok()).toBe(true);
  const messages = ((await response.json()) as { messages: Omit<InboxMessage, "key">[] }).messages;
  const ids = messages.map((m) => tag(m, "message")).filter((id) => /^[0-9a-f-]{36}$/.test(id));
  const keys = new Map(
    (
      await demoQuery<{ id: string; key: string }>(
        `SELECT id::text, "idempotencyKey" AS key FROM "EmailMessage" WHERE id = ANY($1::uuid[])`,
        [ids],
      )
    ).map((row) => [row.id, row.key]),
  );
  return messages.map((m) => ({ ...m, key: keys.get(tag(m, "message")) ?? "" }));
}

/** Which of the types an email is (by the tags and idempotency key the app sends it with), or null. */
function typeOf(m: InboxMessage): EmailType | null {
  const kind = tag(m, "kind");
  const template = tag(m, "template");
  if (kind === "alert") return PRODUCT_TYPES.find((type) => template.startsWith(`${type}_`)) ?? null;
  if (kind === "operator" && template.startsWith("forecast_failed_")) return "forecast_failed";
  if (kind === "digest") return /:daily:/.test(m.key) ? "digest_daily" : /:weekly:/.test(m.key) ? "digest_weekly" : null;
  if (kind === "summary") return "weekly_summary";
  if (kind === "confirm") return "recipient_confirmation";
  if (kind === "test") return "test";
  return null;
}

/**
 * The newest email of each type to its recipient made since this spec's failed run (the first thing it causes, after
 * pinning the emails' language), so emails the demo sent before, in whatever language, are not taken for its own.
 */
function chosen(messages: InboxMessage[], shop: Pick<ShopState, "email" | "locale">): Partial<Record<EmailType, InboxMessage>> {
  const anchor = messages.filter((m) => typeOf(m) === "forecast_failed" && m.text.includes(FAILURE_MARK)).at(-1);
  if (!anchor) return {};
  const found: Partial<Record<EmailType, InboxMessage>> = {};
  // Newest first: the first of each type wins.
  for (const m of messages) {
    const type = typeOf(m);
    if (!type || found[type] || m.created_at < anchor.created_at) continue;
    // Only those in the shop's language: the demo's own digest tick may have sent a summary while a spec after this
    // one had the admin in Spanish (its pin is lifted in afterAll), and that newer one must not stand for this run's.
    if (!m.html.includes(`lang="${shop.locale}"`)) continue;
    const to = type === "recipient_confirmation" ? NEW_RECIPIENT : shop.email;
    if (m.to.includes(to)) found[type] = m;
  }
  return found;
}

const missing = (found: Partial<Record<EmailType, unknown>>, types: readonly EmailType[]) => types.filter((type) => !found[type]);

// ---------------------------------------------------------------------------------------------------------------
// The app's paths

const run = promisify(execFile);

/** A step of tests/support/email-inbox-steps.ts (the app's modules, with tsx) on the demo's database. */
async function step<T>(name: string, ...args: string[]): Promise<T> {
  const { stdout } = await run("npx", ["tsx", "tests/support/email-inbox-steps.ts", name, SHOP, ...args], {
    env: { ...process.env, DATABASE_URL: DEMO_DATABASE_URL },
    timeout: 120_000,
  });
  return JSON.parse(stdout.trim().split("\n").at(-1)!) as T;
}

interface ShopState {
  shopId: string;
  email: string;
  locale: Locale;
  timeZone: string;
  tickAt: string;
}

/** The alert settings page's words (app/i18n/locales/alerts/en.json): the page is opened in English. */
const ALERTS_TEXT = JSON.parse(readFileSync("app/i18n/locales/alerts/en.json", "utf8")) as typeof alertsEn;

async function openAlertSettings(page: Page) {
  await page.goto(`${ADMIN_PATH}/app/alerts?locale=en`);
  const app = page.frameLocator(APP_FRAME);
  // Typing before the form hydrates would be lost (React renders the loader's values over it).
  await expect(app.getByTestId("alerts-interactive")).toHaveAttribute("data-interactive", "yes", { timeout: 60_000 });
  return app;
}

/** The app's log: emails of these types it gave up on lately (refused by Resend, or content that does not validate). */
async function failedEmails(shopId: string, types: readonly EmailType[]): Promise<string[]> {
  const rows = await demoQuery<{ kind: string; alertType: string | null; error: string | null }>(
    `SELECT kind, "alertType", error FROM "EmailMessage" WHERE "shopId" = $1 AND status = 'failed' AND "createdAt" > now() - interval '1 hour'`,
    [shopId],
  );
  const kindOf: Record<EmailType, string> = {
    ...(Object.fromEntries(PRODUCT_TYPES.map((type) => [type, `alert/${type}`])) as Record<(typeof PRODUCT_TYPES)[number], string>),
    forecast_failed: "operator/forecast_failed",
    digest_daily: "digest/",
    digest_weekly: "digest/",
    weekly_summary: "summary/",
    recipient_confirmation: "confirm/",
    test: "test/",
  };
  const wanted = new Set(types.map((type) => kindOf[type]));
  return rows.filter((r) => wanted.has(`${r.kind}/${r.alertType ?? ""}`)).map((r) => `${r.kind}/${r.alertType ?? ""}: ${r.error}`);
}

/** Until every type is in the inbox; an email the app gave up on fails at once, with its error. */
async function waitForTypes(request: APIRequestContext, shop: ShopState, types: readonly EmailType[]): Promise<void> {
  const deadline = Date.now() + INBOX_TIMEOUT;
  for (;;) {
    const left = missing(chosen(await inbox(request), shop), types);
    if (left.length === 0) return;
    const failed = await failedEmails(shop.shopId, left);
    if (failed.length > 0) throw new Error(`the app could not send ${left.join(", ")}:\n${failed.join("\n")}`);
    if (Date.now() > deadline) throw new Error(`not in the inbox after ${INBOX_TIMEOUT / 1000} s: ${left.join(", ")}`);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}

/** The emails' language before the `rules` step pinned it (`none`: they followed the admin's); unset until it runs. */
let localeBefore: string | undefined;

/** Brings every missing type about, in the order the app needs: the failed run, the alerts, the digests, the page's emails. */
async function ensureEveryEmail(page: Page, request: APIRequestContext): Promise<ShopState> {
  // The demo's own first alert: the store is synced and its first run published and evaluated.
  await expect
    .poll(async () => (await inbox(request)).some((m) => typeOf(m) === "out_of_stock"), {
      timeout: FIRST_ALERT_TIMEOUT,
      intervals: [2_000],
    })
    .toBe(true);
  let state = await step<ShopState>("state");
  if (!chosen(await inbox(request), state).forecast_failed) {
    // The failed run first: its email is the anchor that later emails are counted from. The rules after it, so that
    // whichever run publishes next (the store sync's, or the one asked for below) sends the product alerts after it.
    await step("fail");
    await waitForTypes(request, state, ["forecast_failed"]);
    localeBefore = (await step<{ localeBefore: string }>("rules")).localeBefore;
    state = await step<ShopState>("state");
  }
  if (missing(chosen(await inbox(request), state), PRODUCT_TYPES).length > 0) {
    await step("forecast");
    await waitForTypes(request, state, PRODUCT_TYPES);
  }
  const periodic = ["digest_daily", "digest_weekly", "weekly_summary"] as const;
  if (missing(chosen(await inbox(request), state), periodic).length > 0) {
    await run("npm", ["run", "-s", "alerts:tick", "--", "--at", state.tickAt], {
      env: { ...process.env, DATABASE_URL: DEMO_DATABASE_URL },
      timeout: 120_000,
    });
    await waitForTypes(request, state, periodic);
  }
  let found = chosen(await inbox(request), state);
  if (!found.recipient_confirmation) {
    const app = await openAlertSettings(page);
    await app.locator("#add-recipient").fill(NEW_RECIPIENT);
    await app.getByRole("button", { name: ALERTS_TEXT.recipients.add, exact: true }).click();
    await expect(app.getByTestId("recipient-row").filter({ hasText: NEW_RECIPIENT })).toContainText(ALERTS_TEXT.recipients.new);
    await app.locator("#save-alerts").click();
    await expect(app.getByTestId("recipient-row").filter({ hasText: NEW_RECIPIENT })).toContainText(ALERTS_TEXT.recipients.waiting);
    await waitForTypes(request, state, ["recipient_confirmation"]);
  }
  found = chosen(await inbox(request), state);
  if (!found.test) {
    const app = await openAlertSettings(page);
    await app.locator("#test-recipient").selectOption(state.email);
    await app.locator("#send-test").click();
    await expect(page.locator("#toasts")).toContainText(ALERTS_TEXT.test.sent.replace("{{email}}", state.email));
    await waitForTypes(request, state, ["test"]);
  }
  return state;
}

// ---------------------------------------------------------------------------------------------------------------
// What each email must say

interface EmailText {
  layout: { test: { subject: string } };
  subject: { withImpact: string; impactFirst: string };
  types: Record<string, Record<string, unknown>>;
}
const EMAIL_TEXT = Object.fromEntries(
  (["en", "es", "fr"] as const).map((locale) => [
    locale,
    JSON.parse(readFileSync(`app/i18n/locales/email/${locale}.json`, "utf8")) as EmailText,
  ]),
) as Record<Locale, EmailText>;

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** A message template as a pattern: its placeholders match anything, or what `parts` says for the named ones. */
function pattern(template: string, parts: Record<string, string> = {}): string {
  return template
    .split(/(\{\{\s*\w+\s*\}\})/)
    .map((piece) => {
      const name = /^\{\{\s*(\w+)\s*\}\}$/.exec(piece)?.[1];
      return name === undefined ? escape(piece) : (parts[name] ?? ".+");
    })
    .join("");
}

const stringsOf = (object: Record<string, unknown>, prefix: string) =>
  Object.entries(object)
    .filter(([key, value]) => key.startsWith(prefix) && typeof value === "string")
    .map(([, value]) => value as string);

/** Every subject the email of `type` can have in `locale` (app/i18n/locales/email). */
function subjectPattern(type: EmailType, locale: Locale): RegExp {
  const text = EMAIL_TEXT[locale];
  const any = (patterns: string[]) => `(?:${patterns.join("|")})`;
  let patterns: string[];
  if ((PRODUCT_TYPES as readonly string[]).includes(type)) {
    const strings = text.types[type]!;
    const headline = any(stringsOf(strings, "headline").map((s) => pattern(s)));
    const impact = any(stringsOf(strings, "impact").map((s) => pattern(s)));
    patterns = [headline, pattern(text.subject.withImpact, { headline, impact }), pattern(text.subject.impactFirst, { headline, impact })];
  } else if (type === "digest_daily" || type === "digest_weekly") {
    patterns = [pattern(text.types.digest![type === "digest_daily" ? "subject_daily" : "subject_weekly"] as string)];
  } else if (type === "test") {
    patterns = [pattern(text.layout.test.subject, { subject: any(stringsOf(text.types.test!, "subject").map((s) => pattern(s))) })];
  } else {
    patterns = stringsOf(text.types[type]!, "subject").map((s) => pattern(s));
  }
  return new RegExp(`^${any(patterns)}$`);
}

const hrefs = (html: string) => [...html.matchAll(/<a\b[^>]*\bhref="([^"]+)"/g)].map((match) => match[1]!.replace(/&amp;/g, "&"));

/** The calls to action each email must carry (besides its footer's unsubscribe link). */
function callsToAction(type: EmailType): RegExp[] {
  const app = `^${escape(ADMIN)}${escape("/store/hollow-oak-gifts/apps/")}[\\w-]+/app`;
  const variant = new RegExp(`${app}/variants/\\d+$`);
  const product = new RegExp(`^${escape(ADMIN)}/store/hollow-oak-gifts/products/\\d+$`);
  if ((PRODUCT_TYPES as readonly string[]).includes(type) || type === "digest_daily" || type === "digest_weekly") return [variant, product];
  if (type === "forecast_failed" || type === "weekly_summary") return [new RegExp(`${app}$`)];
  if (type === "recipient_confirmation") return [/\/email\/confirm\/[\w-]+\.[\w-]+$/];
  return [];
}

async function expectLinkWorks(request: APIRequestContext, url: string): Promise<void> {
  const response = await request.get(url, { maxRedirects: 0 });
  expect(response.status(), url).toBe(200);
}

async function checkEmail(request: APIRequestContext, type: EmailType, m: InboxMessage, locale: Locale): Promise<void> {
  expect(m.subject, `${type}: subject in ${locale}`).toMatch(subjectPattern(type, locale));
  expect(m.html).toContain(`lang="${locale}"`);
  // The text part: present, with the same calls to action as the HTML.
  expect(m.text.trim().length, `${type}: text part`).toBeGreaterThan(100);
  const links = hrefs(m.html);
  for (const cta of callsToAction(type)) {
    const link = links.find((href) => cta.test(href));
    expect(link, `${type}: a link matching ${cta} in ${links.join(" ")}`).toBeTruthy();
    expect(m.text, `${type}: the text part links to ${link}`).toContain(link!);
    await expectLinkWorks(request, link!);
  }
  if (type === "recipient_confirmation") {
    // A confirmation is not a subscription: nothing to unsubscribe from yet.
    expect(m.headers["List-Unsubscribe"]).toBeUndefined();
    return;
  }
  // RFC 8058 one-click unsubscribe, the same link as the footer's, which opens the preference page.
  expect(m.headers["List-Unsubscribe-Post"]).toBe("List-Unsubscribe=One-Click");
  const unsubscribe = /^<(https?:\/\/[^>]+\/email\/unsubscribe\/[\w-]+\.[\w-]+)>$/.exec(m.headers["List-Unsubscribe"] ?? "")?.[1];
  expect(unsubscribe, `${type}: List-Unsubscribe ${m.headers["List-Unsubscribe"]}`).toBeTruthy();
  expect(links).toContain(unsubscribe);
  expect(m.text).toContain(unsubscribe);
  await expectLinkWorks(request, unsubscribe!);
}

// ---------------------------------------------------------------------------------------------------------------
// The inbox page

/** Product pictures on Shopify's CDN cannot be reached here: neutral stand-ins, as in tests/support/email-screenshots.ts. */
async function standInPictures(page: Page): Promise<void> {
  await page.route("https://cdn.shopify.com/**", (route) => {
    const hue = [...route.request().url()].reduce((sum, char) => sum + char.charCodeAt(0), 0) % 360;
    return route.fulfill({
      contentType: "image/svg+xml",
      body: `<svg xmlns="http://www.w3.org/2000/svg" width="128" height="128" viewBox="0 0 128 128"><rect width="128" height="128" fill="hsl(${hue} 45% 88%)"/><circle cx="64" cy="56" r="30" fill="hsl(${hue} 45% 45%)"/></svg>`,
    });
  });
}

async function screenshot(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  const options = {
    fullPage: true,
    // Phone shots at CSS pixels: a Pixel 7's 2.6 device pixels per CSS pixel would make them four times the size.
    scale: "css" as const,
    animations: "disabled" as const,
    caret: "hide" as const,
    mask: [page.locator("[data-volatile]")],
    maskColor: "#d8dee4",
  };
  await page.screenshot({ ...options, path: testInfo.outputPath(`${name}.png`) });
  if (UPDATE_SCREENSHOTS) {
    mkdirSync("docs/screenshots", { recursive: true });
    await page.screenshot({ ...options, path: `docs/screenshots/${name}-${testInfo.project.name}.png` });
  }
}

let state: ShopState;
let emails: Partial<Record<EmailType, InboxMessage>> = {};

// The rules this spec added (a small scope of each alert type) would change what the specs after it preview, its
// language pin would make their Spanish and French test emails English, and its recipient would count against the
// plan's extra recipients.
test.afterAll(async () => {
  await step("unrules", localeBefore ?? "keep", NEW_RECIPIENT);
});

test("every kind of email reaches the inbox through the app", async ({ page, request }) => {
  test.setTimeout(FIRST_ALERT_TIMEOUT + 6 * INBOX_TIMEOUT);
  state = await ensureEveryEmail(page, request);
  emails = chosen(await inbox(request), state);
  expect(missing(emails, TYPES)).toEqual([]);
});

for (const type of TYPES) {
  test(`${type}: its content, and how the inbox shows it`, async ({ page, request }, testInfo) => {
    test.setTimeout(120_000);
    const m = emails[type];
    expect(m, `${type} is in the inbox (the first test brings it about)`).toBeTruthy();
    await checkEmail(request, type, m!, state.locale);

    await standInPictures(page);
    await page.goto(`${INBOX}?id=${m!.id}`);
    const mobile = testInfo.project.name === "mobile";
    await expect(page.getByRole("heading", { level: 2, name: m!.subject })).toBeVisible();
    await expect(page.getByRole("link", { name: "← All email" })).toBeVisible({ visible: mobile });
    // The HTML part, as wide as the reading pane (a phone's width on a phone) and as tall as the email.
    const frame = page.locator("iframe");
    await expect(frame).toHaveAttribute("data-fitted", "1");
    await expect(page.locator("body")).toHaveAttribute("data-ready", "1");
    const box = (await frame.boundingBox())!;
    const viewport = page.viewportSize()!;
    expect(box.width).toBeLessThanOrEqual(viewport.width);
    expect(box.width).toBeGreaterThan(mobile ? 300 : 600);
    const content = await frame.evaluate((element: HTMLIFrameElement) => {
      const doc = element.contentDocument!;
      return { height: doc.documentElement.getBoundingClientRect().height, width: doc.documentElement.scrollWidth };
    });
    // The frame's box adds its 1 px borders.
    expect(Math.abs(box.height - content.height)).toBeLessThanOrEqual(3);
    // Nothing wider than the pane: no sideways scrolling inside the email.
    expect(content.width).toBeLessThanOrEqual(Math.ceil(box.width));
    await expect(page.frameLocator("iframe").locator("html")).toHaveAttribute("lang", state.locale);
    await screenshot(page, testInfo, `inbox-${type}`);

    // The text part and the headers, a tab away.
    await page.getByRole("tab", { name: "Text" }).click();
    await expect(page.getByRole("tabpanel")).toContainText(m!.text.trim().split("\n")[0]!);
    await expect(page.locator("iframe")).toBeHidden();
    await page.getByRole("tab", { name: "Headers & events" }).click();
    const details = page.getByRole("tabpanel");
    if (type === "recipient_confirmation") await expect(details).not.toContainText("List-Unsubscribe");
    else await expect(details.getByRole("row", { name: /^List-Unsubscribe-Post/ })).toContainText("List-Unsubscribe=One-Click");
    await expect(details.getByRole("row", { name: /^message / })).toContainText(tag(m!, "message"));
  });
}
