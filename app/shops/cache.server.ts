/**
 * The one read cache: costly read models of one shop, cached as JSON in Postgres (`ShopCache`,
 * docs/decisions/0034-read-cache.md).
 *
 * An entry is computed from its `key` (e.g. the published forecast run and its version): a read whose
 * key differs from the stored one always computes afresh, so a change of the inputs shows at once.
 * Within the same key an entry lives `ttlSeconds`. After that, by default, the read computes afresh;
 * with `serveStale` it answers with the stale value at once and refreshes the entry in the background
 * (one refresh per entry and process at a time) — for figures where a minute-old number is fine and a
 * slow page is not.
 *
 * Two concurrent misses both compute; the last write wins (they computed the same thing). Nothing is
 * stored for a shop that is gone: the write key-share locks the shop row, so it waits for an erasure in
 * progress and then finds the shop deleted. The value is parsed on the way out, like any other input.
 */
import type { Queryable } from "../db/pool.server";

export interface CacheEntry<T> {
  shopId: string;
  name: string;
  key: string;
  ttlSeconds: number;
  serveStale?: boolean;
  parse: (value: unknown) => T;
}

const refreshing = new Set<string>();

export async function cachedForShop<T>(db: Queryable, entry: CacheEntry<T>, compute: () => Promise<T>): Promise<T> {
  const { rows } = await db.query<{ value: unknown; fresh: boolean }>(
    `SELECT value, "expiresAt" > now() AS fresh FROM "ShopCache" WHERE "shopId" = $1 AND name = $2 AND key = $3`,
    [entry.shopId, entry.name, entry.key],
  );
  const row = rows[0];
  const cached = row ? parsed(entry, row.value) : undefined;
  if (cached !== undefined && row?.fresh) return cached.value;
  if (cached !== undefined && entry.serveStale) {
    const id = `${entry.shopId}:${entry.name}`;
    if (!refreshing.has(id)) {
      refreshing.add(id);
      refresh(db, entry, compute)
        .catch((error: unknown) => console.error(`cache refresh of ${entry.name} failed`, error))
        .finally(() => refreshing.delete(id));
    }
    return cached.value;
  }
  return refresh(db, entry, compute);
}

function parsed<T>(entry: CacheEntry<T>, value: unknown): { value: T } | undefined {
  try {
    return { value: entry.parse(value) };
  } catch {
    // An entry written by an older release no longer parses: compute it again.
    return undefined;
  }
}

async function refresh<T>(db: Queryable, entry: CacheEntry<T>, compute: () => Promise<T>): Promise<T> {
  const value = await compute();
  await db.query(
    `INSERT INTO "ShopCache" ("shopId", name, key, value, "expiresAt")
     SELECT $1, $2, $3, $4::jsonb, now() + make_interval(secs => $5) WHERE EXISTS (SELECT 1 FROM "Shop" WHERE id = $1 FOR KEY SHARE)
     ON CONFLICT ("shopId", name) DO UPDATE SET key = excluded.key, value = excluded.value, "expiresAt" = excluded."expiresAt"`,
    [entry.shopId, entry.name, entry.key, JSON.stringify(value), entry.ttlSeconds],
  );
  return value;
}
