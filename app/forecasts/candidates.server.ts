/**
 * The candidate overlay of one variant, computed on demand (decision 0054). Nothing is stored nightly: the run keeps
 * every candidate's score (VariantForecast.candidateScores) but only the chosen forecast. When the merchant turns the
 * overlay on, the best few candidates (candidates.ts `overlayModels`) are re-forecast one at a time through the run's
 * own pipeline (`computeVariants` with `candidates: [model]`: the same series, shop context, options and cleaning as
 * of the published run's day, so a line is exactly that model's forecast and an ensemble's members average to the
 * chosen line), and the lines are kept in the read cache under the run and its version: a repeated view is one
 * primary-key read, and a new run or a recompute of the variant recomputes them.
 *
 * Bounded: one variant, at most OVERLAY_MODELS models, one overlay at a time per process (others wait their turn, and
 * identical requests share one computation). The shop context is measured once per run and cached too, as it reads
 * the shop's best sellers' two years of demand.
 */
import { z } from "zod";
import { pool, type Queryable } from "../db/pool.server";
import { addDays, MODELS, type ModelName, type ShopContext } from "../forecasting";
import { cachedForShop } from "../shops/cache.server";
import { shopById } from "../shops/lookup.server";
import { CandidateOverlay, overlayModels, scaleOverlay } from "./candidates";
import { computeVariants, measureShopContext } from "./compute.server";
import { locationShare } from "./read.server";
import { countedLocations, currentRun, readLeadTimes, readSettings, type CurrentRun } from "./store.server";

/** A run's entries live as long as a run does (a day, and a day's grace). */
const OVERLAY_TTL_SECONDS = 2 * 86_400;
const OVERLAY_CACHE_PREFIX = "candidates:";

const StoredContext = z.object({ weekdayProfile: z.array(z.number()), closedDates: z.array(z.string()), holidayFactor: z.number() });

/**
 * The overlay of a variant of the shop at a location ("0" = all counted locations), or null when the shop has no
 * published run, the variant has no forecast in it (another shop's, or unknown) or no advice at that location.
 */
export async function candidateOverlay(shopId: string, variantId: string, location: string): Promise<CandidateOverlay | null> {
  const db = pool();
  const run = await currentRun(shopId, db);
  if (!run) return null;
  const { rows } = await db.query<{ model: string; scores: Record<string, number>; start: string; dailyMean: number }>(
    `SELECT model, "candidateScores" AS scores, to_char(start, 'YYYY-MM-DD') AS start, "dailyMean"
       FROM "VariantForecast" WHERE "runId" = $1 AND "shopId" = $2 AND "variantId" = $3`,
    [run.runId, shopId, variantId],
  );
  const row = rows[0];
  if (!row) return null;
  const advice = await db.query<{ locationId: string; dailyMean: number }>(
    `SELECT "locationId"::text AS "locationId", "dailyMean" FROM "VariantAdvice" WHERE "runId" = $1 AND "shopId" = $2 AND "variantId" = $3`,
    [run.runId, shopId, variantId],
  );
  const at = advice.rows.find((a) => a.locationId === location);
  if (location !== "0" && !at) return null;
  const models = overlayModels(row.scores, row.model).filter((model): model is ModelName => Object.hasOwn(MODELS, model));
  if (models.length === 0) return { runId: run.runId, start: row.start, lines: [] };
  const key = `${run.runId}:${run.version}`;
  const overlay = await cachedForShop(
    db,
    {
      shopId,
      name: `${OVERLAY_CACHE_PREFIX}${variantId}`,
      key,
      ttlSeconds: OVERLAY_TTL_SECONDS,
      parse: (value) => CandidateOverlay.parse(value),
    },
    () => once(`${shopId}:${variantId}:${key}`, () => computeOverlay(db, shopId, variantId, run, models, row.scores)),
  );
  return scaleOverlay(overlay, locationShare(row.dailyMean, location, at?.dailyMean ?? 0, advice.rows.length));
}

async function computeOverlay(
  db: Queryable,
  shopId: string,
  variantId: string,
  run: CurrentRun,
  models: readonly ModelName[],
  scores: Readonly<Record<string, number>>,
): Promise<CandidateOverlay> {
  const shop = await shopById(db, shopId);
  if (!shop) throw new Error("shop not found");
  const settings = await readSettings(db, shopId);
  const locations = await countedLocations(db, shopId, settings);
  const leadTimes = await readLeadTimes(db, shopId, settings);
  const context = await cachedForShop(
    db,
    { shopId, name: "forecast.context", key: run.runId, ttlSeconds: OVERLAY_TTL_SECONDS, parse: (value) => StoredContext.parse(value) },
    (): Promise<ShopContext> => measureShopContext(db, shopId, run.asOf, shop.country, locations),
  );
  const lines: CandidateOverlay["lines"] = [];
  let start = "";
  for (const model of models) {
    const result = await computeVariants(db, {
      shopId,
      asOf: run.asOf,
      country: shop.country,
      variantIds: [variantId],
      context,
      settings,
      leadTimes,
      locations,
      candidates: [model],
    });
    const forecast = result.forecasts[0];
    // A series that no longer supports the model (its history changed since the run) gets no line rather than a mislabelled one.
    if (!forecast || forecast.model !== model) continue;
    start = forecast.start;
    lines.push({ model, score: scores[model]!, forecast: forecast.forecast.map((x) => Math.round(x * 100) / 100) });
  }
  // Entries of earlier runs are never read again: the shop keeps one overlay per variant viewed in the current run.
  await db.query(`DELETE FROM "ShopCache" WHERE "shopId" = $1 AND starts_with(name, $2) AND key <> $3`, [
    shopId,
    OVERLAY_CACHE_PREFIX,
    `${run.runId}:${run.version}`,
  ]);
  return { runId: run.runId, start: start || addDays(run.asOf, 1), lines };
}

/** One overlay computation at a time in this process; a request for one already under way shares it. */
const inFlight = new Map<string, Promise<CandidateOverlay>>();
let queue: Promise<unknown> = Promise.resolve();

function once(id: string, work: () => Promise<CandidateOverlay>): Promise<CandidateOverlay> {
  const running = inFlight.get(id);
  if (running) return running;
  const next = queue.then(work, work).finally(() => inFlight.delete(id));
  queue = next.catch(() => undefined);
  inFlight.set(id, next);
  return next;
}
