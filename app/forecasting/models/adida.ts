/**
 * ADIDA (aggregate–disaggregate intermittent demand approach, Nikolopoulos et al. 2011): sum the
 * days into weeks ending at the forecast origin, which removes most of the intermittency, smooth
 * the weekly totals with SES, then split the weekly forecast over the days by the weekday profile.
 */

import { sesLevel } from "./exp-smoothing";
import { sinceLevelShift, spreadDailyLevel, type ModelFn } from "./types";

/** Fitted on the weeks since a level shift when there is one. */
export const adidaWeekly: ModelFn = (full) => {
  const m = sinceLevelShift(full);
  const n = m.y.length;
  const weeks = Math.floor(n / 7);
  if (weeks === 0) return spreadDailyLevel(m, 0);
  const w = new Float64Array(weeks);
  const offset = n - weeks * 7;
  for (let k = 0; k < weeks; k++) {
    let s = 0;
    for (let d = 0; d < 7; d++) s += m.y[offset + k * 7 + d]!;
    w[k] = s;
  }
  return spreadDailyLevel(m, sesLevel(w, [0.05, 0.1, 0.2, 0.4]) / 7);
};
