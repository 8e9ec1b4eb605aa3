/**
 * The plans' features and location limit, enforced gracefully (decision 0047), against real PostgreSQL:
 * - a Starter shop's alert settings save that asks for an immediate rule, a dead-stock rule or one recipient too
 *   many is refused on that field (naming Pro) and changes nothing, while what it already had saves as it was;
 * - a shop downgraded from Pro to Starter keeps its stored rules and recipients: its immediate out-of-stock rule
 *   goes out in the daily digest, its dead-stock rule is skipped, only its first extra recipient receives, and a
 *   failed forecast run reaches it at the digest's hour; the same settings on a Pro shop run as set (tenancy: one
 *   shop's plan never changes another's);
 * - the read API answers 403 `plan_feature` for Starter and 200 for Pro; the admin block's route stays open;
 * - CSV exports stay open on every plan of the catalogue, and a plan without CSV export gets a 403;
 * - a shop on the trial has the trial plan's features;
 * - over the location limit the forecast counts the top locations by revenue (or the first chosen), and nothing
 *   is deleted; a shop without a billing account is not limited.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { Session } from "@shopify/shopify-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type * as AlertRun from "../../app/alerts/run.server";
import type * as Digest from "../../app/alerts/digest.server";
import type * as AlertSettingsServer from "../../app/alerts/settings.server";
import type * as SettingsForm from "../../app/alerts/settings-form";
import type * as SettingsPage from "../../app/alerts/settings-page.server";
import type * as LedgerServer from "../../app/billing/ledger.server";
import type * as Plans from "../../app/billing/plans";
import type * as Pool from "../../app/db/pool.server";
import type * as ForecastRun from "../../app/forecasts/run.server";
import type * as Store from "../../app/forecasts/store.server";
import type * as ForecastJobs from "../../app/jobs/contracts/forecasts";
import type { Shop } from "../../app/shops/lookup.server";
import { createTestDatabase, sql } from "../support/db";
import { drainForecastJobs, seedShop, type SeededShop } from "../support/forecast-seed";
import { sessionToken } from "../support/session-token";

process.env.SHOPIFY_API_KEY = "fluxor-test-key";
process.env.SHOPIFY_API_SECRET = "fluxor-test-secret-" + randomBytes(6).toString("hex");
process.env.SHOPIFY_APP_URL = "https://fluxor.test";
process.env.SCOPES = "read_products,read_orders,read_inventory";
process.env.FLUXOR_ENCRYPTION_KEYS = `t1:${randomBytes(32).toString("base64")}`;
process.env.FORECAST_BATCH_SIZE = "200";
process.env.FORECAST_AUGURS = "0";
process.env.FORECAST_THREADS = "0";
process.env.RESEND_API_KEY = "re_test_key";
process.env.FLUXOR_EMAIL_FROM = "Fluxor <alerts@fluxor.test>";

type Args = { request: Request; params: Record<string, string>; context: Record<string, never> };
type Handler = (args: Args) => Promise<Response>;

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let pool: typeof Pool;
let ledger: typeof LedgerServer;
let forecastRun: typeof ForecastRun;
let forecastJobs: typeof ForecastJobs;
let store: typeof Store;
let alertRun: typeof AlertRun;
let digest: typeof Digest;
let settings: typeof AlertSettingsServer;
let page: typeof SettingsPage;
let catalogue: typeof Plans.CATALOGUE;

/** Starter from the start. */
let S: SeededShop;
/** Pro, then downgraded to Starter. */
let D: SeededShop;
/** Pro. */
let P: SeededShop;
/** No billing account. */
let N: SeededShop;

const owner = (shop: SeededShop) => `owner@${shop.domain}`;
const EXTRAS = ["a@team.test", "b@team.test", "c@team.test"];

type Route = { loader: Handler; action: Handler };
const routes: Record<string, () => Promise<unknown>> = {
  forecast: () => import("../../app/routes/api.variants.$variantId.forecast"),
  recompute: () => import("../../app/routes/api.variants.$variantId.recompute"),
  recomputes: () => import("../../app/routes/api.recomputes.$id"),
  stockAdvice: () => import("../../app/routes/api.products.$productId.stock-advice"),
  variantsCsv: () => import("../../app/routes/app.variants[.csv]"),
  analyticsCsv: () => import("../../app/routes/app.alerts.analytics[.csv]"),
  variants: () => import("../../app/routes/app.variants._index"),
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

/** An active subscription to `plan` that began 10 days ago (the Shopify rail's events). */
async function subscribe(shop: SeededShop, plan: Plans.PlanId): Promise<string> {
  const now = Date.now();
  const account = await pool.inTransaction((tx) =>
    ledger.openAccount(tx, { id: shop.shopId, domain: shop.domain }, new Date(now - 20 * 86_400_000)),
  );
  const at = new Date(now - 10 * 86_400_000).toISOString();
  const end = new Date(now + 20 * 86_400_000).toISOString();
  const terms = {
    subscriptionId: `sub-${shop.shopId}`,
    plan,
    interval: "monthly" as const,
    priceCents: catalogue.plans[plan].priceCents.monthly,
  };
  await pool.inTransaction((tx) =>
    ledger.recordEvents(tx, account.id, [
      { type: "subscription_created", provider: "shopify", providerEventId: `${shop.shopId}:created`, occurredAt: at, ...terms },
      {
        type: "activated",
        provider: "shopify",
        providerEventId: `${shop.shopId}:activated`,
        occurredAt: at,
        ...terms,
        currentPeriodStart: at,
        currentPeriodEnd: end,
        trialEndsAt: null,
      },
    ]),
  );
  return account.id;
}

/** The downgrade applied at a new period (Shopify's APPLY_ON_NEXT_BILLING_CYCLE, come due). */
async function changePlan(shop: SeededShop, accountId: string, plan: Plans.PlanId): Promise<void> {
  const at = new Date(Date.now() - 60_000).toISOString();
  await pool.inTransaction((tx) =>
    ledger.recordEvents(tx, accountId, [
      {
        type: "plan_changed",
        provider: "shopify",
        providerEventId: `${shop.shopId}:changed:${plan}`,
        occurredAt: at,
        subscriptionId: `sub-${shop.shopId}`,
        plan,
        interval: "monthly",
        priceCents: catalogue.plans[plan].priceCents.monthly,
        currentPeriodStart: at,
        currentPeriodEnd: new Date(Date.now() + 30 * 86_400_000).toISOString(),
      },
    ]),
  );
}

/** Variant 0 an out-of-stock best seller (20 a day, nothing for 30 days, none left); variant 1 dead stock (no sale for 200 days, 30 left). */
async function shapeDemand(shop: SeededShop): Promise<void> {
  const [best, dead] = [shop.variantIds[0]!, shop.variantIds[1]!];
  await sql(db.url, `DELETE FROM "DailyDemand" WHERE "shopId" = $1 AND "variantId" = $2`, [shop.shopId, best]);
  await sql(
    db.url,
    `INSERT INTO "DailyDemand" ("shopId", "variantId", "locationId", day, units, revenue, "inStock")
     SELECT $1, $2, 1001, $3::date - g, 20, 200, NULL FROM generate_series(30, 400) g`,
    [shop.shopId, best, shop.yesterday],
  );
  await sql(db.url, `DELETE FROM "DailyDemand" WHERE "shopId" = $1 AND "variantId" = $2 AND day > $3::date - 200`, [
    shop.shopId,
    dead,
    shop.yesterday,
  ]);
  await sql(
    db.url,
    `UPDATE "InventoryLevel" l SET available = CASE WHEN v.id = $2 THEN 0 ELSE 30 END
       FROM "ProductVariant" v WHERE l."shopId" = $1 AND v."shopId" = $1 AND v."inventoryItemId" = l."inventoryItemId" AND v.id = ANY($3::bigint[])`,
    [shop.shopId, best, [best, dead]],
  );
}

async function runForecast(shopId: string): Promise<string> {
  const runId = await forecastRun.startRun(shopId, "manual");
  await drainForecastJobs(db.url, {
    [forecastJobs.forecastBatchJob.name]: async (p) => {
      await forecastRun.runBatch(forecastJobs.forecastBatchJob.payload.parse(p));
    },
  });
  const [run] = await sql<{ status: string }>(db.url, `SELECT status FROM "ForecastRun" WHERE id = $1`, [runId]);
  expect(run?.status).toBe("completed");
  return runId!;
}

/** The rules of the downgrade scenario: out of stock at once, dead stock weekly (any value), and three extra addresses. */
const RICH_SETTINGS = {
  quietHours: null,
  rules: [
    { id: "oos", type: "out_of_stock" },
    { id: "dead", type: "dead_stock", noSaleForDays: 90, minStockValue: 0 },
    { id: "failed", type: "forecast_failed" },
  ],
  recipients: EXTRAS.map((email) => ({ email })),
};

async function storedConfig(shopId: string): Promise<unknown> {
  const [row] = await sql<{ config: unknown }>(db.url, `SELECT config FROM "AlertSettings" WHERE "shopId" = $1`, [shopId]);
  return row?.config ?? null;
}

async function notifications(shopId: string) {
  return sql<{ type: string; frequency: string }>(
    db.url,
    `SELECT type, frequency FROM "AlertNotification" WHERE "shopId" = $1 ORDER BY type, frequency`,
    [shopId],
  );
}

async function messages(shopId: string, kind: string) {
  return sql<{ recipient: string; content: { sections?: { alertType: string }[] } }>(
    db.url,
    `SELECT recipient, content FROM "EmailMessage" WHERE "shopId" = $1 AND kind = $2 ORDER BY recipient`,
    [shopId, kind],
  );
}

beforeAll(async () => {
  db = await createTestDatabase();
  pool = await import("../../app/db/pool.server");
  ledger = await import("../../app/billing/ledger.server");
  forecastRun = await import("../../app/forecasts/run.server");
  forecastJobs = await import("../../app/jobs/contracts/forecasts");
  store = await import("../../app/forecasts/store.server");
  alertRun = await import("../../app/alerts/run.server");
  digest = await import("../../app/alerts/digest.server");
  settings = await import("../../app/alerts/settings.server");
  page = await import("../../app/alerts/settings-page.server");
  catalogue = (await import("../../app/billing/plans")).CATALOGUE;

  const seed = (name: string, seed: number) =>
    seedShop(db.url, { domain: `${name}.myshopify.com`, products: 8, variantsPerProduct: 2, days: 400, seed });
  [S, D, P, N] = [await seed("starter", 3), await seed("downgraded", 3), await seed("pro", 3), await seed("no-account", 3)];
  await sql(db.url, `UPDATE "Shop" SET "installState" = 'INSTALLED', scopes = $1, email = 'owner@' || domain`, [process.env.SCOPES]);
  const shopify = (await import("../../app/shopify.server")).default;
  for (const shop of [S, D, P, N]) {
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
    await shapeDemand(shop);
  }
  await subscribe(S, "starter");
  await subscribe(P, "pro");
}, 180_000);

afterAll(async () => {
  await pool?.closePool();
  await (await import("../../app/db/prisma.server")).disconnectPrisma();
  await db?.drop();
});

describe("alert settings on the Starter plan", () => {
  async function form(change: (values: SettingsForm.AlertFormValues) => void) {
    const loaded = await page.loadAlertSettingsPage(await shopOf(S));
    const values = structuredClone(loaded.values);
    change(values);
    return values;
  }
  const index = (values: SettingsForm.AlertFormValues, id: string) => values.rules.findIndex((rule) => rule.id === id);

  it("shows what the plan holds back of the defaults and what each choice needs", async () => {
    const loaded = await page.loadAlertSettingsPage(await shopOf(S));
    expect(loaded.plan).toMatchObject({
      plan: "starter",
      needs: { frequencies: { immediate: "pro" }, types: { dead_stock: "pro" } },
      extraRecipients: 1,
      held: { recipients: [] },
    });
    expect(loaded.plan?.held.rules.map((hold) => [hold.ruleId, hold.held])).toEqual([
      ["out_of_stock", "frequency"],
      ["dead_stock", "type"],
      ["forecast_failed", "frequency"],
    ]);
  });

  it("refuses an immediate rule, a dead-stock rule turned on and a recipient too many, each on its field, and changes nothing", async () => {
    const shop = await shopOf(S);
    const immediate = await form((v) => {
      v.rules[index(v, "reorder_point")]!.frequency = "immediate";
    });
    const refused = await page.saveAlertSettingsForm(shop, immediate);
    expect(refused).toEqual({
      ok: false,
      errors: { [`rules.${index(immediate, "reorder_point")}.frequency`]: "errors.plan.pro.frequency" },
    });
    // Not even the settings' row is created.
    expect(await storedConfig(S.shopId)).toBeNull();

    // Dead stock off is fine (and saved); turning it back on is asking for it.
    const off = await form((v) => {
      v.rules[index(v, "dead_stock")]!.enabled = false;
    });
    expect((await page.saveAlertSettingsForm(shop, off)).ok).toBe(true);
    const saved = await storedConfig(S.shopId);
    const on = await form((v) => {
      v.rules[index(v, "dead_stock")]!.enabled = true;
    });
    expect(await page.saveAlertSettingsForm(shop, on)).toEqual({
      ok: false,
      errors: { [`rules.${index(on, "dead_stock")}.enabled`]: "errors.plan.pro.type" },
    });

    const recipients = await form((v) => {
      v.recipients = [
        { email: "one@team.test", disabledTypes: [] },
        { email: "two@team.test", disabledTypes: [] },
      ];
    });
    expect(await page.saveAlertSettingsForm(shop, recipients)).toEqual({
      ok: false,
      errors: { "recipients.1.email": "errors.plan.pro.recipients" },
    });

    expect(await storedConfig(S.shopId)).toEqual(saved);
    expect(await messages(S.shopId, "confirm")).toEqual([]);
  });

  it("does not limit a shop without a billing account: any rule, cadence and number of recipients saves", async () => {
    const saved = await settings.saveAlertSettings(N.shopId, N.domain, {
      rules: [
        { id: "rp", type: "reorder_point", frequency: "immediate" },
        { id: "dead", type: "dead_stock" },
      ],
      recipients: EXTRAS.map((email) => ({ email })),
    });
    expect(saved.ok).toBe(true);
    expect((await page.loadAlertSettingsPage(await shopOf(N))).plan).toBeNull();
  });

  it("keeps what the shop already had savable, and saves one extra recipient", async () => {
    const shop = await shopOf(S);
    const one = await form((v) => {
      v.recipients = [{ email: "one@team.test", disabledTypes: [] }];
      v.deliveryHour = "9";
    });
    expect(await page.saveAlertSettingsForm(shop, one)).toEqual({ ok: true, toConfirm: ["one@team.test"] });
    const stored = (await storedConfig(S.shopId)) as { rules: { id: string; frequency: string }[]; deliveryHour: number };
    expect(stored.deliveryHour).toBe(9);
    expect(stored.rules.find((rule) => rule.id === "out_of_stock")?.frequency).toBe("immediate");
  });
});

describe("a shop downgraded from Pro to Starter, beside a Pro shop with the same settings", () => {
  let accountD: string;

  beforeAll(async () => {
    accountD = await subscribe(D, "pro");
    for (const shop of [D, P]) {
      const saved = await settings.saveAlertSettings(shop.shopId, shop.domain, RICH_SETTINGS);
      expect(saved.ok).toBe(true);
      for (const email of EXTRAS) expect(await settings.confirmRecipient(shop.shopId, email)).toBe(true);
    }
    await changePlan(D, accountD, "starter");
  }, 60_000);

  it("keeps the stored settings, saves other changes, and shows what is held back", async () => {
    const before = (await storedConfig(D.shopId)) as { rules: unknown[]; recipients: unknown[] };
    expect(before.rules).toHaveLength(3);
    expect(before.recipients).toHaveLength(3);
    const loaded = await page.loadAlertSettingsPage(await shopOf(D));
    expect(loaded.plan?.held).toEqual({
      rules: [
        { ruleId: "oos", type: "out_of_stock", held: "frequency", frequency: "immediate", deliveredAs: "daily", requiredPlan: "pro" },
        { ruleId: "dead", type: "dead_stock", held: "type", requiredPlan: "pro" },
        { ruleId: "failed", type: "forecast_failed", held: "frequency", frequency: "immediate", deliveredAs: "daily", requiredPlan: "pro" },
      ],
      recipients: ["b@team.test", "c@team.test"],
    });
    const values = structuredClone(loaded.values);
    values.weeklyDay = "friday";
    expect(await page.saveAlertSettingsForm(await shopOf(D), values)).toEqual({ ok: true, toConfirm: [] });
    const after = (await storedConfig(D.shopId)) as { rules: unknown[]; recipients: unknown[]; weeklyDay: string };
    expect(after).toMatchObject({ rules: before.rules, recipients: before.recipients, weeklyDay: "friday" });
  });

  it("sends the immediate rule in the daily digest, to the shop and its first extra recipient, and skips dead stock", async () => {
    const runD = await runForecast(D.shopId);
    const summary = await alertRun.evaluateRun(D.shopId, runD);
    expect(summary).toMatchObject({ outcome: "evaluated", emails: 0 });
    expect(await notifications(D.shopId)).toEqual([{ type: "out_of_stock", frequency: "daily" }]);
    expect(await messages(D.shopId, "alert")).toEqual([]);

    expect(await digest.sendDigest(D.shopId, "daily", "entitlements-1", new Date())).toBe(2);
    const digests = await messages(D.shopId, "digest");
    expect(digests.map((m) => m.recipient)).toEqual(["a@team.test", owner(D)]);
    for (const m of digests) expect(m.content.sections?.map((s) => s.alertType)).toEqual(["out_of_stock"]);
  });

  it("the same settings on the Pro shop run as set: at once, dead stock included, every confirmed recipient", async () => {
    const runP = await runForecast(P.shopId);
    const summary = await alertRun.evaluateRun(P.shopId, runP);
    expect(summary.outcome).toBe("evaluated");
    const found = await notifications(P.shopId);
    expect(found).toContainEqual({ type: "out_of_stock", frequency: "immediate" });
    expect(found).toContainEqual({ type: "dead_stock", frequency: "weekly" });
    expect((await messages(P.shopId, "alert")).map((m) => m.recipient)).toEqual([...EXTRAS, owner(P)]);
  });

  it("tells the downgraded shop of a failed forecast run at the digest's hour", async () => {
    const runId = await forecastRun.startRun(D.shopId, "manual");
    await forecastRun.failRun(runId!, "boom");
    expect(await alertRun.evaluateRun(D.shopId, runId!)).toMatchObject({ outcome: "evaluated", emails: 0 });
    expect(await notifications(D.shopId)).toContainEqual({ type: "forecast_failed", frequency: "daily" });
    expect(await digest.sendDigest(D.shopId, "daily", "entitlements-2", new Date())).toBe(2);
    expect((await messages(D.shopId, "operator")).map((m) => m.recipient)).toEqual(["a@team.test", owner(D)]);
    // Once per failed run: the next period sends nothing more.
    expect(await digest.sendDigest(D.shopId, "daily", "entitlements-3", new Date())).toBe(0);
  });
});

describe("the read API", () => {
  it("answers 403 plan_feature for Starter and 200 for Pro; the admin block's route is open to every plan", async () => {
    const forecast = await route("forecast");
    const variantId = S.variantIds[2]!;
    const refused = await call(forecast.loader, S, `/api/variants/${variantId}/forecast`, { variantId });
    expect(refused.status).toBe(403);
    expect(await refused.json()).toEqual({ error: "plan_feature", feature: "api", requiredPlan: "pro" });
    expect(refused.headers.get("X-Request-Id")).toBeTruthy();

    const recompute = await route("recompute");
    const post = await call(recompute.action, S, `/api/variants/${variantId}/recompute`, { variantId }, { method: "POST" });
    expect(post.status).toBe(403);
    const status = await route("recomputes");
    expect((await call(status.loader, S, `/api/recomputes/${randomUUID()}`, { id: randomUUID() })).status).toBe(403);

    const allowed = await call(forecast.loader, P, `/api/variants/${variantId}/forecast`, { variantId });
    expect(allowed.status).toBe(200);
    expect(((await allowed.json()) as { variantId: string }).variantId).toBe(variantId);

    const advice = await route("stockAdvice");
    const productId = "1";
    expect((await call(advice.loader, D, `/api/products/${productId}/stock-advice`, { productId })).status).toBe(200);
  });
});

describe("CSV exports", () => {
  it("stay open on Starter (every plan of the catalogue has them), and a plan without them answers 403", async () => {
    const variants = await route("variantsCsv");
    const analytics = await route("analyticsCsv");
    const list = await route("variants");
    const open = await call(variants.loader, S, "/app/variants.csv");
    expect(open.status).toBe(200);
    expect(open.headers.get("Content-Type")).toMatch(/text\/csv/);
    await open.body?.cancel();
    const features = catalogue.plans.starter.features;
    features.csvExport = false;
    try {
      const refused = await call(variants.loader, S, "/app/variants.csv", {}, { headers: { "Accept-Language": "fr" } });
      expect(refused.status).toBe(403);
      expect(await refused.json()).toEqual({
        error: "plan_feature",
        feature: "csv",
        requiredPlan: "pro",
        message: "L’export CSV n’est pas inclus dans votre forfait Fluxor. Le forfait Pro l’inclut : voir Facturation dans Fluxor.",
      });
      expect((await call(analytics.loader, S, "/app/alerts/analytics.csv?period=30")).status).toBe(403);
      // The page shows the plan that has it instead of the download; the Pro shop keeps it.
      const data = (await call(list.loader, S, "/app/variants")) as unknown as { csv: unknown };
      expect(data.csv).toMatchObject({ error: "plan_feature", feature: "csv", requiredPlan: "pro" });
      const pro = await call(variants.loader, P, "/app/variants.csv");
      expect(pro.status).toBe(200);
      await pro.body?.cancel();
    } finally {
      features.csvExport = true;
    }
  });
});

describe("the trial", () => {
  it("has the features of the trial's plan (Pro): every cadence and type, and more than one extra recipient", async () => {
    const T = await seedShop(db.url, { domain: "trial.myshopify.com", products: 2, variantsPerProduct: 1, days: 30, seed: 5 });
    await pool.inTransaction((tx) => ledger.openAccount(tx, { id: T.shopId, domain: T.domain }));
    const { shopEntitlements } = await import("../../app/billing/limits.server");
    expect(await shopEntitlements(pool.pool(), T.shopId)).toEqual({
      plan: catalogue.trial.plan,
      features: catalogue.plans[catalogue.trial.plan].features,
      limits: catalogue.plans[catalogue.trial.plan].limits,
    });
    const saved = await settings.saveAlertSettings(T.shopId, T.domain, RICH_SETTINGS);
    expect(saved.ok).toBe(true);
  });
});

describe("the location limit", () => {
  /** A third active location selling twice what High Street (1002) sells, with stock. */
  async function addLocation(shop: SeededShop): Promise<void> {
    await sql(
      db.url,
      `INSERT INTO "Location" ("shopId", id, name, "isActive", "shopifyUpdatedAt") VALUES ($1, 1003, 'Market', true, now())`,
      [shop.shopId],
    );
    await sql(
      db.url,
      `INSERT INTO "DailyDemand" ("shopId", "variantId", "locationId", day, units, revenue, "inStock")
       SELECT "shopId", "variantId", 1003, day, units * 2, revenue * 2, "inStock" FROM "DailyDemand" WHERE "shopId" = $1 AND "locationId" = 1002`,
      [shop.shopId],
    );
    await sql(
      db.url,
      `INSERT INTO "InventoryLevel" ("shopId", "inventoryItemId", "locationId", available, "shopifyUpdatedAt")
       SELECT $1, "inventoryItemId", 1003, 12, now() FROM "ProductVariant" WHERE "shopId" = $1`,
      [shop.shopId],
    );
  }

  async function adviceLocations(runId: string): Promise<string[]> {
    const rows = await sql<{ l: string }>(
      db.url,
      `SELECT DISTINCT "locationId"::text AS l FROM "VariantAdvice" WHERE "runId" = $1 ORDER BY 1`,
      [runId],
    );
    return rows.map((r) => r.l);
  }

  beforeAll(async () => {
    await addLocation(S);
    await addLocation(N);
  });

  it("counts Starter's two top locations by revenue (and sales without a location), and deletes nothing", async () => {
    const counted = await store.countedLocations(pool.pool(), S.shopId, await store.readSettings(pool.pool(), S.shopId));
    expect(counted).toEqual({ demand: ["1001", "1003", "0"], stock: ["1001", "1003"] });
    const runId = await runForecast(S.shopId);
    expect(await adviceLocations(runId)).toEqual(["0", "1001", "1003"]);
    const [kept] = await sql<{ levels: number; demand: number }>(
      db.url,
      `SELECT (SELECT count(*)::int FROM "InventoryLevel" WHERE "shopId" = $1 AND "locationId" = 1002) AS levels,
              (SELECT count(*)::int FROM "DailyDemand" WHERE "shopId" = $1 AND "locationId" = 1002) AS demand`,
      [S.shopId],
    );
    expect(kept!.levels).toBe(16);
    expect(kept!.demand).toBeGreaterThan(0);
  });

  it("keeps the first locations the merchant chose, in their order", async () => {
    await sql(
      db.url,
      `INSERT INTO "ShopSettings" ("shopId", "locationIds", "updatedAt") VALUES ($1, ARRAY[1001, 1002, 1003]::bigint[], now())`,
      [S.shopId],
    );
    const counted = await store.countedLocations(pool.pool(), S.shopId, await store.readSettings(pool.pool(), S.shopId));
    expect(counted).toEqual({ demand: ["1001", "1002"], stock: ["1001", "1002"] });
    await sql(db.url, `DELETE FROM "ShopSettings" WHERE "shopId" = $1`, [S.shopId]);
  });

  it("does not limit a shop without a billing account, whatever another shop's plan", async () => {
    const counted = await store.countedLocations(pool.pool(), N.shopId, await store.readSettings(pool.pool(), N.shopId));
    expect(counted).toEqual({ demand: [], stock: ["1001", "1002", "1003"] });
    const runId = await runForecast(N.shopId);
    expect(await adviceLocations(runId)).toEqual(["0", "1001", "1002", "1003"]);
    const forecast = await route("forecast");
    const variantId = N.variantIds[2]!;
    expect((await call(forecast.loader, N, `/api/variants/${variantId}/forecast`, { variantId })).status).toBe(200);
  });
});
