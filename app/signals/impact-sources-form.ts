/**
 * The data-source settings form (app/routes/app.signals.sources.tsx), the pure part: what the form shows for the stored
 * settings, and the posted form turned into what `saveSignalSettings` validates (./sources.ts `SignalSettingsInput`).
 * The form's fields, flat: `weatherEnabled`, `weatherKind` (coordinates | city), `latitude`, `longitude`, `city`,
 * `weatherCountry`, `locationId`, `label`, `weatherTypes` (repeated); `indicatorsEnabled`, `indicatorsCountry`,
 * `cpiSeries`, `confidenceSeries`, `apiKey` (empty: keep the stored key), `removeApiKey`, `indicatorsTypes` (repeated).
 * An API key is never part of what the form shows.
 */
import type { z } from "zod";
import { storableText } from "../db/storable";
import type { SignalSettings } from "./sources.server";
import type { SignalSettingsInput, SourceId } from "./sources";

export interface SourcesFormValues {
  weather: {
    enabled: boolean;
    kind: "coordinates" | "city";
    latitude: string;
    longitude: string;
    city: string;
    countryCode: string;
    locationId: string;
    productTypes: string[];
  };
  indicators: {
    enabled: boolean;
    countryCode: string;
    cpiSeries: string;
    confidenceSeries: string;
    productTypes: string[];
  };
}

export function sourcesFormValues(settings: SignalSettings): SourcesFormValues {
  const location = settings.weather.location;
  return {
    weather: {
      enabled: settings.weather.enabled,
      kind: location?.kind ?? "coordinates",
      latitude: location?.kind === "coordinates" ? String(location.latitude) : "",
      longitude: location?.kind === "coordinates" ? String(location.longitude) : "",
      city: location?.kind === "city" ? location.city : "",
      countryCode: location?.kind === "city" ? location.countryCode : (settings.shopCountryCode ?? ""),
      locationId: location?.locationId ?? "",
      productTypes: settings.weather.productTypes,
    },
    indicators: {
      enabled: settings.indicators.enabled,
      countryCode: settings.indicators.countryCode ?? "",
      cpiSeries: settings.indicators.cpiSeries ?? "",
      confidenceSeries: settings.indicators.confidenceSeries ?? "",
      productTypes: settings.indicators.productTypes,
    },
  };
}

/** The messages of ./sources.ts and ./sources.server.ts that the page has words for; anything else is "invalid". */
export const FIELD_ERRORS = [
  "latitude_range",
  "longitude_range",
  "country_code",
  "series_id",
  "api_key_format",
  "location_id",
  "city_length",
  "product_types_count",
  "location_required",
  "product_types_required",
  "api_key_required",
  "series_required",
] as const;

/** The page's key for a field error's message. */
export function fieldErrorKey(message: string): string {
  return (FIELD_ERRORS as readonly string[]).includes(message) ? `errors.${message}` : "errors.invalid";
}

/** The field of the form an error path of `SignalSettingsInput` belongs to. */
export function fieldOfError(path: string): string {
  const [source, field, sub] = path.split(".");
  if (source === "weather" && field === "location") {
    if (sub === "latitude" || sub === "longitude" || sub === "city" || sub === "locationId") return sub;
    if (sub === "countryCode") return "weatherCountry";
    return "location";
  }
  if (source === "weather" && field === "productTypes") return "weatherTypes";
  if (source === "indicators" && field === "productTypes") return "indicatorsTypes";
  if (source === "indicators" && field === "countryCode") return "indicatorsCountry";
  if (source === "indicators" && field === "enabled") return "indicatorsEnabled";
  if (source === "weather" && field === "enabled") return "weatherEnabled";
  return field ?? "form";
}

type Input = z.input<typeof SignalSettingsInput>;

const text = (form: FormData, name: string): string => {
  const value = form.get(name);
  return typeof value === "string" ? value.trim() : "";
};
const texts = (form: FormData, name: string): string[] => form.getAll(name).filter((v): v is string => typeof v === "string");
/** A number as typed, with a decimal comma accepted; NaN when it is not one (the schema then refuses it). */
const decimal = (value: string): number => (value === "" ? Number.NaN : Number(value.replace(",", ".")));
const orNull = (value: string): string | null => (value === "" ? null : value);

/**
 * The posted form as the settings input, or the fields refused before it: a value PostgreSQL cannot store (U+0000, a
 * lone surrogate). Everything else is left to the schema and the save's own rules.
 */
export function parseSourcesForm(form: FormData): { ok: true; input: Input } | { ok: false; fieldErrors: Record<string, string> } {
  const unstorable: Record<string, string> = {};
  for (const [name, value] of form.entries()) if (typeof value === "string" && !storableText(value)) unstorable[name] = "invalid";
  if (Object.keys(unstorable).length > 0) return { ok: false, fieldErrors: unstorable };

  const kind = text(form, "weatherKind") === "city" ? "city" : "coordinates";
  const locationId = text(form, "locationId") || undefined;
  const label = text(form, "label") || undefined;
  const latitude = text(form, "latitude");
  const longitude = text(form, "longitude");
  const city = text(form, "city");
  const weatherCountry = text(form, "weatherCountry");
  // A location left blank is no location (the save then asks for one if the weather is on).
  const location: Input["weather"]["location"] =
    kind === "coordinates"
      ? latitude === "" && longitude === ""
        ? null
        : { kind, latitude: decimal(latitude), longitude: decimal(longitude), label, locationId }
      : city === ""
        ? null
        : { kind, city, countryCode: weatherCountry, locationId };

  const apiKey = text(form, "apiKey");
  return {
    ok: true,
    input: {
      weather: { enabled: text(form, "weatherEnabled") === "true", location, productTypes: texts(form, "weatherTypes") },
      indicators: {
        enabled: text(form, "indicatorsEnabled") === "true",
        productTypes: texts(form, "indicatorsTypes"),
        countryCode: orNull(text(form, "indicatorsCountry")),
        cpiSeries: orNull(text(form, "cpiSeries")),
        confidenceSeries: orNull(text(form, "confidenceSeries")),
        ...(text(form, "removeApiKey") === "true" ? { apiKey: null } : apiKey !== "" ? { apiKey } : {}),
      },
    },
  };
}

/** Which source a "Test connection" asks for, or null. */
export function testedSource(form: FormData): SourceId | null {
  const source = form.get("source");
  return source === "weather" || source === "indicators" ? source : null;
}
