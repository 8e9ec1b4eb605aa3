/**
 * The per-shop read cache (app/shops/cache.server.ts) against real PostgreSQL: a hit does not compute, a
 * new key recomputes at once, an expired entry recomputes (or, with serveStale, is served once while it
 * refreshes behind), an entry that no longer parses recomputes, shop A never reads shop B's entry, and
 * nothing is stored for a shop that does not exist.
 */
import { randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { cachedForShop, type CacheEntry } from "../../app/shops/cache.server";
import { createTestDatabase } from "../support/db";
import { waitFor } from "../support/wait";

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let pool: pg.Pool;
let shopA: string;
let shopB: string;

const Value = z.object({ n: z.number() });
type Value = z.infer<typeof Value>;

function entry(shopId: string, over: Partial<CacheEntry<Value>> = {}): CacheEntry<Value> {
  return { shopId, name: "test.value", key: "k1", ttlSeconds: 60, parse: (v) => Value.parse(v), ...over };
}

/** A compute function that counts its calls and answers n = calls (+ base). */
function counter(base = 0) {
  const fn = async (): Promise<Value> => {
    fn.calls += 1;
    return { n: base + fn.calls };
  };
  fn.calls = 0;
  return fn;
}

async function addShop(domain: string): Promise<string> {
  const { rows } = await pool.query<{ id: string }>(
    `INSERT INTO "Shop" (id, domain, "ianaTimezone", "countryCode", "currencyCode", "updatedAt", name)
     VALUES (gen_random_uuid(), $1, 'UTC', 'GB', 'GBP', now(), $1) RETURNING id`,
    [domain],
  );
  return rows[0]!.id;
}

beforeAll(async () => {
  db = await createTestDatabase();
  pool = new pg.Pool({ connectionString: db.url, max: 4 });
  shopA = await addShop("cache-a.myshopify.com");
  shopB = await addShop("cache-b.myshopify.com");
});

afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

describe("cachedForShop", () => {
  it("computes once and then serves the stored value while the key matches", async () => {
    const compute = counter();
    expect(await cachedForShop(pool, entry(shopA, { name: "hit" }), compute)).toEqual({ n: 1 });
    expect(await cachedForShop(pool, entry(shopA, { name: "hit" }), compute)).toEqual({ n: 1 });
    expect(compute.calls).toBe(1);
  });

  it("recomputes at once when the key changes (a new run or version)", async () => {
    const compute = counter();
    await cachedForShop(pool, entry(shopA, { name: "key", key: "run1:1" }), compute);
    expect(await cachedForShop(pool, entry(shopA, { name: "key", key: "run1:2" }), compute)).toEqual({ n: 2 });
    expect(await cachedForShop(pool, entry(shopA, { name: "key", key: "run1:2" }), compute)).toEqual({ n: 2 });
    expect(compute.calls).toBe(2);
  });

  it("recomputes an expired entry before answering", async () => {
    const compute = counter();
    await cachedForShop(pool, entry(shopA, { name: "ttl" }), compute);
    await pool.query(`UPDATE "ShopCache" SET "expiresAt" = now() - interval '1 second' WHERE "shopId" = $1 AND name = 'ttl'`, [shopA]);
    expect(await cachedForShop(pool, entry(shopA, { name: "ttl" }), compute)).toEqual({ n: 2 });
  });

  it("with serveStale answers the expired value at once and refreshes it behind", async () => {
    const compute = counter();
    const stale = entry(shopA, { name: "swr", serveStale: true });
    await cachedForShop(pool, stale, compute);
    await pool.query(`UPDATE "ShopCache" SET "expiresAt" = now() - interval '1 second' WHERE "shopId" = $1 AND name = 'swr'`, [shopA]);
    expect(await cachedForShop(pool, stale, compute)).toEqual({ n: 1 });
    await waitFor(async () => {
      const { rows } = await pool.query<{ value: Value }>(`SELECT value FROM "ShopCache" WHERE "shopId" = $1 AND name = 'swr'`, [shopA]);
      return rows[0]?.value.n === 2;
    }, "the background refresh");
    expect(await cachedForShop(pool, stale, compute)).toEqual({ n: 2 });
    expect(compute.calls).toBe(2);
  });

  it("recomputes an entry that no longer parses (written by an older release)", async () => {
    const compute = counter(10);
    await cachedForShop(pool, entry(shopA, { name: "shape" }), compute);
    await pool.query(`UPDATE "ShopCache" SET value = '{"old": true}' WHERE "shopId" = $1 AND name = 'shape'`, [shopA]);
    expect(await cachedForShop(pool, entry(shopA, { name: "shape" }), compute)).toEqual({ n: 12 });
  });

  it("keeps shops apart: shop B never reads shop A's entry", async () => {
    await cachedForShop(pool, entry(shopA, { name: "iso" }), counter(100));
    const forB = counter(200);
    expect(await cachedForShop(pool, entry(shopB, { name: "iso" }), forB)).toEqual({ n: 201 });
    expect(forB.calls).toBe(1);
    expect(await cachedForShop(pool, entry(shopA, { name: "iso" }), counter(300))).toEqual({ n: 101 });
  });

  it("stores nothing for a shop that does not exist (erased while computing)", async () => {
    const ghost = randomUUID();
    expect(await cachedForShop(pool, entry(ghost), counter())).toEqual({ n: 1 });
    const { rows } = await pool.query(`SELECT 1 FROM "ShopCache" WHERE "shopId" = $1`, [ghost]);
    expect(rows).toHaveLength(0);
  });
});
