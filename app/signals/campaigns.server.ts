/**
 * Campaigns at rest: `Promotion` rows of source `campaign` (externalId null), read and written for one shop at a time.
 * Every statement is scoped by the shop's id, so another shop's campaign id is simply not found. Chosen products and
 * product types must be the shop's (a product deleted since stays valid, so that an older campaign can still be
 * edited). An edit sets `sourceUpdatedAt` (the merchant is the source). In read-only mode (decision 0044) nothing
 * changes: campaigns are settings the merchant edits (`edit_settings`).
 */
import type { AccessReason } from "../billing/dunning";
import { shopAccess } from "../billing/limits.server";
import { pool, shopTransaction, type Queryable } from "../db/pool.server";
import { addDays } from "../forecasting";
import { queueForecastRun } from "./rerun.server";
import type { Shop } from "../shops/lookup.server";
import { errorKey, sortCampaigns, type CampaignErrors, type CampaignInput, type CampaignTarget } from "./campaigns";

const SOURCE = "campaign";
/** Products a search answers with. */
const SEARCH_LIMIT = 20;

/** A stored campaign. */
export interface Campaign extends CampaignInput {
  id: string;
}

export interface ProductOption {
  id: string;
  title: string;
}

export class CampaignsReadOnlyError extends Error {
  constructor(reason: AccessReason) {
    super(`the shop is read-only (${reason}): its campaigns cannot be changed`);
  }
}

/** The shop's today (YYYY-MM-DD in its time zone): the day after its last full day. */
export function shopToday(shop: Pick<Shop, "yesterday">): string {
  return addDays(shop.yesterday, 1);
}

/** Why the shop's campaigns cannot be changed now (read-only mode), or null. */
export async function campaignsReadOnly(shopId: string, db: Queryable = pool()): Promise<AccessReason | null> {
  const granted = await shopAccess(db, shopId);
  return granted.capabilities.edit_settings ? null : granted.reason;
}

interface CampaignRow {
  id: string;
  title: string;
  startDay: string;
  endDay: string;
  percentOff: number | null;
  expectedUpliftPct: number | null;
  appliesToAll: boolean;
  productIds: string[];
  productTypes: string[];
}

function targetOf(row: CampaignRow): CampaignTarget {
  if (!row.appliesToAll && row.productIds.length > 0) return { kind: "products", productIds: row.productIds };
  if (!row.appliesToAll && row.productTypes.length > 0) return { kind: "productTypes", productTypes: row.productTypes };
  return { kind: "all" };
}

/** The shop's campaigns, running first, then upcoming, then past. */
export async function listCampaigns(shopId: string, today: string, db: Queryable = pool()): Promise<Campaign[]> {
  // A campaign is always written with its last day; `coalesce` only keeps the type honest.
  const { rows } = await db.query<CampaignRow>(
    `SELECT id::text, title, to_char("startDay", 'YYYY-MM-DD') AS "startDay",
            to_char(coalesce("endDay", "startDay"), 'YYYY-MM-DD') AS "endDay", "percentOff", "expectedUpliftPct",
            "appliesToAll", coalesce("productIds", '{}')::text[] AS "productIds", coalesce("productTypes", '{}') AS "productTypes"
       FROM "Promotion"
      WHERE "shopId" = $1 AND source = $2 AND "deletedAt" IS NULL`,
    [shopId, SOURCE],
  );
  const campaigns = rows.map((row): Campaign => ({
    id: row.id,
    title: row.title,
    startDay: row.startDay,
    endDay: row.endDay,
    target: targetOf(row),
    percentOff: row.percentOff,
    expectedUpliftPct: row.expectedUpliftPct,
  }));
  return sortCampaigns(campaigns, today);
}

/** The product types of the shop's current products, for the form's choices. */
export async function listProductTypes(shopId: string, db: Queryable = pool()): Promise<string[]> {
  const { rows } = await db.query<{ productType: string }>(
    `SELECT DISTINCT "productType" FROM "Product" WHERE "shopId" = $1 AND "productType" <> '' AND "deletedAt" IS NULL ORDER BY 1`,
    [shopId],
  );
  return rows.map((row) => row.productType);
}

/** Titles of the shop's products among `ids` (ids it does not have are left out). */
export async function productTitles(shopId: string, ids: readonly string[], db: Queryable = pool()): Promise<ProductOption[]> {
  if (ids.length === 0) return [];
  const { rows } = await db.query<ProductOption>(
    `SELECT id::text, title FROM "Product" WHERE "shopId" = $1 AND id = ANY($2::bigint[]) ORDER BY title, id`,
    [shopId, [...new Set(ids)]],
  );
  return rows;
}

/** The shop's current products whose title contains `query` (case-insensitive), by title. */
export async function searchProducts(shopId: string, query: string, db: Queryable = pool()): Promise<ProductOption[]> {
  const needle = query.trim();
  if (needle === "") return [];
  const pattern = `%${needle.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const { rows } = await db.query<ProductOption>(
    `SELECT id::text, title FROM "Product"
      WHERE "shopId" = $1 AND "deletedAt" IS NULL AND title ILIKE $2 ESCAPE '\\'
      ORDER BY title, id LIMIT ${SEARCH_LIMIT}`,
    [shopId, pattern],
  );
  return rows;
}

/** What the campaigns page shows: the campaigns, the titles of their products, the shop's product types, a product search. */
export async function loadCampaignsPage(shop: Shop, search: string | null) {
  const today = shopToday(shop);
  const [campaigns, productTypes, readOnly, found] = await Promise.all([
    listCampaigns(shop.id, today),
    listProductTypes(shop.id),
    campaignsReadOnly(shop.id),
    search === null ? Promise.resolve(null) : searchProducts(shop.id, search),
  ]);
  const chosen = campaigns.flatMap((c) => (c.target.kind === "products" ? c.target.productIds : []));
  const titles = await productTitles(shop.id, chosen);
  // A type the shop no longer sells, kept by a campaign, is still a choice while that campaign is edited.
  const kept = campaigns.flatMap((c) => (c.target.kind === "productTypes" ? c.target.productTypes : []));
  return {
    today,
    timeZone: shop.timezone,
    readOnly,
    campaigns,
    productTitles: Object.fromEntries(titles.map((p) => [p.id, p.title])),
    productTypes: [...new Set([...productTypes, ...kept])].sort((a, b) => a.localeCompare(b)),
    /** The products matching the search, when one was asked for. */
    found,
  };
}

/** The target's products and product types the shop does not have, as field errors. */
async function targetErrors(db: Queryable, shopId: string, target: CampaignTarget): Promise<CampaignErrors> {
  if (target.kind === "products") {
    const { rows } = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM "Product" WHERE "shopId" = $1 AND id = ANY($2::bigint[])`,
      [shopId, target.productIds],
    );
    return rows[0]!.n === target.productIds.length ? {} : { productIds: errorKey("productIds", "notFound") };
  }
  if (target.kind === "productTypes") {
    const { rows } = await db.query<{ n: number }>(
      `SELECT count(DISTINCT "productType")::int AS n FROM "Product" WHERE "shopId" = $1 AND "productType" = ANY($2::text[])`,
      [shopId, target.productTypes],
    );
    return rows[0]!.n === target.productTypes.length ? {} : { productTypes: errorKey("productTypes", "notFound") };
  }
  return {};
}

/** The columns of a campaign, in the order the statements below number them from $3. */
function columns(input: CampaignInput): unknown[] {
  const { target } = input;
  return [
    input.title,
    input.startDay,
    input.endDay,
    input.percentOff,
    input.expectedUpliftPct,
    target.kind === "all",
    target.kind === "products" ? target.productIds : [],
    target.kind === "productTypes" ? target.productTypes : [],
  ];
}

export type CampaignSaved = { ok: true; id: string } | { ok: false; errors: CampaignErrors } | { ok: false; notFound: true };

/**
 * Writes a valid campaign in one transaction: refused with field errors when a target is not the shop's; throws
 * `CampaignsReadOnlyError` in read-only mode. Nothing is written unless everything passes.
 */
function write(shopId: string, input: CampaignInput, statement: (tx: Queryable) => Promise<CampaignSaved>): Promise<CampaignSaved> {
  return shopTransaction(shopId, async (tx) => {
    const reason = await campaignsReadOnly(shopId, tx);
    if (reason) throw new CampaignsReadOnlyError(reason);
    const errors = await targetErrors(tx, shopId, input.target);
    if (Object.keys(errors).length > 0) return { ok: false, errors };
    return statement(tx);
  });
}

/** Creates a campaign of the shop. */
export async function createCampaign(shopId: string, input: CampaignInput): Promise<CampaignSaved> {
  const saved = await write(shopId, input, async (tx) => {
    const { rows } = await tx.query<{ id: string }>(
      `INSERT INTO "Promotion" (id, "shopId", source, "externalId", title, kind, "startDay", "endDay", "percentOff", "expectedUpliftPct",
                                "appliesToAll", "productIds", "productTypes", "sourceUpdatedAt", "updatedAt")
       VALUES (gen_random_uuid(), $1, $2, NULL, $3, NULL, $4::date, $5::date, $6, $7, $8, $9::bigint[], $10::text[], now(), now())
       RETURNING id::text`,
      [shopId, SOURCE, ...columns(input)],
    );
    return { ok: true, id: rows[0]!.id };
  });
  if (saved.ok) await queueForecastRun(shopId, "campaigns");
  return saved;
}

/** Replaces the shop's campaign `id` (not found when the shop has no such campaign); its source was updated now. */
export async function updateCampaign(shopId: string, id: string, input: CampaignInput): Promise<CampaignSaved> {
  const saved = await write(shopId, input, async (tx) => {
    const { rowCount } = await tx.query(
      `UPDATE "Promotion"
          SET title = $3, "startDay" = $4::date, "endDay" = $5::date, "percentOff" = $6, "expectedUpliftPct" = $7,
              "appliesToAll" = $8, "productIds" = $9::bigint[], "productTypes" = $10::text[], "sourceUpdatedAt" = now(), "updatedAt" = now()
        WHERE "shopId" = $1 AND id = $2::uuid AND source = $11 AND "deletedAt" IS NULL`,
      [shopId, id, ...columns(input), SOURCE],
    );
    return rowCount ? { ok: true, id } : { ok: false, notFound: true };
  });
  if (saved.ok) await queueForecastRun(shopId, "campaigns");
  return saved;
}

/** Deletes the shop's campaign `id`: false when the shop has no such campaign. Throws `CampaignsReadOnlyError` in read-only mode. */
export async function deleteCampaign(shopId: string, id: string): Promise<boolean> {
  const deleted = await shopTransaction(shopId, async (tx) => {
    const reason = await campaignsReadOnly(shopId, tx);
    if (reason) throw new CampaignsReadOnlyError(reason);
    const { rowCount } = await tx.query(`DELETE FROM "Promotion" WHERE "shopId" = $1 AND id = $2::uuid AND source = $3`, [
      shopId,
      id,
      SOURCE,
    ]);
    return (rowCount ?? 0) > 0;
  });
  if (deleted) await queueForecastRun(shopId, "campaigns");
  return deleted;
}
