import type { ModelName } from "../types";
import { adidaWeekly } from "./adida";
import { croston, sba, tsb } from "./croston";
import { dampedWeekly, sesWeekly, sesWeeklyYearly } from "./exp-smoothing";
import { movingAverage } from "./moving-average";
import { mstlEts } from "./mstl-ets";
import { seasonalNaive } from "./naive";
import type { ModelFn } from "./types";

export type { ModelFn, ModelInput } from "./types";
export { flatMovingAverage, trailingMean } from "./moving-average";

/** Every single model the selector can choose from. */
export const MODELS: Partial<Record<ModelName, ModelFn>> = {
  "seasonal-naive": seasonalNaive,
  "moving-average": movingAverage,
  "ses-weekly": sesWeekly,
  "ses-weekly-yearly": sesWeeklyYearly,
  "damped-weekly": dampedWeekly,
  croston,
  sba,
  tsb,
  "adida-weekly": adidaWeekly,
  "mstl-ets": mstlEts,
};
