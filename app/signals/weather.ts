/**
 * Weather from Open-Meteo (keyless), the pure part: the answers' shapes, the requests a range of days needs and how
 * long each answer may be cached (docs/decisions/0057-signal-gateway.md).
 *
 * - Past days up to ARCHIVE_LAG_DAYS ago come from the historical archive (`/v1/archive`, reanalysis, a few days
 *   behind), one request per calendar year: a year wholly in the past is cached for good; the year to date, for a day.
 * - The recent days and the next 16 come from the forecast (`/v1/forecast` with start_date/end_date), one request
 *   for that window, cached for FORECAST_TTL_MS (a new model run every few hours).
 * - Days after the forecast horizon have no weather: the signal ends there.
 *
 * Daily variables: temperature_2m_max/min/mean (°C) and precipitation_sum (mm), in the shop's time zone so that a day
 * is the same day as its sales. A missing value is null in Open-Meteo's arrays. Errors: `{ error: true, reason }`.
 */
import { z } from "zod";
import { addDays, isIsoDate } from "../forecasting";
import type { SignalKey } from "./sources";

export const ARCHIVE_LAG_DAYS = 7;
/** The forecast covers today and the next 15 days. */
export const FORECAST_DAYS = 16;
export const FORECAST_TTL_MS = 3 * 3600_000;
export const ARCHIVE_TO_DATE_TTL_MS = 24 * 3600_000;

export const DAILY_VARIABLES = ["temperature_2m_max", "temperature_2m_min", "temperature_2m_mean", "precipitation_sum"] as const;
export type DailyVariable = (typeof DAILY_VARIABLES)[number];

export const WEATHER_SIGNAL: Record<DailyVariable, SignalKey> = {
  temperature_2m_max: "temperature_max",
  temperature_2m_min: "temperature_min",
  temperature_2m_mean: "temperature_mean",
  precipitation_sum: "precipitation_sum",
};

const IsoDay = z.string().refine(isIsoDate, "not a YYYY-MM-DD day");
const Values = z.array(z.number().nullable());

/** The forecast and the archive answer the same shape. Units are checked: °C and mm, nothing else. */
export const OpenMeteoDaily = z
  .object({
    latitude: z.number(),
    longitude: z.number(),
    timezone: z.string(),
    utc_offset_seconds: z.number().int(),
    daily_units: z.object({
      time: z.literal("iso8601"),
      temperature_2m_max: z.literal("°C"),
      temperature_2m_min: z.literal("°C"),
      temperature_2m_mean: z.literal("°C"),
      precipitation_sum: z.literal("mm"),
    }),
    daily: z.object({
      time: z.array(IsoDay),
      temperature_2m_max: Values,
      temperature_2m_min: Values,
      temperature_2m_mean: Values,
      precipitation_sum: Values,
    }),
  })
  .refine((answer) => DAILY_VARIABLES.every((v) => answer.daily[v].length === answer.daily.time.length), {
    message: "daily arrays differ in length from daily.time",
    path: ["daily"],
  });
export type OpenMeteoDaily = z.infer<typeof OpenMeteoDaily>;

/** The geocoding search (`/v1/search`): no `results` when nothing matches. */
export const OpenMeteoGeocoding = z.object({
  results: z
    .array(
      z.object({
        name: z.string(),
        latitude: z.number().min(-90).max(90),
        longitude: z.number().min(-180).max(180),
        country_code: z.string().optional(),
      }),
    )
    .optional(),
});
export type OpenMeteoGeocoding = z.infer<typeof OpenMeteoGeocoding>;

export interface WeatherRequest {
  endpoint: "open_meteo_archive" | "open_meteo_forecast";
  fromDay: string;
  toDay: string;
  /** null: cache for good. */
  ttlMs: number | null;
}

export interface WeatherPlan {
  requests: WeatherRequest[];
  /** The last day the signals can cover: `to`, or the forecast horizon when `to` lies beyond it. */
  through: string;
}

/** The requests that cover `from`…`to` when today (in the shop's time zone) is `today`; undefined: all past the horizon. */
export function planWeather(from: string, to: string, today: string): WeatherPlan | undefined {
  const archiveEnd = addDays(today, -ARCHIVE_LAG_DAYS);
  const horizon = addDays(today, FORECAST_DAYS - 1);
  if (from > horizon) return undefined;
  const requests: WeatherRequest[] = [];
  for (let year = Number(from.slice(0, 4)); year <= Number(to.slice(0, 4)); year++) {
    const start = `${year}-01-01`;
    const end = `${year}-12-31`;
    if (start > archiveEnd) break;
    const wholeYear = end <= archiveEnd;
    requests.push({
      endpoint: "open_meteo_archive",
      fromDay: start,
      toDay: wholeYear ? end : archiveEnd,
      ttlMs: wholeYear ? null : ARCHIVE_TO_DATE_TTL_MS,
    });
  }
  if (to > archiveEnd) {
    requests.push({ endpoint: "open_meteo_forecast", fromDay: addDays(archiveEnd, 1), toDay: horizon, ttlMs: FORECAST_TTL_MS });
  }
  return { requests, through: to < horizon ? to : horizon };
}

/** The query of one request; `apikey` only for Open-Meteo's commercial hosts (OPEN_METEO_API_KEY). */
export function weatherUrl(
  base: string,
  request: Pick<WeatherRequest, "fromDay" | "toDay">,
  point: { latitude: number; longitude: number },
  timezone: string,
  apiKey: string | undefined,
): URL {
  const url = new URL(base);
  url.searchParams.set("latitude", point.latitude.toFixed(1));
  url.searchParams.set("longitude", point.longitude.toFixed(1));
  url.searchParams.set("daily", DAILY_VARIABLES.join(","));
  url.searchParams.set("timezone", timezone);
  url.searchParams.set("start_date", request.fromDay);
  url.searchParams.set("end_date", request.toDay);
  if (apiKey) url.searchParams.set("apikey", apiKey);
  return url;
}

export function geocodingUrl(base: string, city: string, countryCode: string, apiKey: string | undefined): URL {
  const url = new URL(base);
  url.searchParams.set("name", city);
  url.searchParams.set("countryCode", countryCode);
  url.searchParams.set("count", "1");
  url.searchParams.set("language", "en");
  url.searchParams.set("format", "json");
  if (apiKey) url.searchParams.set("apikey", apiKey);
  return url;
}

/** One variable's values by day across several answers (a later answer wins a day both cover). */
export function valuesByDay(answers: readonly OpenMeteoDaily[], variable: DailyVariable): { day: string; value: number | null }[] {
  const byDay = new Map<string, number | null>();
  for (const answer of answers) answer.daily.time.forEach((day, i) => byDay.set(day, answer.daily[variable][i] ?? null));
  return [...byDay.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([day, value]) => ({ day, value }));
}
