/**
 * External signal sources against real PostgreSQL and the signals stand-in (tests/mocks/signals): settings saved with
 * the API key encrypted, weather and indicators loaded through the gateway, a cache hit that makes no second request,
 * outages and bad data reported per signal without an exception, the circuit opening, and one shop's settings never
 * reaching another. Only coarse coordinates leave Fluxor.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { decrypt, keyRingFromEnv } from "../../app/auth/token-cipher.server";
import { closePool } from "../../app/db/pool.server";
import * as signals from "../../app/signals/sources.server";
import { startSignalsStandIn, type SignalsStandIn } from "../mocks/signals";
import { createTestDatabase, sql } from "../support/db";
import { queuedForecastRuns } from "../support/forecast-seed";

process.env.FLUXOR_ENCRYPTION_KEYS = `t1:${randomBytes(32).toString("base64")}`;

const NOW = new Date("2026-06-10T12:00:00Z");
const FRED_KEY = "abcdefghij0123456789abcdefghij12";
const fast = {
  now: () => NOW,
  gateway: { timeoutMs: 300, attempts: 2, baseDelayMs: 5, maxDelayMs: 10 },
  circuit: { threshold: 2, coolDownMs: 60_000 },
};

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let standIn: SignalsStandIn;

async function addShop(domain: string, country: string, timezone: string): Promise<string> {
  const [row] = await sql<{ id: string }>(
    db.url,
    `INSERT INTO "Shop" (id, domain, "ianaTimezone", "countryCode", "currencyCode", "updatedAt", name)
     VALUES (gen_random_uuid(), $1, $2, $3, 'USD', now(), $1) RETURNING id`,
    [domain, timezone, country],
  );
  return row!.id;
}

const off = { enabled: false, productTypes: [], countryCode: null, cpiSeries: null, confidenceSeries: null };

async function saveWeather(shopId: string, latitude: number, longitude: number) {
  const saved = await signals.saveSignalSettings(shopId, {
    weather: { enabled: true, location: { kind: "coordinates", latitude, longitude }, productTypes: ["Sun cream"] },
    indicators: off,
  });
  expect(saved.ok).toBe(true);
}

beforeAll(async () => {
  db = await createTestDatabase();
  standIn = await startSignalsStandIn({ seed: 42, clock: () => NOW, apiKeys: [FRED_KEY] });
  Object.assign(process.env, standIn.env);
});

afterAll(async () => {
  await closePool();
  await standIn?.close();
  await db?.drop();
});

beforeEach(async () => {
  standIn.clearFaults();
  standIn.clearRequests();
  await sql(db.url, `DELETE FROM "SignalCircuit"`);
});

describe("weather", () => {
  it("loads history and forecast in the shop's time zone, caches them, and sends only coarse coordinates", async () => {
    const shop = await addShop("weather-a.myshopify.com", "DE", "Europe/Berlin");
    await saveWeather(shop, 52.5243, 13.4105);
    expect(await queuedForecastRuns(db.url, shop)).toEqual([{ shopId: shop, trigger: "settings" }]);
    const range = { from: "2026-05-01", to: "2026-07-31" };
    const first = await signals.loadSignals(shop, range, fast);
    expect(first.temperature_mean.status).toBe("ok");
    if (first.temperature_mean.status !== "ok") return;
    // Through the forecast horizon (today + 15 days), every day.
    expect(first.temperature_mean.daily[0]?.day).toBe("2026-05-01");
    expect(first.temperature_mean.daily.at(-1)?.day).toBe("2026-06-25");
    expect(first.temperature_mean.daily).toHaveLength(56);
    expect(first.precipitation_sum.status).toBe("ok");
    expect(first.cpi).toEqual({ status: "disabled", reason: "economic indicators are off in the settings" });
    const sent = standIn.requests();
    expect(sent.map((r) => r.endpoint).sort()).toEqual(["archive", "forecast"]);
    for (const r of sent) {
      expect(r.query).toMatchObject({ latitude: "52.5", longitude: "13.4", timezone: "Europe/Berlin" });
      expect(r.url).not.toContain("myshopify");
      expect(r.url).not.toContain(shop);
    }
    const second = await signals.loadSignals(shop, range, fast);
    expect(second).toEqual(first);
    expect(standIn.requests()).toHaveLength(2);
    const cached = await sql<{ endpoint: string; scope: string; expiresAt: Date | null }>(
      db.url,
      `SELECT endpoint, scope, "expiresAt" FROM "SignalCache" WHERE scope = '52.5,13.4@Europe/Berlin' ORDER BY endpoint`,
    );
    expect(cached.map((c) => [c.endpoint, c.expiresAt !== null])).toEqual([
      ["open_meteo_archive", true],
      ["open_meteo_forecast", true],
    ]);
  });

  it("looks a city up once and remembers its coarse coordinates", async () => {
    const shop = await addShop("weather-city.myshopify.com", "GB", "Europe/London");
    const saved = await signals.saveSignalSettings(shop, {
      weather: { enabled: true, location: { kind: "city", city: "London", countryCode: "gb" }, productTypes: ["Umbrellas"] },
      indicators: off,
    });
    expect(saved.ok).toBe(true);
    const test = await signals.testConnection(shop, "weather", fast);
    expect(test).toMatchObject({ ok: true, sample: { day: "2026-06-10" } });
    expect(standIn.requests("geocoding")).toHaveLength(1);
    expect(standIn.requests("geocoding")[0]!.query).toMatchObject({ name: "London", countryCode: "GB" });
    expect((await signals.getSignalSettings(shop)).weather.point).toEqual({ latitude: 51.5, longitude: -0.1 });
    const loaded = await signals.loadSignals(shop, { from: "2026-06-01", to: "2026-06-20" }, fast);
    expect(loaded.temperature_max.status).toBe("ok");
    expect(standIn.requests("geocoding")).toHaveLength(1);
  });

  it("reports an outage as unavailable without throwing, then the open circuit sends nothing", async () => {
    const shop = await addShop("weather-outage.myshopify.com", "FR", "UTC");
    await saveWeather(shop, 48.85, 2.35);
    const range = { from: "2026-06-05", to: "2026-06-20" };
    for (const mode of ["503", "timeout", "reset"] as const) {
      await sql(db.url, `DELETE FROM "SignalCircuit"`);
      standIn.setFault("forecast", { kind: "outage", mode });
      const loaded = await signals.loadSignals(shop, range, fast);
      expect(loaded.temperature_mean).toMatchObject({ status: "unavailable" });
      expect(loaded.temperature_min).toEqual(loaded.temperature_mean);
      expect(loaded.cpi.status).toBe("disabled");
    }
    // threshold 2: a second failed call opens the circuit; the third sends no request.
    await signals.loadSignals(shop, range, fast);
    standIn.clearRequests();
    const refused = await signals.loadSignals(shop, range, fast);
    expect(refused.temperature_mean).toEqual({
      status: "unavailable",
      reason: expect.stringMatching(/^open_meteo_forecast kept failing: circuit open/),
    });
    expect(standIn.requests("forecast")).toHaveLength(0);
    const [circuit] = await sql<{ state: string }>(db.url, `SELECT state FROM "SignalCircuit" WHERE endpoint = 'open_meteo_forecast'`);
    expect(circuit?.state).toBe("open");
    // Once the cool-down is over and the source is back, one trial closes it.
    standIn.clearFaults();
    const later = await signals.loadSignals(shop, range, { ...fast, now: () => new Date(NOW.getTime() + 61_000) });
    expect(later.temperature_mean.status).toBe("ok");
  });

  it("retries a 429 with Retry-After and then succeeds", async () => {
    const shop = await addShop("weather-429.myshopify.com", "ES", "UTC");
    await saveWeather(shop, 40.4, -3.7);
    standIn.setFault("forecast", { kind: "rate_limit", retryAfterSeconds: 0, times: 1 });
    const loaded = await signals.loadSignals(shop, { from: "2026-06-05", to: "2026-06-20" }, fast);
    expect(loaded.temperature_mean.status).toBe("ok");
    expect(standIn.requests("forecast")).toHaveLength(2);
  });

  it("marks bad data unusable with its reason and does not cache it", async () => {
    const shop = await addShop("weather-bad.myshopify.com", "IT", "UTC");
    await saveWeather(shop, 41.9, 12.5);
    const range = { from: "2026-01-01", to: "2026-06-20" };
    const cases = [
      ["archive", "gaps", /^gaps: 6 days missing from 2026-02-21/],
      ["forecast", "implausible", /^implausible: 85.3/],
      ["forecast", "stale", /^stale: last value on 2026-06-15/],
      ["forecast", "malformed_json", /^answer is not JSON$/],
      ["archive", "wrong_shape", /^unexpected answer: /],
    ] as const;
    for (const [endpoint, mode, reason] of cases) {
      standIn.setFault(endpoint, { kind: "bad_data", mode });
      const loaded = await signals.loadSignals(shop, range, fast);
      expect(loaded.temperature_mean, `${endpoint} ${mode}`).toEqual({ status: "bad_data", reason: expect.stringMatching(reason) });
      standIn.clearFaults();
      await sql(db.url, `DELETE FROM "SignalCache" WHERE scope = '41.9,12.5@UTC'`);
    }
    standIn.setFault("forecast", { kind: "bad_data", mode: "malformed_json" });
    await signals.loadSignals(shop, range, fast);
    const stored = await sql(db.url, `SELECT 1 FROM "SignalCache" WHERE scope = '41.9,12.5@UTC' AND endpoint = 'open_meteo_forecast'`);
    expect(stored).toHaveLength(0);
  });
});

describe("economic indicators (keyed)", () => {
  it("stores the API key encrypted, never returns it, and loads CPI and confidence expanded to days", async () => {
    const shop = await addShop("indicators-us.myshopify.com", "US", "America/New_York");
    const saved = await signals.saveSignalSettings(shop, {
      weather: { enabled: false, location: null, productTypes: [] },
      indicators: { enabled: true, productTypes: ["Gifts"], countryCode: null, cpiSeries: null, confidenceSeries: null, apiKey: FRED_KEY },
    });
    expect(saved).toMatchObject({
      ok: true,
      settings: { indicators: { hasApiKey: true, apiKeyHint: "ij12", defaultSeries: { cpi: "CPIAUCSL" } } },
    });
    expect(JSON.stringify(saved)).not.toContain(FRED_KEY);
    const [row] = await sql<{ apiKeyCiphertext: string; config: unknown }>(
      db.url,
      `SELECT "apiKeyCiphertext", config FROM "SignalSourceSetting" WHERE "shopId" = $1 AND source = 'indicators'`,
      [shop],
    );
    expect(row!.apiKeyCiphertext.startsWith("enc:v1:t1:")).toBe(true);
    expect(row!.apiKeyCiphertext).not.toContain(FRED_KEY);
    expect(JSON.stringify(row!.config)).not.toContain(FRED_KEY);
    expect(decrypt(row!.apiKeyCiphertext, keyRingFromEnv())).toBe(FRED_KEY);

    const loaded = await signals.loadSignals(shop, { from: "2026-03-01", to: "2026-06-30" }, fast);
    expect(loaded.cpi.status).toBe("ok");
    expect(loaded.consumer_confidence.status).toBe("ok");
    if (loaded.cpi.status !== "ok") return;
    expect(loaded.cpi.daily).toHaveLength(122);
    // March has one value for all its days; June carries April (the last month published) forward.
    const march = new Set(loaded.cpi.daily.filter((d) => d.day.startsWith("2026-03")).map((d) => d.value));
    expect(march.size).toBe(1);
    const april = loaded.cpi.daily.find((d) => d.day === "2026-04-15")!.value;
    expect(loaded.cpi.daily.at(-1)!.value).toBe(april);
    expect(loaded.temperature_mean.status).toBe("disabled");
    expect(
      standIn
        .requests("fred")
        .map((r) => r.query.series_id)
        .sort(),
    ).toEqual(["CPIAUCSL", "CPIAUCSL", "UMCSENT", "UMCSENT"]);

    expect(await signals.testConnection(shop, "indicators", fast)).toMatchObject({ ok: true, sample: { day: "2026-04-01" } });
  });

  it("reports a refused key and bad data per signal", async () => {
    const shop = await addShop("indicators-de.myshopify.com", "DE", "Europe/Berlin");
    const wrongKey = "zzzzzzzzzz0123456789zzzzzzzzzz99";
    await signals.saveSignalSettings(shop, {
      weather: { enabled: false, location: null, productTypes: [] },
      indicators: { enabled: true, productTypes: ["Gifts"], countryCode: null, cpiSeries: null, confidenceSeries: null, apiKey: wrongKey },
    });
    expect(await signals.testConnection(shop, "indicators", fast)).toEqual({
      ok: false,
      status: "rejected",
      reason: "HTTP 400: Bad Request.  The value for variable api_key is not registered.",
    });
    const refused = await signals.loadSignals(shop, { from: "2026-03-01", to: "2026-06-30" }, fast);
    expect(refused.cpi).toMatchObject({ status: "unavailable", reason: expect.stringContaining("not registered") });
    await signals.saveSignalSettings(shop, {
      weather: { enabled: false, location: null, productTypes: [] },
      indicators: { enabled: true, productTypes: ["Gifts"], countryCode: null, cpiSeries: null, confidenceSeries: null, apiKey: FRED_KEY },
    });
    standIn.setFault("fred", { kind: "bad_data", mode: "implausible", times: 1 });
    const bad = await signals.loadSignals(shop, { from: "2026-03-01", to: "2026-06-30" }, fast);
    expect(bad.cpi).toEqual({ status: "bad_data", reason: expect.stringMatching(/^CPALTT01DEM661N: implausible: -5 on /) });
    expect(bad.consumer_confidence.status).toBe("ok");
  });

  it("refuses to turn a source on without what it needs", async () => {
    const shop = await addShop("indicators-refused.myshopify.com", "BR", "UTC");
    const refused = await signals.saveSignalSettings(shop, {
      weather: { enabled: true, location: null, productTypes: [] },
      indicators: { enabled: true, productTypes: [], countryCode: null, cpiSeries: null, confidenceSeries: null },
    });
    expect(refused).toEqual({
      ok: false,
      fieldErrors: {
        "weather.location": "location_required",
        "weather.productTypes": "product_types_required",
        "indicators.productTypes": "product_types_required",
        "indicators.apiKey": "api_key_required",
        "indicators.cpiSeries": "series_required",
        "indicators.confidenceSeries": "series_required",
      },
    });
    expect(
      await signals.saveSignalSettings(shop, {
        weather: { enabled: true, location: { kind: "coordinates", latitude: 95, longitude: 0 }, productTypes: ["Sun cream"] },
        indicators: off,
      }),
    ).toEqual({
      ok: false,
      fieldErrors: { "weather.location.latitude": "latitude_range" },
    });
    expect(await sql(db.url, `SELECT 1 FROM "SignalSourceSetting" WHERE "shopId" = $1`, [shop])).toHaveLength(0);
    expect(await queuedForecastRuns(db.url, shop)).toEqual([]);
  });
});

describe("shop isolation", () => {
  it("one shop's settings and key never reach another", async () => {
    const a = await addShop("iso-a.myshopify.com", "US", "UTC");
    const b = await addShop("iso-b.myshopify.com", "US", "UTC");
    const savedA = await signals.saveSignalSettings(a, {
      weather: { enabled: true, location: { kind: "coordinates", latitude: 40.7, longitude: -74 }, productTypes: ["Sun cream"] },
      indicators: { enabled: true, productTypes: ["Gifts"], countryCode: null, cpiSeries: null, confidenceSeries: null, apiKey: FRED_KEY },
    });
    expect(savedA.ok).toBe(true);
    const settingsB = await signals.getSignalSettings(b);
    expect(settingsB.weather).toEqual({ enabled: false, productTypes: [], location: null, point: null });
    expect(settingsB.indicators).toMatchObject({ enabled: false, hasApiKey: false, apiKeyHint: null });
    const loadedB = await signals.loadSignals(b, { from: "2026-06-01", to: "2026-06-10" }, fast);
    expect(Object.values(loadedB).every((s) => s.status === "disabled")).toBe(true);
    expect(await signals.testConnection(b, "indicators", fast)).toEqual({ ok: false, status: "disabled", reason: "no API key stored" });
    // Saving B leaves A's key and location alone.
    await signals.saveSignalSettings(b, { weather: { enabled: false, location: null, productTypes: [] }, indicators: off });
    expect((await signals.getSignalSettings(a)).indicators).toMatchObject({ enabled: true, hasApiKey: true, apiKeyHint: "ij12" });
    expect((await signals.getSignalSettings(a)).weather.point).toEqual({ latitude: 40.7, longitude: -74 });
  });
});

describe("retention (signals.prune)", () => {
  it("deletes expired answers of any place and never-expiring ones fetched over 400 days ago, and nothing else", async () => {
    const daysAgo = (days: number) => new Date(NOW.getTime() - days * 86_400_000);
    const inDays = (days: number) => new Date(NOW.getTime() + days * 86_400_000);
    await sql(db.url, `DELETE FROM "SignalCache"`);
    const rows: [string, Date, Date | null][] = [
      ["forecast, expired", daysAgo(1), daysAgo(0.5)],
      ["forecast, fresh", daysAgo(0.1), inDays(0.1)],
      ["past year, fetched 401 days ago", daysAgo(401), null],
      ["past year, fetched 399 days ago", daysAgo(399), null],
    ];
    for (const [scope, fetchedAt, expiresAt] of rows)
      await sql(
        db.url,
        `INSERT INTO "SignalCache" (endpoint, scope, "fromDay", "toDay", value, "fetchedAt", "expiresAt")
         VALUES ('open_meteo_archive', $1, '2025-01-01', '2025-12-31', '{}', $2, $3)`,
        [scope, fetchedAt, expiresAt],
      );
    const { pruneSignalCache } = await import("../../app/signals/retention.server");
    const { pool } = await import("../../app/db/pool.server");
    expect(await pruneSignalCache(pool(), NOW)).toEqual({ expired: 1, refreshed: 1 });
    const kept = await sql<{ scope: string }>(db.url, `SELECT scope FROM "SignalCache" ORDER BY scope`);
    expect(kept.map((row) => row.scope)).toEqual(["forecast, fresh", "past year, fetched 399 days ago"]);
    expect(await pruneSignalCache(pool(), NOW)).toEqual({ expired: 0, refreshed: 0 });
  });

  it("is scheduled daily (tests/integration/job-registry.test.ts checks that the worker runs it)", async () => {
    const { SIGNALS_CRON } = await import("../../app/signals/retention.server");
    expect(SIGNALS_CRON).toEqual([{ task: "signals.prune", match: "55 4 * * *", options: { backfillPeriod: 0, maxAttempts: 1 } }]);
  });
});
