/**
 * Competitor prices at rest (issue 17 item 3): `CompetitorPrice` rows (prisma/schema/competitors.prisma), written from a
 * validated upload (app/signals/competitor-csv.ts) and read by the forecast run as a regressor. Every statement is
 * scoped by the shop's id. An upload is stored in one transaction, set-based (unnest), and replaces the price of a
 * (SKU, competitor, day) already stored. In read-only mode (decision 0044) nothing changes: uploads and deletes are
 * settings the merchant edits (`edit_settings`).
 */
import type { AccessReason } from "../billing/dunning";
import { shopAccess } from "../billing/limits.server";
import { pool, shopTransaction, type Queryable } from "../db/pool.server";
import { addDays } from "../forecasting";
import type { Shop } from "../shops/lookup.server";
import { plainSku, type CompetitorPriceRow } from "./competitor-csv";
import { queueForecastRun } from "./rerun.server";

/** Rows per INSERT: a 200 000-row file is stored in ten statements of the same transaction. */
const BATCH_ROWS = 20_000;
/** Competitor names the summary lists (the rest are counted). */
const SHOWN_COMPETITORS = 20;

export class CompetitorsReadOnlyError extends Error {
  constructor(reason: AccessReason) {
    super(`the shop is read-only (${reason}): its competitor prices cannot be changed`);
  }
}

/** Why the shop's competitor prices cannot be changed now (read-only mode), or null. */
export async function competitorsReadOnly(shopId: string, db: Queryable = pool()): Promise<AccessReason | null> {
  const granted = await shopAccess(db, shopId);
  return granted.capabilities.edit_settings ? null : granted.reason;
}

/** The SKUs (trimmed, non-empty) of the shop's current variants: an uploaded row must name one of them. */
export async function shopSkus(shopId: string, db: Queryable = pool()): Promise<Set<string>> {
  const { rows } = await db.query<{ sku: string }>(
    `SELECT DISTINCT btrim(sku) AS sku FROM "ProductVariant" WHERE "shopId" = $1 AND "deletedAt" IS NULL AND btrim(coalesce(sku, '')) <> ''`,
    [shopId],
  );
  return new Set(rows.map((row) => row.sku));
}

/** Stores a validated upload in one transaction; throws `CompetitorsReadOnlyError` in read-only mode. */
export async function storeCompetitorPrices(shopId: string, rows: readonly CompetitorPriceRow[]): Promise<number> {
  const stored = await shopTransaction(shopId, async (tx) => {
    const reason = await competitorsReadOnly(shopId, tx);
    if (reason) throw new CompetitorsReadOnlyError(reason);
    let stored = 0;
    for (let start = 0; start < rows.length; start += BATCH_ROWS) {
      const batch = rows.slice(start, start + BATCH_ROWS);
      const { rowCount } = await tx.query(
        `INSERT INTO "CompetitorPrice" ("shopId", sku, day, competitor, price, "uploadedAt")
         SELECT $1, r.sku, r.day, r.competitor, r.price, now()
           FROM unnest($2::text[], $3::date[], $4::text[], $5::numeric[]) AS r(sku, day, competitor, price)
         ON CONFLICT ("shopId", sku, competitor, day) DO UPDATE SET price = EXCLUDED.price, "uploadedAt" = EXCLUDED."uploadedAt"`,
        [shopId, batch.map((r) => r.sku), batch.map((r) => r.day), batch.map((r) => r.competitor), batch.map((r) => r.price)],
      );
      stored += rowCount ?? 0;
    }
    return stored;
  });
  await queueForecastRun(shopId, "competitor prices");
  return stored;
}

/** Deletes every competitor price of the shop: how many there were. Throws `CompetitorsReadOnlyError` in read-only mode. */
export async function deleteCompetitorPrices(shopId: string): Promise<number> {
  const deleted = await shopTransaction(shopId, async (tx) => {
    const reason = await competitorsReadOnly(shopId, tx);
    if (reason) throw new CompetitorsReadOnlyError(reason);
    const { rowCount } = await tx.query(`DELETE FROM "CompetitorPrice" WHERE "shopId" = $1`, [shopId]);
    return rowCount ?? 0;
  });
  if (deleted > 0) await queueForecastRun(shopId, "competitor prices");
  return deleted;
}

/** What the shop has stored: prices, SKUs covered, competitors (the first few by name), the days and the last upload. */
export interface CompetitorSummary {
  prices: number;
  skus: number;
  competitors: string[];
  competitorCount: number;
  from: string;
  to: string;
  lastUpload: string;
}

/** The shop's stored competitor prices in a few numbers; null when it has none. */
export async function competitorSummary(shopId: string, db: Queryable = pool()): Promise<CompetitorSummary | null> {
  const { rows } = await db.query<CompetitorSummary>(
    `SELECT count(*)::int AS prices, count(DISTINCT sku)::int AS skus, count(DISTINCT competitor)::int AS "competitorCount",
            (SELECT coalesce(array_agg(c ORDER BY c), '{}') FROM (SELECT DISTINCT competitor AS c FROM "CompetitorPrice"
              WHERE "shopId" = $1 ORDER BY 1 LIMIT ${SHOWN_COMPETITORS}) n) AS competitors,
            to_char(min(day), 'YYYY-MM-DD') AS "from", to_char(max(day), 'YYYY-MM-DD') AS "to",
            to_char(max("uploadedAt") AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "lastUpload"
       FROM "CompetitorPrice" WHERE "shopId" = $1`,
    [shopId],
  );
  const summary = rows[0];
  return summary && summary.prices > 0 ? summary : null;
}

/** One of the shop's SKUs for the template's example row (one a spreadsheet shows as it is), or null. */
export async function exampleSku(shopId: string, db: Queryable = pool()): Promise<string | null> {
  const { rows } = await db.query<{ sku: string }>(
    `SELECT btrim(sku) AS sku FROM "ProductVariant" WHERE "shopId" = $1 AND "deletedAt" IS NULL AND btrim(coalesce(sku, '')) <> ''
      ORDER BY 1 LIMIT 50`,
    [shopId],
  );
  return rows.map((row) => row.sku).find(plainSku) ?? null;
}

/** What the competitor prices page shows. */
export async function loadCompetitorsPage(shop: Shop) {
  const [summary, readOnly] = await Promise.all([competitorSummary(shop.id), competitorsReadOnly(shop.id)]);
  return { summary, readOnly, currency: shop.currency, today: addDays(shop.yesterday, 1) };
}

/**
 * Per variant among `variantIds` whose SKU has competitor prices between `from` and `to`: the day's mean competitor
 * price relative to the variant's own current price (1.0 = the same price, 0.9 = competitors 10 % cheaper), by day.
 * Variants without a price above 0 are left out.
 */
export async function competitorRegressors(
  db: Queryable,
  shopId: string,
  from: string,
  to: string,
  variantIds: readonly string[],
): Promise<Map<string, { day: string; value: number }[]>> {
  const out = new Map<string, { day: string; value: number }[]>();
  if (variantIds.length === 0) return out;
  const { rows } = await db.query<{ variantId: string; day: string; value: number }>(
    `SELECT v.id::text AS "variantId", to_char(c.day, 'YYYY-MM-DD') AS day, (avg(c.price) / v.price)::float8 AS value
       FROM "ProductVariant" v
       JOIN "CompetitorPrice" c ON c."shopId" = v."shopId" AND c.sku = btrim(v.sku)
      WHERE v."shopId" = $1 AND v.id = ANY($2::bigint[]) AND v.price > 0 AND c.day BETWEEN $3::date AND $4::date
      GROUP BY v.id, v.price, c.day
      ORDER BY v.id, c.day`,
    [shopId, variantIds, from, to],
  );
  for (const row of rows) {
    let days = out.get(row.variantId);
    if (!days) out.set(row.variantId, (days = []));
    days.push({ day: row.day, value: row.value });
  }
  return out;
}
