/**
 * Data-quality checks of external signals, pure (docs/decisions/0057-signal-gateway.md). A series that fails one is
 * unusable for this run, with the reason; one that passes comes back complete over the days asked, short gaps filled.
 *
 * - implausible values: outside the signal's physical range (temperature −60…60 °C, precipitation 0…500 mm a day,
 *   index values above zero and below a bound), or not finite;
 * - gaps: more consecutive missing days (months, for monthly series) than the signal allows;
 * - stale: the last value is older than the signal allows, counted back from the last day the source should cover.
 *
 * Short gaps are filled: inside the series linearly between the neighbours, at its start with the first value and at
 * its end with the last one (monthly series: each day takes its month's value, the months after the last one published
 * keep that value).
 */
import { addDays, fromDay, toDay } from "../forecasting";
import type { DailyValue, SignalKey } from "./sources";

export interface QualityRules {
  min: number;
  max: number;
  /** Consecutive missing days (daily series) or months (monthly series) that are still filled in. */
  maxGap: number;
  /** Days the last value may lie before the day the source should cover up to. */
  maxStaleDays: number;
}

const TEMPERATURE: QualityRules = { min: -60, max: 60, maxGap: 3, maxStaleDays: 3 };

export const QUALITY_RULES: Record<SignalKey, QualityRules> = {
  temperature_max: TEMPERATURE,
  temperature_min: TEMPERATURE,
  temperature_mean: TEMPERATURE,
  precipitation_sum: { min: 0, max: 500, maxGap: 3, maxStaleDays: 3 },
  // Indices (CPI 2015 = 100 or 1982–84 = 100; confidence around 100, sentiment around 50–110). Monthly: a month may be
  // missing between two published ones; the last published month is normally one or two months back.
  cpi: { min: 0.001, max: 100_000, maxGap: 2, maxStaleDays: 100 },
  consumer_confidence: { min: 0.001, max: 1_000, maxGap: 2, maxStaleDays: 100 },
};

export interface Point {
  day: string;
  value: number | null;
}

export type QualityOutcome = { usable: true; daily: DailyValue[] } | { usable: false; reason: string };

function implausible(points: readonly Point[], rules: QualityRules): string | undefined {
  const bad = points.find((p) => p.value !== null && (!Number.isFinite(p.value) || p.value < rules.min || p.value > rules.max));
  return bad ? `implausible: ${bad.value} on ${bad.day} (allowed ${rules.min} to ${rules.max})` : undefined;
}

function lastKnown(points: readonly Point[]): Point | undefined {
  let last: Point | undefined;
  for (const p of points) if (p.value !== null && (!last || p.day > last.day)) last = p;
  return last;
}

function staleness(last: Point | undefined, through: string, rules: QualityRules): string | undefined {
  if (!last) return "stale: no value at all";
  const age = toDay(through) - toDay(last.day);
  return age > rules.maxStaleDays
    ? `stale: last value on ${last.day}, ${age} days before ${through} (at most ${rules.maxStaleDays})`
    : undefined;
}

/**
 * A daily series expected on every day from `from` to `to` (the last day the source should cover). Days outside are
 * ignored; a day listed twice keeps its last value.
 */
export function checkDaily(points: readonly Point[], range: { from: string; to: string }, rules: QualityRules): QualityOutcome {
  const first = toDay(range.from);
  const last = toDay(range.to);
  const inRange = points.filter((p) => p.day >= range.from && p.day <= range.to);
  const wrong = implausible(inRange, rules) ?? staleness(lastKnown(inRange), range.to, rules);
  if (wrong) return { usable: false, reason: wrong };
  const byDay = new Map<number, number>();
  for (const p of inRange) if (p.value !== null) byDay.set(toDay(p.day), p.value);
  // Longest run of missing days, except those at the end, which the staleness rule already bounds.
  let run = 0;
  let runStart = first;
  for (let d = first; d <= last; d++) {
    if (byDay.has(d)) {
      if (run > rules.maxGap) return { usable: false, reason: gapReason(fromDay(runStart), run, "days", rules.maxGap) };
      run = 0;
    } else if (run++ === 0) runStart = d;
  }
  return { usable: true, daily: filled(byDay, first, last) };
}

function gapReason(start: string, length: number, unit: string, allowed: number): string {
  return `gaps: ${length} ${unit} missing from ${start} (at most ${allowed})`;
}

/** Every day from first to last: known values as they are, gaps linear between neighbours, ends carried. */
function filled(byDay: ReadonlyMap<number, number>, first: number, last: number): DailyValue[] {
  const known = [...byDay.keys()].sort((a, b) => a - b);
  const out: DailyValue[] = [];
  let k = 0;
  for (let d = first; d <= last; d++) {
    while (k < known.length && known[k]! < d) k++;
    const next = known[k];
    const prev = k > 0 ? known[k - 1] : undefined;
    let value: number;
    if (next === d) value = byDay.get(d)!;
    else if (prev === undefined) value = byDay.get(next!)!;
    else if (next === undefined) value = byDay.get(prev)!;
    else {
      const a = byDay.get(prev)!;
      const b = byDay.get(next)!;
      value = a + ((b - a) * (d - prev)) / (next - prev);
    }
    out.push({ day: fromDay(d), value: Math.round(value * 1000) / 1000 });
  }
  return out;
}

function monthOf(day: string): string {
  return `${day.slice(0, 7)}-01`;
}

function nextMonth(month: string): string {
  const [y, m] = [Number(month.slice(0, 4)), Number(month.slice(5, 7))];
  return m === 12 ? `${y + 1}-01-01` : `${y}-${String(m + 1).padStart(2, "0")}-01`;
}

/**
 * A monthly series (one point per month, dated on its first day), expanded to every day from `from` to `to`.
 * `through`: the last day the source should cover (today, or `to` when it is in the past); the last published month
 * is judged stale from its first day.
 */
export function checkMonthly(
  points: readonly Point[],
  range: { from: string; to: string; through: string },
  rules: QualityRules,
): QualityOutcome {
  const known = new Map<string, number>();
  for (const p of points) if (p.value !== null && p.day <= range.through) known.set(monthOf(p.day), p.value);
  const relevant = [...known.entries()].map(([day, value]) => ({ day, value }));
  const wrong = implausible(relevant, rules) ?? staleness(lastKnown(relevant), range.through, rules);
  if (wrong) return { usable: false, reason: wrong };
  // Months from the one of `from` up to the last one published: leading and inner gaps count.
  const lastMonth = lastKnown(relevant)!.day;
  let run = 0;
  let runStart = "";
  for (let month = monthOf(range.from); month <= lastMonth; month = nextMonth(month)) {
    if (known.has(month)) {
      if (run > rules.maxGap) return { usable: false, reason: gapReason(runStart, run, "months", rules.maxGap) };
      run = 0;
    } else if (run++ === 0) runStart = month;
  }
  const months = [...known.keys()].sort();
  const out: DailyValue[] = [];
  let m = 0;
  for (let day = range.from; day <= range.to; day = addDays(day, 1)) {
    const month = monthOf(day);
    while (m + 1 < months.length && months[m + 1]! <= month) m++;
    // Before the first month published: that month's value (a leading gap within the limit).
    out.push({ day, value: known.get(months[m]!)! });
  }
  return { usable: true, daily: out };
}
