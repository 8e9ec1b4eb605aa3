/**
 * The promotions and signal decisions of one variant, for its page (issue 17, decision 0056). The promotions are those
 * the forecast run maps to the variant (app/forecasts/promotions.server.ts: the shop's discounts and campaigns, every
 * product, the variant, its product or its product type; marketing activities name no products and are left out)
 * that overlap the asked days, past and planned; a deleted discount counts up to the day it was deleted. The decisions
 * are the current run's SignalUse rows of the variant. Everything is read for one shop: another shop's ids find nothing.
 */
import { z } from "zod";
import { DbId, IsoDay } from "../api/params";
import { pool, type Queryable } from "../db/pool.server";
import { orderSignals, type VariantPromotion, type VariantSignalUse } from "./promotions-view";

export interface VariantPromotions {
  /** By first day, then title. */
  promotions: VariantPromotion[];
  /** Promotions first, then the outside signals. */
  signals: VariantSignalUse[];
}

const Args = z.object({ variantId: DbId, from: IsoDay, to: IsoDay });

export async function getVariantPromotions(
  shopId: string,
  variantId: string,
  from: string,
  to: string,
  db: Queryable = pool(),
): Promise<VariantPromotions> {
  const args = Args.safeParse({ variantId, from, to });
  if (!args.success || from > to) return { promotions: [], signals: [] };
  const [promotions, signals] = await Promise.all([
    db.query<VariantPromotion>(
      `SELECT id::text, source, title, to_char("startDay", 'YYYY-MM-DD') AS "startDay", to_char(last, 'YYYY-MM-DD') AS "endDay"
         FROM (SELECT p.id, p.source, p.title, p."startDay",
                      least(p."endDay", (p."deletedAt" AT TIME ZONE coalesce(s."ianaTimezone", 'UTC'))::date) AS last
                 FROM "Promotion" p
                 JOIN "Shop" s ON s.id = p."shopId"
                 JOIN "ProductVariant" v ON v."shopId" = p."shopId" AND v.id = $2::bigint
                 JOIN "Product" pr ON pr."shopId" = v."shopId" AND pr.id = v."productId"
                WHERE p."shopId" = $1 AND p.source IN ('discount', 'campaign')
                  AND (p."appliesToAll" OR v.id = ANY(p."variantIds") OR v."productId" = ANY(p."productIds")
                       OR pr."productType" = ANY(p."productTypes"))) covering
        WHERE "startDay" <= $4::date AND (last IS NULL OR (last >= $3::date AND last >= "startDay"))
        ORDER BY "startDay", title, id`,
      [shopId, variantId, from, to],
    ),
    db.query<VariantSignalUse>(
      `SELECT u.signal, u.used, u.reason, u.effect, u."maeWith", u."maeWithout", u."futureDays", u."priorSource"
         FROM "ShopForecastState" st
         JOIN "SignalUse" u ON u."runId" = st."currentRunId" AND u."shopId" = st."shopId"
        WHERE st."shopId" = $1 AND u."variantId" = $2::bigint`,
      [shopId, variantId],
    ),
  ]);
  return { promotions: promotions.rows, signals: orderSignals(signals.rows) };
}
