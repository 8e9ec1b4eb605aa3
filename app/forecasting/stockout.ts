/**
 * Stock state at the end of a series and censoring by inference (decision 0013).
 *
 * The trailing run is the run of last days with no sale and no known stock: walking back from the
 * last day, a day with a sale or a day the stock history shows in stock ends it; days flagged out of
 * stock and days of unknown stock (before `stockKnownFrom`) continue it.
 *
 * When the series is out of stock now (`available ≤ 0`), the run's unknown-stock days are tested:
 * is "no sale on any of its m open days" improbable under the demand before the run? Selling days
 * are counted, not units (a wholesale order is one event, however large). The test is a
 * negative-binomial (gamma–Poisson) tail, see `zeroRunPValue`: the rate of selling days per open day
 * comes from the last 4 weeks before the run (Jeffreys prior), its variation between 4-week blocks
 * from the 24 weeks before the run (Pearson dispersion), and with a year of history the same days a
 * year earlier must reject too (seasonal guard). With p < level (0.01) the run's unknown-stock days
 * become censored (demand unobserved, like an `inStock = 0` day), otherwise they stay zero demand.
 * Closed weekdays, shop closures, holidays and flagged days are not open days: they count neither in
 * the run nor in the history. With stock on hand nothing is inferred: the zeros are demand.
 */

import { weekdayProfile } from "./profile";
import type { SeriesInput, ZeroRunTest } from "./types";

/** Default significance level of the zero-run test. */
export const STOCKOUT_TEST_LEVEL = 0.01;
/** Days before the run whose 4-week blocks measure how much the rate of selling days varies (6 blocks). */
export const PRE_RUN_DAYS = 168;
/**
 * The latest days before the run that set the rate it is tested against (a dying or seasonal item is
 * judged by its recent sales); earlier 4-week blocks are added while they hold too few open days.
 */
export const RATE_DAYS = 28;
/** Below this many open observed days before the run there is no basis for "improbable": no test. */
export const MIN_PRE_RUN_OPEN_DAYS = 14;
/** Block length for the dispersion (whole weeks, so weekday patterns cancel) and the least open days a block needs to count. */
const BLOCK_DAYS = 28;
/** Whole weeks in a year: the seasonal guard compares the run with the same weekdays a year earlier. */
const YEAR = 364;
const MIN_BLOCK_OPEN_DAYS = 7;

export interface StockAnalysis {
  available: number | null;
  outOfStock: boolean;
  /** Index of the stockout's first day (`n` when only the last day still had stock); -1 when in stock. */
  sinceIndex: number;
  sinceEstimated: boolean;
  runCensoredBy: "history" | "inference" | null;
  inferredDays: number;
  test: ZeroRunTest | null;
  warnings: string[];
}

/**
 * P(no selling day in `openDays` open days | `sellingDays` of `preRunOpenDays` open days before).
 *
 * The run's rate of selling days is a gamma draw with mean μ = (s + ½)/d (Jeffreys) and variance
 * μ/d (uncertainty of the mean) + μ²/k (the rate's variation between blocks, k = μ·B/(φ − 1) from
 * the blocks' dispersion φ and mean open days per block B); its zero term over m days, the
 * negative-binomial P(0) = (1 + m·c)^(−μ/c) with c = 1/d + (φ − 1)/B. φ = 1 gives (1 + m/d)^−(s+½).
 */
export function zeroRunPValue(
  openDays: number,
  preRunOpenDays: number,
  sellingDays: number,
  dispersion = 1,
  blockOpenDays = BLOCK_DAYS,
): number {
  if (!(openDays > 0) || !(preRunOpenDays > 0)) return 1;
  const mu = (sellingDays + 0.5) / preRunOpenDays;
  const c = 1 / preRunOpenDays + (Math.max(1, dispersion) - 1) / Math.max(1, blockOpenDays);
  return Math.exp((-mu / c) * Math.log1p(openDays * c));
}

/**
 * Pearson dispersion of selling-day counts per block (s_j of d_j open days) against a common rate,
 * X² / (J − 1), at least 1; 1 with fewer than two blocks.
 */
export function sellingDayDispersion(selling: readonly number[], open: readonly number[]): number {
  let s = 0;
  let d = 0;
  for (let j = 0; j < open.length; j++) {
    s += selling[j]!;
    d += open[j]!;
  }
  if (open.length < 2 || !(s > 0) || !(d > 0)) return 1;
  const rate = s / d;
  let x2 = 0;
  for (let j = 0; j < open.length; j++) {
    const e = rate * open[j]!;
    x2 += (selling[j]! - e) ** 2 / e;
  }
  return Math.max(1, x2 / (open.length - 1));
}

/**
 * Works out the stock state and, when out of stock, censors the trailing run's unknown-stock days
 * in `raw` (sets them to NaN) when the zero-run test rejects "demand went on as before".
 *
 * @param raw demand after the known censoring (flags, unknown values, closures, holidays: NaN); modified in place
 * @param knownFrom index of the first day of known stock history (≤ 0: all days, ≥ n: none)
 * @param shopProfile the shop's weekday profile (a 0 = closed weekday), if any
 */
export function analyseStock(
  s: SeriesInput,
  raw: Float64Array,
  knownFrom: number,
  startDow: number,
  shopProfile: readonly number[] | undefined,
  level: number,
): StockAnalysis {
  const n = raw.length;
  const available = s.available ?? null;
  const flags = s.inStock;
  const flaggedOut = (i: number): boolean => {
    const f = flags?.[i];
    return f === 0 || f === false;
  };
  const sale = (i: number): boolean => Number(s.values[i]) > 0;
  const knownIn = (i: number): boolean => i >= knownFrom && !flaggedOut(i);
  const none: StockAnalysis = {
    available,
    outOfStock: false,
    sinceIndex: -1,
    sinceEstimated: false,
    runCensoredBy: null,
    inferredDays: 0,
    test: null,
    warnings: [],
  };
  // "Now" is the available stock when known, else the last day's flag (a sale proves stock).
  const outOfStock = available !== null ? available <= 0 : n > 0 && flaggedOut(n - 1) && !sale(n - 1);
  if (!outOfStock) return none;

  let r0 = n;
  while (r0 > 0 && !sale(r0 - 1) && !knownIn(r0 - 1)) r0--;
  const out: StockAnalysis = { ...none, outOfStock: true, sinceIndex: r0, sinceEstimated: r0 < n && !flaggedOut(r0) };
  let flagged = false;
  let unknownObserved = 0;
  for (let i = r0; i < n; i++) {
    if (flaggedOut(i)) flagged = true;
    // Flagged, unknown-value, closure and holiday days are NaN already: what is left has unknown stock.
    else if (raw[i] === raw[i]) unknownObserved++;
  }
  out.runCensoredBy = flagged ? "history" : null;
  if (unknownObserved === 0) return out;

  const profile = weekdayProfile(raw.subarray(0, r0), startDow, shopProfile);
  const open = (i: number): boolean => raw[i] === raw[i] && profile[(startDow + i) % 7]! > 0;
  let m = 0;
  for (let i = r0; i < n; i++) if (open(i)) m++;
  // 4-week blocks back from the run: the latest RATE_DAYS set the rate, all of them the dispersion.
  const from = Math.max(0, r0 - PRE_RUN_DAYS);
  const blockSelling: number[] = [];
  const blockOpen: number[] = [];
  let d = 0;
  let sd = 0;
  for (let end = r0; end > from; end -= BLOCK_DAYS) {
    let bd = 0;
    let bs = 0;
    for (let i = Math.max(from, end - BLOCK_DAYS); i < end; i++) {
      if (!open(i)) continue;
      bd++;
      if (raw[i]! > 0) bs++;
    }
    if (r0 - end < RATE_DAYS || d < MIN_PRE_RUN_OPEN_DAYS) {
      d += bd;
      sd += bs;
    }
    if (bd >= MIN_BLOCK_OPEN_DAYS) {
      blockOpen.push(bd);
      blockSelling.push(bs);
    }
  }
  if (m === 0) return out;
  if (d < MIN_PRE_RUN_OPEN_DAYS) {
    out.warnings.push(
      `out of stock: the ${m} open day(s) without sales were not tested (${d} open days before them, < ${MIN_PRE_RUN_OPEN_DAYS})`,
    );
    return out;
  }
  const dispersion = sellingDayDispersion(blockSelling, blockOpen);
  const meanBlock = blockOpen.length > 0 ? blockOpen.reduce((a, b) => a + b, 0) / blockOpen.length : d;
  const recentP = zeroRunPValue(m, d, sd, dispersion, meanBlock);
  // Seasonal guard: with a year of history before the run, the same days a year earlier (364, so
  // weekdays line up) must have sold too; a run in a season that was also quiet last year is not improbable.
  let yearAgo: ZeroRunTest["yearAgo"] = null;
  if (r0 - YEAR >= 0) {
    let yd = 0;
    let ys = 0;
    for (let i = r0 - YEAR; i < Math.min(n, r0 + YEAR) - YEAR; i++) {
      if (!open(i)) continue;
      yd++;
      if (raw[i]! > 0) ys++;
    }
    if (yd >= MIN_BLOCK_OPEN_DAYS) yearAgo = { openDays: yd, sellingDays: ys, pValue: zeroRunPValue(m, yd, ys, dispersion, meanBlock) };
  }
  const pValue = Math.max(recentP, yearAgo?.pValue ?? 0);
  const censored = pValue < level;
  out.test = { openDays: m, preRunOpenDays: d, preRunSellingDays: sd, dispersion, yearAgo, pValue, level, censored };
  if (!censored) return out;
  for (let i = r0; i < n; i++) {
    if (raw[i] === raw[i] && !flaggedOut(i)) {
      raw[i] = NaN;
      out.inferredDays++;
    }
  }
  out.runCensoredBy = "inference";
  out.warnings.push(
    `out of stock: ${out.inferredDays} day(s) without sales at the end censored as a stockout ` +
      `(no sale on ${m} open days; p = ${pValue.toPrecision(2)} < ${level} given ${sd} selling of ${d} open days before)`,
  );
  return out;
}
