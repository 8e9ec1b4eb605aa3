/** SQL of the variants list (shared by listVariants, the CSV export and the benchmark's EXPLAIN). */
import type { VariantListQuery } from "./contract";

export const ADVICE_COLUMNS = `a."variantId"::text AS "variantId", a."productId"::text AS "productId", a."productTitle", a."variantTitle", a.sku,
  a.vendor, a."productType", a."locationId"::text AS "locationId", a.available, a."dailyMean", a."daysOfCover",
  to_char(a."stockoutDate", 'YYYY-MM-DD') AS "stockoutDate", a."leadTimeDays", a."safetyStock", a."reorderPoint", a."orderUpTo", a.eoq,
  a."reorderQty", a.risk, a."abcClass", a."xyzClass", to_char(a."lastSaleDay", 'YYYY-MM-DD') AS "lastSaleDay", a."stockValue"::float8 AS "stockValue",
  to_char(a."outOfStockSince", 'YYYY-MM-DD') AS "outOfStockSince", a."sinceEstimated", a."lostUnitsPerDay", a."lostUnitsToDate",
  a."lostRevenuePerDay"::float8 AS "lostRevenuePerDay", a."lostRevenueToDate"::float8 AS "lostRevenueToDate"`;

/** Risk order of the default sort: the most urgent first (RISKS' order). */
export const RISK_RANK = `CASE a.risk WHEN 'out_of_stock' THEN 0 WHEN 'stockout' THEN 1 WHEN 'reorder' THEN 2 WHEN 'dead' THEN 3 WHEN 'ok' THEN 4 ELSE 5 END`;

/**
 * ORDER BY of the list: every key in the same direction and PostgreSQL's own null order (a null cover or
 * stockout date means "does not run out": last ascending, first descending), so that each sort is a
 * forward or backward walk of one of VariantAdvice's (runId, locationId, key) indexes; ties by variant id.
 * The risk order ranks the out-of-stock rows by the revenue they lose a day, most first (`- lostRevenuePerDay`,
 * 0 on every other row), then by stockout date and cover: the expression index VariantAdvice_list_risk_idx
 * (migration 20261206000616_out_of_stock_state) has these keys.
 */
export function orderBy(query: VariantListQuery): string {
  const dir = query.direction === "desc" ? "DESC" : "ASC";
  const tie = `a."variantId" ${dir}`;
  switch (query.sort) {
    case "risk":
      return `${RISK_RANK} ${dir}, (- a."lostRevenuePerDay") ${dir}, a."stockoutDate" ${dir}, a."daysOfCover" ${dir}, ${tie}`;
    case "title":
      return `a."productTitle" ${dir}, a."variantTitle" ${dir}, ${tie}`;
    case "available":
      return `a.available ${dir}, ${tie}`;
    case "daysOfCover":
      return `a."daysOfCover" ${dir}, ${tie}`;
    case "stockoutDate":
      return `a."stockoutDate" ${dir}, ${tie}`;
    case "reorderQty":
      return `a."reorderQty" ${dir}, ${tie}`;
    case "stockValue":
      return `a."stockValue" ${dir}, ${tie}`;
    case "dailyMean":
      return `a."dailyMean" ${dir}, ${tie}`;
  }
}

/** `%term%` for ILIKE with the term's own wildcards escaped. */
export function likePattern(q: string): string {
  return `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export function listWhere(shopId: string, runId: string, query: VariantListQuery): { where: string; params: unknown[] } {
  const params: unknown[] = [shopId, runId, query.location];
  const clauses = [`a."shopId" = $1`, `a."runId" = $2`, `a."locationId" = $3::bigint`];
  const add = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  if (query.q) {
    const p = add(likePattern(query.q));
    // The same expression as the trigram index VariantAdvice_search_trgm_idx (migration 20261125095442).
    clauses.push(`lower(a."productTitle" || ' ' || a."variantTitle" || ' ' || coalesce(a.sku, '')) LIKE lower(${p})`);
  }
  if (query.risk?.length) clauses.push(`a.risk = ANY(${add(query.risk)}::text[])`);
  if (query.vendor?.length) clauses.push(`a.vendor = ANY(${add(query.vendor)}::text[])`);
  if (query.productType?.length) clauses.push(`a."productType" = ANY(${add(query.productType)}::text[])`);
  if (query.abc?.length) clauses.push(`a."abcClass" = ANY(${add(query.abc)}::text[])`);
  // The run's variants with anomaly flags, a few in a hundred, from the partial index VariantForecast_anomalies_idx.
  if (query.unusual)
    clauses.push(
      `a."variantId" IN (SELECT f."variantId" FROM "VariantForecast" f WHERE f."runId" = $2 AND f."shopId" = $1 AND f.anomalies <> '[]'::jsonb)`,
    );
  return { where: clauses.join(" AND "), params };
}

/**
 * One page of the list: the page's keys are sorted and cut on the narrow index columns first, then only
 * those rows are read and formatted (sorting 50 000 full, formatted rows to keep 50 is what made it slow).
 */
export function pageSql(where: string, query: VariantListQuery): string {
  const offset = (query.page - 1) * query.pageSize;
  return `WITH page AS (
      SELECT a."runId", a."locationId", a."variantId", row_number() OVER () AS ord
        FROM (SELECT a."runId", a."locationId", a."variantId" FROM "VariantAdvice" a WHERE ${where}
               ORDER BY ${orderBy(query)} LIMIT ${query.pageSize} OFFSET ${offset}) a)
    SELECT ${ADVICE_COLUMNS} FROM page JOIN "VariantAdvice" a USING ("runId", "locationId", "variantId") ORDER BY page.ord`;
}
