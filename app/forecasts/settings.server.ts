/**
 * The merchant's inventory settings and lead-time overrides. A save re-derives the current run's advice from
 * the stored rows (no re-forecast: only the settings-dependent `policy` step of advice.ts). A lead-time
 * override touches one vendor's or product's rows, so it is re-derived inside the form's action. Shop-wide
 * settings touch every row (tens of seconds at 50 000 variants), so they are re-derived by the
 * `forecast.advice` job, and the settings page shows the update until the job has applied the saved
 * settings (`adviceAppliedAt`). A change of the counted locations changes the demand series themselves:
 * that asks for a new run. In read-only mode (decision 0044) every change is refused before anything is written.
 */
import type { AccessReason } from "../billing/dunning";
import { shopAccess } from "../billing/limits.server";
import { policy, leadTimeFor, type PolicySettings } from "./advice";
import { LeadTimeOverrideInput, LeadTimeOverrideKey, ProductKey, SettingsInput, type Risk } from "./contract";
import { pool, shopTransaction, type Queryable } from "../db/pool.server";
import { forecastAdviceJob } from "../jobs/contracts/forecasts";
import { addJob } from "../jobs/queue.server";
import { warmForecastOverview } from "./read.server";
import { requestForecastRun } from "./run.server";
import { readLeadTimes, readSettings } from "./store.server";

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

export interface AdviceRecomputed {
  /** Advice rows of the current run whose numbers changed. */
  recomputed: number;
  recomputeMs: number;
}

export interface SettingsSaved {
  /** A new forecast run was requested (the counted locations changed). */
  rerun: boolean;
}

/** A settings change refused because the shop is read-only: nothing was written. */
export class SettingsReadOnlyError extends Error {
  constructor(reason: AccessReason) {
    super(`the shop is read-only (${reason}): its settings cannot be changed`);
  }
}

/** Why the shop's settings cannot be changed now (read-only mode), or null. */
export async function settingsReadOnly(shopId: string, db: Queryable = pool()): Promise<AccessReason | null> {
  const granted = await shopAccess(db, shopId);
  return granted.capabilities.edit_settings ? null : granted.reason;
}

async function refuseReadOnly(db: Queryable, shopId: string): Promise<void> {
  const reason = await settingsReadOnly(shopId, db);
  if (reason) throw new SettingsReadOnlyError(reason);
}

export async function loadSettings(shopId: string): Promise<LoadedSettings> {
  const db = pool();
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

/**
 * Saves the shop-wide settings and queues the re-derivation of the advice (`applySettingsToAdvice`). Throws
 * `SettingsReadOnlyError` in read-only mode.
 */
export async function saveSettings(shopId: string, raw: SettingsInput): Promise<SettingsSaved> {
  const input = SettingsInput.parse(raw);
  const db = pool();
  await refuseReadOnly(db, shopId);
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
  await addJob(db, forecastAdviceJob, { shopId });
  const rerun = [...before.locationIds].sort().join(",") !== locations.join(",");
  if (rerun) await requestForecastRun(shopId, "settings");
  return { rerun };
}

/**
 * Re-derives the current run's advice from the settings as they are now, inside the caller's transaction,
 * and records which save that was (`adviceAppliedAt`). Used by the `forecast.advice` job and by a run's
 * publish, whose batches may have read settings that were saved over while the run was going.
 */
export async function applyCurrentSettings(tx: Queryable, shopId: string): Promise<AdviceRecomputed> {
  // The save this applies is the one read before the advice: a save committed meanwhile queues the next
  // forecast.advice job and stays pending until that one has applied it.
  const saved = await tx.query<{ updatedAt: Date }>(`SELECT "updatedAt" FROM "ShopSettings" WHERE "shopId" = $1`, [shopId]);
  const recomputed = await recomputeAdvice(shopId, tx);
  const updatedAt = saved.rows[0]?.updatedAt;
  if (updatedAt) await tx.query(`UPDATE "ShopSettings" SET "adviceAppliedAt" = $2 WHERE "shopId" = $1`, [shopId, updatedAt]);
  return recomputed;
}

/** The `forecast.advice` job. Several saves in a row coalesce into one job (its key is the shop's). */
export async function applySettingsToAdvice(shopId: string): Promise<AdviceRecomputed> {
  const outcome = await shopTransaction(shopId, (tx) => applyCurrentSettings(tx, shopId));
  await warmForecastOverview(shopId);
  return outcome;
}

/** True while saved settings wait for `forecast.advice` to apply them to the advice. */
export async function adviceUpdating(shopId: string): Promise<boolean> {
  const { rows } = await pool().query<{ pending: boolean }>(
    `SELECT "adviceAppliedAt" IS DISTINCT FROM "updatedAt" AS pending FROM "ShopSettings" WHERE "shopId" = $1`,
    [shopId],
  );
  return rows[0]?.pending ?? false;
}

/** Saves a vendor's or product's lead time and re-derives its rows. Throws `SettingsReadOnlyError` in read-only mode. */
export async function saveLeadTimeOverride(shopId: string, raw: LeadTimeOverrideInput): Promise<AdviceRecomputed> {
  const input = LeadTimeOverrideInput.parse(raw);
  const db = pool();
  await refuseReadOnly(db, shopId);
  if (input.scope === "vendor") {
    await db.query(
      `INSERT INTO "VendorLeadTime" ("shopId", vendor, "leadTimeDays", "leadTimeSdDays", "updatedAt") VALUES ($1, $2, $3, $4, now())
       ON CONFLICT ("shopId", vendor) DO UPDATE SET "leadTimeDays" = excluded."leadTimeDays", "leadTimeSdDays" = excluded."leadTimeSdDays", "updatedAt" = now()`,
      [shopId, input.key, input.leadTimeDays, input.leadTimeSdDays],
    );
    return recomputeAdvice(shopId, undefined, { vendor: input.key });
  } else {
    const productId = ProductKey.parse(input.key);
    await db.query(
      `INSERT INTO "ProductLeadTime" ("shopId", "productId", "leadTimeDays", "leadTimeSdDays", "updatedAt") VALUES ($1, $2, $3, $4, now())
       ON CONFLICT ("shopId", "productId") DO UPDATE SET "leadTimeDays" = excluded."leadTimeDays", "leadTimeSdDays" = excluded."leadTimeSdDays", "updatedAt" = now()`,
      [shopId, productId, input.leadTimeDays, input.leadTimeSdDays],
    );
    return recomputeAdvice(shopId, undefined, { productId });
  }
}

/** Removes a vendor's or product's lead time and re-derives its rows. Throws `SettingsReadOnlyError` in read-only mode. */
export async function deleteLeadTimeOverride(shopId: string, scope: "vendor" | "product", key: string): Promise<AdviceRecomputed> {
  // The page answers a field error first; this guards every other caller (PostgreSQL refuses NUL and ids past bigint).
  LeadTimeOverrideKey.parse({ scope, key });
  const db = pool();
  await refuseReadOnly(db, shopId);
  if (scope === "vendor") {
    await db.query(`DELETE FROM "VendorLeadTime" WHERE "shopId" = $1 AND vendor = $2`, [shopId, key]);
    return recomputeAdvice(shopId, undefined, { vendor: key });
  }
  const productId = ProductKey.parse(key);
  await db.query(`DELETE FROM "ProductLeadTime" WHERE "shopId" = $1 AND "productId" = $2`, [shopId, productId]);
  return recomputeAdvice(shopId, undefined, { productId });
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
  outOfStock: boolean;
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
export type AdviceScope = { vendor: string } | { productId: string };

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
              to_char(a."lastSaleDay", 'YYYY-MM-DD') AS "lastSaleDay", a."outOfStockSince" IS NOT NULL AS "outOfStock", a."leadTimeDays", a."safetyStock", a."reorderPoint", a."orderUpTo",
              a.eoq, a."reorderQty", a.risk, f."dailyMean" AS fm, f."dailySd" AS fsd,
              (count(*) OVER (PARTITION BY a."variantId") - 1)::int AS nloc, to_char(r."asOf", 'YYYY-MM-DD') AS "asOf"
         FROM "VariantAdvice" a
         JOIN "VariantForecast" f ON f."runId" = a."runId" AND f."variantId" = a."variantId"
         JOIN "ForecastRun" r ON r.id = a."runId"
        WHERE a."runId" = $1
          AND CASE $2::text WHEN 'vendor' THEN a.vendor = $3 WHEN 'product' THEN a."productId" = $3::bigint ELSE true END`,
      [runId, ...(!scope ? [null, null] : "vendor" in scope ? ["vendor", scope.vendor] : ["product", scope.productId])],
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
          outOfStock: row.outOfStock,
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
  const recomputed = db ? await work(db) : await shopTransaction(shopId, work);
  return { recomputed, recomputeMs: Math.round(performance.now() - t0) };
}
