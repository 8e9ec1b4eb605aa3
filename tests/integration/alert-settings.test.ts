/**
 * The alert settings page's server side against real PostgreSQL and the Resend stand-in: a save stores the
 * settings (audited) and queues each new address's confirmation email; invalid values come back as field errors
 * and change nothing; the preview renders the shop's live findings (or a sample when nothing matches); "send me a
 * test" queues one test per recipient and minute, to the shop's or a confirmed address only, and the email it
 * queues is sent as it is; a confirmation can be sent again; the sending domain's SPF/DKIM status comes from
 * Resend's domains API; and shop B never reads or acts on shop A's settings.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type * as SettingsForm from "../../app/alerts/settings-form";
import type * as SettingsPage from "../../app/alerts/settings-page.server";
import type * as Pool from "../../app/db/pool.server";
import type * as Send from "../../app/email/send.server";
import type * as SignedLinks from "../../app/email/signed-links.server";
import type * as ForecastRun from "../../app/forecasts/run.server";
import type * as ForecastJobs from "../../app/jobs/contracts/forecasts";
import type { Shop } from "../../app/shops/lookup.server";
import { domainId, startResendStandIn, type ResendStandIn } from "../mocks/resend";
import { createTestDatabase, sql } from "../support/db";
import { drainForecastJobs, JOBS_OF, seedShop, type SeededShop } from "../support/forecast-seed";

process.env.FORECAST_BATCH_SIZE = "200";
process.env.FORECAST_AUGURS = "0";
process.env.FORECAST_THREADS = "0";
process.env.SHOPIFY_API_KEY = "fluxor-test-key";
process.env.SHOPIFY_API_SECRET = "fluxor-test-secret-" + randomBytes(8).toString("hex");
process.env.SHOPIFY_APP_URL = "https://fluxor.test";
process.env.FLUXOR_ENCRYPTION_KEYS = `t1:${randomBytes(32).toString("base64")}`;
process.env.RESEND_API_KEY = "re_test_key";
process.env.FLUXOR_EMAIL_FROM = "Fluxor <alerts@fluxor.test>";

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let resend: ResendStandIn;
let pool: typeof Pool;
let page: typeof SettingsPage;
let send: typeof Send;
let links: typeof SignedLinks;
let A: SeededShop;
let B: SeededShop;
const OWNER_A = "owner@a-shop.test";
const OWNER_B = "owner@b-shop.test";

async function shop(seeded: SeededShop): Promise<Shop> {
  const { shopById } = await import("../../app/shops/lookup.server");
  const found = await shopById(pool.pool(), seeded.shopId);
  if (!found) throw new Error("shop missing");
  return found;
}

async function messages(shopId: string, kind: string) {
  return sql<{ id: string; recipient: string; content: Record<string, unknown>; priority: number; idempotencyKey: string }>(
    db.url,
    `SELECT id, recipient, content, priority, "idempotencyKey" FROM "EmailMessage" WHERE "shopId" = $1 AND kind = $2 ORDER BY "createdAt", id`,
    [shopId, kind],
  );
}

async function storedConfig(shopId: string): Promise<unknown> {
  const [row] = await sql<{ config: unknown }>(db.url, `SELECT config FROM "AlertSettings" WHERE "shopId" = $1`, [shopId]);
  return row?.config ?? null;
}

/** The form as the page shows it for the shop, with a change. */
async function formOf(seeded: SeededShop, change: (values: SettingsForm.AlertFormValues) => void = () => {}) {
  const loaded = await page.loadAlertSettingsPage(await shop(seeded));
  const values = structuredClone(loaded.values);
  change(values);
  return values;
}

function ruleOf(values: SettingsForm.AlertFormValues, type: string) {
  const rule = values.rules.find((r) => r.type === type);
  if (!rule) throw new Error(`no ${type} rule`);
  return rule;
}

beforeAll(async () => {
  db = await createTestDatabase();
  resend = await startResendStandIn({
    rateLimit: false,
    domains: [
      { name: "fluxor.test", status: "verified" },
      { name: "half.test", records: { SPF: "verified", DKIM: "failed" } },
    ],
  });
  process.env.RESEND_BASE_URL = resend.url;
  pool = await import("../../app/db/pool.server");
  page = await import("../../app/alerts/settings-page.server");
  send = await import("../../app/email/send.server");
  links = await import("../../app/email/signed-links.server");
  const forecastRun: typeof ForecastRun = await import("../../app/forecasts/run.server");
  const forecastJobs: typeof ForecastJobs = await import("../../app/jobs/contracts/forecasts");

  A = await seedShop(db.url, { domain: "a-shop.myshopify.com", products: 8, variantsPerProduct: 2, days: 400, seed: 3 });
  B = await seedShop(db.url, { domain: "b-shop.myshopify.com", products: 4, variantsPerProduct: 2, days: 200, seed: 4 });
  await sql(db.url, `UPDATE "Shop" SET email = $2, "adminLocale" = 'fr' WHERE id = $1`, [A.shopId, OWNER_A]);
  await sql(db.url, `UPDATE "Shop" SET email = $2 WHERE id = $1`, [B.shopId, OWNER_B]);
  // Shop A's best seller is out of stock (20 a day for a year, nothing for 30 days, 0 available); shop B has no run.
  const bestSeller = A.variantIds[0]!;
  await sql(db.url, `DELETE FROM "DailyDemand" WHERE "shopId" = $1 AND "variantId" = $2`, [A.shopId, bestSeller]);
  await sql(
    db.url,
    `INSERT INTO "DailyDemand" ("shopId", "variantId", "locationId", day, units, revenue, "inStock")
     SELECT $1, $2, 1001, $3::date - g, 20, 200, NULL FROM generate_series(30, 400) g`,
    [A.shopId, bestSeller, A.yesterday],
  );
  await sql(
    db.url,
    `UPDATE "InventoryLevel" SET available = 0 WHERE "shopId" = $1 AND "inventoryItemId" = (SELECT "inventoryItemId" FROM "ProductVariant" WHERE "shopId" = $1 AND id = $2)`,
    [A.shopId, bestSeller],
  );
  await forecastRun.startRun(A.shopId, "manual");
  await drainForecastJobs(db.url, {
    [forecastJobs.forecastBatchJob.name]: async (p) => {
      await forecastRun.runBatch(forecastJobs.forecastBatchJob.payload.parse(p));
    },
  });
}, 120_000);

afterAll(async () => {
  await resend?.close();
  await pool?.closePool();
  await (await import("../../app/db/prisma.server")).disconnectPrisma();
  await db?.drop();
});

describe("loading the page", () => {
  it("shows the defaults, the shop's time zone, email and language, and its scope choices", async () => {
    const loaded = await page.loadAlertSettingsPage(await shop(A));
    expect(loaded.shop).toEqual({ name: A.domain, email: OWNER_A, timeZone: "Europe/London", adminLocale: "fr" });
    expect(loaded.values.rules.map((r) => r.type)).toEqual([
      "out_of_stock",
      "stockout_predicted",
      "reorder_point",
      "low_stock",
      "dead_stock",
      "forecast_failed",
    ]);
    expect(loaded.values.locale).toBe("");
    expect(loaded.choices.vendors).toContain("Vendor 1");
    expect(loaded.choices.productTypes).toContain("Type 1");
    expect(loaded.choices.locations).toEqual([
      { id: "1002", name: "High Street" },
      { id: "1001", name: "Warehouse" },
    ]);
    expect(loaded.recipients).toEqual([]);
  });
});

describe("saving", () => {
  it("answers field errors for bad values and stores nothing", async () => {
    const before = await storedConfig(A.shopId);
    const values = await formOf(A, (v) => {
      const low = ruleOf(v, "low_stock");
      if (low.type === "low_stock") low.belowUnits = "-3";
      v.branding.logoUrl = "http://insecure.example/logo.png";
      v.recipients.push({ email: "not an address", disabledTypes: [] });
    });
    const saved = await page.saveAlertSettingsForm(await shop(A), values);
    const low = values.rules.findIndex((r) => r.type === "low_stock");
    expect(saved).toEqual({
      ok: false,
      errors: { [`rules.${low}.belowUnits`]: "errors.count", "branding.logoUrl": "errors.logoUrl", "recipients.0.email": "errors.email" },
    });
    expect(await storedConfig(A.shopId)).toEqual(before);
    expect(await messages(A.shopId, "confirm")).toEqual([]);
  });

  it("stores valid settings, audits them and queues a confirmation email for each new address", async () => {
    const values = await formOf(A, (v) => {
      v.deliveryHour = "6";
      v.quietHours = { enabled: true, start: "22", end: "7" };
      v.branding = { senderName: "A Alerts", logoUrl: "https://cdn.example/a.png", accentColor: "#1a6b3c" };
      v.recipients.push({ email: "Buyer@A-shop.test", disabledTypes: [] }, { email: "planner@a-shop.test", disabledTypes: [] });
    });
    const now = new Date();
    const saved = await page.saveAlertSettingsForm(await shop(A), values, now);
    expect(saved).toEqual({ ok: true, toConfirm: ["buyer@a-shop.test", "planner@a-shop.test"] });
    expect(await storedConfig(A.shopId)).toMatchObject({
      deliveryHour: 6,
      quietHours: { start: 22, end: 7 },
      branding: { senderName: "A Alerts" },
      recipients: [
        { email: "buyer@a-shop.test", confirmed: false },
        { email: "planner@a-shop.test", confirmed: false },
      ],
    });
    const [audit] = await sql<{ detail: { fields: string[]; newRecipients: number } }>(
      db.url,
      `SELECT detail FROM "AuditLog" WHERE event = 'alert_settings_update' AND "shopDomain" = $1 ORDER BY "createdAt" DESC LIMIT 1`,
      [A.domain],
    );
    expect(audit?.detail.newRecipients).toBe(2);
    expect(audit?.detail.fields).toEqual(expect.arrayContaining(["deliveryHour", "quietHours", "recipients", "branding"]));

    const confirmations = await messages(A.shopId, "confirm");
    expect(confirmations.map((m) => m.recipient)).toEqual(["buyer@a-shop.test", "planner@a-shop.test"]);
    const content = confirmations[0]!.content as { template: string; confirmUrl: string; shop: { locale: string } };
    expect(content.template).toBe("recipient_confirmation");
    expect(content.shop.locale).toBe("fr");
    const token = content.confirmUrl.replace("https://fluxor.test/email/confirm/", "");
    expect(links.checkLink("confirm", token)).toEqual({ ok: true, shopId: A.shopId, email: "buyer@a-shop.test" });
    expect((await sql(db.url, JOBS_OF("email.send"))).length).toBeGreaterThanOrEqual(2);

    // The confirmation email is sent as queued, by the one send path.
    expect(await send.sendMessage(confirmations[0]!.id)).toBe("sent");
    const sent = resend.messages().find((m) => m.to.includes("buyer@a-shop.test"));
    expect(sent?.html).toContain(content.confirmUrl.replace(/&/g, "&amp;"));

    // Saving again with the same addresses sends nothing more.
    const again = await page.saveAlertSettingsForm(await shop(A), await formOf(A), new Date(now.getTime() + 120_000));
    expect(again).toEqual({ ok: true, toConfirm: [] });
    expect(await messages(A.shopId, "confirm")).toHaveLength(2);
  });

  it("sends a confirmation again on request, once a minute, and never to a confirmed address", async () => {
    const now = new Date(Date.now() + 10 * 60_000);
    expect(await page.resendConfirmation(await shop(A), "buyer@a-shop.test", now)).toEqual({ ok: true });
    expect(await page.resendConfirmation(await shop(A), "buyer@a-shop.test", new Date(now.getTime() + 5_000))).toMatchObject({
      ok: false,
      reason: "rate_limited",
    });
    expect(await messages(A.shopId, "confirm")).toHaveLength(3);
    await sql(db.url, `UPDATE "AlertSettings" SET config = jsonb_set(config, '{recipients,0,confirmed}', 'true') WHERE "shopId" = $1`, [
      A.shopId,
    ]);
    expect(await page.resendConfirmation(await shop(A), "buyer@a-shop.test", new Date(now.getTime() + 120_000))).toEqual({
      ok: false,
      reason: "already_confirmed",
    });
    expect(await page.resendConfirmation(await shop(A), "stranger@a-shop.test", now)).toEqual({ ok: false, reason: "unknown_recipient" });
    const loaded = await page.loadAlertSettingsPage(await shop(A));
    expect(loaded.recipients).toEqual([
      { email: "buyer@a-shop.test", confirmed: true },
      { email: "planner@a-shop.test", confirmed: false },
    ]);
  });
});

describe("the preview", () => {
  it("renders the shop's out-of-stock best seller with the form's branding, in the shop's language", async () => {
    const values = await formOf(A, (v) => {
      v.branding.accentColor = "#aa3300";
    });
    const preview = await page.previewEmail(await shop(A), values, "out_of_stock");
    expect(preview.ok).toBe(true);
    if (!preview.ok) return;
    expect(preview.live).toBe(true);
    expect(preview.html).toContain('lang="fr"');
    expect(preview.html).toContain("Product 1");
    expect(preview.html).toContain("https://cdn.example/a.png");
    expect(preview.subject).toMatch(/rupture/i);
  });

  it("renders the digest with the findings of the daily and weekly rules", async () => {
    const preview = await page.previewEmail(await shop(A), await formOf(A), "digest");
    expect(preview.ok && preview.live).toBe(true);
  });

  it("shows a sample when nothing matches, and the form's errors when it is invalid", async () => {
    const none = await formOf(A, (v) => {
      const oos = ruleOf(v, "out_of_stock");
      if (oos.type === "out_of_stock") oos.minLostRevenuePerDay = "1000000";
    });
    const sample = await page.previewEmail(await shop(A), none, "out_of_stock");
    expect(sample.ok && !sample.live && sample.html.includes("Colouring Pencils")).toBe(true);

    const bad = await formOf(A, (v) => {
      v.branding.accentColor = "teal";
    });
    expect(await page.previewEmail(await shop(A), bad, "out_of_stock")).toEqual({
      ok: false,
      errors: { "branding.accentColor": "errors.accentColor" },
    });
  });
});

describe("send me a test", () => {
  it("queues a test with live items to the shop's email, and is sent as queued", async () => {
    const now = new Date();
    const result = await page.sendTestEmail(await shop(A), await formOf(A), OWNER_A, now);
    expect(result).toEqual({ ok: true, recipient: OWNER_A });
    const [test] = await messages(A.shopId, "test");
    const content = test!.content as { template: string; sample: { alertType: string; items: unknown[] } | null };
    expect(content.template).toBe("test");
    expect(content.sample?.alertType).toBe("out_of_stock");
    expect(content.sample?.items.length).toBeGreaterThan(0);
    expect(test!.priority).toBe(30);
    expect(await send.sendMessage(test!.id)).toBe("sent");
    expect(resend.messages().find((m) => m.to.includes(OWNER_A))?.subject).toMatch(/^\[Test\]/);
  });

  it("allows one test per recipient and minute, audits the refusal, and goes only to the shop's or a confirmed address", async () => {
    const now = new Date();
    const refused = await page.sendTestEmail(await shop(A), await formOf(A), OWNER_A, new Date(now.getTime() + 1_000));
    expect(refused).toMatchObject({ ok: false, reason: "rate_limited" });
    expect(refused.ok === false && refused.reason === "rate_limited" && refused.retryAfterSeconds).toBeGreaterThan(0);
    const [audited] = await sql<{ n: number }>(
      db.url,
      `SELECT count(*)::int AS n FROM "AuditLog" WHERE event = 'rate_limited' AND "shopDomain" = $1`,
      [A.domain],
    );
    expect(audited?.n).toBe(1);
    // The confirmed extra address may receive one too; the one waiting for confirmation may not.
    expect(await page.sendTestEmail(await shop(A), await formOf(A), "buyer@a-shop.test", now)).toEqual({
      ok: true,
      recipient: "buyer@a-shop.test",
    });
    expect(await page.sendTestEmail(await shop(A), await formOf(A), "planner@a-shop.test", now)).toEqual({
      ok: false,
      reason: "unknown_recipient",
    });
    // A minute later, another one.
    expect(await page.sendTestEmail(await shop(A), await formOf(A), OWNER_A, new Date(now.getTime() + 61_000))).toEqual({
      ok: true,
      recipient: OWNER_A,
    });
    const tests = await messages(A.shopId, "test");
    expect(tests.map((m) => m.recipient)).toEqual([OWNER_A, "buyer@a-shop.test", OWNER_A]);
    expect(new Set(tests.map((m) => m.idempotencyKey)).size).toBe(3);
    // The limiter's keys belong to the shop: its erasure removes them.
    const keys = await sql<{ key: string }>(db.url, `SELECT key FROM "RateLimitBucket" WHERE key LIKE '%email-test%'`);
    expect(keys.every((k) => k.key.startsWith(`shop:${A.domain}:`))).toBe(true);
  });

  it("answers the form's errors and queues nothing when the form is invalid", async () => {
    const bad = await formOf(A, (v) => {
      v.quietHours = { enabled: true, start: "3", end: "3" };
    });
    const before = (await messages(A.shopId, "test")).length;
    expect(await page.sendTestEmail(await shop(A), bad, OWNER_A, new Date(Date.now() + 3_600_000))).toEqual({
      ok: false,
      reason: "invalid",
      errors: { "quietHours.end": "errors.quietSame" },
    });
    expect(await messages(A.shopId, "test")).toHaveLength(before);
  });
});

describe("tenant isolation", () => {
  it("never shows or acts on shop A's settings for shop B", async () => {
    const loaded = await page.loadAlertSettingsPage(await shop(B));
    expect(loaded.recipients).toEqual([]);
    expect(loaded.values.branding.senderName).toBe("");
    expect(loaded.values.deliveryHour).toBe("8");
    expect(loaded.choices.vendors.length).toBeLessThanOrEqual(4);
    // A's addresses are unknown to B.
    expect(await page.resendConfirmation(await shop(B), "planner@a-shop.test")).toEqual({ ok: false, reason: "unknown_recipient" });
    expect(await page.sendTestEmail(await shop(B), await formOf(B), OWNER_A, new Date(Date.now() + 7_200_000))).toEqual({
      ok: false,
      reason: "unknown_recipient",
    });
    // B has no forecast run: its preview is a sample, never A's products.
    const preview = await page.previewEmail(await shop(B), await formOf(B), "out_of_stock");
    expect(preview.ok && preview.live).toBe(false);
    expect(preview.ok && preview.html.includes("Product 1")).toBe(false);
    // B's save leaves A's settings alone.
    const aBefore = await storedConfig(A.shopId);
    expect(await page.saveAlertSettingsForm(await shop(B), await formOf(B, (v) => (v.deliveryHour = "11")))).toEqual({
      ok: true,
      toConfirm: [],
    });
    expect(await storedConfig(A.shopId)).toEqual(aBefore);
    expect(await storedConfig(B.shopId)).toMatchObject({ deliveryHour: 11, recipients: [] });
  });
});

describe("email delivery status", () => {
  const settings = (from: string, domainIdValue: string | null = null) => ({
    apiKey: "re_test_key",
    from,
    webhookSecret: null,
    domainId: domainIdValue,
  });

  it("reads the sending domain's SPF and DKIM records from Resend, by name or by RESEND_DOMAIN_ID, and recommends DMARC", async () => {
    const status = await page.deliveryStatus(settings("Fluxor <alerts@fluxor.test>"), 1);
    expect(status).toMatchObject({ configured: true, domain: "fluxor.test", lookup: "ok", domainStatus: "verified" });
    expect(status.records.map((r) => `${r.record} ${r.type} ${r.name} ${r.status}`)).toEqual([
      "SPF MX send verified",
      "SPF TXT send verified",
      "DKIM TXT resend._domainkey verified",
    ]);
    expect(status.dmarc).toEqual({ name: "_dmarc", value: "v=DMARC1; p=none; rua=mailto:dmarc@fluxor.test" });

    const half = await page.deliveryStatus(settings("alerts@half.test", domainId("half.test")), 2);
    expect(half.domainStatus).toBe("partially_failed");
    expect(half.records.find((r) => r.record === "DKIM")?.status).toBe("failed");
  });

  it("says when sending is not set up, or the domain is not the account's", async () => {
    expect(await page.deliveryStatus(null, 3)).toMatchObject({ configured: false, lookup: "not_configured" });
    expect(await page.deliveryStatus(settings("alerts@elsewhere.test"), 4)).toMatchObject({
      configured: true,
      lookup: "not_found",
      records: [],
    });
  });
});
