import { sinceLevelShift, spreadDailyLevel, type ModelFn, type ModelInput } from "./types";

/** Mean of the last `window` days (all of them when shorter). */
export function trailingMean(y: Float64Array, window: number): number {
  const n = y.length;
  const from = Math.max(0, n - window);
  let s = 0;
  for (let i = from; i < n; i++) s += y[i]!;
  return n > from ? s / (n - from) : 0;
}

/** Flat moving average (the classic baseline): every future day = mean of the last `window` days. */
export function flatMovingAverage(m: ModelInput, window = 28): Float64Array {
  return new Float64Array(m.horizon).fill(trailingMean(m.y, window));
}

/** Moving average of the last 28 days (since a level shift, when more recent), shaped by the weekday profile. */
export const movingAverage: ModelFn = (m) => spreadDailyLevel(m, trailingMean(sinceLevelShift(m).y, 28));
