/**
 * Deterministic data of the signals stand-in, derived at run time from a seed (there are no recorded answers on our
 * machines): plausible daily weather for a latitude and day of the year, geocoded cities, monthly indices with a trend.
 * The same seed, place and day always give the same numbers.
 */

/** A number in [0, 1) from a seed and a text (FNV-1a, then a 32-bit mix). */
export function unit(seed: number, text: string): number {
  let h = 0x811c9dc5 ^ seed;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 4_294_967_296;
}

/** Roughly normal (sum of three uniforms), mean 0, standard deviation 1. */
function normal(seed: number, text: string): number {
  return (unit(seed, `${text}#a`) + unit(seed, `${text}#b`) + unit(seed, `${text}#c`) - 1.5) * 2;
}

function dayOfYear(day: string): number {
  const t = Date.parse(`${day}T00:00:00Z`);
  return Math.floor((t - Date.UTC(Number(day.slice(0, 4)), 0, 1)) / 86_400_000) + 1;
}

const round1 = (n: number) => Math.round(n * 10) / 10;

export interface DailyWeather {
  temperature_2m_max: number;
  temperature_2m_min: number;
  temperature_2m_mean: number;
  precipitation_sum: number;
}

/**
 * The weather of one day at a 0.1° cell: a yearly cycle (warmest around 19 July in the north, 20 January in the south;
 * colder and more seasonal away from the equator) plus day-to-day noise, and rain on about a third of the days.
 */
export function weatherOn(seed: number, latitude: number, longitude: number, day: string): DailyWeather {
  const cell = `${latitude.toFixed(1)},${longitude.toFixed(1)}`;
  const absLat = Math.abs(latitude);
  const annualMean = 30 - 0.4 * absLat;
  const amplitude = 0.25 * absLat;
  const peak = latitude >= 0 ? 200 : 20;
  const seasonal = annualMean + amplitude * Math.cos((2 * Math.PI * (dayOfYear(day) - peak)) / 365.25);
  const mean = seasonal + 2.5 * normal(seed, `${cell}|${day}|t`);
  const spread = 3 + 3 * unit(seed, `${cell}|${day}|s`);
  const rains = unit(seed, `${cell}|${day}|r`) < 0.33;
  const amount = rains ? -Math.log(1 - unit(seed, `${cell}|${day}|p`)) * 4 : 0;
  return {
    temperature_2m_max: round1(mean + spread),
    temperature_2m_min: round1(mean - spread),
    temperature_2m_mean: round1(mean),
    precipitation_sum: round1(amount),
  };
}

const KNOWN_CITIES: Record<string, { latitude: number; longitude: number; countryCode: string }> = {
  berlin: { latitude: 52.52437, longitude: 13.41053, countryCode: "DE" },
  london: { latitude: 51.50853, longitude: -0.12574, countryCode: "GB" },
  paris: { latitude: 48.85341, longitude: 2.3488, countryCode: "FR" },
  madrid: { latitude: 40.4165, longitude: -3.70256, countryCode: "ES" },
  "new york": { latitude: 40.71427, longitude: -74.00597, countryCode: "US" },
  toronto: { latitude: 43.70011, longitude: -79.4163, countryCode: "CA" },
  sydney: { latitude: -33.86785, longitude: 151.20732, countryCode: "AU" },
};

/** A city's coordinates: a few real ones, any other name somewhere derived from it; names starting "zz" exist nowhere. */
export function geocode(seed: number, name: string, countryCode: string | undefined) {
  const key = name.trim().toLowerCase();
  if (key.length < 2 || key.startsWith("zz")) return undefined;
  const known = KNOWN_CITIES[key];
  if (known && (!countryCode || countryCode.toUpperCase() === known.countryCode)) return { name: name.trim(), ...known };
  const country = (countryCode ?? "US").toUpperCase();
  return {
    name: name.trim(),
    latitude: Math.round((-40 + 100 * unit(seed, `${key}|${country}|lat`)) * 1e5) / 1e5,
    longitude: Math.round((-120 + 270 * unit(seed, `${key}|${country}|lon`)) * 1e5) / 1e5,
    countryCode: country,
  };
}

export type SeriesKind = "cpi_us" | "cpi_oecd" | "sentiment_us" | "confidence_oecd";

/** The series the stand-in knows: FRED's ids for CPI and consumer confidence (see app/signals/indicators.ts). */
export function seriesKind(seriesId: string): SeriesKind | undefined {
  if (seriesId === "CPIAUCSL") return "cpi_us";
  if (seriesId === "UMCSENT") return "sentiment_us";
  if (/^CPALTT01[A-Z]{2}M661N$/.test(seriesId)) return "cpi_oecd";
  if (/^CSCICP03[A-Z]{2}M665S$/.test(seriesId)) return "confidence_oecd";
  return undefined;
}

/** A monthly value; `month` is YYYY-MM-01. CPI grows 1.8–4.8 % a year from its 2015 level; confidence swings. */
export function seriesValue(seed: number, seriesId: string, kind: SeriesKind, month: string): number {
  const k = (Number(month.slice(0, 4)) - 2015) * 12 + Number(month.slice(5, 7)) - 1;
  const noise = normal(seed, `${seriesId}|${month}`);
  switch (kind) {
    case "cpi_us":
    case "cpi_oecd": {
      const base = kind === "cpi_us" ? 234.7 : 100;
      const monthly = 0.0015 + 0.0025 * unit(seed, `${seriesId}|trend`);
      return Math.round(base * (1 + monthly) ** k * (1 + 0.0008 * noise) * 1000) / 1000;
    }
    case "sentiment_us":
      return Math.round((75 + 12 * Math.sin((2 * Math.PI * k) / 84) + 3 * noise) * 10) / 10;
    case "confidence_oecd":
      return Math.round((100 + 1.5 * Math.sin((2 * Math.PI * k) / 60) + 0.4 * noise) * 1000) / 1000;
  }
}
