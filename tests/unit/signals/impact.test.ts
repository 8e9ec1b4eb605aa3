import { describe, expect, it } from "vitest";
import impactEn from "../../../app/i18n/locales/impact/en.json";
import impactEs from "../../../app/i18n/locales/impact/es.json";
import impactFr from "../../../app/i18n/locales/impact/fr.json";
import { createI18n } from "../../../app/i18n/i18n";
import {
  csvRow,
  CSV_HEADER,
  displayTitle,
  effectPhrase,
  isStale,
  lift,
  median,
  regressorHealth,
  runSignalStatuses,
  summarise,
  type ImpactRow,
  type UseRow,
} from "../../../app/signals/impact";
import { FIELD_ERRORS, fieldErrorKey, fieldOfError, parseSourcesForm, sourcesFormValues } from "../../../app/signals/impact-sources-form";
import { SignalSettingsInput } from "../../../app/signals/sources";
import type { SignalSettings } from "../../../app/signals/sources.server";

function keys(value: unknown, prefix = ""): string[] {
  if (typeof value !== "object" || value === null) return [prefix];
  return Object.entries(value).flatMap(([key, child]) => keys(child, prefix ? `${prefix}.${key}` : key));
}

const row = (change: Partial<UseRow>): UseRow => ({
  signal: "promotion",
  variantId: "11",
  productId: "1",
  used: true,
  reason: "gain",
  effect: 1.4,
  maeWith: 1,
  maeWithout: 2,
  windows: 3,
  ...change,
});

describe("summarise", () => {
  it("counts products and reasons, takes the lift over the used series with windows, and the median effect of the gains", () => {
    const rows = [
      row({ variantId: "11", productId: "1", effect: 1.2, maeWith: 2, maeWithout: 4 }),
      row({ variantId: "12", productId: "1", effect: 1.5, maeWith: 3, maeWithout: 4 }),
      row({ variantId: "21", productId: "2", effect: 1.38, maeWith: 1, maeWithout: 2 }),
      // Not used: its errors do not count, nor its effect.
      row({ variantId: "31", productId: "3", used: false, reason: "no_gain", effect: 3, maeWith: 9, maeWithout: 1 }),
      // Used on a prior, without a backtest: counted as used, not in the lift nor the measured effect.
      row({ variantId: "41", productId: "4", reason: "prior", effect: 1.1, maeWith: null, maeWithout: null, windows: 0 }),
      row({
        variantId: "51",
        productId: null,
        used: false,
        reason: "no_history",
        effect: null,
        maeWith: null,
        maeWithout: null,
        windows: 0,
      }),
      row({ signal: "temperature", variantId: "11", used: false, reason: "no_gain", effect: 1.02, maeWith: 2.1, maeWithout: 2 }),
    ];
    const [promotion, temperature, cpi, confidence] = summarise(rows);
    expect(promotion).toEqual({
      signal: "promotion",
      considered: { products: 5, variants: 6 },
      used: { products: 3, variants: 4 },
      reasons: { gain: 3, no_gain: 1, prior: 1, no_history: 1, too_few_windows: 0 },
      lift: 1 - 6 / 10,
      error: { with: 2, without: 10 / 3, series: 3 },
      effect: { key: "effect.promotion", change: expect.closeTo(0.38, 10), digits: 0, series: 3 },
    });
    expect(temperature).toMatchObject({
      signal: "temperature",
      considered: { products: 1, variants: 1 },
      used: { products: 0, variants: 0 },
      lift: null,
      error: null,
      effect: null,
    });
    expect(cpi?.considered).toEqual({ products: 0, variants: 0 });
    expect(confidence?.signal).toBe("consumer_confidence");
  });

  it("has no lift when the errors without the signal are zero, and ignores effects that are not multipliers", () => {
    expect(lift(0, 0)).toBeNull();
    expect(lift(1, null)).toBeNull();
    expect(lift(1.5, 2)).toBeCloseTo(0.25);
    expect(median([])).toBeNull();
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(effectPhrase("temperature", [Number.NaN, 0, -1])).toBeNull();
    // The competitor price index is a ratio: its sentence is about competitors 10 % dearer than usual.
    expect(effectPhrase("competitor_price", [1.5])!.change).toBeCloseTo(1.5 ** 0.1 - 1);
    expect(effectPhrase("temperature", [1.03, 1.01, 0.98])).toEqual({
      key: "effect.temperature",
      change: expect.closeTo(0.01, 10),
      digits: 1,
      series: 3,
    });
  });
});

describe("the effect sentences", () => {
  it("reads as the merchant expects in each language", () => {
    const en = createI18n("en");
    expect(en.t("impact:effect.promotion", { value: "+38%" })).toBe("+38% during promotions");
    expect(en.t("impact:effect.temperature", { value: "+3%" })).toBe("+3% per °C warmer than usual");
    expect(createI18n("es").t("impact:effect.promotion", { value: "+38 %" })).toBe("+38 % durante las promociones");
    expect(createI18n("fr").t("impact:effect.cpi", { value: "−1,2 %" })).toBe("−1,2 % par point d’IPC au-dessus de sa tendance");
  });

  it("has the same keys in every language, and words for every field error", () => {
    expect(keys(impactEs).sort()).toEqual(keys(impactEn).sort());
    expect(keys(impactFr).sort()).toEqual(keys(impactEn).sort());
    for (const error of FIELD_ERRORS) expect(impactEn.errors[error]).toBeTruthy();
  });
});

describe("health", () => {
  it("says whether a regressor's source is off, waiting for a run, incomplete, failed or used", () => {
    expect(regressorHealth(false, { status: "ok" })).toEqual({ state: "off" });
    expect(regressorHealth(true, undefined)).toEqual({ state: "waiting" });
    expect(regressorHealth(true, { status: "ok" })).toEqual({ state: "ok" });
    expect(regressorHealth(true, { status: "disabled", reason: "no API key stored" })).toEqual({
      state: "incomplete",
      reason: "no API key stored",
    });
    expect(regressorHealth(true, { status: "unavailable", reason: "open_meteo_forecast: HTTP 503" })).toEqual({
      state: "failed",
      status: "unavailable",
      reason: "open_meteo_forecast: HTTP 503",
    });
  });

  it("keeps only well-formed statuses of known regressors from the run's JSON", () => {
    expect(runSignalStatuses(null)).toEqual({});
    expect(
      runSignalStatuses({
        temperature: { status: "bad_data", reason: "implausible" },
        cpi: { status: "exploded" },
        consumer_confidence: { status: "ok", reason: 5 },
        precipitation: { status: "ok" },
      }),
    ).toEqual({ temperature: { status: "bad_data", reason: "implausible" }, consumer_confidence: { status: "ok" } });
  });

  it("calls a sync or run stale after a day and a half, or when it never happened", () => {
    const now = new Date("2026-06-10T12:00:00Z");
    expect(isStale(null, now)).toBe(true);
    expect(isStale("2026-06-10T02:00:00Z", now)).toBe(false);
    expect(isStale("2026-06-08T23:00:00Z", now)).toBe(true);
  });
});

describe("the products table and its CSV", () => {
  const impact: ImpactRow = {
    signal: "promotion",
    variantId: "11",
    productId: "1",
    productTitle: "=Lantern",
    variantTitle: "Default Title",
    used: true,
    reason: "gain",
    effect: 1.382,
    maeWith: 1.5,
    maeWithout: 2,
    windows: 4,
    pastDays: 12,
    futureDays: 3,
    priorSource: null,
  };

  it("names a variant without Shopify's placeholder title, and a removed one by its id", () => {
    expect(displayTitle(impact)).toBe("=Lantern");
    expect(displayTitle({ ...impact, variantTitle: "Red" })).toBe("=Lantern · Red");
    expect(displayTitle({ ...impact, productTitle: null })).toBe("#11");
  });

  it("writes percentages as numbers and leaves the lift empty without a backtest", () => {
    expect(csvRow(impact)).toHaveLength(CSV_HEADER.length);
    expect(csvRow(impact)).toEqual([
      "promotion",
      "11",
      "1",
      "=Lantern",
      "Default Title",
      true,
      "gain",
      expect.closeTo(38.2, 6),
      1.5,
      2,
      25,
      4,
      12,
      3,
      null,
    ]);
    const prior = csvRow({ ...impact, reason: "prior", windows: 0, maeWith: null, maeWithout: null, priorSource: "type" });
    expect(prior[10]).toBeNull();
    expect(prior[14]).toBe("type");
  });
});

describe("the data-source settings form", () => {
  const form = (fields: Record<string, string | string[]>) => {
    const data = new FormData();
    for (const [name, value] of Object.entries(fields)) for (const item of Array.isArray(value) ? value : [value]) data.append(name, item);
    return data;
  };

  it("turns the posted fields into the settings input, with a decimal comma and a kept key", () => {
    const parsed = parseSourcesForm(
      form({
        weatherEnabled: "true",
        weatherKind: "coordinates",
        latitude: "52,52",
        longitude: "13.41",
        locationId: "1001",
        label: "Warehouse",
        weatherTypes: ["Sun cream", "Umbrellas"],
        indicatorsEnabled: "false",
        indicatorsCountry: "",
        cpiSeries: "",
        confidenceSeries: "",
        apiKey: "",
        removeApiKey: "false",
      }),
    );
    expect(parsed).toEqual({
      ok: true,
      input: {
        weather: {
          enabled: true,
          location: { kind: "coordinates", latitude: 52.52, longitude: 13.41, label: "Warehouse", locationId: "1001" },
          productTypes: ["Sun cream", "Umbrellas"],
        },
        indicators: { enabled: false, productTypes: [], countryCode: null, cpiSeries: null, confidenceSeries: null },
      },
    });
    if (!parsed.ok) return;
    // The schema rounds the coordinates to 0.1°.
    expect(SignalSettingsInput.parse(parsed.input).weather.location).toMatchObject({ latitude: 52.5, longitude: 13.4 });
  });

  it("reads a city, a new key, a removed key, and a blank location as none", () => {
    const city = parseSourcesForm(form({ weatherKind: "city", city: "London", weatherCountry: "gb", apiKey: "abc" }));
    expect(city.ok && city.input.weather.location).toEqual({ kind: "city", city: "London", countryCode: "gb", locationId: undefined });
    expect(city.ok && city.input.indicators.apiKey).toBe("abc");
    const removed = parseSourcesForm(form({ removeApiKey: "true", apiKey: "abc", latitude: "", longitude: "" }));
    expect(removed.ok && removed.input.indicators.apiKey).toBeNull();
    expect(removed.ok && removed.input.weather.location).toBeNull();
    const typo = parseSourcesForm(form({ latitude: "north", longitude: "1" }));
    expect(typo.ok && SignalSettingsInput.safeParse(typo.input).success).toBe(false);
  });

  it("refuses text PostgreSQL cannot store before anything else", () => {
    expect(parseSourcesForm(form({ city: "Lon\u0000don", weatherKind: "city" }))).toEqual({ ok: false, fieldErrors: { city: "invalid" } });
  });

  it("puts each error on its field, with words for the known ones", () => {
    expect(fieldOfError("weather.location.latitude")).toBe("latitude");
    expect(fieldOfError("weather.location.countryCode")).toBe("weatherCountry");
    expect(fieldOfError("weather.location")).toBe("location");
    expect(fieldOfError("weather.productTypes")).toBe("weatherTypes");
    expect(fieldOfError("indicators.productTypes")).toBe("indicatorsTypes");
    expect(fieldOfError("indicators.countryCode")).toBe("indicatorsCountry");
    expect(fieldOfError("indicators.apiKey")).toBe("apiKey");
    expect(fieldOfError("form")).toBe("form");
    expect(fieldErrorKey("latitude_range")).toBe("errors.latitude_range");
    expect(fieldErrorKey("Invalid input: expected number, received NaN")).toBe("errors.invalid");
  });

  it("shows the stored settings without any key", () => {
    const settings: SignalSettings = {
      weather: {
        enabled: true,
        productTypes: ["Umbrellas"],
        location: { kind: "city", city: "London", countryCode: "GB" },
        point: { latitude: 51.5, longitude: -0.1 },
      },
      indicators: {
        enabled: false,
        productTypes: [],
        countryCode: null,
        cpiSeries: "CPIAUCSL",
        confidenceSeries: null,
        defaultSeries: null,
        hasApiKey: true,
        apiKeyHint: "ab12",
      },
      locations: [],
      shopCountryCode: "GB",
    };
    const values = sourcesFormValues(settings);
    expect(values).toEqual({
      weather: {
        enabled: true,
        kind: "city",
        latitude: "",
        longitude: "",
        city: "London",
        countryCode: "GB",
        locationId: "",
        productTypes: ["Umbrellas"],
      },
      indicators: { enabled: false, countryCode: "", cpiSeries: "CPIAUCSL", confidenceSeries: "", productTypes: [] },
    });
    expect(JSON.stringify(values)).not.toContain("ab12");
  });
});
