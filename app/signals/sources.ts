/**
 * External signal sources (issue 17 item 2), the pure part: which sources and signals exist, where each endpoint
 * lives (a base URL per endpoint from the environment, defaulting to the real hosts), what a shop's settings hold,
 * and how a location is made coarse before anything leaves Fluxor (docs/decisions/0057-signal-gateway.md).
 *
 * Privacy rule: a request to an external source carries only a latitude/longitude rounded to 0.1° (about 11 km), or a
 * city name with its country, the shop's time zone and its country's statistical series. Never a customer, an order,
 * a product or the shop's domain.
 */
import { z } from "zod";

export const SOURCES = ["weather", "indicators"] as const;
export type SourceId = (typeof SOURCES)[number];

/** Which signals each source gives, one value per day. Weather in °C and mm; indicators as published (index points). */
export const SIGNAL_SOURCE = {
  temperature_max: "weather",
  temperature_min: "weather",
  temperature_mean: "weather",
  precipitation_sum: "weather",
  cpi: "indicators",
  consumer_confidence: "indicators",
} as const satisfies Record<string, SourceId>;
export type SignalKey = keyof typeof SIGNAL_SOURCE;
export const SIGNAL_KEYS = Object.keys(SIGNAL_SOURCE) as SignalKey[];

export interface DailyValue {
  day: string;
  value: number;
}

/**
 * One signal for one forecast run. `unavailable`: the source could not be reached (outage, circuit open, rate limit,
 * key refused); `bad_data`: it answered, but what it gave fails validation or the quality checks; `disabled`: the shop
 * has not turned the source on (or has not finished setting it up). The run goes on without the signal and says why.
 */
export type SignalResult = { status: "ok"; daily: DailyValue[] } | { status: "unavailable" | "bad_data" | "disabled"; reason: string };

/** The external endpoints behind the gateway; each has its own circuit breaker and cache entries. */
export const ENDPOINTS = ["open_meteo_forecast", "open_meteo_archive", "open_meteo_geocoding", "fred"] as const;
export type EndpointId = (typeof ENDPOINTS)[number];

const ENDPOINT_URL: Record<EndpointId, { env: string; fallback: string }> = {
  open_meteo_forecast: { env: "OPEN_METEO_FORECAST_URL", fallback: "https://api.open-meteo.com/v1/forecast" },
  open_meteo_archive: { env: "OPEN_METEO_ARCHIVE_URL", fallback: "https://archive-api.open-meteo.com/v1/archive" },
  open_meteo_geocoding: { env: "OPEN_METEO_GEOCODING_URL", fallback: "https://geocoding-api.open-meteo.com/v1/search" },
  fred: { env: "FRED_API_URL", fallback: "https://api.stlouisfed.org/fred" },
};

/** The base URL of an endpoint: its environment variable when it holds an http(s) URL, else the real host. */
export function endpointUrl(endpoint: EndpointId, env: Readonly<Record<string, string | undefined>> = process.env): string {
  const { env: name, fallback } = ENDPOINT_URL[endpoint];
  const value = env[name]?.trim();
  if (!value) return fallback;
  const parsed = z.url({ protocol: /^https?$/ }).safeParse(value);
  return parsed.success ? parsed.data.replace(/\/+$/, "") : fallback;
}

/** A coordinate made coarse: rounded to 0.1°, the only precision that ever leaves Fluxor. */
export function coarse(degrees: number): number {
  return Math.round(degrees * 10) / 10;
}

const Latitude = z.number().min(-90, "latitude_range").max(90, "latitude_range");
const Longitude = z.number().min(-180, "longitude_range").max(180, "longitude_range");
export const CountryCode = z
  .string()
  .trim()
  .toUpperCase()
  .regex(/^[A-Z]{2}$/, "country_code");
/** FRED series ids are upper-case letters, digits and underscores. */
export const SeriesId = z
  .string()
  .trim()
  .toUpperCase()
  .regex(/^[A-Z0-9_]{1,40}$/, "series_id");
/** FRED's keys are 32 lower-case letters and digits. */
export const ApiKey = z
  .string()
  .trim()
  .regex(/^[a-z0-9]{32}$/, "api_key_format");
const Label = z.string().trim().min(1).max(100);
/** A Shopify location id (numeric), when the merchant picked one of the shop's locations. */
const LocationId = z.string().regex(/^\d{1,20}$/, "location_id");

/** Where the weather is read: coordinates (rounded to 0.1° when stored) or a city in a country. */
export const WeatherLocation = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("coordinates"),
    latitude: Latitude.transform(coarse),
    longitude: Longitude.transform(coarse),
    label: Label.optional(),
    locationId: LocationId.optional(),
  }),
  z.object({
    kind: z.literal("city"),
    city: z.string().trim().min(2, "city_length").max(100, "city_length"),
    countryCode: CountryCode,
    locationId: LocationId.optional(),
  }),
]);
export type WeatherLocation = z.infer<typeof WeatherLocation>;

/** A city resolved to coordinates (already coarse), kept so that it is looked up once. */
const Geocoded = z.object({ city: z.string(), countryCode: z.string(), latitude: z.number(), longitude: z.number() });
export type Geocoded = z.infer<typeof Geocoded>;

/**
 * The product types a source's signals are offered to (opt-in: weather matters for sun cream, not for mugs). Each
 * offered series still uses the signal only where its own backtest gains (app/forecasting/regressors.ts).
 */
export const MAX_SIGNAL_PRODUCT_TYPES = 100;
export const SignalProductTypes = z.array(z.string().trim().min(1).max(255)).max(MAX_SIGNAL_PRODUCT_TYPES, "product_types_count");

/** What `SignalSourceSetting.config` holds for each source. */
export const WeatherConfig = z.object({
  location: WeatherLocation.optional(),
  geocoded: Geocoded.optional(),
  productTypes: SignalProductTypes.default([]),
});
export type WeatherConfig = z.infer<typeof WeatherConfig>;
export const IndicatorsConfig = z.object({
  productTypes: SignalProductTypes.default([]),
  countryCode: CountryCode.optional(),
  cpiSeries: SeriesId.optional(),
  confidenceSeries: SeriesId.optional(),
});
export type IndicatorsConfig = z.infer<typeof IndicatorsConfig>;

/**
 * What the settings page sends. `indicators.apiKey`: a new key, `null` to remove the stored one, absent to keep it.
 * Empty series ids and country mean "the default for the shop's country".
 */
export const SignalSettingsInput = z.object({
  weather: z.object({ enabled: z.boolean(), location: WeatherLocation.nullable(), productTypes: SignalProductTypes }),
  indicators: z.object({
    enabled: z.boolean(),
    productTypes: SignalProductTypes,
    countryCode: CountryCode.nullable(),
    cpiSeries: SeriesId.nullable(),
    confidenceSeries: SeriesId.nullable(),
    apiKey: ApiKey.nullable().optional(),
  }),
});
export type SignalSettingsInput = z.infer<typeof SignalSettingsInput>;

/** A weather location with the coordinates to ask for, when known. */
export function weatherPoint(config: WeatherConfig): { latitude: number; longitude: number } | undefined {
  const location = config.location;
  if (!location) return undefined;
  if (location.kind === "coordinates") return { latitude: coarse(location.latitude), longitude: coarse(location.longitude) };
  const geocoded = config.geocoded;
  if (geocoded && geocoded.city === location.city && geocoded.countryCode === location.countryCode) {
    return { latitude: coarse(geocoded.latitude), longitude: coarse(geocoded.longitude) };
  }
  return undefined;
}

/** The first message per field of a failed parse, keyed by its dotted path. */
export function fieldErrorsOf(error: z.ZodError): Record<string, string> {
  const out: Record<string, string> = {};
  for (const issue of error.issues) out[issue.path.map(String).join(".") || "form"] ??= issue.message;
  return out;
}
