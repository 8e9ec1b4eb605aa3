/**
 * Weather signals of one shop through the gateway: the location made coarse (a city looked up once by Open-Meteo's
 * geocoding and remembered in the shop's settings), the requests of ./weather.ts through the cache, then the quality
 * checks per variable. Never throws for the source's trouble.
 */
import { endpointUrl, coarse, type Geocoded, type SignalKey, type SignalResult, type WeatherConfig, weatherPoint } from "./sources";
import { cachedCall, callUncached, type GatewayDeps } from "./gateway.server";
import type { GatewayOutcome } from "./gateway";
import { checkDaily, QUALITY_RULES } from "./quality";
import {
  DAILY_VARIABLES,
  OpenMeteoDaily,
  OpenMeteoGeocoding,
  WEATHER_SIGNAL,
  geocodingUrl,
  planWeather,
  valuesByDay,
  weatherUrl,
  type WeatherRequest,
} from "./weather";

export type WeatherSignals = Record<(typeof WEATHER_SIGNAL)[keyof typeof WEATHER_SIGNAL], SignalResult>;

/** Open-Meteo's commercial key of this deployment, when it has one (the free hosts take none). */
function deploymentKey(): string | undefined {
  return process.env.OPEN_METEO_API_KEY?.trim() || undefined;
}

export function allWeather(result: SignalResult): WeatherSignals {
  return Object.fromEntries(DAILY_VARIABLES.map((v) => [WEATHER_SIGNAL[v], result])) as WeatherSignals;
}

function failed(outcome: Extract<GatewayOutcome<unknown>, { ok: false }>): SignalResult {
  return { status: outcome.kind === "bad_data" ? "bad_data" : "unavailable", reason: outcome.reason };
}

export type PointOutcome =
  { ok: true; point: { latitude: number; longitude: number }; geocoded?: Geocoded } | { ok: false; result: SignalResult };

/** The coordinates to ask for: the stored ones, or the city looked up (returned as `geocoded`, to be remembered). */
export async function resolvePoint(config: WeatherConfig, deps: GatewayDeps): Promise<PointOutcome> {
  const known = weatherPoint(config);
  if (known) return { ok: true, point: known };
  const location = config.location;
  if (!location || location.kind !== "city") return { ok: false, result: { status: "disabled", reason: "no location set" } };
  const outcome = await callUncached(
    {
      endpoint: "open_meteo_geocoding",
      url: geocodingUrl(endpointUrl("open_meteo_geocoding"), location.city, location.countryCode, deploymentKey()),
      schema: OpenMeteoGeocoding,
    },
    deps,
  );
  if (!outcome.ok) return { ok: false, result: failed(outcome) };
  const found = outcome.data.results?.[0];
  if (!found) return { ok: false, result: { status: "bad_data", reason: `city not found: ${location.city}, ${location.countryCode}` } };
  const point = { latitude: coarse(found.latitude), longitude: coarse(found.longitude) };
  return { ok: true, point, geocoded: { city: location.city, countryCode: location.countryCode, ...point } };
}

function request(req: WeatherRequest, point: { latitude: number; longitude: number }, timezone: string) {
  return {
    endpoint: req.endpoint,
    url: weatherUrl(endpointUrl(req.endpoint), req, point, timezone, deploymentKey()),
    schema: OpenMeteoDaily,
  };
}

function scopeOf(point: { latitude: number; longitude: number }, timezone: string): string {
  return `${point.latitude.toFixed(1)},${point.longitude.toFixed(1)}@${timezone}`;
}

export async function loadWeather(
  point: { latitude: number; longitude: number },
  range: { from: string; to: string },
  today: string,
  timezone: string,
  deps: GatewayDeps,
): Promise<WeatherSignals> {
  const plan = planWeather(range.from, range.to, today);
  if (!plan) return allWeather({ status: "unavailable", reason: `no weather after the forecast horizon (today + 15 days)` });
  const answers: OpenMeteoDaily[] = [];
  for (const req of plan.requests) {
    const outcome = await cachedCall(request(req, point, timezone), { scope: scopeOf(point, timezone), ...req }, deps);
    if (!outcome.ok) return allWeather(failed(outcome));
    answers.push(outcome.data);
  }
  const out = {} as Record<SignalKey, SignalResult>;
  for (const variable of DAILY_VARIABLES) {
    const key = WEATHER_SIGNAL[variable];
    const checked = checkDaily(valuesByDay(answers, variable), { from: range.from, to: plan.through }, QUALITY_RULES[key]);
    out[key] = checked.usable ? { status: "ok", daily: checked.daily } : { status: "bad_data", reason: checked.reason };
  }
  return out as WeatherSignals;
}

/** The settings page's test: today's forecast at the location, bypassing the cache. */
export async function probeWeather(
  point: { latitude: number; longitude: number },
  today: string,
  timezone: string,
  deps: GatewayDeps,
): Promise<GatewayOutcome<{ day: string; value: number | null }>> {
  const outcome = await callUncached(
    request({ endpoint: "open_meteo_forecast", fromDay: today, toDay: today, ttlMs: null }, point, timezone),
    deps,
  );
  if (!outcome.ok) return outcome;
  return { ok: true, data: { day: outcome.data.daily.time[0] ?? today, value: outcome.data.daily.temperature_2m_mean[0] ?? null } };
}
