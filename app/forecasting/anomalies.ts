/**
 * Anomaly flags: recent days whose sales fell outside what a forecast made before them expected
 * (decision 0054). Pure: arrays in, flags out.
 *
 * The reference is the selection's most recent rolling origin (select.ts): the chosen method fitted
 * on the days before the origin, and its 95 % band calibrated on the other origins (intervals.ts,
 * leave-this-origin-out), so neither the forecast nor its band has seen the days it judges. Selection
 * computes that forecast anyway, so flagging costs no model fit. Only the last `window` days (7) are
 * judged, and only observed open days: censored days (out of stock, unknown, shop closed, public
 * holidays: NaN in `actual`) and weekdays the series or shop never trades on are skipped.
 *
 * A day's 95 % band is missed on about one day in twenty by construction, so a miss alone is no
 * alarm (a week of days would flag most series). A flag needs one of:
 *
 * - **spike, one day**: above the band and above the series' own spike threshold (outliers.ts: median
 *   + 3 MAD of log units over its selling days, which needs 8 selling days), so a wholesale order of
 *   the usual size on a slow item is not news;
 * - **spike, sustained** (smooth and erratic demand, which sells on most days): the window's scored
 *   days sold more in total than the sum of their band tops (a sum of per-day 97.5 % quantiles, far
 *   above the 97.5 % quantile of the sum), with at least two days above the band; those days are flagged;
 * - **drop, sustained** (the same classes): the same below the sum of the band bottoms, which must add
 *   up to at least one unit, with at least two days under the band;
 * - **drop to zero**: the trailing run without a sale (which began after the origin, and has at least
 *   3 open observed days) is improbable under the series' selling days before it: the negative-binomial
 *   zero-run test of the stockout inference (stockout.ts, decision 0013) at p < 0.01. It counts selling
 *   days, not units, so one big order does not make a "clear level"; with a 7-day window only items that
 *   sold on most days qualify. An item out of stock now is never flagged for a drop: its stockout
 *   explains the missing sales (and the stockout inference censors such a run when it is improbable).
 *
 * Intermittent and lumpy demand (most days without a sale) gets only the one-day spike and the drop
 * to zero: its daily bands are wide and discrete (a band of 0.03 – 3 units says little about one zero or
 * two orders in a week), and two wholesale orders in a week are its normal course, not news.
 */

import { fromDay, toDay } from "./dates";
import { MIN_PRE_RUN_OPEN_DAYS, PRE_RUN_DAYS, RATE_DAYS, sellingDayDispersion, zeroRunPValue } from "./stockout";
import type { AnomalyFlag, DemandClass, IsoDate } from "./types";

/** Days at the end of the history that are judged. */
export const ANOMALY_WINDOW_DAYS = 7;
/** Significance level of the zero-run test for a drop to zero. */
export const ZERO_RUN_ANOMALY_LEVEL = 0.01;
/** Fewest days outside the band for a sustained spike or drop. */
const SUSTAINED_DAYS = 2;
/** Demand classes whose daily bands the sustained rules read (selling on most days, ADI < 1.32). */
const DENSE_CLASSES: readonly DemandClass[] = ["smooth", "erratic"];
/** Units the band bottoms of the scored days must add up to before falling under them is a drop. */
const MIN_EXPECTED_FLOOR = 1;
/** Fewest open observed days without a sale for a drop to zero. */
const MIN_ZERO_RUN_DAYS = 3;
/** Blocks for the selling-day dispersion, and the fewest open days a block needs (as in stockout.ts). */
const BLOCK_DAYS = 28;
const MIN_BLOCK_OPEN_DAYS = 7;

export interface AnomalyInput {
  /** Date of `actual[0]`. */
  start: IsoDate;
  /** Units sold per day over the whole history; NaN where not observed (out of stock, unknown, shop closed, public holiday). */
  actual: ArrayLike<number>;
  /** Weekday (0 = Monday) of `actual[0]`. */
  startDow: number;
  /** Weekday profile of the series, index 0 = Monday; a 0 marks a weekday it never trades on. */
  profile: ArrayLike<number>;
  /** Index in `actual` of the first day the reference forecast covers: it was made from the days before only. */
  origin: number;
  /** The reference forecast and its 95 % band, from `origin` on (index 0 = day `origin`), through the last day. */
  forecast: ArrayLike<number>;
  lo95: ArrayLike<number>;
  hi95: ArrayLike<number>;
  /** Units above which one day is a spike of the series' own order sizes (outliers.ts); Infinity = never. */
  spikeCap: number;
  /** Out of stock now: missing sales are explained by the stockout, so no drop is flagged. */
  outOfStock: boolean;
  /** The series' demand class (classify.ts): the sustained rules apply to smooth and erratic demand only. */
  demandClass: DemandClass;
  /** Days at the end that are judged (default ANOMALY_WINDOW_DAYS). */
  window?: number;
  /** Significance level of the drop-to-zero test (default ZERO_RUN_ANOMALY_LEVEL). */
  level?: number;
}

/** The flags of the last `window` days, oldest first (at most one per day). */
export function detectAnomalies(input: AnomalyInput): AnomalyFlag[] {
  const { actual, origin } = input;
  const n = actual.length;
  const window = input.window ?? ANOMALY_WINDOW_DAYS;
  const from = Math.max(origin, n - window, 0);
  const covered = (i: number): boolean => i - origin < input.forecast.length;
  const open = (i: number): boolean => input.profile[(input.startDow + i) % 7]! > 0;
  const scored: number[] = [];
  for (let i = from; i < n; i++) {
    const a = actual[i]!;
    if (a === a && open(i) && covered(i)) scored.push(i);
  }
  if (scored.length === 0) return [];
  const f = (i: number): number => input.forecast[i - origin]!;
  const lo = (i: number): number => input.lo95[i - origin]!;
  const hi = (i: number): number => input.hi95[i - origin]!;

  const flags = new Map<number, AnomalyFlag["kind"]>();
  let sumA = 0;
  let sumLo = 0;
  let sumHi = 0;
  const above: number[] = [];
  const below: number[] = [];
  for (const i of scored) {
    const a = actual[i]!;
    sumA += a;
    sumLo += lo(i);
    sumHi += hi(i);
    if (a > hi(i)) above.push(i);
    if (a < lo(i)) below.push(i);
    if (a > hi(i) && a > input.spikeCap) flags.set(i, "spike");
  }
  const dense = DENSE_CLASSES.includes(input.demandClass);
  if (dense && above.length >= SUSTAINED_DAYS && sumA > sumHi) for (const i of above) flags.set(i, "spike");
  if (!input.outOfStock) {
    if (dense && below.length >= SUSTAINED_DAYS && sumLo >= MIN_EXPECTED_FLOOR && sumA < sumLo) for (const i of below) flags.set(i, "drop");
    for (const i of zeroRunDrop(input, open)) if (i >= from) flags.set(i, "drop");
  }

  const startDay = toDay(input.start);
  return [...flags.entries()]
    .sort((x, y) => x[0] - y[0])
    .map(([i, kind]) => ({
      date: fromDay(startDay + i),
      kind,
      units: actual[i]!,
      expected: round(f(i)),
      lo95: round(lo(i)),
      hi95: round(hi(i)),
    }));
}

/**
 * The open observed days of the trailing run without a sale, when the run began after the origin and is
 * improbable under the selling days before it; otherwise none.
 */
function zeroRunDrop(input: AnomalyInput, open: (i: number) => boolean): number[] {
  const { actual, origin } = input;
  const n = actual.length;
  const observed = (i: number): boolean => actual[i]! === actual[i]! && open(i);
  let r0 = n;
  while (r0 > 0 && !(actual[r0 - 1]! > 0)) r0--;
  if (r0 === 0 || r0 < origin) return [];
  const run: number[] = [];
  for (let i = r0; i < n; i++) if (observed(i)) run.push(i);
  if (run.length < MIN_ZERO_RUN_DAYS) return [];
  // The rate of selling days from the latest 4 weeks before the run (more while under 14 open days), its
  // variation from 4-week blocks over the 24 weeks before it: the stockout inference's test (stockout.ts).
  const first = Math.max(0, r0 - PRE_RUN_DAYS);
  const blockSelling: number[] = [];
  const blockOpen: number[] = [];
  let days = 0;
  let selling = 0;
  for (let end = r0; end > first; end -= BLOCK_DAYS) {
    let bd = 0;
    let bs = 0;
    for (let i = Math.max(first, end - BLOCK_DAYS); i < end; i++) {
      if (!observed(i)) continue;
      bd++;
      if (actual[i]! > 0) bs++;
    }
    if (r0 - end < RATE_DAYS || days < MIN_PRE_RUN_OPEN_DAYS) {
      days += bd;
      selling += bs;
    }
    if (bd >= MIN_BLOCK_OPEN_DAYS) {
      blockOpen.push(bd);
      blockSelling.push(bs);
    }
  }
  if (days < MIN_PRE_RUN_OPEN_DAYS) return [];
  const meanBlock = blockOpen.length > 0 ? blockOpen.reduce((a, b) => a + b, 0) / blockOpen.length : days;
  const p = zeroRunPValue(run.length, days, selling, sellingDayDispersion(blockSelling, blockOpen), meanBlock);
  return p < (input.level ?? ZERO_RUN_ANOMALY_LEVEL) ? run : [];
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}
