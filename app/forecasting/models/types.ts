import type { AugursEngine } from "../types";

/** What every model sees at one forecast origin. Arrays cover the training days only. */
export interface ModelInput {
  /** Cleaned demand (spikes capped, censored/closed days imputed), no NaN. */
  y: Float64Array;
  /** 1 where the day was really observed and trading (weekday not closed); imputed days are 0. */
  observed: Uint8Array;
  /** Weekday (0 = Monday) of y[0]. */
  startDow: number;
  /** Weekday factors (mean 1, 0 = closed weekday) estimated on this training window. */
  profile: Float64Array;
  horizon: number;
  /** Days since a level shift at the end of y (../level-shift.ts); absent or 0 = none. */
  levelDays?: number;
  augurs?: AugursEngine;
}

/** A model maps the training window to `horizon` non-negative daily forecasts. */
export type ModelFn = (m: ModelInput) => Float64Array;

/** Weekday factor of the i-th day after the training window. */
export function futureFactor(m: ModelInput, i: number): number {
  return m.profile[(m.startDow + m.y.length + i) % 7]!;
}

/** Spread a per-open-day rate over the horizon following the weekday profile (closed weekdays get 0). */
export function spreadOpenDayRate(m: ModelInput, rate: number): Float64Array {
  let open = 0;
  for (let w = 0; w < 7; w++) if (m.profile[w]! > 0) open++;
  const k = open > 0 ? open / 7 : 1;
  const out = new Float64Array(m.horizon);
  for (let i = 0; i < m.horizon; i++) out[i] = Math.max(0, rate * futureFactor(m, i) * k);
  return out;
}

/** Spread a mean-per-calendar-day level over the horizon following the weekday profile. */
export function spreadDailyLevel(m: ModelInput, level: number): Float64Array {
  const out = new Float64Array(m.horizon);
  for (let i = 0; i < m.horizon; i++) out[i] = Math.max(0, level * futureFactor(m, i));
  return out;
}

/**
 * What a level model is fitted on: the days since a level shift at the end of the window
 * (`levelDays`), or the whole window when there is none. Same weekday alignment and profile.
 */
export function sinceLevelShift(m: ModelInput): ModelInput {
  const days = m.levelDays ?? 0;
  if (days <= 0 || days >= m.y.length) return m;
  const from = m.y.length - days;
  return { ...m, y: m.y.subarray(from), observed: m.observed.subarray(from), startDow: (m.startDow + from) % 7 };
}
