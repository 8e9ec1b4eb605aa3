/**
 * Per-series model selection by rolling-origin backtest on the series' own history.
 *
 * Origins are placed back from the end every `min(horizon, 28)` days (non-overlapping windows,
 * 4 by default, fewer when the history is short). With yearly candidates and enough history, the
 * same calendar window one and two years earlier (364·j days back, weekdays aligned) is scored
 * too: the recent windows never contain the coming season, so without these the ensemble and its
 * bands would be chosen on how the models did in other seasons (a calm autumn before a December
 * peak). At each origin every candidate is fitted on the days before it and scored on the next
 * days against the spike-capped actuals (censored days skipped). The score adds the daily absolute error and
 * the absolute error of the window total, so a method must get both the day-to-day shape and the
 * volume right. The forecast is the equal-weight ensemble of the three best candidates; its errors
 * (against the uncapped actuals) feed the interval calibration.
 *
 * The candidate set is compact and routed by demand class: Croston/SBA/TSB only for intermittent
 * or lumpy demand (ADI ≥ 1.32), the yearly variants of the level models instead of the plain ones
 * where 13+ months of history show a yearly pattern that repeats, and the expensive augurs MSTL +
 * AutoETS (≈ 6.5 ms per fit) only for the classes in `options.augursFor` (default: smooth demand,
 * where a full state-space model can beat the cheap smoothers).
 */

import type { Classification } from "./classify";
import type { Residual } from "./intervals";
import { MODELS, runModels, YEARLY_VARIANTS, type ModelInput } from "./models";
import { levelShift } from "./level-shift";
import { impute, type PreparedSeries } from "./prepare";
import { weekdayProfile } from "./profile";
import type { DemandClass, ForecastOptions, ModelName } from "./types";
import { YEARLY_MIN_DAYS, yearlySkill } from "./yearly";

/** Horizon evaluated at each origin (longer horizons reuse the last week's calibration). */
export const MAX_EVAL_HORIZON = 28;
export const DEFAULT_ORIGINS = 4;
const MIN_TRAIN_DAYS = 28;
export const DEFAULT_AUGURS_FOR: readonly DemandClass[] = ["smooth"];
/** Size of the equal-weight ensemble of the best-scoring candidates. */
const ENSEMBLE_SIZE = 3;
/** Same-season origins: the coming window's dates this many years back, at most. */
const SEASON_YEARS = 2;
/** Weekday-aligned year for the same-season origins. */
const SEASON_SHIFT = 364;
/** Level model → its yearly variant. */
const YEARLY_VARIANT_OF = new Map(Object.entries(YEARLY_VARIANTS).map(([variant, level]) => [level, variant as ModelName]));

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

/**
 * What the models see at an origin (`to` days of history). Level shifts (level-shift.ts) are
 * looked for in smooth demand only: where order sizes vary a lot (erratic, lumpy) or most days
 * have no sale (intermittent), two or three busy weeks are no evidence of a new level, and the
 * level of a few weeks is too noisy to start from (on the online-retail holdout, letting erratic
 * series shift put three of them 30–60 % over their actual total).
 */
export function modelInput(p: PreparedSeries, to: number, horizon: number, options: ForecastOptions, cls: Classification): ModelInput {
  const y = p.capped.subarray(0, to);
  const profile = weekdayProfile(y, p.startDow, options.shop?.weekdayProfile);
  const { filled, observed } = impute(y, p.startDow, profile);
  const levelDays = cls.demandClass === "smooth" ? levelShift(filled).days : 0;
  return { y: filled, observed, startDow: p.startDow, profile, horizon, levelDays, augurs: options.augurs };
}

export function candidateModels(p: PreparedSeries, cls: Classification, options: ForecastOptions): ModelName[] {
  if (options.candidates) return options.candidates.filter((c) => c !== "ensemble" && MODELS[c] !== undefined);
  let out: ModelName[] = ["seasonal-naive", "moving-average", "ses-weekly", "damped-weekly", "adida-weekly"];
  // Once the latest origin has a year of history behind it (13+ months), the level models are
  // replaced by their yearly variants when the series' own past years show that the yearly index
  // predicts how its level moves (yearly.ts `yearlySkill`); otherwise they stay as they are. Both
  // families at once would double the level models, and the top-3 ensemble would pick among near
  // twins by luck.
  const evalH = Math.min(options.horizon, MAX_EVAL_HORIZON);
  if (p.n >= YEARLY_MIN_DAYS + evalH && yearlySkill(modelInput(p, p.n, evalH, options, cls).y, evalH))
    out = out.map((c) => YEARLY_VARIANT_OF.get(c) ?? c);
  // Intermittent-demand methods only where demand is intermittent (ADI ≥ 1.32): Croston-type
  // methods are biased on smooth demand and waste time there.
  if (cls.demandClass === "intermittent" || cls.demandClass === "lumpy") out.push("croston", "sba", "tsb");
  // The expensive WASM model (≈ 6.5 ms per fit) only where it can help.
  if (options.augurs && (options.augursFor ?? DEFAULT_AUGURS_FOR).includes(cls.demandClass) && p.n >= 8 * 7) out.push("mstl-ets");
  return out;
}

/**
 * Origins: `wanted` recent ones, `evalH` days apart back from the end; with `seasonal`, also the
 * end's date one and two years earlier, when a year of history lies before it (so the yearly
 * variants can be fitted there) and its window does not overlap a recent one.
 */
export function originsFor(n: number, evalH: number, wanted: number, seasonal = false): number[] {
  const out: number[] = [];
  for (let k = 1; k <= wanted; k++) {
    const o = n - k * evalH;
    if (o < MIN_TRAIN_DAYS) break;
    out.push(o);
  }
  if (!seasonal) return out;
  for (let j = 1; j <= SEASON_YEARS; j++) {
    const o = n - j * SEASON_SHIFT;
    if (o >= YEARLY_MIN_DAYS && out.every((x) => Math.abs(x - o) >= evalH)) out.push(o);
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
  /**
   * The chosen method's forecast (`evalHorizon` days) from the most recent origin, `evalHorizon` days before the
   * end: the reference the anomaly flags judge the last days against (anomalies.ts). Null without such an origin.
   */
  recent: { origin: number; forecast: Float64Array } | null;
}

export function selectModel(p: PreparedSeries, cls: Classification, options: ForecastOptions): Selection {
  const candidates = candidateModels(p, cls, options);
  const evalH = Math.min(options.horizon, MAX_EVAL_HORIZON);
  const yearly = candidates.some((c) => YEARLY_VARIANTS[c] !== undefined);
  const origins = originsFor(p.n, evalH, options.origins ?? DEFAULT_ORIGINS, yearly);
  const C = candidates.length;
  // forecasts[o][c] = Float64Array(evalH)
  const forecasts: Float64Array[][] = [];
  const daily = new Float64Array(C);
  const total = new Float64Array(C);
  for (const o of origins) {
    const row = runModels(modelInput(p, o, evalH, options, cls), candidates);
    for (let c = 0; c < C; c++) {
      const f = row[c]!;
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
  const latest = origins[0] === p.n - evalH ? (useEnsemble ? ensF[0] : best !== undefined ? forecasts[0]![best] : undefined) : undefined;
  return {
    model,
    components,
    scores,
    residuals,
    origins: origins.length,
    evalHorizon: evalH,
    absError,
    totalError,
    actualSum,
    scoredDays,
    recent: latest ? { origin: p.n - evalH, forecast: latest } : null,
  };
}
