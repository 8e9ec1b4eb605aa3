/**
 * External signal sources of one shop (issue 17 item 2; docs/decisions/0057-signal-gateway.md):
 *
 * - `getSignalSettings` / `saveSignalSettings` / `testConnection`: what the settings page reads, stores and checks.
 *   A keyed source's API key is encrypted with the shops' token cipher (FLUXOR_ENCRYPTION_KEYS) before it is stored
 *   and is never returned: the page sees whether one is stored and its last four characters.
 * - `loadSignals`: what the nightly forecast run calls. Per signal, the days of the range it can cover (weather ends at
 *   the forecast horizon; monthly indicators are expanded to days), or why it cannot be used this run. It never throws
 *   for a source's trouble: a failed source means a forecast without that signal, and the run says so.
 *
 * Every query here is scoped to the shop. Only a coarse location (0.1°, or a city with its country), the shop's time
 * zone and its country's series leave Fluxor.
 */
import { z } from "zod";
import { decrypt, encrypt, keyRingFromEnv, type KeyRing } from "../auth/token-cipher.server";
import { READ_ONLY_REFUSED } from "../billing/dunning";
import { shopAccess } from "../billing/limits.server";
import { isIsoDate, toDay } from "../forecasting";
import { pool, shopTransaction, type Queryable } from "../db/pool.server";
import type { CircuitConfig } from "./gateway-circuit";
import { DEFAULT_GATEWAY_OPTIONS, type GatewayOptions } from "./gateway";
import { gatewayDeps, type GatewayDeps } from "./gateway.server";
import { defaultSeries, INDICATORS, type Indicator } from "./indicators";
import { loadIndicator, probeIndicator } from "./indicators.server";
import {
  IndicatorsConfig,
  SIGNAL_KEYS,
  SignalSettingsInput,
  WeatherConfig,
  fieldErrorsOf,
  type SignalKey,
  type SignalResult,
  type SourceId,
  type WeatherLocation,
} from "./sources";
import { queueForecastRun } from "./rerun.server";
import { allWeather, loadWeather, probeWeather, resolvePoint } from "./weather.server";

export interface SignalOptions {
  now?: () => Date;
  gateway?: Partial<GatewayOptions>;
  circuit?: CircuitConfig;
  keyRing?: KeyRing;
}

interface SettingRow {
  source: string;
  enabled: boolean;
  config: unknown;
  apiKeyCiphertext: string | null;
  apiKeyHint: string | null;
}

interface ShopBasics {
  timezone: string;
  countryCode: string | null;
}

async function shopBasics(db: Queryable, shopId: string): Promise<ShopBasics | undefined> {
  const { rows } = await db.query<{ ianaTimezone: string | null; countryCode: string | null }>(
    `SELECT "ianaTimezone", "countryCode" FROM "Shop" WHERE id = $1`,
    [shopId],
  );
  const row = rows[0];
  return row ? { timezone: row.ianaTimezone || "GMT", countryCode: row.countryCode?.toUpperCase() ?? null } : undefined;
}

async function settingRows(db: Queryable, shopId: string, forUpdate = false): Promise<Map<string, SettingRow>> {
  const { rows } = await db.query<SettingRow>(
    `SELECT source, enabled, config, "apiKeyCiphertext", "apiKeyHint" FROM "SignalSourceSetting" WHERE "shopId" = $1
     ${forUpdate ? "FOR UPDATE" : ""}`,
    [shopId],
  );
  return new Map(rows.map((row) => [row.source, row]));
}

function weatherConfigOf(row: SettingRow | undefined): WeatherConfig {
  const parsed = WeatherConfig.safeParse(row?.config ?? {});
  return parsed.success ? parsed.data : { productTypes: [] };
}

function indicatorsConfigOf(row: SettingRow | undefined): IndicatorsConfig {
  const parsed = IndicatorsConfig.safeParse(row?.config ?? {});
  return parsed.success ? parsed.data : { productTypes: [] };
}

function depsOf(options: SignalOptions): GatewayDeps {
  return gatewayDeps(pool(), {
    now: options.now,
    circuit: options.circuit,
    options: { ...DEFAULT_GATEWAY_OPTIONS, ...options.gateway },
  });
}

/** Today in a time zone, YYYY-MM-DD. */
function dayIn(timezone: string, at: Date): string {
  try {
    return new Intl.DateTimeFormat("en-CA", { timeZone: timezone, year: "numeric", month: "2-digit", day: "2-digit" }).format(at);
  } catch {
    return at.toISOString().slice(0, 10);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Settings

export interface SignalSettings {
  weather: {
    enabled: boolean;
    /** The product types offered the weather (empty: none). */
    productTypes: string[];
    location: WeatherLocation | null;
    /** The coordinates in use (rounded to 0.1°), once known: entered, or the city looked up. */
    point: { latitude: number; longitude: number } | null;
  };
  indicators: {
    enabled: boolean;
    /** The product types offered the indicators (empty: none). */
    productTypes: string[];
    /** The country chosen; null: the shop's own. */
    countryCode: string | null;
    cpiSeries: string | null;
    confidenceSeries: string | null;
    /** The series used when none is entered, for the country in effect; null when FRED has none we know of. */
    defaultSeries: Record<Indicator, string> | null;
    hasApiKey: boolean;
    apiKeyHint: string | null;
  };
  /** The shop's active locations, to pick the weather's location from, and its country. */
  locations: { id: string; name: string }[];
  shopCountryCode: string | null;
}

export async function getSignalSettings(shopId: string): Promise<SignalSettings> {
  const db = pool();
  const [shop, rows, locations] = await Promise.all([
    shopBasics(db, shopId),
    settingRows(db, shopId),
    db.query<{ id: string; name: string }>(
      `SELECT id::text AS id, name FROM "Location" WHERE "shopId" = $1 AND "isActive" ORDER BY name, id LIMIT 250`,
      [shopId],
    ),
  ]);
  const weather = rows.get("weather");
  const weatherConfig = weatherConfigOf(weather);
  const indicators = rows.get("indicators");
  const indicatorsConfig = indicatorsConfigOf(indicators);
  const country = indicatorsConfig.countryCode ?? shop?.countryCode ?? null;
  const location = weatherConfig.location ?? null;
  const geocoded = weatherConfig.geocoded;
  const point =
    location?.kind === "coordinates"
      ? { latitude: location.latitude, longitude: location.longitude }
      : geocoded && location?.kind === "city" && geocoded.city === location.city && geocoded.countryCode === location.countryCode
        ? { latitude: geocoded.latitude, longitude: geocoded.longitude }
        : null;
  return {
    weather: { enabled: weather?.enabled ?? false, productTypes: weatherConfig.productTypes, location, point },
    indicators: {
      enabled: indicators?.enabled ?? false,
      productTypes: indicatorsConfig.productTypes,
      countryCode: indicatorsConfig.countryCode ?? null,
      cpiSeries: indicatorsConfig.cpiSeries ?? null,
      confidenceSeries: indicatorsConfig.confidenceSeries ?? null,
      defaultSeries: country ? (defaultSeries(country) ?? null) : null,
      hasApiKey: Boolean(indicators?.apiKeyCiphertext),
      apiKeyHint: indicators?.apiKeyHint ?? null,
    },
    locations: locations.rows,
    shopCountryCode: shop?.countryCode ?? null,
  };
}

export type SaveSignalSettingsResult = { ok: true; settings: SignalSettings } | { ok: false; fieldErrors: Record<string, string> };

class Refused extends Error {
  constructor(readonly fieldErrors: Record<string, string>) {
    super("signal settings refused");
  }
}

async function upsertSetting(
  db: Queryable,
  shopId: string,
  source: SourceId,
  enabled: boolean,
  config: object,
  key: { ciphertext: string | null; hint: string | null },
): Promise<void> {
  await db.query(
    `INSERT INTO "SignalSourceSetting" ("shopId", source, enabled, config, "apiKeyCiphertext", "apiKeyHint", "updatedAt")
     VALUES ($1, $2, $3, $4::jsonb, $5, $6, now())
     ON CONFLICT ("shopId", source) DO UPDATE SET enabled = excluded.enabled, config = excluded.config,
       "apiKeyCiphertext" = excluded."apiKeyCiphertext", "apiKeyHint" = excluded."apiKeyHint", "updatedAt" = now()`,
    [shopId, source, enabled, JSON.stringify(config), key.ciphertext, key.hint],
  );
}

/**
 * Validates and stores the settings. Refused (nothing written): a field that does not parse, a source turned on
 * without what it needs (a location; a key and series for the country), or read-only mode (`form`).
 */
export async function saveSignalSettings(
  shopId: string,
  input: unknown,
  options: Pick<SignalOptions, "keyRing"> = {},
): Promise<SaveSignalSettingsResult> {
  const parsed = SignalSettingsInput.safeParse(input);
  if (!parsed.success) return { ok: false, fieldErrors: fieldErrorsOf(parsed.error) };
  const data = parsed.data;
  try {
    await shopTransaction(shopId, async (tx) => {
      // One save of a shop's sources at a time: two at once would each lock one source's row and wait for the other's.
      await tx.query(`SELECT pg_advisory_xact_lock(hashtext('signal-settings:' || $1))`, [shopId]);
      if (!(await shopAccess(tx, shopId)).capabilities.edit_settings) throw new Refused({ form: READ_ONLY_REFUSED });
      const shop = await shopBasics(tx, shopId);
      const rows = await settingRows(tx, shopId, true);
      const errors: Record<string, string> = {};

      const location = data.weather.location ?? undefined;
      if (data.weather.enabled && !location) errors["weather.location"] = "location_required";
      const before = weatherConfigOf(rows.get("weather")).geocoded;
      const keepGeocoded = location?.kind === "city" && before?.city === location.city && before.countryCode === location.countryCode;
      if (data.weather.enabled && data.weather.productTypes.length === 0) errors["weather.productTypes"] = "product_types_required";
      const weatherConfig: WeatherConfig = {
        location,
        geocoded: keepGeocoded ? before : undefined,
        productTypes: data.weather.productTypes,
      };

      const stored = rows.get("indicators");
      let key = { ciphertext: stored?.apiKeyCiphertext ?? null, hint: stored?.apiKeyHint ?? null };
      if (data.indicators.apiKey === null) key = { ciphertext: null, hint: null };
      else if (data.indicators.apiKey !== undefined) {
        key = { ciphertext: encrypt(data.indicators.apiKey, options.keyRing ?? keyRingFromEnv()), hint: data.indicators.apiKey.slice(-4) };
      }
      const country = data.indicators.countryCode ?? shop?.countryCode ?? null;
      const defaults = country ? defaultSeries(country) : undefined;
      if (data.indicators.enabled) {
        if (data.indicators.productTypes.length === 0) errors["indicators.productTypes"] = "product_types_required";
        if (!key.ciphertext) errors["indicators.apiKey"] = "api_key_required";
        if (!defaults && !data.indicators.cpiSeries) errors["indicators.cpiSeries"] = "series_required";
        if (!defaults && !data.indicators.confidenceSeries) errors["indicators.confidenceSeries"] = "series_required";
      }
      if (Object.keys(errors).length > 0) throw new Refused(errors);
      const indicatorsConfig: IndicatorsConfig = {
        productTypes: data.indicators.productTypes,
        countryCode: data.indicators.countryCode ?? undefined,
        cpiSeries: data.indicators.cpiSeries ?? undefined,
        confidenceSeries: data.indicators.confidenceSeries ?? undefined,
      };
      await upsertSetting(tx, shopId, "weather", data.weather.enabled, weatherConfig, { ciphertext: null, hint: null });
      await upsertSetting(tx, shopId, "indicators", data.indicators.enabled, indicatorsConfig, key);
    });
  } catch (error) {
    if (error instanceof Refused) return { ok: false, fieldErrors: error.fieldErrors };
    throw error;
  }
  await queueForecastRun(shopId, "data sources");
  return { ok: true, settings: await getSignalSettings(shopId) };
}

/** Remembers a city's coordinates, unless the location changed meanwhile. */
async function rememberGeocoded(
  db: Queryable,
  shopId: string,
  config: WeatherConfig,
  geocoded: NonNullable<WeatherConfig["geocoded"]>,
): Promise<void> {
  await db.query(
    `UPDATE "SignalSourceSetting" SET config = jsonb_set(config, '{geocoded}', $3::jsonb)
      WHERE "shopId" = $1 AND source = 'weather' AND config->'location' = $2::jsonb`,
    [shopId, JSON.stringify(config.location), JSON.stringify(geocoded)],
  );
}

type KeyOutcome = { ok: true; apiKey: string } | { ok: false; result: SignalResult };

function apiKeyOf(row: SettingRow | undefined, ring: KeyRing | undefined): KeyOutcome {
  if (!row?.apiKeyCiphertext) return { ok: false, result: { status: "disabled", reason: "no API key stored" } };
  try {
    return { ok: true, apiKey: decrypt(row.apiKeyCiphertext, ring ?? keyRingFromEnv()) };
  } catch {
    return {
      ok: false,
      result: { status: "unavailable", reason: "the stored API key cannot be decrypted with FLUXOR_ENCRYPTION_KEYS: enter it again" },
    };
  }
}

function seriesOf(config: IndicatorsConfig, shopCountry: string | null): Record<Indicator, string> | undefined {
  const country = config.countryCode ?? shopCountry;
  const defaults = country ? defaultSeries(country) : undefined;
  const cpi = config.cpiSeries ?? defaults?.cpi;
  const confidence = config.confidenceSeries ?? defaults?.consumer_confidence;
  return cpi && confidence ? { cpi, consumer_confidence: confidence } : undefined;
}

export type ConnectionTest =
  | { ok: true; sample: { day: string; value: number | null } }
  | { ok: false; status: "unavailable" | "bad_data" | "rejected" | "disabled"; reason: string };

/** The settings page's "Test connection": one live request with the stored settings (no cache). */
export async function testConnection(shopId: string, source: SourceId, options: SignalOptions = {}): Promise<ConnectionTest> {
  const db = pool();
  const deps = depsOf(options);
  const [shop, rows] = await Promise.all([shopBasics(db, shopId), settingRows(db, shopId)]);
  if (!shop) return { ok: false, status: "disabled", reason: "shop not found" };
  const today = dayIn(shop.timezone, deps.now());
  if (source === "weather") {
    const config = weatherConfigOf(rows.get("weather"));
    const resolved = await resolvePoint(config, deps);
    if (!resolved.ok)
      return {
        ok: false,
        status: resolved.result.status === "ok" ? "bad_data" : resolved.result.status,
        reason: reasonOf(resolved.result),
      };
    if (resolved.geocoded) await rememberGeocoded(db, shopId, config, resolved.geocoded);
    const outcome = await probeWeather(resolved.point, today, shop.timezone, deps);
    return outcome.ok ? { ok: true, sample: outcome.data } : { ok: false, status: outcome.kind, reason: outcome.reason };
  }
  const row = rows.get("indicators");
  const key = apiKeyOf(row, options.keyRing);
  if (!key.ok) return { ok: false, status: key.result.status === "ok" ? "bad_data" : key.result.status, reason: reasonOf(key.result) };
  const series = seriesOf(indicatorsConfigOf(row), shop.countryCode);
  if (!series) return { ok: false, status: "disabled", reason: "no series for the country: enter series ids" };
  const outcome = await probeIndicator(series.cpi, key.apiKey, deps);
  return outcome.ok ? { ok: true, sample: outcome.data } : { ok: false, status: outcome.kind, reason: outcome.reason };
}

function reasonOf(result: SignalResult): string {
  return result.status === "ok" ? "" : result.reason;
}

// ---------------------------------------------------------------------------------------------------------------
// The forecast run's call

/** At most three years of days (and a month to spare), first day not after the last. */
const SignalRange = z
  .object({ from: z.string().refine(isIsoDate), to: z.string().refine(isIsoDate) })
  .refine(
    (r) => r.from <= r.to && toDay(r.to) - toDay(r.from) <= 3 * 366 + 31,
    "from must not be after to, and the range at most three years",
  );

export type LoadedSignals = Record<SignalKey, SignalResult>;

/** Runs a source's loading, turning any error into `unavailable` (logged): a signal never fails the forecast run. */
async function guarded<T>(source: SourceId, shopId: string, work: () => Promise<T>, fallback: (reason: string) => T): Promise<T> {
  try {
    return await work();
  } catch (error) {
    console.error(`signals: ${source} failed for shop ${shopId}`, error);
    return fallback(`internal error while loading ${source}`);
  }
}

export async function loadSignals(
  shopId: string,
  range: { from: string; to: string },
  options: SignalOptions = {},
): Promise<LoadedSignals> {
  const { from, to } = SignalRange.parse(range);
  const db = pool();
  const deps = depsOf(options);
  const [shop, rows] = await Promise.all([shopBasics(db, shopId), settingRows(db, shopId)]);
  if (!shop) return Object.fromEntries(SIGNAL_KEYS.map((k) => [k, { status: "disabled", reason: "shop not found" }])) as LoadedSignals;
  const today = dayIn(shop.timezone, deps.now());

  const weatherRow = rows.get("weather");
  const weather = guarded(
    "weather",
    shopId,
    async () => {
      if (!weatherRow?.enabled) return allWeather({ status: "disabled", reason: "weather is off in the settings" });
      const config = weatherConfigOf(weatherRow);
      const resolved = await resolvePoint(config, deps);
      if (!resolved.ok) return allWeather(resolved.result);
      if (resolved.geocoded) await rememberGeocoded(db, shopId, config, resolved.geocoded);
      return loadWeather(resolved.point, { from, to }, today, shop.timezone, deps);
    },
    (reason) => allWeather({ status: "unavailable", reason }),
  );

  const indicatorsRow = rows.get("indicators");
  const allIndicators = (result: SignalResult) => ({ cpi: result, consumer_confidence: result });
  const indicators = guarded(
    "indicators",
    shopId,
    async () => {
      if (!indicatorsRow?.enabled) return allIndicators({ status: "disabled", reason: "economic indicators are off in the settings" });
      const key = apiKeyOf(indicatorsRow, options.keyRing);
      if (!key.ok) return allIndicators(key.result);
      const series = seriesOf(indicatorsConfigOf(indicatorsRow), shop.countryCode);
      if (!series)
        return allIndicators({
          status: "disabled",
          reason: `no series known for country ${shop.countryCode ?? "(none)"}: enter series ids`,
        });
      const out = {} as Record<Indicator, SignalResult>;
      for (const indicator of INDICATORS)
        out[indicator] = await loadIndicator(indicator, series[indicator], key.apiKey, { from, to }, today, deps);
      return out;
    },
    (reason) => allIndicators({ status: "unavailable", reason }),
  );

  const [w, i] = await Promise.all([weather, indicators]);
  return { ...w, ...i };
}
