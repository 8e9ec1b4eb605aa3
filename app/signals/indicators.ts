/**
 * Economic indicators from FRED (Federal Reserve Bank of St. Louis; keyed: each shop enters its own free API key,
 * stored encrypted), the pure part (docs/decisions/0057-signal-gateway.md).
 *
 * `GET <FRED_API_URL>/series/observations?series_id&api_key&file_type=json&observation_start&observation_end` answers
 * `{ realtime_start, realtime_end, observation_start, observation_end, units, output_type, file_type, order_by,
 * sort_order, count, offset, limit, observations: [{ realtime_start, realtime_end, date, value }] }`; `value` is a
 * string, "." when missing. Errors: `{ error_code, error_message }` (400 for a bad key or series, 429, 500).
 *
 * Series per country: the United States use CPI-U (CPIAUCSL) and the University of Michigan's consumer sentiment
 * (UMCSENT); other OECD members use the OECD Main Economic Indicators as FRED mirrors them: CPI all items, 2015 = 100
 * (CPALTT01<CC>M661N), and the composite consumer confidence (CSCICP03<CC>M665S). Those mirrors can lag: the stale
 * rule then marks the signal unusable, and the merchant may enter other series ids.
 */
import { z } from "zod";
import { isIsoDate } from "../forecasting";

const IsoDay = z.string().refine(isIsoDate, "not a YYYY-MM-DD day");
/** A number written as FRED writes it, or "." for a missing value. */
const ObservationValue = z.string().regex(/^(\.|-?\d+(\.\d+)?)$/, "not a number or '.'");

export const FredObservations = z.object({
  observation_start: IsoDay,
  observation_end: IsoDay,
  units: z.string(),
  count: z.number().int().nonnegative(),
  observations: z.array(z.object({ date: IsoDay, value: ObservationValue })),
});
export type FredObservations = z.infer<typeof FredObservations>;

export const INDICATORS = ["cpi", "consumer_confidence"] as const;
export type Indicator = (typeof INDICATORS)[number];

/** OECD members (ISO 3166-1 alpha-2) whose MEI series FRED mirrors; the United States have their own below. */
const OECD_MEMBERS = new Set(
  "AT AU BE CA CH CL CO CR CZ DE DK EE ES FI FR GB GR HU IE IL IS IT JP KR LT LU LV MX NL NO NZ PL PT SE SI SK TR".split(" "),
);

export function defaultSeries(countryCode: string): Record<Indicator, string> | undefined {
  if (countryCode === "US") return { cpi: "CPIAUCSL", consumer_confidence: "UMCSENT" };
  if (!OECD_MEMBERS.has(countryCode)) return undefined;
  return { cpi: `CPALTT01${countryCode}M661N`, consumer_confidence: `CSCICP03${countryCode}M665S` };
}

/** Past years change only by revisions: a week. The current year gains a month now and then: half a day. */
export const PAST_YEAR_TTL_MS = 7 * 24 * 3600_000;
export const CURRENT_YEAR_TTL_MS = 12 * 3600_000;
/** Months asked before `from`, so that the first days have their month even when it was published late. */
export const LEAD_MONTHS = 3;

export interface YearRequest {
  fromDay: string;
  toDay: string;
  ttlMs: number;
}

/** One request per calendar year from LEAD_MONTHS before `from` to `through` (never the future: nothing is there). */
export function planIndicator(from: string, through: string, today: string): YearRequest[] {
  const first = Number(from.slice(0, 4)) - (Number(from.slice(5, 7)) <= LEAD_MONTHS ? 1 : 0);
  const last = Number(through.slice(0, 4));
  const currentYear = Number(today.slice(0, 4));
  const out: YearRequest[] = [];
  for (let year = first; year <= last; year++) {
    out.push({ fromDay: `${year}-01-01`, toDay: `${year}-12-31`, ttlMs: year < currentYear ? PAST_YEAR_TTL_MS : CURRENT_YEAR_TTL_MS });
  }
  return out;
}

export function observationsUrl(base: string, seriesId: string, apiKey: string, request: { fromDay: string; toDay: string }): URL {
  const url = new URL(`${base}/series/observations`);
  url.searchParams.set("series_id", seriesId);
  url.searchParams.set("api_key", apiKey);
  url.searchParams.set("file_type", "json");
  url.searchParams.set("observation_start", request.fromDay);
  url.searchParams.set("observation_end", request.toDay);
  return url;
}

/** The settings page's test: the latest observation only. */
export function latestObservationUrl(base: string, seriesId: string, apiKey: string): URL {
  const url = new URL(`${base}/series/observations`);
  url.searchParams.set("series_id", seriesId);
  url.searchParams.set("api_key", apiKey);
  url.searchParams.set("file_type", "json");
  url.searchParams.set("sort_order", "desc");
  url.searchParams.set("limit", "1");
  return url;
}

export function observationPoints(answers: readonly FredObservations[]): { day: string; value: number | null }[] {
  const byDay = new Map<string, number | null>();
  for (const answer of answers) for (const o of answer.observations) byDay.set(o.date, o.value === "." ? null : Number(o.value));
  return [...byDay.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([day, value]) => ({ day, value }));
}
