import type { ModelName } from "../types";
import { BASE_DAYS, yearlyIndex } from "../yearly";
import { adidaWeekly } from "./adida";
import { croston, sba, tsb } from "./croston";
import { dampedWeekly, sesWeekly } from "./exp-smoothing";
import { movingAverage } from "./moving-average";
import { mstlEts } from "./mstl-ets";
import { seasonalNaive } from "./naive";
import type { ModelFn, ModelInput } from "./types";

export type { ModelFn, ModelInput } from "./types";
export { flatMovingAverage, trailingMean } from "./moving-average";

/**
 * Yearly variants of the level models: the level model's forecast × the yearly index
 * (../yearly.ts), whose base is the days the level describes (the last 28, or the weeks since a
 * level shift when fewer). Without a year of history before the origin there is no index and a
 * variant forecasts exactly what its level model does.
 */
export const YEARLY_VARIANTS: Readonly<Partial<Record<ModelName, ModelName>>> = {
  "ses-weekly-yearly": "ses-weekly",
  "damped-weekly-yearly": "damped-weekly",
  "adida-weekly-yearly": "adida-weekly",
  "moving-average-yearly": "moving-average",
};

function times(f: Float64Array, index: Float64Array | undefined): Float64Array {
  if (index) for (let i = 0; i < f.length; i++) f[i] = f[i]! * index[i]!;
  return f;
}

function indexFor(m: ModelInput): Float64Array | undefined {
  return yearlyIndex(m.y, m.horizon, m.levelDays || BASE_DAYS);
}

function withYearly(level: ModelFn): ModelFn {
  return (m) => times(level(m), indexFor(m));
}

/** Every single model the selector can choose from. */
export const MODELS: Partial<Record<ModelName, ModelFn>> = {
  "seasonal-naive": seasonalNaive,
  "moving-average": movingAverage,
  "ses-weekly": sesWeekly,
  "damped-weekly": dampedWeekly,
  croston,
  sba,
  tsb,
  "adida-weekly": adidaWeekly,
  "mstl-ets": mstlEts,
  "ses-weekly-yearly": withYearly(sesWeekly),
  "damped-weekly-yearly": withYearly(dampedWeekly),
  "adida-weekly-yearly": withYearly(adidaWeekly),
  "moving-average-yearly": withYearly(movingAverage),
};

/**
 * The forecasts of several models at one origin, as `MODELS[name](m)` each would give, with the
 * yearly index computed once for all yearly variants.
 */
export function runModels(m: ModelInput, names: readonly ModelName[]): Float64Array[] {
  let index: Float64Array | undefined;
  let indexDone = false;
  return names.map((name) => {
    const level = YEARLY_VARIANTS[name];
    const fn = MODELS[level ?? name];
    if (!fn) throw new Error(`unknown model ${name}`);
    if (!level) return fn(m);
    if (!indexDone) {
      index = indexFor(m);
      indexDone = true;
    }
    return times(fn(m), index);
  });
}
