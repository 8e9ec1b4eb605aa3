/**
 * The signal impact page and the data-source settings page (app/routes/app.signals*.tsx) through their loaders and
 * actions, with a real session token, on real PostgreSQL and the signals stand-in (tests/mocks/signals). Two shops
 * with a published run each and their `SignalUse` rows seeded in SQL: each page and the CSV show the shop's own rows
 * only, summarised per signal, with what the run recorded about its outside signals and the freshness of its
 * promotions. The settings form: bad input answers 400 with field errors and saves nothing; a saved API key is never
 * echoed; "Test connection" reaches the stand-in with the saved settings.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type * as Pool from "../../app/db/pool.server";
import type { ImpactPage } from "../../app/signals/impact.server";
import { startSignalsStandIn, type SignalsStandIn } from "../mocks/signals";
import { createTestDatabase, sql } from "../support/db";
import { seedShop, type SeededShop } from "../support/forecast-seed";
import { storeOfflineSessions } from "../support/installed-shops";
import { sessionToken } from "../support/session-token";

process.env.SHOPIFY_API_KEY = "fluxor-test-key";
process.env.SHOPIFY_API_SECRET = "fluxor-test-secret-" + randomBytes(6).toString("hex");
process.env.SHOPIFY_APP_URL = "https://fluxor.test";
process.env.SCOPES = "read_products,read_orders,read_inventory";
process.env.FLUXOR_ENCRYPTION_KEYS = `t1:${randomBytes(32).toString("base64")}`;

const FRED_KEY = "abcdefghij0123456789abcdefghij12";

type Args = { request: Request; params: Record<string, string>; context: Record<string, never> };
type Handler = (args: Args) => Promise<unknown>;
interface SourcesPage {
  values: { weather: { enabled: boolean; latitude: string; productTypes: string[] }; indicators: { enabled: boolean } };
  apiKey: { stored: boolean; hint: string | null };
  productTypes: string[];
  readOnly: string | null;
}

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let pool: typeof Pool;
let standIn: SignalsStandIn;
let impact: { loader: Handler };
let csv: { loader: Handler };
let sources: { loader: Handler; action: Handler };
let A: SeededShop;
let B: SeededShop;

function args(shop: SeededShop, path: string, init: RequestInit = {}): Args {
  const headers = new Headers(init.headers);
  headers.set("Authorization", `Bearer ${sessionToken(shop.domain)}`);
  return { request: new Request(`https://fluxor.test${path}`, { ...init, headers }), params: {}, context: {} };
}

async function impactPage(shop: SeededShop, query = ""): Promise<ImpactPage> {
  return (await impact.loader(args(shop, `/app/signals${query}`))) as ImpactPage;
}

async function post(shop: SeededShop, fields: Record<string, string | string[]>): Promise<{ status: number; text: string }> {
  const body = new URLSearchParams();
  for (const [name, value] of Object.entries(fields)) for (const item of Array.isArray(value) ? value : [value]) body.append(name, item);
  const response = (await sources.action(args(shop, "/app/signals/sources", { method: "POST", body }))) as Response;
  return { status: response.status, text: await response.text() };
}

/** The settings form as the page posts it: weather at coordinates for one product type, indicators off. */
function settingsForm(change: Record<string, string | string[]> = {}): Record<string, string | string[]> {
  return {
    intent: "save",
    weatherEnabled: "true",
    weatherKind: "coordinates",
    latitude: "51.51",
    longitude: "-0.13",
    locationId: "",
    weatherTypes: ["Type 1"],
    indicatorsEnabled: "false",
    indicatorsCountry: "",
    cpiSeries: "",
    confidenceSeries: "",
    apiKey: "",
    removeApiKey: "false",
    ...change,
  };
}

async function settingRows(shopId: string) {
  return sql<{ source: string; enabled: boolean; config: unknown; apiKeyHint: string | null }>(
    db.url,
    `SELECT source, enabled, config, "apiKeyHint" FROM "SignalSourceSetting" WHERE "shopId" = $1 ORDER BY source`,
    [shopId],
  );
}

/** A published run with its signal statuses, and its SignalUse rows (variant, signal, used, reason, effect, errors). */
async function publishRun(
  shop: SeededShop,
  signals: object,
  uses: [
    variant: string,
    signal: string,
    used: boolean,
    reason: string,
    effect: number | null,
    maeWith: number | null,
    maeWithout: number | null,
  ][],
): Promise<string> {
  const [run] = await sql<{ id: string }>(
    db.url,
    `INSERT INTO "ForecastRun" (id, "shopId", trigger, status, "asOf", horizon, signals, "startedAt", "finishedAt")
     VALUES (gen_random_uuid(), $1, 'nightly', 'completed', $2, 90, $3::jsonb, now() - interval '2 hours', now() - interval '1 hour') RETURNING id`,
    [shop.shopId, shop.yesterday, JSON.stringify(signals)],
  );
  await sql(
    db.url,
    `INSERT INTO "ShopForecastState" ("shopId", "currentRunId", "publishedAt") VALUES ($1, $2, now())
     ON CONFLICT ("shopId") DO UPDATE SET "currentRunId" = excluded."currentRunId"`,
    [shop.shopId, run!.id],
  );
  await sql(
    db.url,
    `INSERT INTO "SignalUse" ("runId", "shopId", "variantId", signal, used, reason, effect, "maeWith", "maeWithout", windows, "pastDays", "futureDays")
     SELECT $1, $2, x.v, x.s, x.u, x.r, x.e, x.w, x.wo, CASE WHEN x.w IS NULL THEN 0 ELSE 4 END, 10, 5
       FROM jsonb_to_recordset($3::jsonb) AS x(v bigint, s text, u boolean, r text, e float8, w float8, wo float8)`,
    [run!.id, shop.shopId, JSON.stringify(uses.map(([v, s, u, r, e, w, wo]) => ({ v, s, u, r, e, w, wo })))],
  );
  return run!.id;
}

beforeAll(async () => {
  db = await createTestDatabase();
  standIn = await startSignalsStandIn({ seed: 7, apiKeys: [FRED_KEY] });
  Object.assign(process.env, standIn.env);
  pool = await import("../../app/db/pool.server");
  A = await seedShop(db.url, { domain: "impact-a.myshopify.com", products: 4, variantsPerProduct: 2, days: 20, seed: 3 });
  B = await seedShop(db.url, { domain: "impact-b.myshopify.com", products: 4, variantsPerProduct: 2, days: 20, seed: 4 });
  await sql(db.url, `UPDATE "Shop" SET "installState" = 'INSTALLED'`);
  await sql(db.url, `UPDATE "Product" SET title = 'B-only ' || title WHERE "shopId" = $1`, [B.shopId]);
  await storeOfflineSessions(db.url, [A.domain, B.domain]);

  // A: promotions used on two products (three variants), not on another; temperature tried and not used; the
  // weather missing from the run. Its discounts were last read by a reconciliation that lacked a scope.
  await publishRun(A, { temperature: { status: "unavailable", reason: "open_meteo_forecast: HTTP 503" } }, [
    ["11", "promotion", true, "gain", 1.4, 2, 4],
    ["12", "promotion", true, "gain", 1.2, 3, 4],
    ["21", "promotion", true, "gain", 1.38, 0.8, 2],
    ["31", "promotion", false, "no_gain", 0.9, 5, 4],
    ["41", "promotion", true, "prior", 1.25, null, null],
    ["11", "temperature", false, "no_gain", 1.02, 2.1, 2],
  ]);
  await sql(db.url, `INSERT INTO "SignalSourceSetting" ("shopId", source, enabled, config) VALUES ($1, 'weather', true, $2::jsonb)`, [
    A.shopId,
    JSON.stringify({ location: { kind: "coordinates", latitude: 51.5, longitude: -0.1 }, productTypes: ["Type 1"] }),
  ]);
  await sql(
    db.url,
    `INSERT INTO "SyncRun" (id, "shopId", kind, status, phase, repairs, "finishedAt")
     VALUES (gen_random_uuid(), $1, 'reconcile', 'completed', 'done', '{"promotions": {"unavailable": ["read_marketing_events"]}}', now() - interval '3 hours')`,
    [A.shopId],
  );
  await sql(
    db.url,
    `INSERT INTO "Promotion" (id, "shopId", source, "externalId", title, "startDay", "endDay", "appliesToAll", "sourceUpdatedAt", "updatedAt")
     VALUES (gen_random_uuid(), $1, 'discount', 'gid://shopify/DiscountCodeNode/1', 'Spring', $2::date - 3, $2::date + 3, true, now(), now()),
            (gen_random_uuid(), $1, 'discount', 'gid://shopify/DiscountCodeNode/2', 'Winter', $2::date - 90, $2::date - 80, true, now(), now()),
            (gen_random_uuid(), $1, 'campaign', NULL, 'Summer', $2::date + 30, $2::date + 40, true, now(), now())`,
    [A.shopId, A.yesterday],
  );
  // B: its own promotion decision on the same variant ids, with another effect.
  await publishRun(B, {}, [["11", "promotion", true, "gain", 3, 1, 10]]);

  impact = (await import("../../app/routes/app.signals._index")) as unknown as typeof impact;
  csv = (await import("../../app/routes/app.signals[.csv]")) as unknown as typeof csv;
  sources = (await import("../../app/routes/app.signals.sources")) as unknown as typeof sources;
}, 120_000);

afterAll(async () => {
  await pool?.closePool();
  await (await import("../../app/db/prisma.server")).disconnectPrisma();
  await standIn?.close();
  await db?.drop();
});

describe("the impact page", () => {
  it("summarises the shop's own decisions per signal, with the run's failures and the promotions' freshness", async () => {
    const page = await impactPage(A);
    const [promotion, temperature, cpi] = page.summaries;
    expect(promotion).toMatchObject({
      signal: "promotion",
      considered: { products: 4, variants: 5 },
      used: { products: 3, variants: 4 },
      reasons: { gain: 3, no_gain: 1, prior: 1 },
      error: { series: 3 },
    });
    expect(promotion!.lift).toBeCloseTo(1 - 5.8 / 10);
    expect(promotion!.effect).toMatchObject({ key: "effect.promotion", series: 3 });
    expect(promotion!.effect!.change).toBeCloseTo(0.38);
    expect(temperature).toMatchObject({ used: { products: 0 }, considered: { products: 1 }, lift: null, effect: null });
    expect(cpi!.considered.variants).toBe(0);
    expect(page.regressors.temperature).toEqual({
      source: "weather",
      health: { state: "failed", status: "unavailable", reason: "open_meteo_forecast: HTTP 503" },
    });
    expect(page.regressors.cpi).toEqual({ source: "indicators", health: { state: "off" } });
    expect(page.regressors.competitor_price).toEqual({ source: "upload", health: { state: "off" } });
    expect(page.promotions.unavailable).toEqual(["read_marketing_events"]);
    expect(page.promotions.syncedAt).not.toBeNull();
    expect(page.promotions.counts).toEqual({
      discount: { past: 1, running: 1, upcoming: 0 },
      marketing: { past: 0, running: 0, upcoming: 0 },
      campaign: { past: 0, running: 0, upcoming: 1 },
    });
    // Used series first, largest lift first.
    expect(page.rows.filter((row) => row.signal === "promotion").map((row) => [row.variantId, row.used])).toEqual([
      ["21", true],
      ["11", true],
      ["12", true],
      ["41", true],
      ["31", false],
    ]);
    expect(page.rows.every((row) => !row.productTitle?.startsWith("B-only"))).toBe(true);
  });

  it("filters its products by the signal in the URL, and drops a filter that is not a signal", async () => {
    const filtered = await impactPage(A, "?signal=temperature");
    expect(filtered.signal).toBe("temperature");
    expect(filtered.rows.map((row) => [row.signal, row.variantId])).toEqual([["temperature", "11"]]);
    const unknown = await impactPage(A, "?signal=%00drop");
    expect(unknown.signal).toBeNull();
    expect(unknown.rows).toHaveLength(6);
  });

  it("shows the other shop only its own run", async () => {
    const page = await impactPage(B);
    expect(page.summaries[0]).toMatchObject({ used: { variants: 1 }, considered: { variants: 1 } });
    expect(page.summaries[0]!.effect!.change).toBeCloseTo(2);
    expect(page.rows.map((row) => row.productTitle)).toEqual(["B-only Product 1"]);
    expect(page.promotions.counts.discount).toEqual({ past: 0, running: 0, upcoming: 0 });
    expect(page.regressors.temperature.health).toEqual({ state: "off" });
  });

  it("exports the shop's decisions as CSV, one signal when asked, and refuses an unknown signal", async () => {
    const all = (await csv.loader(args(A, "/app/signals.csv"))) as Response;
    expect(all.status).toBe(200);
    const lines = (await all.text()).trim().split("\r\n");
    expect(lines[0]).toBe(
      "signal,variant_id,product_id,product,variant,used,reason,effect_pct,mae_with,mae_without,lift_pct,backtest_windows,signal_days_past,signal_days_future,prior_source",
    );
    expect(lines).toHaveLength(7);
    expect(lines[1]).toBe("promotion,11,1,Product 1,Size 1,true,gain,40,2,4,50,4,10,5,");
    expect(lines.join("\n")).not.toContain("B-only");
    const one = (await csv.loader(args(A, "/app/signals.csv?signal=temperature"))) as Response;
    expect((await one.text()).trim().split("\r\n")).toHaveLength(2);
    expect(((await csv.loader(args(A, "/app/signals.csv?signal=rain"))) as Response).status).toBe(400);
  });
});

describe("the data-source settings page", () => {
  it("refuses bad input with 400 and field errors, saving nothing", async () => {
    const before = await settingRows(B.shopId);
    const range = await post(B, settingsForm({ latitude: "200" }));
    expect(range.status).toBe(400);
    expect(JSON.parse(range.text)).toEqual({ intent: "save", ok: false, errors: { latitude: "latitude_range" } });
    const missing = await post(B, settingsForm({ weatherTypes: [], indicatorsEnabled: "true" }));
    expect(missing.status).toBe(400);
    expect(JSON.parse(missing.text).errors).toEqual({
      weatherTypes: "product_types_required",
      indicatorsTypes: "product_types_required",
      apiKey: "api_key_required",
    });
    const key = await post(B, settingsForm({ apiKey: "NOT-A-KEY" }));
    expect(JSON.parse(key.text).errors).toEqual({ apiKey: "api_key_format" });
    const nul = await post(B, settingsForm({ city: "Lon\u0000don", weatherKind: "city" }));
    expect(nul.status).toBe(400);
    expect(await settingRows(B.shopId)).toEqual(before);
  });

  it("saves the settings and the key, never echoing the key, and tests both connections against the stand-in", async () => {
    const saved = await post(
      B,
      settingsForm({ indicatorsEnabled: "true", indicatorsTypes: ["Type 2"], apiKey: FRED_KEY, latitude: "51,53" }),
    );
    expect(saved).toEqual({ status: 200, text: JSON.stringify({ intent: "save", ok: true }) });
    const rows = await settingRows(B.shopId);
    expect(rows.map((row) => [row.source, row.enabled, row.apiKeyHint])).toEqual([
      ["indicators", true, "ij12"],
      ["weather", true, null],
    ]);
    expect(rows[1]!.config).toMatchObject({ location: { kind: "coordinates", latitude: 51.5, longitude: -0.1 } });

    const page = (await sources.loader(args(B, "/app/signals/sources"))) as SourcesPage;
    expect(JSON.stringify(page)).not.toContain(FRED_KEY);
    expect(page.apiKey).toEqual({ stored: true, hint: "ij12" });
    expect(page.values.weather).toMatchObject({ enabled: true, latitude: "51.5", productTypes: ["Type 1"] });
    expect(page.productTypes).toEqual(["Type 1", "Type 2", "Type 3", "Type 4"]);
    expect(page.readOnly).toBeNull();

    // Saving again without a key keeps the stored one.
    expect((await post(B, settingsForm({ indicatorsEnabled: "true", indicatorsTypes: ["Type 2"] }))).status).toBe(200);
    expect((await settingRows(B.shopId))[0]!.apiKeyHint).toBe("ij12");

    standIn.clearRequests();
    const weather = await post(B, { intent: "test", source: "weather" });
    expect(weather.status).toBe(200);
    expect(JSON.parse(weather.text)).toMatchObject({ intent: "test", ok: true, source: "weather", result: { ok: true } });
    const indicators = await post(B, { intent: "test", source: "indicators" });
    expect(JSON.parse(indicators.text)).toMatchObject({ intent: "test", ok: true, source: "indicators", result: { ok: true } });
    expect(indicators.text).not.toContain(FRED_KEY);
    // Only the coarse point left Fluxor for the weather.
    for (const request of standIn.requests("forecast")) expect(request.query).toMatchObject({ latitude: "51.5", longitude: "-0.1" });

    expect((await post(B, { intent: "test", source: "rain" })).status).toBe(400);
    // Removing the key: the indicators cannot stay on without one.
    const removed = await post(B, settingsForm({ indicatorsEnabled: "true", indicatorsTypes: ["Type 2"], removeApiKey: "true" }));
    expect(JSON.parse(removed.text).errors).toEqual({ apiKey: "api_key_required" });
    expect((await post(B, settingsForm({ removeApiKey: "true" }))).status).toBe(200);
    expect((await settingRows(B.shopId))[0]!.apiKeyHint).toBeNull();
    // A's settings were never touched by B's saves.
    expect((await settingRows(A.shopId)).map((row) => row.source)).toEqual(["weather"]);
  });
});
