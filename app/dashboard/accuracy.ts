/**
 * Which backtest accuracy figure the variant page shows. The percentage (acc_total) compares the
 * forecast with total sales; for an item that sells a unit now and then, a forecast of 0.3 a day is
 * "wrong" on every single day, so the percentage sits near 0 % even when the forecast is as good as
 * it can be. For those demand classes the page shows the error in units and how often the 80 % range
 * held instead, with a sentence saying why. Pure, so it is unit-tested.
 */

/** Demand classes whose sales come a few units now and then (and "none": nothing sold yet). */
export const SLOW_MOVER_CLASSES: readonly string[] = ["intermittent", "lumpy", "none"];

export interface BacktestScores {
  accTotal: number | null;
  mae: number | null;
  coverage80: number | null;
  coverage95: number | null;
}

export type AccuracyDisplay =
  /** Too little history to have scored any backtest. */
  | { kind: "notEnough" }
  /** Regular sellers: the percentage, with the band coverage and the daily error as detail. */
  | { kind: "percent"; accuracy: number; coverage80: number | null; coverage95: number | null; maePerDay: number | null }
  /** Slow movers: no percentage; the typical daily error in units and the 80 % range's hit rate. */
  | { kind: "units"; maePerDay: number | null; coverage80: number | null; dailyMean: number | null };

export function isSlowMover(demandClass: string): boolean {
  return SLOW_MOVER_CLASSES.includes(demandClass);
}

const finite = (value: number | null | undefined): number | null => (typeof value === "number" && Number.isFinite(value) ? value : null);
const share = (value: number | null | undefined): number | null => {
  const v = finite(value);
  return v === null ? null : Math.min(1, Math.max(0, v));
};

export function accuracyDisplay(demandClass: string, backtest: BacktestScores, dailyMean: number | null = null): AccuracyDisplay {
  const mae = finite(backtest.mae);
  const maePerDay = mae === null ? null : Math.max(0, mae);
  const coverage80 = share(backtest.coverage80);
  if (isSlowMover(demandClass)) {
    if (maePerDay === null && coverage80 === null) return { kind: "notEnough" };
    const mean = finite(dailyMean);
    return { kind: "units", maePerDay, coverage80, dailyMean: mean === null ? null : Math.max(0, mean) };
  }
  const accTotal = finite(backtest.accTotal);
  if (accTotal === null) return { kind: "notEnough" };
  return { kind: "percent", accuracy: Math.min(1, Math.max(0, accTotal)), coverage80, coverage95: share(backtest.coverage95), maePerDay };
}

/** Decimals for a unit count shown to a merchant: two below 1 (0.04, 0.45), one below 10 (2.5), none from 10 up. */
export function unitDigits(value: number): number {
  const size = Math.abs(value);
  return size < 1 ? 2 : size < 10 ? 1 : 0;
}
