/**
 * Indicator signals of one shop through the gateway: the country's series (./indicators.ts, or the merchant's own ids)
 * per calendar year through the cache, checked monthly and expanded to days. The API key is the shop's, decrypted
 * only here, in memory, for the request; it is never logged, cached or part of an error. Never throws for the source's
 * trouble.
 */
import type { GatewayOutcome } from "./gateway";
import { cachedCall, callUncached, type GatewayDeps } from "./gateway.server";
import { FredObservations, latestObservationUrl, observationPoints, observationsUrl, planIndicator, type Indicator } from "./indicators";
import { checkMonthly, QUALITY_RULES } from "./quality";
import { endpointUrl, type SignalResult } from "./sources";

export type IndicatorSignals = Record<Indicator, SignalResult>;

function failed(outcome: Extract<GatewayOutcome<unknown>, { ok: false }>): SignalResult {
  return { status: outcome.kind === "bad_data" ? "bad_data" : "unavailable", reason: outcome.reason };
}

export async function loadIndicator(
  indicator: Indicator,
  seriesId: string,
  apiKey: string,
  range: { from: string; to: string },
  today: string,
  deps: GatewayDeps,
): Promise<SignalResult> {
  const through = range.to < today ? range.to : today;
  const answers: FredObservations[] = [];
  for (const year of planIndicator(range.from, through, today)) {
    const outcome = await cachedCall(
      { endpoint: "fred", url: observationsUrl(endpointUrl("fred"), seriesId, apiKey, year), schema: FredObservations },
      { scope: seriesId, ...year },
      deps,
    );
    if (!outcome.ok) return failed(outcome);
    answers.push(outcome.data);
  }
  const checked = checkMonthly(observationPoints(answers), { ...range, through }, QUALITY_RULES[indicator]);
  return checked.usable ? { status: "ok", daily: checked.daily } : { status: "bad_data", reason: `${seriesId}: ${checked.reason}` };
}

/** The settings page's test: the series' latest observation, bypassing the cache. */
export async function probeIndicator(
  seriesId: string,
  apiKey: string,
  deps: GatewayDeps,
): Promise<GatewayOutcome<{ day: string; value: number | null }>> {
  const outcome = await callUncached(
    { endpoint: "fred", url: latestObservationUrl(endpointUrl("fred"), seriesId, apiKey), schema: FredObservations },
    deps,
  );
  if (!outcome.ok) return outcome;
  const latest = observationPoints([outcome.data]).at(-1);
  if (!latest) return { ok: false, kind: "bad_data", reason: `${seriesId}: no observation` };
  return { ok: true, data: latest };
}
