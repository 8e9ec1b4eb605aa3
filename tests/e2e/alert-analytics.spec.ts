import { readFileSync } from "node:fs";
import { expect, test, type FrameLocator, type Page, type TestInfo } from "@playwright/test";
import { expectAccessible, screenshot } from "../support/browser";
import { APP_FRAME } from "../support/vitals";
import { demoQuery, withDemoDb } from "../support/demo-db";

// The alert analytics page in the stand-in admin (playwright.config.ts webServer: the demo with a fresh database),
// in English, Spanish and French on the desktop project and in English on the mobile one. The demo's own immediate alert (its
// out-of-stock best sellers, within minutes of the install) is opened and clicked through the Resend stand-in's
// inbox, whose signed webhooks reach the app; four weeks of earlier alert emails (an A/B test of the out-of-stock
// email, stock predictions restocked before the projected stockout, a recipient ignoring the daily digest) are
// seeded in SQL in the demo's database and removed afterwards. Screenshots go to docs/screenshots/ when
// FLUXOR_UPDATE_SCREENSHOTS=1.

const PORT = Number(process.env.FLUXOR_E2E_PORT ?? 4310);
/** The Resend stand-in's inbox (base port + 4, tests/demo/stack.ts); the demo's database is tests/support/demo-db.ts. */
const INBOX = `http://127.0.0.1:${PORT + 4}/inbox`;
const SHOP = "hollow-oak-gifts.myshopify.com";
const ADMIN_PATH = "/store/hollow-oak-gifts/apps/fluxor";
const SEED = "e2e-seed";
const LOCALES = ["en", "es", "fr"] as const;
type Locale = (typeof LOCALES)[number];

/** Words the test looks for, per language (app/i18n/locales/alerts-analytics). */
const TEXT: Record<Locale, { title: string; sevenDays: string; zTest: RegExp; weekly: RegExp }> = {
  en: { title: "Alert analytics", sevenDays: "7 days", zTest: /two-proportion z-test/, weekly: /weekly/ },
  es: { title: "Analítica de alertas", sevenDays: "7 días", zTest: /prueba z de dos proporciones/, weekly: /semanal/ },
  fr: { title: "Analyse des alertes", sevenDays: "7 jours", zTest: /test z de deux proportions/, weekly: /hebdomadaire/ },
};

/** The store sync, the first forecast run and the first alert of a fresh demo database take a minute or two. */
const FIRST_ALERT_TIMEOUT = 300_000;
const HYDRATION = /hydrat|did not match|Minified React error #(418|423|425)/i;

test.describe.configure({ mode: "serial" });

async function until<T>(what: string, timeout: number, probe: () => Promise<T | null | undefined>): Promise<T> {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await probe();
    if (value !== null && value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

interface DemoShop {
  id: string;
  timezone: string;
  owner: string;
  locationId: string;
  variants: { id: string; item: string; price: number; productTitle: string; variantTitle: string }[];
}

/** The demo shop once synced (its first alert has gone out). */
async function demoShop(): Promise<DemoShop> {
  const [shop] = await demoQuery<{ id: string; timezone: string; email: string | null }>(
    `SELECT id, coalesce("ianaTimezone", 'UTC') AS timezone, email FROM "Shop" WHERE domain = $1`,
    [SHOP],
  );
  if (!shop) throw new Error(`${SHOP} is not installed`);
  const [location] = await demoQuery<{ id: string }>(
    `SELECT id::text FROM "Location" WHERE "shopId" = $1 AND "isActive" ORDER BY id LIMIT 1`,
    [shop.id],
  );
  const variants = await demoQuery<DemoShop["variants"][number]>(
    `SELECT v.id::text, v."inventoryItemId"::text AS item, v.price::float8 AS price, p.title AS "productTitle", v.title AS "variantTitle"
       FROM "ProductVariant" v JOIN "Product" p ON p."shopId" = v."shopId" AND p.id = v."productId"
      WHERE v."shopId" = $1 AND v."inventoryItemId" IS NOT NULL AND v."deletedAt" IS NULL ORDER BY v.id LIMIT 8`,
    [shop.id],
  );
  if (!location || variants.length === 0) throw new Error(`${SHOP} has no locations or variants yet`);
  return { id: shop.id, timezone: shop.timezone, owner: shop.email ?? "owner@hollow-oak-gifts.test", locationId: location.id, variants };
}

/**
 * Four weeks of alert emails before today (shop's time zone), with their events, the notifications they carried and
 * the stock after them. Emails, events and notifications are keyed `e2e-seed…` and the stock days inserted are
 * remembered, so `unseed` removes exactly them.
 */
async function seed(shop: DemoShop): Promise<void> {
  await unseed(shop);
  const buyer = "buyer@hollow-oak-gifts.test";
  const warehouse = "warehouse@hollow-oak-gifts.test";
  await withDemoDb(async (client) => {
    const { rows: local } = await client.query<{ today: string }>(`SELECT to_char((now() AT TIME ZONE $1)::date, 'YYYY-MM-DD') AS today`, [
      shop.timezone,
    ]);
    const today = local[0]!.today;
    let n = 0;
    const email = async (e: {
      daysAgo: number;
      kind?: string;
      alertType: string | null;
      version?: number;
      recipient: string;
      opened?: boolean;
      clicked?: boolean;
      status?: string;
      events?: string[];
      note?: { variant: DemoShop["variants"][number]; dailyMean: number; restock: boolean };
    }) => {
      n++;
      const group = `${SEED}:${n}`;
      const kind = e.kind ?? "alert";
      const template = e.alertType ?? kind;
      const { rows } = await client.query<{ id: string; sent: string; sendDay: string }>(
        `INSERT INTO "EmailMessage" (id, "shopId", kind, "alertType", "templateVersion", recipient, subject, "idempotencyKey", priority, status, content,
                                     "createdAt", "sentAt", "openedAt", "clickedAt")
         SELECT gen_random_uuid(), $1, $2, $3, $4, $5, $6, $7, 0, $8, '{}'::jsonb, t - interval '2 seconds', t,
                CASE WHEN $9 THEN t + interval '2 hours' END, CASE WHEN $10 THEN t + interval '2 hours 5 minutes' END
           FROM (SELECT ((($11::date - $12::int) + time '09:00') AT TIME ZONE $13) AS t) x
         RETURNING id, "sentAt"::text AS sent, to_char($11::date - $12::int, 'YYYY-MM-DD') AS "sendDay"`,
        [
          shop.id,
          kind,
          e.alertType,
          `${template}@${e.version ?? 1}`,
          e.recipient,
          `Seeded ${template} email`,
          `${group}:${e.recipient}`,
          e.status ?? "delivered",
          e.opened ?? false,
          e.clicked ?? false,
          today,
          e.daysAgo,
          shop.timezone,
        ],
      );
      const message = rows[0]!;
      for (const type of ["sent", ...(e.events ?? ["delivered"])]) {
        await client.query(
          `INSERT INTO "EmailEvent" ("eventId", "shopId", "messageId", type, "occurredAt") VALUES ($1, $2, $3, $4, $5::timestamptz + interval '1 minute')`,
          [`${SEED}:${type}:${message.id}`, shop.id, message.id, type, message.sent],
        );
      }
      if (!e.note) return;
      const { variant, dailyMean, restock } = e.note;
      const subject = {
        productTitle: variant.productTitle,
        variantTitle: variant.variantTitle,
        available: 6,
        dailyMean,
        price: variant.price,
        stockoutDate: addDays(message.sendDay, 5),
        leadTimeDays: 10,
      };
      await client.query(
        `INSERT INTO "AlertNotification" ("shopId", key, "episodeKey", type, severity, frequency, "variantId", "locationId", day, "runId", facts, "emailedAt", "emailGroup")
         VALUES ($1, $2, $2, $3, 3, 'immediate', $4, $5, $6, gen_random_uuid(), $7::jsonb, $8, $9)`,
        [
          shop.id,
          group,
          e.alertType,
          variant.id,
          shop.locationId,
          message.sendDay,
          JSON.stringify({ subject, ruleId: e.alertType }),
          message.sent,
          group,
        ],
      );
      // The level at the send, then (for a restock) 50 more two days later.
      const stock = [[addDays(message.sendDay, -1), 6, 6, "08:00"]] as [string, number, number, string][];
      if (restock) stock.push([addDays(message.sendDay, 2), 56, 54, "15:00"]);
      for (const [d, max, last, time] of stock) {
        const inserted = await client.query(
          `INSERT INTO "InventoryDay" ("shopId", "inventoryItemId", "locationId", day, "maxAvailable", "lastAvailable", "lastAt")
           VALUES ($1, $2, $3, $4::date, $5, $6, ($4::date + $7::time) AT TIME ZONE $8) ON CONFLICT DO NOTHING`,
          [shop.id, variant.item, shop.locationId, d, max, last, time, shop.timezone],
        );
        if (inserted.rowCount) seededStock.push({ item: variant.item, day: d });
      }
    };
    for (let k = 2; k <= 27; k++) {
      // Stock predictions to the owner, most opened, a third clicked, every other one restocked two days later.
      await email({
        daysAgo: k,
        alertType: "stockout_predicted",
        recipient: shop.owner,
        opened: k % 4 !== 0,
        clicked: k % 3 === 0,
        note: { variant: shop.variants[k % shop.variants.length]!, dailyMean: 1 + (k % 3), restock: k % 2 === 0 },
      });
      // The A/B test of the out-of-stock email: version 1 to the owner, version 2 to the buyer.
      await email({ daysAgo: k, alertType: "out_of_stock", version: 1, recipient: shop.owner, opened: k % 3 === 0, clicked: k % 9 === 0 });
      await email({ daysAgo: k, alertType: "out_of_stock", version: 2, recipient: buyer, opened: k % 10 < 7, clicked: k % 5 === 0 });
      // The warehouse read its daily digest until twelve days ago.
      await email({ daysAgo: k, kind: "digest", alertType: null, recipient: warehouse, opened: k > 12 });
    }
    for (let k = 29; k <= 45; k += 2) await email({ daysAgo: k, kind: "digest", alertType: null, recipient: warehouse, opened: true });
    await email({
      daysAgo: 6,
      alertType: "low_stock",
      recipient: "old-address@hollow-oak-gifts.test",
      status: "bounced",
      events: ["bounced"],
    });
    await email({
      daysAgo: 8,
      alertType: "low_stock",
      recipient: buyer,
      status: "complained",
      events: ["delayed", "delivered", "complained"],
    });
  });
}

/** The stock days `seed` inserted (the demo's own history is left alone). */
const seededStock: { item: string; day: string }[] = [];

async function unseed(shop: DemoShop): Promise<void> {
  for (const { item, day } of seededStock.splice(0)) {
    await demoQuery(`DELETE FROM "InventoryDay" WHERE "shopId" = $1 AND "inventoryItemId" = $2 AND "locationId" = $3 AND day = $4::date`, [
      shop.id,
      item,
      shop.locationId,
      day,
    ]);
  }
  await demoQuery(`DELETE FROM "EmailEvent" WHERE "shopId" = $1 AND "eventId" LIKE $2`, [shop.id, `${SEED}:%`]);
  await demoQuery(`DELETE FROM "EmailMessage" WHERE "shopId" = $1 AND "idempotencyKey" LIKE $2`, [shop.id, `${SEED}:%`]);
  await demoQuery(`DELETE FROM "AlertNotification" WHERE "shopId" = $1 AND key LIKE $2`, [shop.id, `${SEED}:%`]);
}

function addDays(day: string, days: number): string {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}

function adminUrl(locale: Locale, search = ""): string {
  return `${ADMIN_PATH}/app/alerts/analytics?${search ? `${search}&` : ""}locale=${locale}`;
}

async function openAnalytics(page: Page, locale: Locale, search = ""): Promise<FrameLocator> {
  await page.goto(adminUrl(locale, search));
  return page.frameLocator(APP_FRAME);
}

/** The admin shell's frame is as tall as the window: make the window as tall as the page for the screenshot. */
async function fullHeightScreenshot(page: Page, testInfo: TestInfo): Promise<void> {
  const viewport = page.viewportSize()!;
  const height = await page
    .frameLocator(APP_FRAME)
    .locator("html")
    .evaluate((html) => html.scrollHeight);
  await page.setViewportSize({ width: viewport.width, height: height + 56 });
  await expect(
    page.frameLocator(APP_FRAME).getByTestId("analytics-series-chart").locator("svg.recharts-surface[role='application']"),
  ).toBeVisible();
  await screenshot(page, testInfo, "alert-analytics");
  await page.setViewportSize(viewport);
}

function figure(text: string | null): number {
  return Number((text ?? "").replace(/[^\d]/g, ""));
}

let shop: DemoShop;

test.beforeAll(async () => {
  test.setTimeout(FIRST_ALERT_TIMEOUT + 120_000);
  // The demo's own alert first (it follows the store sync and the first forecast run): opened and clicked through
  // the inbox, its webhooks applied by the app.
  const alert = await until("the demo's first alert email", FIRST_ALERT_TIMEOUT, async () => {
    const [row] = await demoQuery<{ id: string; providerId: string }>(
      `SELECT m.id, m."providerId" FROM "EmailMessage" m JOIN "Shop" s ON s.id = m."shopId"
        WHERE s.domain = $1 AND m.kind = 'alert' AND m."providerId" IS NOT NULL ORDER BY m."sentAt" LIMIT 1`,
      [SHOP],
    );
    return row;
  });
  shop = await demoShop();
  for (const type of ["email.opened", "email.clicked"]) {
    const response = await fetch(`${INBOX}/api/messages/${alert.providerId}/events`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ type }),
    });
    expect(response.ok).toBe(true);
  }
  await until("the open and click webhooks", 60_000, async () => {
    const [row] = await demoQuery<{ done: boolean }>(
      `SELECT "openedAt" IS NOT NULL AND "clickedAt" IS NOT NULL AS done FROM "EmailMessage" WHERE id = $1`,
      [alert.id],
    );
    return row?.done ? true : null;
  });
  await seed(shop);
});

test.afterAll(async () => {
  if (shop) await unseed(shop);
});

for (const locale of LOCALES) {
  test(`alert analytics: delivery, actions, A/B, fatigue, lost sales avoided, period, CSV (${locale})`, async ({ page }, testInfo) => {
    test.skip(
      testInfo.project.name === "mobile" && locale !== "en",
      "on a phone the flow is checked in English; every language's layout is checked on the desktop",
    );
    test.setTimeout(120_000);
    const errors: string[] = [];
    page.on("console", (message) => {
      if (message.type() === "error") errors.push(message.text());
    });
    page.on("pageerror", (error) => errors.push(error.message));
    const text = TEXT[locale];

    let app = await openAnalytics(page, locale);
    await expect(app.getByRole("heading", { level: 1, name: text.title })).toBeVisible();
    const sent30 = figure(await app.getByTestId("analytics-sent").textContent());
    // 4 emails a day for 26 days, 2 more, and the demo's own alerts.
    expect(sent30).toBeGreaterThanOrEqual(26 * 4 + 2 + 1);
    await expect(app.getByTestId("analytics-open-rate")).toHaveText(/\d/);
    await expect(app.getByTestId("analytics-acted")).toHaveText(/\d/);
    await expect(app.getByTestId("analytics-avoided")).toHaveText(/[1-9]/);
    await expect(app.getByTestId("analytics-roi")).not.toBeEmpty();
    await expect(app.getByTestId("analytics-method")).toContainText("14");
    await expect(app.getByTestId("analytics-ab")).toContainText(text.zTest);
    // The warehouse stopped opening its daily digest: a weekly one is suggested.
    await expect(app.getByTestId("analytics-fatigue")).toContainText("warehouse@hollow-oak-gifts.test");
    await expect(app.getByTestId("analytics-recommendation").filter({ hasText: text.weekly })).toHaveCount(1);
    await expect(app.getByTestId("analytics-series-chart").locator("svg.recharts-surface[role='application']")).toBeVisible();
    await expect(app.getByTestId("analytics-types-chart").locator("svg.recharts-surface[role='application']")).toBeVisible();
    if (locale === "en") await fullHeightScreenshot(page, testInfo);
    await expectAccessible(page, APP_FRAME, `alert analytics (${locale})`);

    // A shorter period: fewer emails, the button pressed, the URL says so.
    await app.getByRole("button", { name: new RegExp(text.sevenDays) }).click();
    await expect(app.getByRole("button", { name: new RegExp(text.sevenDays) })).toHaveAttribute("aria-pressed", "true");
    await expect.poll(async () => figure(await app.getByTestId("analytics-sent").textContent())).toBeLessThan(sent30);
    expect(await app.locator("body").evaluate(() => window.location.search)).toContain("period=7");

    if (locale === "en") {
      app = await openAnalytics(page, locale, "period=30");
      const download = page.waitForEvent("download");
      await app.locator("#export-alert-log").click();
      const file = await download;
      expect(file.suggestedFilename()).toMatch(/^fluxor-alert-emails-\d{4}-\d{2}-\d{2}\.csv$/);
      const [header, ...rows] = readFileSync((await file.path()) ?? "", "utf8")
        .trim()
        .split(/\r?\n/);
      expect(header).toBe(
        "message_id,created_at_utc,sent_at_utc,kind,alert_type,template_version,recipient,subject,status,delivered,delayed,bounced,complained,opened_at_utc,clicked_at_utc,notifications,action",
      );
      expect(rows.length).toBeGreaterThanOrEqual(sent30);
      expect(rows.some((row) => row.includes("out_of_stock@2") && row.includes("buyer@hollow-oak-gifts.test"))).toBe(true);
    }
    expect(errors.filter((error) => HYDRATION.test(error))).toEqual([]);
  });
}
