/**
 * The merchant's inventory settings and lead-time overrides. After every save the current run's advice is
 * recomputed from the stored rows (no re-forecast: only the settings-dependent `policy` step of advice.ts),
 * in one transaction, so "change a lead time → see the reorder suggestion change" happens inside the form's
 * action. A change of the counted locations changes the demand series themselves: that asks for a new run.
 */
import { z } from "zod";
import { policy, leadTimeFor, type PolicySettings } from "./advice";
import { LeadTimeOverrideInput, SettingsInput, type Risk } from "./contract";
import { requestForecastRun } from "./run.server";
import { forecastPool, inTransaction, readLeadTimes, readSettings, type Queryable } from "./store.server";

export interface VendorLeadTimeRow {
  vendor: string;
  leadTimeDays: number;
  leadTimeSdDays: number;
}

export interface ProductLeadTimeRow {
  productId: string;
  productTitle: string | null;
  leadTimeDays: number;
  leadTimeSdDays: number;
}

export interface LoadedSettings {
  settings: SettingsInput;
  vendorLeadTimes: VendorLeadTimeRow[];
  productLeadTimes: ProductLeadTimeRow[];
}

export interface SaveOutcome {
  /** Advice rows of the current run whose numbers changed. */
  recomputed: number;
  recomputeMs: number;
  /** A new forecast run was requested (the counted locations changed). */
  rerun: boolean;
}

export async function loadSettings(shopId: string): Promise<LoadedSettings> {
  const db = forecastPool();
  const s = await readSettings(db, shopId);
  const vendors = await db.query<VendorLeadTimeRow>(
    `SELECT vendor, "leadTimeDays", "leadTimeSdDays" FROM "VendorLeadTime" WHERE "shopId" = $1 ORDER BY vendor`,
    [shopId],
  );
  const products = await db.query<ProductLeadTimeRow>(
    `SELECT t."productId"::text AS "productId", p.title AS "productTitle", t."leadTimeDays", t."leadTimeSdDays"
       FROM "ProductLeadTime" t LEFT JOIN "Product" p ON p."shopId" = t."shopId" AND p.id = t."productId"
      WHERE t."shopId" = $1 ORDER BY p.title NULLS LAST, t."productId"`,
    [shopId],
  );
  return {
    settings: {
      serviceLevel: s.serviceLevel,
      leadTimeDays: s.leadTimeDays,
      leadTimeSdDays: s.leadTimeSdDays,
      reviewPeriodDays: s.reviewPeriodDays,
      orderCost: s.orderCost,
      holdingCostRate: s.holdingCostRate,
      locationIds: s.locationIds,
    },
    vendorLeadTimes: vendors.rows,
    productLeadTimes: products.rows,
  };
}

export async function saveSettings(shopId: string, raw: SettingsInput): Promise<SaveOutcome> {
  const input = SettingsInput.parse(raw);
  const db = forecastPool();
  const before = await readSettings(db, shopId);
  const locations = [...new Set(input.locationIds)].sort();
  await db.query(
    `INSERT INTO "ShopSettings" ("shopId", "serviceLevel", "leadTimeDays", "leadTimeSdDays", "reviewPeriodDays", "orderCost", "holdingCostRate", "locationIds", "updatedAt")
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8::bigint[], now())
     ON CONFLICT ("shopId") DO UPDATE SET "serviceLevel" = excluded."serviceLevel", "leadTimeDays" = excluded."leadTimeDays",
       "leadTimeSdDays" = excluded."leadTimeSdDays", "reviewPeriodDays" = excluded."reviewPeriodDays", "orderCost" = excluded."orderCost",
       "holdingCostRate" = excluded."holdingCostRate", "locationIds" = excluded."locationIds", "updatedAt" = now()`,
    [
      shopId,
      input.serviceLevel,
      input.leadTimeDays,
      input.leadTimeSdDays,
      input.reviewPeriodDays,
      input.orderCost,
      input.holdingCostRate,
      locations,
    ],
  );
  const rerun = [...before.locationIds].sort().join(",") !== locations.join(",");
  if (rerun) await requestForecastRun(shopId, "settings");
  return { ...(await recomputeAdvice(shopId)), rerun };
}

export async function saveLeadTimeOverride(shopId: string, raw: LeadTimeOverrideInput): Promise<SaveOutcome> {
  const input = LeadTimeOverrideInput.parse(raw);
  const db = forecastPool();
  if (input.scope === "vendor") {
    await db.query(
      `INSERT INTO "VendorLeadTime" ("shopId", vendor, "leadTimeDays", "leadTimeSdDays", "updatedAt") VALUES ($1, $2, $3, $4, now())
       ON CONFLICT ("shopId", vendor) DO UPDATE SET "leadTimeDays" = excluded."leadTimeDays", "leadTimeSdDays" = excluded."leadTimeSdDays", "updatedAt" = now()`,
      [shopId, input.key, input.leadTimeDays, input.leadTimeSdDays],
    );
    return { ...(await recomputeAdvice(shopId, undefined, { vendor: input.key })), rerun: false };
  } else {
    const productId = z
      .string()
      .regex(/^\d{1,20}$/, "product key must be the product's numeric id")
      .parse(input.key.split("/").pop());
    await db.query(
      `INSERT INTO "ProductLeadTime" ("shopId", "productId", "leadTimeDays", "leadTimeSdDays", "updatedAt") VALUES ($1, $2, $3, $4, now())
       ON CONFLICT ("shopId", "productId") DO UPDATE SET "leadTimeDays" = excluded."leadTimeDays", "leadTimeSdDays" = excluded."leadTimeSdDays", "updatedAt" = now()`,
      [shopId, productId, input.leadTimeDays, input.leadTimeSdDays],
    );
    return { ...(await recomputeAdvice(shopId, undefined, { productId })), rerun: false };
  }
}

export async function deleteLeadTimeOverride(shopId: string, scope: "vendor" | "product", key: string): Promise<SaveOutcome> {
  const db = forecastPool();
  if (scope === "vendor") {
    await db.query(`DELETE FROM "VendorLeadTime" WHERE "shopId" = $1 AND vendor = $2`, [shopId, key]);
    return { ...(await recomputeAdvice(shopId, undefined, { vendor: key })), rerun: false };
  }
  const productId = key.split("/").pop() ?? "";
  if (!/^\d{1,20}$/.test(productId)) return { recomputed: 0, recomputeMs: 0, rerun: false };
  await db.query(`DELETE FROM "ProductLeadTime" WHERE "shopId" = $1 AND "productId" = $2`, [shopId, productId]);
  return { ...(await recomputeAdvice(shopId, undefined, { productId })), rerun: false };
}

/** Equal up to floating-point noise (a location's share is re-derived as its mean over the variant's). */
function same(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
}

interface StoredAdvice {
  v: string;
  l: string;
  productId: string;
  vendor: string;
  price: number;
  available: number;
  dailyMean: number;
  stockoutDate: string | null;
  lastSaleDay: string | null;
  leadTimeDays: number;
  safetyStock: number;
  reorderPoint: number;
  orderUpTo: number;
  eoq: number;
  reorderQty: number;
  risk: Risk;
  fm: number;
  fsd: number;
  nloc: number;
  asOf: string;
}

/** Which advice rows a change can affect: all of the shop's, or one vendor's or one product's variants. */
export type AdviceScope = { vendor: string } | { productId: string } | undefined;

/**
 * Re-derives the settings-dependent columns of the current run's advice from the stored rows and the
 * current settings, in one transaction; only rows whose numbers change are written. A lead-time
 * override only reads the rows of its vendor or product (`scope`); shop-wide settings read them all.
 */
export async function recomputeAdvice(
  shopId: string,
  db?: Queryable,
  scope?: AdviceScope,
): Promise<{ recomputed: number; recomputeMs: number }> {
  const t0 = performance.now();
  const work = async (tx: Queryable) => {
    const state = await tx.query<{ runId: string | null }>(
      `SELECT "currentRunId" AS "runId" FROM "ShopForecastState" WHERE "shopId" = $1 FOR UPDATE`,
      [shopId],
    );
    const runId = state.rows[0]?.runId;
    if (!runId) return 0;
    const settings = await readSettings(tx, shopId);
    const leadTimes = await readLeadTimes(tx, shopId, settings);
    const { rows } = await tx.query<StoredAdvice>(
      `SELECT a."variantId"::text AS v, a."locationId"::text AS l, a."productId"::text AS "productId", a.vendor, a.price::float8 AS price,
              a.available, a."dailyMean", to_char(a."stockoutDate", 'YYYY-MM-DD') AS "stockoutDate",
              to_char(a."lastSaleDay", 'YYYY-MM-DD') AS "lastSaleDay", a."leadTimeDays", a."safetyStock", a."reorderPoint", a."orderUpTo",
              a.eoq, a."reorderQty", a.risk, f."dailyMean" AS fm, f."dailySd" AS fsd,
              (count(*) OVER (PARTITION BY a."variantId") - 1)::int AS nloc, to_char(r."asOf", 'YYYY-MM-DD') AS "asOf"
         FROM "VariantAdvice" a
         JOIN "VariantForecast" f ON f."runId" = a."runId" AND f."variantId" = a."variantId"
         JOIN "ForecastRun" r ON r.id = a."runId"
        WHERE a."runId" = $1
          AND CASE $2::text WHEN 'vendor' THEN a.vendor = $3 WHEN 'product' THEN a."productId" = $3::bigint ELSE true END`,
      [
        runId,
        scope && "vendor" in scope ? "vendor" : scope ? "product" : null,
        scope && "vendor" in scope ? scope.vendor : (scope?.productId ?? null),
      ],
    );
    const p: PolicySettings = settings;
    const changed: { v: string; l: string; lt: number; ss: number; rop: number; upTo: number; eoq: number; qty: number; risk: string }[] =
      [];
    for (const row of rows) {
      const share = row.l === "0" ? 1 : row.fm > 1e-9 ? row.dailyMean / row.fm : 1 / Math.max(1, row.nloc);
      const lt = leadTimeFor(leadTimes, row.productId, row.vendor);
      const out = policy(
        {
          asOf: row.asOf,
          available: row.available,
          price: row.price,
          dailyMean: row.dailyMean,
          dailySd: row.fsd * share,
          stockoutDate: row.stockoutDate,
          lastSaleDay: row.lastSaleDay,
          noHistory: row.lastSaleDay === null,
          ...lt,
        },
        p,
      );
      if (
        !same(out.leadTimeDays, row.leadTimeDays) ||
        !same(out.safetyStock, row.safetyStock) ||
        !same(out.reorderPoint, row.reorderPoint) ||
        !same(out.orderUpTo, row.orderUpTo) ||
        !same(out.eoq, row.eoq) ||
        out.reorderQty !== row.reorderQty ||
        out.risk !== row.risk
      )
        changed.push({
          v: row.v,
          l: row.l,
          lt: out.leadTimeDays,
          ss: out.safetyStock,
          rop: out.reorderPoint,
          upTo: out.orderUpTo,
          eoq: out.eoq,
          qty: out.reorderQty,
          risk: out.risk,
        });
    }
    if (changed.length > 0) {
      await tx.query(
        `UPDATE "VariantAdvice" a SET "leadTimeDays" = u.lt, "safetyStock" = u.ss, "reorderPoint" = u.rop, "orderUpTo" = u.upto, eoq = u.eoq,
                "reorderQty" = u.qty, risk = u.risk
           FROM unnest($2::bigint[], $3::bigint[], $4::float8[], $5::float8[], $6::float8[], $7::float8[], $8::float8[], $9::int[], $10::text[])
                AS u(v, l, lt, ss, rop, upto, eoq, qty, risk)
          WHERE a."runId" = $1 AND a."variantId" = u.v AND a."locationId" = u.l`,
        [
          runId,
          changed.map((c) => c.v),
          changed.map((c) => c.l),
          changed.map((c) => c.lt),
          changed.map((c) => c.ss),
          changed.map((c) => c.rop),
          changed.map((c) => c.upTo),
          changed.map((c) => c.eoq),
          changed.map((c) => c.qty),
          changed.map((c) => c.risk),
        ],
      );
    }
    // Bumps the version the API's ETags are built on.
    await tx.query(`UPDATE "ShopForecastState" SET "updatedAt" = clock_timestamp() WHERE "shopId" = $1`, [shopId]);
    return changed.length;
  };
  const recomputed = db ? await work(db) : await inTransaction(work);
  return { recomputed, recomputeMs: Math.round(performance.now() - t0) };
}
