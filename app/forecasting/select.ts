/**
 * Per-series model selection by rolling-origin backtest on the series' own history.
 *
 * Origins are placed back from the end every `min(horizon, 28)` days (non-overlapping windows,
 * 4 by default, fewer when the history is short); at each origin every candidate is fitted on the days before it and scored
 * on the next days against the spike-capped actuals (censored days skipped). The score adds the
 * daily absolute error and the absolute error of the window total, so a method must get both the
 * day-to-day shape and the volume right. The forecast is the equal-weight ensemble of the three
 * best candidates; its errors (against the uncapped actuals) feed the interval calibration.
 *
 * The candidate set is compact and routed by demand class: Croston/SBA/TSB only for intermittent
 * or lumpy demand (ADI ≥ 1.32), the yearly variant only with 13+ months of history, and the
 * expensive augurs MSTL + AutoETS (≈ 6.5 ms per fit) only for the classes in `options.augursFor`
 * (default: smooth demand, where a full state-space model can beat the cheap smoothers).
 */

import type { Classification } from "./classify";
import type { Residual } from "./intervals";
import { MODELS, type ModelInput } from "./models";
import { impute, type PreparedSeries } from "./prepare";
import { weekdayProfile } from "./profile";
import type { DemandClass, ForecastOptions, ModelName } from "./types";

/** Horizon evaluated at each origin (longer horizons reuse the last week's calibration). */
export const MAX_EVAL_HORIZON = 28;
export const DEFAULT_ORIGINS = 4;
const MIN_TRAIN_DAYS = 28;
export const DEFAULT_AUGURS_FOR: readonly DemandClass[] = ["smooth"];
/** Size of the equal-weight ensemble of the best-scoring candidates. */
const ENSEMBLE_SIZE = 3;

/**
 * The candidates an ensemble forecast averaged, from the scores `selectModel` reported: the best
 * (lowest) `ENSEMBLE_SIZE` scores other than the ensemble's own.
 */
export function ensembleMembers(scores: Partial<Record<string, number>>): string[] {
  return Object.entries(scores)
    .filter((entry): entry is [string, number] => entry[0] !== "ensemble" && Number.isFinite(entry[1]))
    .sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0]))
    .slice(0, ENSEMBLE_SIZE)
    .map(([model]) => model);
}

export function modelInput(p: PreparedSeries, to: number, horizon: number, options: ForecastOptions): ModelInput {
  const y = p.capped.subarray(0, to);
  const profile = weekdayProfile(y, p.startDow, options.shop?.weekdayProfile);
  const { filled, observed } = impute(y, p.startDow, profile);
  return { y: filled, observed, startDow: p.startDow, profile, horizon, augurs: options.augurs };
}

export function candidateModels(p: PreparedSeries, cls: Classification, options: ForecastOptions): ModelName[] {
  if (options.candidates) return options.candidates.filter((c) => c !== "ensemble" && MODELS[c] !== undefined);
  const out: ModelName[] = ["seasonal-naive", "moving-average", "ses-weekly", "damped-weekly", "adida-weekly"];
  // Intermittent-demand methods only where demand is intermittent (ADI ≥ 1.32): Croston-type
  // methods are biased on smooth demand and waste time there.
  if (cls.demandClass === "intermittent" || cls.demandClass === "lumpy") out.push("croston", "sba", "tsb");
  if (p.n >= 364 + 28 + MAX_EVAL_HORIZON) out.push("ses-weekly-yearly");
  // The expensive WASM model (≈ 6.5 ms per fit) only where it can help.
  if (options.augurs && (options.augursFor ?? DEFAULT_AUGURS_FOR).includes(cls.demandClass) && p.n >= 8 * 7) out.push("mstl-ets");
  return out;
}

export function originsFor(n: number, evalH: number, wanted: number): number[] {
  const out: number[] = [];
  for (let k = 1; k <= wanted; k++) {
    const o = n - k * evalH;
    if (o < MIN_TRAIN_DAYS) break;
    out.push(o);
  }
  return out;
}

export interface Selection {
  model: ModelName;
  components: ModelName[];
  scores: Partial<Record<ModelName, number>>;
  residuals: Residual[];
  origins: number;
  evalHorizon: number;
  /** Σ|F−A| and Σ actual (capped) of the chosen method over the origins, and Σ per-window |ΣF−ΣA|. */
  absError: number;
  totalError: number;
  actualSum: number;
  scoredDays: number;
}

export function selectModel(p: PreparedSeries, cls: Classification, options: ForecastOptions): Selection {
  const candidates = candidateModels(p, cls, options);
  const evalH = Math.min(options.horizon, MAX_EVAL_HORIZON);
  const origins = originsFor(p.n, evalH, options.origins ?? DEFAULT_ORIGINS);
  const C = candidates.length;
  // forecasts[o][c] = Float64Array(evalH)
  const forecasts: Float64Array[][] = [];
  const daily = new Float64Array(C);
  const total = new Float64Array(C);
  for (const o of origins) {
    const input = modelInput(p, o, evalH, options);
    const row: Float64Array[] = [];
    for (let c = 0; c < C; c++) {
      const f = MODELS[candidates[c]!]!(input);
      row.push(f);
      let fs = 0;
      let as = 0;
      let e = 0;
      for (let t = 0; t < evalH; t++) {
        const a = p.capped[o + t]!;
        if (a !== a) continue;
        e += Math.abs(f[t]! - a);
        fs += f[t]!;
        as += a;
      }
      daily[c] = daily[c]! + e;
      total[c] = total[c]! + Math.abs(fs - as);
    }
    forecasts.push(row);
  }
  const scores: Partial<Record<ModelName, number>> = {};
  const order: number[] = [];
  for (let c = 0; c < C; c++) {
    scores[candidates[c]!] = daily[c]! + total[c]!;
    order.push(c);
  }
  order.sort((a, b) => daily[a]! + total[a]! - (daily[b]! + total[b]!));

  // Equal-weight ensemble of the best few (scored on the same origins).
  const top = order.slice(0, Math.min(ENSEMBLE_SIZE, C));
  let ensDaily = 0;
  let ensTotal = 0;
  const ensF: Float64Array[] = [];
  for (let k = 0; k < origins.length; k++) {
    const o = origins[k]!;
    const f = new Float64Array(evalH);
    for (const c of top) {
      const g = forecasts[k]![c]!;
      for (let t = 0; t < evalH; t++) f[t] = f[t]! + g[t]! / top.length;
    }
    ensF.push(f);
    let fs = 0;
    let as = 0;
    for (let t = 0; t < evalH; t++) {
      const a = p.capped[o + t]!;
      if (a !== a) continue;
      ensDaily += Math.abs(f[t]! - a);
      fs += f[t]!;
      as += a;
    }
    ensTotal += Math.abs(fs - as);
  }
  const best = order[0];
  // Combining beats picking on noisy backtests (the winner of 4 origins is partly luck), so the
  // ensemble is used whenever there are at least two candidates; its own score is reported.
  const useEnsemble = top.length > 1;
  if (top.length > 1) scores.ensemble = ensDaily + ensTotal;

  const model: ModelName = useEnsemble ? "ensemble" : best !== undefined ? candidates[best]! : "moving-average";
  const components = useEnsemble ? top.map((c) => candidates[c]!) : [model];
  const residuals: Residual[] = [];
  let absError = 0;
  let totalError = 0;
  let actualSum = 0;
  let scoredDays = 0;
  for (let k = 0; k < origins.length; k++) {
    const o = origins[k]!;
    const f = useEnsemble ? ensF[k]! : best !== undefined ? forecasts[k]![best]! : new Float64Array(evalH);
    let fs = 0;
    let as = 0;
    for (let t = 0; t < evalH; t++) {
      const a = p.raw[o + t]!;
      if (a !== a) continue;
      residuals.push({ forecast: f[t]!, actual: a, h: t, origin: k });
      const ac = p.capped[o + t]!;
      absError += Math.abs(f[t]! - ac);
      fs += f[t]!;
      as += ac;
      scoredDays++;
    }
    totalError += Math.abs(fs - as);
    actualSum += as;
  }
  return { model, components, scores, residuals, origins: origins.length, evalHorizon: evalH, absError, totalError, actualSum, scoredDays };
}
