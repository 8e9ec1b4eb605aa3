import type { SeriesInput } from "./types";

/**
 * The series as it was known at day index `to` (a backtest origin, or the end): its first `to` values (or `values`,
 * adjusted ones of the same length) and stock flags, without its signals, and without today's stock unless `to` is
 * the end (the stock now says nothing about an earlier origin).
 */
export function historyUntil(input: SeriesInput, to: number, values?: ArrayLike<number>): SeriesInput {
  const copy: SeriesInput = {
    ...input,
    values: values ?? Array.from({ length: to }, (_, i) => Number(input.values[i])),
    ...(input.inStock ? { inStock: Array.from({ length: to }, (_, i) => input.inStock![i]!) } : {}),
    ...(to < input.values.length ? { available: undefined } : {}),
  };
  delete copy.promotions;
  delete copy.regressors;
  return copy;
}
