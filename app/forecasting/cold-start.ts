/**
 * Cold start: a variant with less than `minHistoryDays` observed days borrows the pattern of its
 * parent (product or product type) scaled by its share, blending in its own short history as it
 * accumulates (weight = observed days / minHistoryDays). Bands are deliberately wide: the parent's
 * calibrated bands scaled and widened, or multiples of the level when only a level is known.
 */

import { toDay } from "./dates";
import type { Bands } from "./forecast";
import { forecastSeries } from "./forecast";
import type { PreparedSeries } from "./prepare";
import type { ForecastOptions, ModelName, SeriesInput } from "./types";

/** Band widening for cold starts relative to the parent's calibrated bands (share is uncertain). */
const WIDEN_LO = 0.5;
const WIDEN_HI80 = 1.5;
const WIDEN_HI95 = 2;
/** Bands as multiples of the forecast when only a level is known. */
const LEVEL_HI80 = 2.5;
const LEVEL_HI95 = 4;

export interface ColdStart extends Bands {
  components: ModelName[];
  warnings: string[];
  dailySd: number;
}

export function coldStartForecast(
  input: SeriesInput,
  p: PreparedSeries,
  profile: Float64Array,
  observedDays: number,
  options: ForecastOptions,
): ColdStart {
  const h = options.horizon;
  const minHistory = Math.max(1, options.minHistoryDays ?? 56);
  const w = Math.min(1, observedDays / minHistory);
  let ownSum = 0;
  for (let i = 0; i < p.n; i++) if (p.capped[i] === p.capped[i]) ownSum += p.capped[i]!;
  const ownMean = observedDays > 0 ? ownSum / observedDays : 0;
  const warnings = [`cold start: ${observedDays} observed day(s) (< ${minHistory}); forecast borrows a pattern and bands are wide`];
  const parent = input.parent;

  if (parent?.kind === "series") {
    const vEnd = p.startDay + p.n - 1;
    const pStart = toDay(parent.start);
    const pLen = Math.min(parent.values.length, vEnd - pStart + 1);
    const values = Array.from({ length: Math.max(0, pLen) }, (_, i) => Number(parent.values[i]));
    const gap = vEnd - (pStart + pLen - 1);
    const pr = forecastSeries(
      { id: `${input.id}:parent`, start: parent.start, values },
      { ...options, horizon: gap + h, candidates: options.candidates },
    );
    // Observed share over the days both series cover.
    let vs = 0;
    let ps = 0;
    for (let i = 0; i < p.n; i++) {
      const v = p.raw[i]!;
      const j = p.startDay + i - pStart;
      if (v !== v || j < 0 || j >= values.length) continue;
      const pv = values[j]!;
      if (pv !== pv) continue;
      vs += v;
      ps += pv;
    }
    const observedShare = ps > 0 ? vs / ps : undefined;
    const prior = parent.share ?? observedShare ?? 1;
    if (parent.share === undefined && observedShare === undefined)
      warnings.push("no share given and none observable: using the parent's full level");
    const share = observedShare !== undefined ? w * observedShare + (1 - w) * prior : prior;
    const s = (a: number[], k: number): number[] => a.slice(gap, gap + h).map((x) => Math.max(0, x * share * k));
    return {
      forecast: s(pr.forecast, 1),
      lo80: s(pr.lo80, WIDEN_LO),
      hi80: s(pr.hi80, WIDEN_HI80),
      lo95: s(pr.lo95, WIDEN_LO),
      hi95: s(pr.hi95, WIDEN_HI95),
      components: [pr.model],
      warnings,
      dailySd: pr.dailySd * share * WIDEN_HI80,
    };
  }

  let level: number;
  let shape: ArrayLike<number> = profile;
  if (parent?.kind === "level") {
    level = w * ownMean + (1 - w) * Math.max(0, parent.dailyUnits);
    if (parent.weekdayProfile && parent.weekdayProfile.length === 7) {
      const t = parent.weekdayProfile.reduce((a, b) => a + Math.max(0, b), 0);
      if (t > 0) shape = parent.weekdayProfile.map((x) => (Math.max(0, x) * 7) / t);
    }
  } else {
    level = ownMean;
    warnings.push(
      observedDays > 0 ? "no parent pattern: using the short own history" : "no history and no parent pattern: forecast is zero",
    );
  }
  // The own mean is per observed day; spread it over the week's shape.
  const b: ColdStart = { forecast: [], lo80: [], hi80: [], lo95: [], hi95: [], components: [], warnings, dailySd: 0 };
  for (let i = 0; i < h; i++) {
    const f = Math.max(0, level * shape[(p.startDow + p.n + i) % 7]!);
    b.forecast.push(f);
    b.lo80.push(0);
    b.hi80.push(f * LEVEL_HI80);
    b.lo95.push(0);
    b.hi95.push(f * LEVEL_HI95);
  }
  b.dailySd = level * (LEVEL_HI80 - 1);
  return b;
}
