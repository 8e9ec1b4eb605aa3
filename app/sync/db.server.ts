/**
 * A plain pg pool for the sync's bulk SQL (unnest-array upserts, the one-statement webhook receipt):
 * Prisma's query layer costs more than the statement itself at these volumes. Same database as Prisma.
 */
import pg from "pg";

// bigint (int8) and numeric come back as strings: callers convert where they need numbers.
let pool: pg.Pool | undefined;
let poolUrl: string | undefined;

export function syncPool(): pg.Pool {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error("DATABASE_URL is not set");
  if (!pool || poolUrl !== url) {
    pool = new pg.Pool({ connectionString: url, max: Number(process.env.SYNC_POOL_SIZE ?? 10) });
    // An idle connection dropped by the server (restart, shutdown) must not crash the process: the pool replaces it.
    pool.on("error", (error) => console.error(`sync pool: idle connection lost: ${error.message}`));
    poolUrl = url;
  }
  return pool;
}

export async function closeSyncPool(): Promise<void> {
  const current = pool;
  pool = undefined;
  await current?.end();
}

export type Queryable = Pick<pg.PoolClient, "query">;

/** Runs `work` in one transaction on one connection. */
export async function inTransaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await syncPool().connect();
  try {
    await client.query("BEGIN");
    const result = await work(client);
    await client.query("COMMIT");
    return result;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

/** The shop was uninstalled or erased while a job was writing its rows: stop, retrying cannot help. */
export class ShopGoneError extends Error {
  constructor(shopId: string) {
    super(`shop ${shopId} is no longer installed`);
    this.name = "ShopGoneError";
  }
}

/**
 * A transaction that writes one shop's rows: every sync and forecast write goes through it. Its first
 * statement takes a key-share lock on the shop's row while the shop is installed. The erasure of the shop
 * (shop/redact, app/shops/shop.server.ts) first locks that row FOR UPDATE, which conflicts with it, so
 * both sides take their locks in the same order: either the erasure waits for this transaction and then
 * deletes what it wrote, or this transaction waits for the erasure, finds the shop gone and writes
 * nothing (ShopGoneError). A key-share lock does not conflict with updates of the shop row (a login,
 * the shop's details, an uninstall), so a long write never holds those up.
 */
export async function shopTransaction<T>(shopId: string, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  return inTransaction(async (client) => {
    const { rowCount } = await client.query(`SELECT 1 FROM "Shop" WHERE id = $1 AND "installState" = 'INSTALLED' FOR KEY SHARE`, [shopId]);
    if (!rowCount) throw new ShopGoneError(shopId);
    return work(client);
  });
}

export interface ShopRow {
  id: string;
  domain: string;
  timezone: string;
  scopes: string;
  installState: string;
  /** Shop details (time zone) fetched: order days depend on it. */
  detailsReady?: boolean;
}

export async function shopByDomain(db: Queryable, domain: string): Promise<ShopRow | null> {
  const { rows } = await db.query<ShopRow>(
    `SELECT id, domain, coalesce("ianaTimezone", 'UTC') AS timezone, scopes, "installState"::text AS "installState",
            "shopInfoSyncedAt" IS NOT NULL AS "detailsReady"
       FROM "Shop" WHERE domain = $1`,
    [domain],
  );
  return rows[0] ?? null;
}
