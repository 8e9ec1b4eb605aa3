/**
 * Public API of the Fluxor forecasting core. Pure: arrays and plain objects in, plain objects
 * out; no file system, network or clock. The augurs WASM engine is loaded by the caller
 * (augurs.server.ts) and passed in `options.augurs`.
 */

export type * from "./types";
export { forecastSeries } from "./forecast";
export { forecastMany, forecastWithSignals } from "./signals";
export { applyRegressors, deviations } from "./regressors";
export { estimateUplift, forecastWithPromotions, liftFuture } from "./promotions";
export { buildShopContext } from "./shop";
export { classify, type Classification } from "./classify";
export { capSpikes } from "./outliers";
export { STOCKOUT_TEST_LEVEL, zeroRunPValue } from "./stockout";
export { holidaysBetween, isKnownCountry } from "./holidays";
export { addEvalSeries, emptyEvalSums, evaluate, maseScale, type EvalSeries, type EvalSums, type Metrics } from "./metrics";
export { addDays, fromDay, toDay, toDayCached, weekday, isIsoDate } from "./dates";
export { MODELS } from "./models";
export { ensembleMembers } from "./select";
export {
  abcClasses,
  daysOfCover,
  economicOrderQuantity,
  isDeadStock,
  orderUpToLevel,
  planInventory,
  projectStock,
  reorderPoint,
  safetyStock,
  xyzClass,
  zForServiceLevel,
  type AbcClass,
  type Arrival,
  type InventoryPlan,
  type LocationStock,
  type StockProjection,
  type XyzClass,
} from "./inventory";
