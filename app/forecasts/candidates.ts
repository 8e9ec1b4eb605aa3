/**
 * The variant page's candidate overlay (decision 0054): the forecasts of the best few candidate models the run
 * scored for a variant, drawn as lines beside the chosen forecast, and the anomaly markers on its history. Plain
 * data and zod only: the resource route, its server module and the chart share it.
 */
import { z } from "zod";
import type { AnomalyFlag } from "../forecasting";

/** Candidate lines at most: a handful stays readable on one chart and bounds the work of one overlay. */
export const OVERLAY_MODELS = 4;

/** One candidate's forecast, per day from the overlay's `start` (units, never negative). */
export const CandidateLine = z.object({
  model: z.string(),
  /** Its backtest score in the run (lower is better), as the model comparison shows it. */
  score: z.number(),
  forecast: z.array(z.number()),
});
export type CandidateLine = z.infer<typeof CandidateLine>;

/** What `GET /app/variants/:variantId/candidates` answers (and what the read cache keeps, before the location's share). */
export const CandidateOverlay = z.object({
  runId: z.string(),
  /** First forecast day. */
  start: z.string(),
  /** Best score first; empty when the run evaluated no other model for the variant. */
  lines: z.array(CandidateLine),
});
export type CandidateOverlay = z.infer<typeof CandidateOverlay>;

/**
 * The models to overlay: the best-scoring candidates (lowest first, ties by name) other than the ensemble and the
 * chosen model, which the chart already draws. For an ensemble, its members come first, as they scored best.
 */
export function overlayModels(scores: Readonly<Record<string, number>>, chosen: string, max = OVERLAY_MODELS): string[] {
  return Object.entries(scores)
    .filter(([model, score]) => model !== "ensemble" && model !== chosen && Number.isFinite(score))
    .sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0]))
    .slice(0, max)
    .map(([model]) => model);
}

/** The overlay at one location: every line times the location's share of the variant's demand (as the chart's forecast). */
export function scaleOverlay(overlay: CandidateOverlay, share: number): CandidateOverlay {
  if (share === 1) return overlay;
  return {
    ...overlay,
    lines: overlay.lines.map((line) => ({ ...line, forecast: line.forecast.map((x) => round(Math.max(0, x * share))) })),
  };
}

/** What a chart row needs for the overlay: its day, and whether it is a history day (sales) or a forecast day. */
interface DayRow {
  day: string;
  sales: number | null;
  forecast: number | null;
}

/** A chart row with the overlay's lines and the anomaly marker. */
export type WithOverlay<R extends DayRow> = R & {
  /** Each line's forecast on this day, in the order of `models` (forecast days only, else null). */
  candidates: (number | null)[];
  /** Units sold on a day flagged as unusual (history only), else null: where the chart puts its marker. */
  anomaly: number | null;
  anomalyKind: AnomalyFlag["kind"] | null;
};

/**
 * The chart's rows with the overlay's lines (`models`: model names, in the order of `candidates`) and the anomaly
 * markers. Days outside the overlay get null (no line); the overlay never adds days.
 */
export function overlayRows<R extends DayRow>(
  rows: readonly R[],
  overlay: CandidateOverlay | null,
  models: readonly string[],
  anomalies: readonly AnomalyFlag[],
): WithOverlay<R>[] {
  const lines = models.map((model) => overlay?.lines.find((line) => line.model === model) ?? null);
  const startMs = overlay ? Date.parse(overlay.start) : NaN;
  const flagged = new Map(anomalies.map((flag) => [flag.date, flag.kind]));
  return rows.map((row) => {
    const offset = Math.round((Date.parse(row.day) - startMs) / 86_400_000);
    const kind = row.sales !== null ? (flagged.get(row.day) ?? null) : null;
    return {
      ...row,
      candidates: lines.map((line) => (line && row.forecast !== null ? (line.forecast[offset] ?? null) : null)),
      anomaly: kind ? row.sales : null,
      anomalyKind: kind,
    };
  });
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
