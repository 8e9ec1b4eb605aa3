import type { ModelFn } from "./types";

/** Seasonal naive, period 7: each future day repeats the same weekday of the last week. */
export const seasonalNaive: ModelFn = (m) => {
  const n = m.y.length;
  const out = new Float64Array(m.horizon);
  if (n === 0) return out;
  for (let i = 0; i < m.horizon; i++) {
    const j = n - 7 + (i % 7);
    out[i] = j >= 0 ? m.y[j]! : m.y[n - 1]!;
  }
  return out;
};
