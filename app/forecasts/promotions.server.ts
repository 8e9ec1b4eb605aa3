/**
 * Promotion days for the forecast run (issue 17, decision 0056): per variant, which days of its history and horizon a
 * Shopify discount or a merchant's campaign covered, and, for a planned promotion of a variant without promotion history,
 * the uplift to expect (measured on its product type or shop by the previous run, else the merchant's expectation).
 * The core decides per series whether the signal helps (app/forecasting/promotions.ts). Marketing activities are stored
 * and shown, but do not enter the forecast: they name no products, and a shop-wide signal would multiply the nightly
 * cost for every variant.
 */
import type { Queryable } from "../db/pool.server";
import type { PromotionInput, SignalDecision } from "../forecasting/index";

/** Series whose accepted uplifts a product type (or the shop) needs before its median is used for others. */
export const MIN_TYPE_SERIES = 2;
export const MIN_SHOP_SERIES = 3;

interface PromotionRow {
  appliesToAll: boolean;
  productIds: string[];
  variantIds: string[];
  productTypes: string[];
  depth: number | null;
  from: number;
  to: number;
  expected: number | null;
}

export interface PromotedVariant {
  id: string;
  productId: string;
  productType: string;
  /** Day index of the series' first value relative to the run's history start. */
  offset: number;
  /** Length of the series' history. */
  n: number;
}

/** A decision as stored in SignalUse. */
export interface SignalUseRow extends SignalDecision {
  variantId: string;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * The promotion input of every variant that a promotion covers between `from` and `asOf + horizon` (others are absent).
 * `from` is the history's first day (day index 0); deleted discounts count up to the day they were deleted.
 */
export async function loadPromotionInputs(
  db: Queryable,
  shopId: string,
  from: string,
  asOf: string,
  horizon: number,
  variants: readonly PromotedVariant[],
): Promise<Map<string, PromotionInput>> {
  const { rows } = await db.query<PromotionRow>(
    `SELECT p."appliesToAll", p."productIds"::text[] AS "productIds", p."variantIds"::text[] AS "variantIds", p."productTypes",
            CASE WHEN p."percentOff" > 0 THEN least(p."percentOff", 100) / 100 END AS depth,
            greatest(p."startDay" - $2::date, 0) AS "from",
            least(coalesce(p."endDay", $3::date + $4::int),
                  coalesce((p."deletedAt" AT TIME ZONE coalesce(s."ianaTimezone", 'UTC'))::date, $3::date + $4::int),
                  $3::date + $4::int) - $2::date AS "to",
            p."expectedUpliftPct" AS expected
       FROM "Promotion" p
       JOIN "Shop" s ON s.id = p."shopId"
      WHERE p."shopId" = $1 AND p.source IN ('discount', 'campaign')
        AND p."startDay" <= $3::date + $4::int AND (p."endDay" IS NULL OR p."endDay" >= $2::date)`,
    [shopId, from, asOf, horizon],
  );
  const out = new Map<string, PromotionInput>();
  if (rows.length === 0) return out;
  const priors = await measuredPriors(db, shopId);
  for (const v of variants) {
    const total = v.n + horizon;
    let days: Float64Array | undefined;
    let expected: number | undefined;
    for (const p of rows) {
      const covers =
        p.appliesToAll || p.variantIds.includes(v.id) || p.productIds.includes(v.productId) || p.productTypes.includes(v.productType);
      if (!covers) continue;
      const lo = Math.max(0, p.from - v.offset);
      const hi = Math.min(total - 1, p.to - v.offset);
      if (hi < lo) continue;
      days ??= new Float64Array(total);
      for (let i = lo; i <= hi; i++) days[i] = Math.max(days[i]!, p.depth ?? 1);
      if (p.expected !== null && hi >= v.n) expected = Math.max(expected ?? -Infinity, p.expected);
    }
    if (!days) continue;
    const measured = priors.byType.get(v.productType) ?? priors.shop;
    const prior =
      measured !== undefined
        ? { uplift: measured.uplift, source: measured.source }
        : expected !== undefined
          ? { uplift: Math.max(0.1, 1 + expected / 100), source: "merchant" as const }
          : undefined;
    out.set(v.id, { days, ...(prior ? { prior } : {}) });
  }
  return out;
}

type Prior = { uplift: number; source: "type" | "shop" };

/** Median uplift of the series whose own backtest accepted the promotion signal in the shop's current run, per product type and shop-wide. */
async function measuredPriors(db: Queryable, shopId: string): Promise<{ byType: Map<string, Prior>; shop: Prior | undefined }> {
  const { rows } = await db.query<{ productType: string; effect: number }>(
    `SELECT p."productType", u.effect
       FROM "ShopForecastState" st
       JOIN "SignalUse" u ON u."runId" = st."currentRunId" AND u."shopId" = st."shopId"
       JOIN "ProductVariant" v ON v."shopId" = u."shopId" AND v.id = u."variantId"
       JOIN "Product" p ON p."shopId" = v."shopId" AND p.id = v."productId"
      WHERE st."shopId" = $1 AND u.signal = 'promotion' AND u.used AND u.reason = 'gain' AND u.effect IS NOT NULL`,
    [shopId],
  );
  const perType = new Map<string, number[]>();
  for (const r of rows) perType.set(r.productType, [...(perType.get(r.productType) ?? []), r.effect]);
  const byType = new Map<string, Prior>();
  for (const [type, effects] of perType)
    if (effects.length >= MIN_TYPE_SERIES) byType.set(type, { uplift: median(effects), source: "type" });
  const shop = rows.length >= MIN_SHOP_SERIES ? { uplift: median(rows.map((r) => r.effect)), source: "shop" as const } : undefined;
  return { byType, shop };
}

/** Replaces the SignalUse rows of `variantIds` in a run (inside the run's write transaction). */
export async function writeSignalUse(
  tx: Queryable,
  runId: string,
  shopId: string,
  variantIds: readonly string[],
  rows: readonly SignalUseRow[],
): Promise<void> {
  await tx.query(`DELETE FROM "SignalUse" WHERE "runId" = $1 AND "variantId" = ANY($2::bigint[])`, [runId, variantIds]);
  if (rows.length === 0) return;
  await tx.query(
    `INSERT INTO "SignalUse" ("runId", "shopId", "variantId", signal, used, reason, effect, "maeWith", "maeWithout", windows, "pastDays", "futureDays", "priorSource")
     SELECT $1, $2, x."variantId", x.signal, x.used, x.reason, x.effect, x."maeWith", x."maeWithout", x.windows, x."pastDays", x."futureDays", x."priorSource"
       FROM jsonb_to_recordset($3::jsonb) AS x("variantId" bigint, signal text, used boolean, reason text, effect float8, "maeWith" float8,
            "maeWithout" float8, windows int, "pastDays" int, "futureDays" int, "priorSource" text)`,
    [runId, shopId, JSON.stringify(rows)],
  );
}
