/**
 * Read-only mode enforced everywhere it is declared (decisions 0044, 0047), against real PostgreSQL. Shop R is on Pro
 * and becomes read-only the way the app records it, through the ledger: its Shopify subscription frozen 8 days ago
 * (the 7-day grace period over), then cancelled. While read-only:
 * - a forecast run that was going when it turned read-only is not evaluated: no episode moves, no notification, no
 *   product alert email;
 * - the digest tick queues no digest for it, a digest or weekly summary job queued before sends nothing, and its
 *   pending notifications stay pending (not marked as sent);
 * - saving the forecast settings (and lead-time overrides) and the alert settings is refused with the read-only form
 *   error and changes nothing; both pages say why; "send me a test" is refused;
 * - the read API and the recompute API answer 403 `read_only` with the reason; the admin block's stock-advice route
 *   and the variants CSV still answer 200; its dunning email still queues.
 * Then R subscribes again: saves and the API work, the digest of the notifications recorded before read-only goes
 * once (not again on the next tick), and the next run tells the trouble it found meanwhile, once. Shop B, on Pro all
 * along, gets its digest, weekly summary, saves and API answers throughout.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { Session } from "@shopify/shopify-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type * as AlertRun from "../../app/alerts/run.server";
import type * as Digest from "../../app/alerts/digest.server";
import type * as AlertSettingsServer from "../../app/alerts/settings.server";
import type * as SettingsPage from "../../app/alerts/settings-page.server";
import type * as Summary from "../../app/alerts/summary.server";
import type { BillingEventInput } from "../../app/billing/ledger";
import type * as LedgerServer from "../../app/billing/ledger.server";
import type * as LimitsServer from "../../app/billing/limits.server";
import type * as Notices from "../../app/billing/notices.server";
import type * as Pool from "../../app/db/pool.server";
import type * as ForecastRun from "../../app/forecasts/run.server";
import type * as ForecastJobs from "../../app/jobs/contracts/forecasts";
import type { Shop } from "../../app/shops/lookup.server";
import { createTestDatabase, sql } from "../support/db";
import { drainForecastJobs, JOBS_OF, seedShop, type SeededShop } from "../support/forecast-seed";
import { sessionToken } from "../support/session-token";

process.env.SHOPIFY_API_KEY = "fluxor-test-key";
process.env.SHOPIFY_API_SECRET = "fluxor-test-secret-" + randomBytes(6).toString("hex");
process.env.SHOPIFY_APP_URL = "https://fluxor.test";
process.env.SHOPIFY_ADMIN_URL = "https://admin.shopify.test";
process.env.SCOPES = "read_products,read_orders,read_inventory";
process.env.FLUXOR_ENCRYPTION_KEYS = `t1:${randomBytes(32).toString("base64")}`;
process.env.FORECAST_BATCH_SIZE = "200";
process.env.FORECAST_AUGURS = "0";
process.env.FORECAST_THREADS = "0";
process.env.RESEND_API_KEY = "re_test_key";
process.env.FLUXOR_EMAIL_FROM = "Fluxor <alerts@fluxor.test>";

type Args = { request: Request; params: Record<string, string>; context: Record<string, never> };
type Handler = (args: Args) => Promise<Response>;
type Route = { loader: Handler; action: Handler };
type SettingsAction = { intent: string; ok: boolean; errors?: Record<string, string> };

const DAY = 86_400_000;
const REFUSED = "billing:readOnly.refused";

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let pool: typeof Pool;
let ledger: typeof LedgerServer;
let limits: typeof LimitsServer;
let notices: typeof Notices;
let forecastRun: typeof ForecastRun;
let forecastJobs: typeof ForecastJobs;
let alertRun: typeof AlertRun;
let digest: typeof Digest;
let summary: typeof Summary;
let settings: typeof AlertSettingsServer;
let page: typeof SettingsPage;

/** Turns read-only. */
let R: SeededShop;
/** On Pro all along. */
let B: SeededShop;
let accountR: string;
/** A run of R started with full access, finished after R turned read-only. */
let runGoing: string;

const owner = (shop: SeededShop) => `owner@${shop.domain}`;

/** Out of stock at once, dead stock in the daily digest (any stock value), to the shop's own address. */
const ALERT_SETTINGS = {
  quietHours: null,
  rules: [
    { id: "oos", type: "out_of_stock" },
    { id: "dead", type: "dead_stock", frequency: "daily", noSaleForDays: 90, minStockValue: 0 },
  ],
  recipients: [],
};

const routes: Record<string, () => Promise<unknown>> = {
  forecast: () => import("../../app/routes/api.variants.$variantId.forecast"),
  recompute: () => import("../../app/routes/api.variants.$variantId.recompute"),
  recomputes: () => import("../../app/routes/api.recomputes.$id"),
  stockAdvice: () => import("../../app/routes/api.products.$productId.stock-advice"),
  variantsCsv: () => import("../../app/routes/app.variants[.csv]"),
  settings: () => import("../../app/routes/app.settings"),
};

async function route(name: keyof typeof routes): Promise<Route> {
  return (await routes[name]!()) as Route;
}

function call(handler: Handler, shop: SeededShop, path: string, params: Record<string, string> = {}, init: RequestInit = {}) {
  const headers = new Headers(init.headers);
  headers.set("Authorization", `Bearer ${sessionToken(shop.domain)}`);
  return handler({ request: new Request(`https://fluxor.test${path}`, { ...init, headers }), params, context: {} });
}

async function shopOf(seeded: SeededShop): Promise<Shop> {
  const { shopById } = await import("../../app/shops/lookup.server");
  const found = await shopById(pool.pool(), seeded.shopId);
  if (!found) throw new Error("shop missing");
  return found;
}

/** The shop's ledger events, as the Shopify rail records them. */
async function record(accountId: string, events: BillingEventInput[]): Promise<void> {
  await pool.inTransaction((tx) => ledger.recordEvents(tx, accountId, events));
}

/** An active Pro subscription `id` from `at` for 30 days. */
function proSubscription(shop: SeededShop, id: string, at: Date): BillingEventInput[] {
  const terms = { subscriptionId: id, plan: "pro" as const, interval: "monthly" as const, priceCents: 7900 };
  const from = at.toISOString();
  return [
    { type: "subscription_created", provider: "shopify", providerEventId: `${id}:created`, occurredAt: from, ...terms },
    {
      type: "activated",
      provider: "shopify",
      providerEventId: `${id}:activated`,
      occurredAt: from,
      ...terms,
      currentPeriodStart: from,
      currentPeriodEnd: new Date(at.getTime() + 30 * DAY).toISOString(),
      trialEndsAt: null,
    },
  ];
}

async function subscribe(shop: SeededShop): Promise<string> {
  const now = Date.now();
  const account = await pool.inTransaction((tx) =>
    ledger.openAccount(tx, { id: shop.shopId, domain: shop.domain }, new Date(now - 20 * DAY)),
  );
  await record(account.id, proSubscription(shop, `sub-${shop.shopId}`, new Date(now - 10 * DAY)));
  return account.id;
}

/** Variant `index` an out-of-stock best seller: 20 a day until 30 days ago, none left. */
async function outOfStock(shop: SeededShop, index: number): Promise<void> {
  const variant = shop.variantIds[index]!;
  await sql(db.url, `DELETE FROM "DailyDemand" WHERE "shopId" = $1 AND "variantId" = $2`, [shop.shopId, variant]);
  await sql(
    db.url,
    `INSERT INTO "DailyDemand" ("shopId", "variantId", "locationId", day, units, revenue, "inStock")
     SELECT $1, $2, 1001, $3::date - g, 20, 200, NULL FROM generate_series(30, 400) g`,
    [shop.shopId, variant, shop.yesterday],
  );
  await sql(
    db.url,
    `UPDATE "InventoryLevel" l SET available = 0 FROM "ProductVariant" v
      WHERE l."shopId" = $1 AND v."shopId" = $1 AND v."inventoryItemId" = l."inventoryItemId" AND v.id = $2`,
    [shop.shopId, variant],
  );
}

/** Variant 1 dead stock: no sale for 200 days, 30 left. */
async function deadStock(shop: SeededShop): Promise<void> {
  const variant = shop.variantIds[1]!;
  await sql(db.url, `DELETE FROM "DailyDemand" WHERE "shopId" = $1 AND "variantId" = $2 AND day > $3::date - 200`, [
    shop.shopId,
    variant,
    shop.yesterday,
  ]);
  await sql(
    db.url,
    `UPDATE "InventoryLevel" l SET available = 30 FROM "ProductVariant" v
      WHERE l."shopId" = $1 AND v."shopId" = $1 AND v."inventoryItemId" = l."inventoryItemId" AND v.id = $2`,
    [shop.shopId, variant],
  );
}

async function finishRuns(): Promise<void> {
  await drainForecastJobs(db.url, {
    [forecastJobs.forecastBatchJob.name]: async (p) => {
      await forecastRun.runBatch(forecastJobs.forecastBatchJob.payload.parse(p));
    },
  });
}

async function runForecast(shopId: string): Promise<string> {
  const runId = await forecastRun.startRun(shopId, "manual");
  expect(runId).toBeTruthy();
  await finishRuns();
  return runId!;
}

async function messages(shopId: string, kind: string) {
  return sql<{ recipient: string; idempotencyKey: string; content: { step?: string } }>(
    db.url,
    `SELECT recipient, "idempotencyKey", content FROM "EmailMessage" WHERE "shopId" = $1 AND kind = $2 ORDER BY "createdAt", recipient`,
    [shopId, kind],
  );
}

async function notifications(shopId: string) {
  return sql<{ type: string; variantId: string | null; frequency: string; emailed: boolean }>(
    db.url,
    `SELECT type, "variantId"::text AS "variantId", frequency, "emailedAt" IS NOT NULL AS emailed
       FROM "AlertNotification" WHERE "shopId" = $1 ORDER BY type, "variantId"`,
    [shopId],
  );
}

async function episodesOf(shopId: string, variantId: string) {
  return sql(db.url, `SELECT key FROM "AlertEpisode" WHERE "shopId" = $1 AND "variantId" = $2`, [shopId, variantId]);
}

/** The digest tick at 09:30 UTC tomorrow (past 08:00 in London, the default delivery hour), then the jobs it queued. */
const TOMORROW = new Date(Date.now() + DAY).toISOString().slice(0, 10);
const TICK = new Date(`${TOMORROW}T09:30:00Z`);
async function digestTick(): Promise<{ shopId: string; kind: string; periodKey: string; dueAt: string }[]> {
  await digest.queueDueDigests(TICK);
  const jobs = await sql<{ payload: { shopId: string; kind: "daily" | "weekly" | "summary"; periodKey: string; dueAt: string } }>(
    db.url,
    JOBS_OF("alerts.digest"),
  );
  // What the worker does with them.
  await drainForecastJobs(db.url, {
    "alerts.digest": async (p) => {
      const { shopId, kind, periodKey, dueAt } = p as (typeof jobs)[number]["payload"];
      if (kind === "summary") await summary.sendWeeklySummary(shopId, periodKey, new Date(dueAt));
      else await digest.sendDigest(shopId, kind, periodKey, new Date(dueAt));
    },
  });
  return jobs.map((j) => j.payload);
}

async function storedAlertConfig(shopId: string): Promise<unknown> {
  const [row] = await sql<{ config: unknown }>(db.url, `SELECT config FROM "AlertSettings" WHERE "shopId" = $1`, [shopId]);
  return row?.config ?? null;
}

async function storedForecastSettings(shopId: string) {
  return sql(
    db.url,
    `SELECT s."serviceLevel", s."leadTimeDays", s."updatedAt",
            (SELECT json_agg(json_build_object('vendor', vendor, 'days', "leadTimeDays") ORDER BY vendor) FROM "VendorLeadTime" WHERE "shopId" = $1) AS vendors
       FROM "ShopSettings" s WHERE s."shopId" = $1`,
    [shopId],
  );
}

function settingsForm(intent: string, fields: Record<string, string>): RequestInit {
  const form = new FormData();
  form.set("intent", intent);
  for (const [name, value] of Object.entries(fields)) form.set(name, value);
  return { method: "POST", body: form };
}

const RULES = {
  serviceLevelPercent: "97.5",
  leadTimeDays: "21",
  leadTimeSdDays: "4",
  reviewPeriodDays: "7",
  orderCost: "25",
  holdingCostPercent: "25",
};

async function saveForecastSettings(shop: SeededShop, intent: string, fields: Record<string, string>): Promise<SettingsAction> {
  const settingsRoute = await route("settings");
  return (await call(settingsRoute.action, shop, "/app/settings", {}, settingsForm(intent, fields))) as unknown as SettingsAction;
}

async function apiStatus(shop: SeededShop): Promise<{ forecast: Response; recompute: Response; recomputes: Response }> {
  const variantId = shop.variantIds[2]!;
  const id = randomUUID();
  return {
    forecast: await call((await route("forecast")).loader, shop, `/api/variants/${variantId}/forecast`, { variantId }),
    recompute: await call(
      (await route("recompute")).action,
      shop,
      `/api/variants/${variantId}/recompute`,
      { variantId },
      { method: "POST" },
    ),
    recomputes: await call((await route("recomputes")).loader, shop, `/api/recomputes/${id}`, { id }),
  };
}

beforeAll(async () => {
  db = await createTestDatabase();
  pool = await import("../../app/db/pool.server");
  ledger = await import("../../app/billing/ledger.server");
  limits = await import("../../app/billing/limits.server");
  notices = await import("../../app/billing/notices.server");
  forecastRun = await import("../../app/forecasts/run.server");
  forecastJobs = await import("../../app/jobs/contracts/forecasts");
  alertRun = await import("../../app/alerts/run.server");
  digest = await import("../../app/alerts/digest.server");
  summary = await import("../../app/alerts/summary.server");
  settings = await import("../../app/alerts/settings.server");
  page = await import("../../app/alerts/settings-page.server");

  const seed = (name: string) =>
    seedShop(db.url, { domain: `${name}.myshopify.com`, products: 8, variantsPerProduct: 2, days: 400, seed: 3 });
  [R, B] = [await seed("read-only"), await seed("paying")];
  await sql(db.url, `UPDATE "Shop" SET "installState" = 'INSTALLED', scopes = $1, email = 'owner@' || domain`, [process.env.SCOPES]);
  const shopify = (await import("../../app/shopify.server")).default;
  for (const shop of [R, B]) {
    await shopify.sessionStorage.storeSession(
      new Session({
        id: `offline_${shop.domain}`,
        shop: shop.domain,
        state: "",
        isOnline: false,
        scope: process.env.SCOPES,
        accessToken: `shpat_${shop.domain}`,
      }),
    );
    await outOfStock(shop, 0);
    await deadStock(shop);
    expect((await settings.saveAlertSettings(shop.shopId, shop.domain, ALERT_SETTINGS)).ok).toBe(true);
  }
  accountR = await subscribe(R);
  await subscribe(B);
}, 180_000);

afterAll(async () => {
  await pool?.closePool();
  await (await import("../../app/db/prisma.server")).disconnectPrisma();
  await db?.drop();
});

describe("with full access", () => {
  it("alerts both shops (out of stock at once, dead stock waiting for the digest) and saves their settings", async () => {
    for (const shop of [R, B]) {
      const runId = await runForecast(shop.shopId);
      expect(await alertRun.evaluateRun(shop.shopId, runId)).toMatchObject({ outcome: "evaluated", emails: 1 });
      const found = await notifications(shop.shopId);
      expect(found.filter((n) => n.type === "out_of_stock")).toEqual([
        { type: "out_of_stock", variantId: shop.variantIds[0], frequency: "immediate", emailed: true },
      ]);
      expect(found).toContainEqual({ type: "dead_stock", variantId: shop.variantIds[1], frequency: "daily", emailed: false });
      expect(await saveForecastSettings(shop, "settings", RULES)).toEqual({ intent: "settings", ok: true, rerun: false });
      const override = { scope: "vendor", key: "Vendor 3", leadTimeDays: "30", leadTimeSdDays: "2" };
      expect(await saveForecastSettings(shop, "override", override)).toEqual({ intent: "override", ok: true });
    }
    expect((await limits.shopAccess(pool.pool(), R.shopId)).level).toBe("full");
  });
});

describe("read-only: the grace period of a frozen subscription over, then the subscription cancelled", () => {
  beforeAll(async () => {
    // More trouble for R, found by a run that starts now and finishes once R is read-only.
    await outOfStock(R, 2);
    runGoing = (await forecastRun.startRun(R.shopId, "manual"))!;
    expect(runGoing).toBeTruthy();
    const frozen = new Date(Date.now() - 8 * DAY).toISOString();
    await record(accountR, [
      { type: "frozen", provider: "shopify", providerEventId: `${R.shopId}:frozen`, subscriptionId: `sub-${R.shopId}`, occurredAt: frozen },
    ]);
    expect(await limits.shopAccess(pool.pool(), R.shopId)).toMatchObject({ level: "read_only", reason: "grace_over" });
  });

  it("does not evaluate a run that finishes in read-only mode, and starts none", async () => {
    await finishRuns();
    const before = await notifications(R.shopId);
    expect(await alertRun.evaluateRun(R.shopId, runGoing)).toMatchObject({ outcome: "read_only", notifications: 0, emails: 0 });
    expect(await notifications(R.shopId)).toEqual(before);
    expect(await episodesOf(R.shopId, R.variantIds[2]!)).toEqual([]);
    expect(await messages(R.shopId, "alert")).toHaveLength(1);
    expect(await forecastRun.startRun(R.shopId, "nightly")).toBeNull();
  });

  it("queues no digest for R and sends nothing from a job queued before, leaving its notifications pending; B gets its digest", async () => {
    const jobs = await digestTick();
    expect(jobs.map((j) => [j.shopId, j.kind])).toEqual([[B.shopId, "daily"]]);
    expect((await messages(B.shopId, "digest")).map((m) => m.recipient)).toEqual([owner(B)]);

    const period = jobs[0]!;
    expect(await digest.sendDigest(R.shopId, "daily", period.periodKey, new Date(period.dueAt))).toBe(0);
    expect(await summary.sendWeeklySummary(R.shopId, "weekly:read-only", TICK)).toBe(0);
    expect(await messages(R.shopId, "digest")).toEqual([]);
    expect(await messages(R.shopId, "summary")).toEqual([]);
    expect((await notifications(R.shopId)).find((n) => n.type === "dead_stock")).toMatchObject({ emailed: false });
    // B's weekly summary is not held back by R's mode.
    expect(await summary.sendWeeklySummary(B.shopId, "weekly:read-only", TICK)).toBe(1);
  });

  it("refuses the settings saves of R with the read-only error and changes nothing; B saves", async () => {
    const forecastBefore = await storedForecastSettings(R.shopId);
    expect(await saveForecastSettings(R, "settings", { ...RULES, serviceLevelPercent: "90" })).toEqual({
      intent: "settings",
      ok: false,
      errors: { form: REFUSED },
    });
    const override = { scope: "vendor", key: "Vendor 4", leadTimeDays: "9", leadTimeSdDays: "1" };
    expect(await saveForecastSettings(R, "override", override)).toEqual({ intent: "override", ok: false, errors: { form: REFUSED } });
    expect(await saveForecastSettings(R, "delete-override", { scope: "vendor", key: "Vendor 3" })).toEqual({
      intent: "delete-override",
      ok: false,
      errors: { form: REFUSED },
    });
    expect(await storedForecastSettings(R.shopId)).toEqual(forecastBefore);
    const settingsPage = (await call((await route("settings")).loader, R, "/app/settings")) as unknown as { readOnly: string | null };
    expect(settingsPage.readOnly).toBe("grace_over");

    const alertsBefore = await storedAlertConfig(R.shopId);
    const loaded = await page.loadAlertSettingsPage(await shopOf(R));
    expect(loaded.readOnly).toBe("grace_over");
    const values = structuredClone(loaded.values);
    values.deliveryHour = "10";
    expect(await page.saveAlertSettingsForm(await shopOf(R), values)).toEqual({ ok: false, errors: { form: REFUSED } });
    expect(await storedAlertConfig(R.shopId)).toEqual(alertsBefore);
    expect(await page.sendTestEmail(await shopOf(R), values, owner(R))).toEqual({ ok: false, reason: "read_only" });
    expect(await messages(R.shopId, "test")).toEqual([]);

    expect(await saveForecastSettings(B, "settings", { ...RULES, serviceLevelPercent: "90" })).toMatchObject({ ok: true });
    const loadedB = await page.loadAlertSettingsPage(await shopOf(B));
    expect(loadedB.readOnly).toBeNull();
    expect(await page.saveAlertSettingsForm(await shopOf(B), { ...loadedB.values, deliveryHour: "8" })).toEqual({
      ok: true,
      toConfirm: [],
    });
  });

  it("answers 403 read_only on the API, and keeps the admin block, the CSV export and the billing emails going", async () => {
    const refused = await apiStatus(R);
    for (const response of Object.values(refused)) {
      expect(response.status).toBe(403);
      expect(await response.json()).toEqual({ error: "read_only", reason: "grace_over" });
    }
    const open = await apiStatus(B);
    expect(open.forecast.status).toBe(200);
    expect(open.recompute.status).toBe(202);
    expect(open.recomputes.status).toBe(404);

    const productId = "1";
    const advice = await call((await route("stockAdvice")).loader, R, `/api/products/${productId}/stock-advice`, { productId });
    expect(advice.status).toBe(200);
    expect(((await advice.json()) as { variants: unknown[] }).variants).toHaveLength(2);
    const csv = await call((await route("variantsCsv")).loader, R, "/app/variants.csv");
    expect(csv.status).toBe(200);
    expect(await csv.text()).toContain("SKU-11");

    const counts = await notices.queueDunningEmails(pool.pool(), new Date());
    expect(counts.queued).toBe(1);
    expect((await messages(R.shopId, "billing")).map((m) => [m.recipient, m.content.step])).toEqual([[owner(R), "read_only"]]);
  });

  it("stays read-only once the frozen subscription is cancelled", async () => {
    await record(accountR, [
      {
        type: "cancelled",
        provider: "shopify",
        providerEventId: `${R.shopId}:cancelled`,
        subscriptionId: `sub-${R.shopId}`,
        occurredAt: new Date(Date.now() - 60_000).toISOString(),
      },
    ]);
    expect(await limits.shopAccess(pool.pool(), R.shopId)).toMatchObject({ level: "read_only", reason: "ended" });
    const { forecast } = await apiStatus(R);
    expect(await forecast.json()).toEqual({ error: "read_only", reason: "ended" });
    expect(await digestTick()).toEqual([]);
  });
});

describe("after R subscribes again", () => {
  beforeAll(async () => {
    await record(accountR, proSubscription(R, `sub-${R.shopId}-again`, new Date(Date.now() - 30_000)));
    expect(await limits.shopAccess(pool.pool(), R.shopId)).toMatchObject({ level: "full", reason: "subscribed" });
  });

  it("saves settings and answers the API again", async () => {
    expect(await saveForecastSettings(R, "settings", { ...RULES, serviceLevelPercent: "90" })).toMatchObject({ ok: true });
    const loaded = await page.loadAlertSettingsPage(await shopOf(R));
    expect(loaded.readOnly).toBeNull();
    expect(await page.saveAlertSettingsForm(await shopOf(R), { ...loaded.values, deliveryHour: "8" })).toEqual({ ok: true, toConfirm: [] });
    const { forecast } = await apiStatus(R);
    expect(forecast.status).toBe(200);
  });

  it("sends the digest of what waited once, then nothing more for the period", async () => {
    const jobs = await digestTick();
    expect(jobs.map((j) => [j.shopId, j.kind])).toEqual([[R.shopId, "daily"]]);
    const digests = await messages(R.shopId, "digest");
    expect(digests.map((m) => m.idempotencyKey)).toEqual([`digest:${R.shopId}:${jobs[0]!.periodKey}:${owner(R)}`]);
    expect((await notifications(R.shopId)).every((n) => n.emailed)).toBe(true);
    expect(await digestTick()).toEqual([]);
    expect(await messages(R.shopId, "digest")).toHaveLength(1);
  });

  it("tells, with the next run, the trouble found while read-only, once", async () => {
    const runId = await runForecast(R.shopId);
    expect(await alertRun.evaluateRun(R.shopId, runId)).toMatchObject({ outcome: "evaluated", emails: 1 });
    const oos = (await notifications(R.shopId)).filter((n) => n.type === "out_of_stock");
    expect(oos.map((n) => n.variantId)).toEqual([R.variantIds[0], R.variantIds[2]]);
    expect(await messages(R.shopId, "alert")).toHaveLength(2);
    expect(await alertRun.evaluateRun(R.shopId, runId)).toMatchObject({ notifications: 0, emails: 0 });
  });
});
