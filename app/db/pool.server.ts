/**
 * The one pg pool: every query the app writes itself runs here (raw, parameterised SQL). Prisma Client
 * (app/db/prisma.server.ts) serves the session storage and the small row-at-a-time tables of auth and
 * the shop lifecycle; see "Prisma or SQL" in docs/ARCHITECTURE.md for the rule.
 *
 * bigint (int8) and numeric come back as strings: callers convert where they need numbers.
 */
import pg from "pg";

let current: pg.Pool | undefined;
let currentUrl: string | undefined;

export function pool(): pg.Pool {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error("DATABASE_URL is not set: start the app through app/db/boot.server.ts");
  if (!current || currentUrl !== url) {
    current = new pg.Pool({ connectionString: url, max: Number(process.env.DATABASE_POOL_SIZE ?? 10) });
    // An idle connection dropped by the server (restart, shutdown) must not crash the process: the pool replaces it.
    current.on("error", (error) => console.error(`pg pool: idle connection lost: ${error.message}`));
    // A connection lost while checked out (a transaction, a CSV cursor) emits "error" on its client, where the pool
    // listens only while the client is idle: unheard, that event is an uncaught exception and the process dies with
    // every request and job in it. The holder learns of the loss anyway (its query in flight, or its next one,
    // fails), and the pool drops the client on release, so this listener only has to be there.
    current.on("connect", (client) => client.on("error", ignoreLostConnection));
    currentUrl = url;
  }
  return current;
}

function ignoreLostConnection(): void {}

export async function closePool(): Promise<void> {
  const closing = current;
  current = undefined;
  await closing?.end();
}

/** Anything that runs a query: the pool, or one connection inside a transaction. */
export type Queryable = Pick<pg.PoolClient, "query">;

/** Runs `work` in one transaction on one connection. */
export async function inTransaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool().connect();
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

/**
 * The rows of one query in batches of `batchSize`, read from a server-side cursor in a read-only transaction on a
 * connection of its own, so that an export of any size holds one batch in memory. `prepare` builds the query on that
 * connection (it may read there first). The transaction stays open until the last batch: a failed query, or a reader
 * that stops early (a download cancelled while this waits at a yield), rolls back here, so the connection never goes
 * back to the pool inside it (one that cannot roll back is dropped).
 */
export async function* cursorBatches<Row extends pg.QueryResultRow>(
  prepare: (client: Queryable) => Promise<{ sql: string; params: unknown[] }>,
  batchSize: number,
): AsyncGenerator<Row[]> {
  const client = await pool().connect();
  let open = false;
  let broken = false;
  try {
    await client.query("BEGIN READ ONLY");
    open = true;
    const { sql, params } = await prepare(client);
    await client.query(`DECLARE export_cursor NO SCROLL CURSOR FOR ${sql}`, params);
    for (;;) {
      const { rows } = await client.query<Row>(`FETCH ${batchSize} FROM export_cursor`);
      if (rows.length > 0) yield rows;
      if (rows.length < batchSize) break;
    }
    await client.query("COMMIT");
    open = false;
  } finally {
    if (open) {
      try {
        await client.query("ROLLBACK");
      } catch {
        broken = true;
      }
    }
    client.release(broken);
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
 * A transaction that writes one shop's rows: every job write goes through it. Its first statement takes
 * a key-share lock on the shop's row while the shop is installed. The erasure of the shop (shop/redact,
 * app/shops/lifecycle.server.ts) first locks that row FOR UPDATE, which conflicts with it, so both sides
 * take their locks in the same order: either the erasure waits for this transaction and then deletes
 * what it wrote, or this transaction waits for the erasure, finds the shop gone and writes nothing
 * (ShopGoneError). A key-share lock does not conflict with updates of the shop row (a login, the shop's
 * details, an uninstall), so a long write never holds those up (docs/decisions/0035).
 */
export async function shopTransaction<T>(shopId: string, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  return inTransaction(async (client) => {
    const { rowCount } = await client.query(`SELECT 1 FROM "Shop" WHERE id = $1 AND "installState" = 'INSTALLED' FOR KEY SHARE`, [shopId]);
    if (!rowCount) throw new ShopGoneError(shopId);
    return work(client);
  });
}
