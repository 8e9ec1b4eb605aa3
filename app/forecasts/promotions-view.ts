/**
 * What the variant page shows of the signals of one variant (issue 17, decision 0056): the promotions shaded on its
 * chart, and per signal the current run considered, the sentence that explains its decision. Pure and shared with the
 * browser; the read is promotions-view.server.ts, the words are app/i18n/locales (`variant.signals`).
 */
import type { SignalDecision, SignalName } from "../forecasting";

/** A Shopify discount or a merchant's campaign covering the variant. */
export interface VariantPromotion {
  id: string;
  source: "discount" | "campaign";
  title: string;
  /** Inclusive first and last day in the shop's time zone; a deleted discount ends on the day it was deleted; null = open-ended. */
  startDay: string;
  endDay: string | null;
}

/** A decision of the current run as the page reads it (SignalUse). */
export interface VariantSignalUse {
  signal: SignalName;
  used: boolean;
  reason: SignalDecision["reason"];
  effect: number | null;
  maeWith: number | null;
  maeWithout: number | null;
  futureDays: number;
  priorSource: NonNullable<SignalDecision["priorSource"]> | null;
}

/** The sentence of a decision: its key under `variant.signals.sentences` and the figures it names. */
export interface SignalSentence {
  key: string;
  /** The effect on demand as a signed share (0.65 = +65 %), for the promotion sentences that name it. */
  lift: number | null;
  /** How much lower the backtest's error was with the signal (0.12 = 12 %), when measured. */
  errorFall: number | null;
  /** Add that the planned promotion days are lifted too (a measured gain with promotion days ahead). */
  plannedToo: boolean;
}

const ORDER: readonly SignalName[] = ["promotion", "temperature", "cpi", "consumer_confidence"];

/** The decisions in the order the page lists them: promotions first, then the outside signals. */
export function orderSignals<T extends { signal: SignalName }>(uses: readonly T[]): T[] {
  const rank = (signal: SignalName) => (ORDER.includes(signal) ? ORDER.indexOf(signal) : ORDER.length);
  return [...uses].sort((a, b) => rank(a.signal) - rank(b.signal));
}

function errorFall(use: VariantSignalUse): number | null {
  if (use.maeWith === null || use.maeWithout === null || !(use.maeWithout > 0)) return null;
  return 1 - use.maeWith / use.maeWithout;
}

export function signalSentence(use: VariantSignalUse): SignalSentence {
  const lift = use.effect === null ? null : use.effect - 1;
  const fall = errorFall(use);
  const sentence = (key: string, figures: Partial<SignalSentence> = {}): SignalSentence => ({
    key,
    lift: null,
    errorFall: null,
    plannedToo: false,
    ...figures,
  });
  if (use.signal !== "promotion")
    return use.used ? sentence(fall === null ? "regressorUsed" : "regressorUsedGain", { errorFall: fall }) : sentence("regressorNotUsed");
  if (use.reason === "prior") return sentence(`prior.${use.priorSource ?? "merchant"}`, { lift });
  if (use.used)
    return sentence(fall === null || lift === null ? "promotionUsed" : "promotionGain", {
      lift,
      errorFall: fall,
      plannedToo: use.futureDays > 0,
    });
  if (use.reason === "no_history") return sentence("promotionNoHistory");
  if (use.reason === "too_few_windows") return sentence("promotionTooFew");
  return sentence("promotionNoGain");
}
