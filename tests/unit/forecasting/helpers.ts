import type { SeriesInput } from "~/forecasting/types";

import { prng as rng } from "../../support/random";

export { rng };

/** Poisson sample (Knuth; fine for small means). */
export function poisson(r: () => number, lambda: number): number {
  if (lambda <= 0) return 0;
  if (lambda > 50)
    return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r())));
  const L = Math.exp(-lambda);
  let k = 0;
  let p = 1;
  do {
    k++;
    p *= r();
  } while (p > L);
  return k - 1;
}

/** Weekday multipliers Monday..Sunday with a closed Saturday, like the real data set. */
export const WEEK = [1.2, 1.1, 1.1, 1.2, 1.0, 0, 0.5];

/** Daily Poisson series starting on a Monday (2024-01-01) with the WEEK pattern. */
export function weeklySeries(days: number, level: number, seed = 1, id = "s"): SeriesInput {
  const r = rng(seed);
  const values = Array.from({ length: days }, (_, i) => poisson(r, level * WEEK[i % 7]!));
  return { id, start: "2024-01-01", values };
}

export function mean(a: readonly number[]): number {
  return a.reduce((x, y) => x + y, 0) / a.length;
}
