/**
 * The one shop lookup: by domain or by id, one row type. Every domain reads the shop through here.
 * Raw SQL on the pool (app/db/pool.server.ts), so it runs inside a job's transaction as well.
 */
import type { Queryable } from "../db/pool.server";

export interface Shop {
  id: string;
  domain: string;
  name: string | null;
  /** The shop's IANA time zone; UTC until its details have been read (`detailsReady`). */
  timezone: string;
  /** ISO 3166 country and ISO 4217 currency, from the shop's details. */
  country: string | null;
  currency: string | null;
  planName: string | null;
  /** The shop owner's email (alerts go there) and the language the merchant last used Fluxor in. */
  email: string | null;
  adminLocale: string | null;
  scopes: string;
  installed: boolean;
  installedAt: string;
  /** When the shop's details (time zone, currency…) were last read; order days depend on the time zone. */
  detailsSyncedAt: string | null;
  detailsReady: boolean;
  /** The shop's yesterday (YYYY-MM-DD in its time zone): the last full day of demand. */
  yesterday: string;
}

const SELECT_SHOP = `
  SELECT id, domain, name, coalesce("ianaTimezone", 'UTC') AS timezone, "countryCode" AS country, "currencyCode" AS currency,
         "planName", email, "adminLocale", scopes, "installState"::text = 'INSTALLED' AS installed,
         to_char("installedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "installedAt",
         to_char("shopInfoSyncedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "detailsSyncedAt",
         "shopInfoSyncedAt" IS NOT NULL AS "detailsReady",
         to_char((now() AT TIME ZONE coalesce("ianaTimezone", 'UTC'))::date - 1, 'YYYY-MM-DD') AS yesterday
    FROM "Shop"`;

export async function shopByDomain(db: Queryable, domain: string): Promise<Shop | null> {
  const { rows } = await db.query<Shop>(`${SELECT_SHOP} WHERE domain = $1`, [domain]);
  return rows[0] ?? null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function shopById(db: Queryable, id: string): Promise<Shop | null> {
  if (!UUID.test(id)) return null;
  const { rows } = await db.query<Shop>(`${SELECT_SHOP} WHERE id = $1::uuid`, [id]);
  return rows[0] ?? null;
}

/** For tools that accept either (the CLI, benchmarks): a uuid is an id, anything else a domain. */
export function shopByIdOrDomain(db: Queryable, idOrDomain: string): Promise<Shop | null> {
  return UUID.test(idOrDomain) ? shopById(db, idOrDomain) : shopByDomain(db, idOrDomain);
}

/** The ids of every installed shop (the nightly fan-outs), optionally only those whose initial sync completed. */
export async function installedShops(db: Queryable, options: { synced?: boolean } = {}): Promise<{ id: string; domain: string }[]> {
  const { rows } = await db.query<{ id: string; domain: string }>(
    `SELECT s.id, s.domain FROM "Shop" s WHERE s."installState" = 'INSTALLED'
        ${options.synced ? `AND EXISTS (SELECT 1 FROM "SyncRun" r WHERE r."shopId" = s.id AND r.kind = 'initial' AND r.status = 'completed')` : ""}
      ORDER BY s.domain`,
  );
  return rows;
}
