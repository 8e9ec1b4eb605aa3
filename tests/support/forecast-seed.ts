/**
 * Seeds a synthetic shop for the forecast tests and the nightly benchmark, directly in SQL (no stand-in):
 * products × variants, two locations, DailyDemand ending at the shop's yesterday (weekly pattern, a few
 * dead and a few new variants), stock per location. Deterministic for a given seed (setseed).
 * Variant ids are the same in every shop seeded this way, which the isolation tests rely on.
 */
import pg from "pg";

export interface SeedOptions {
  domain: string;
  products: number;
  variantsPerProduct: number;
  days: number;
  seed?: number;
  /** Multiplier of the demand rates (default 1). */
  rate?: number;
}

export interface SeededShop {
  shopId: string;
  domain: string;
  yesterday: string;
  variantIds: string[];
}

export const LOCATIONS = ["1001", "1002"] as const;

export async function seedShop(url: string, o: SeedOptions): Promise<SeededShop> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`SELECT setseed($1)`, [((o.seed ?? 1) % 1000) / 1000]);
    const shop = await client.query<{ id: string; yesterday: string }>(
      `INSERT INTO "Shop" (id, domain, "ianaTimezone", "countryCode", "currencyCode", "updatedAt", "shopInfoSyncedAt", name)
       VALUES (gen_random_uuid(), $1, 'Europe/London', 'GB', 'GBP', now(), now(), $1)
       RETURNING id, to_char((now() AT TIME ZONE 'Europe/London')::date - 1, 'YYYY-MM-DD') AS yesterday`,
      [o.domain],
    );
    const shopId = shop.rows[0]!.id;
    const yesterday = shop.rows[0]!.yesterday;
    await client.query(
      `INSERT INTO "Location" ("shopId", id, name, "isActive", "shopifyUpdatedAt") VALUES ($1, 1001, 'Warehouse', true, now()), ($1, 1002, 'High Street', true, now())`,
      [shopId],
    );
    await client.query(
      `INSERT INTO "Product" ("shopId", id, title, handle, status, "productType", vendor, "shopifyCreatedAt", "shopifyUpdatedAt")
       SELECT $1, p, 'Product ' || p || CASE WHEN p % 11 = 0 THEN ' Lantern' ELSE '' END, 'p-' || p, 'ACTIVE', 'Type ' || (p % 5), 'Vendor ' || (p % 7),
              now() - interval '3 years', now()
         FROM generate_series(1, $2::int) p`,
      [shopId, o.products],
    );
    await client.query(
      `INSERT INTO "ProductVariant" ("shopId", id, "productId", title, sku, price, "inventoryItemId", "shopifyUpdatedAt")
       SELECT $1, p * 10 + k, p, 'Size ' || k, CASE WHEN p = 3 AND k = 1 THEN '=HYPERLINK("x")' ELSE 'SKU-' || (p * 10 + k) END,
              5 + (p % 20), 900000 + p * 10 + k, now()
         FROM generate_series(1, $2::int) p, generate_series(1, $3::int) k`,
      [shopId, o.products, o.variantsPerProduct],
    );
    await client.query(
      `WITH v AS (SELECT id, exp(random() * 3.5 - 2.5) * $4::float8 AS rate, random() AS kind FROM "ProductVariant" WHERE "shopId" = $1),
            d AS (SELECT $2::date - g AS day FROM generate_series(0, $3::int - 1) g),
            x AS (SELECT v.id, d.day, v.kind,
                         floor(-ln(1 - random()) * v.rate * CASE extract(isodow FROM d.day) WHEN 6 THEN 1.6 WHEN 7 THEN 0.4 ELSE 1 END)::int AS u
                    FROM v CROSS JOIN d)
       INSERT INTO "DailyDemand" ("shopId", "variantId", "locationId", day, units, revenue, "inStock")
       SELECT $1, id, CASE WHEN random() < 0.7 THEN 1001 ELSE 1002 END, day, u, u * 9.99, NULL FROM x
        WHERE u > 0 AND NOT (kind < 0.05 AND day > $2::date - 120) AND NOT (kind > 0.96 AND day < $2::date - 20)
       ON CONFLICT DO NOTHING`,
      [shopId, yesterday, o.days, o.rate ?? 1],
    );
    await client.query(
      `INSERT INTO "InventoryLevel" ("shopId", "inventoryItemId", "locationId", available, "shopifyUpdatedAt")
       SELECT $1, v."inventoryItemId", l.id, floor(random() * 60)::int, now() FROM "ProductVariant" v CROSS JOIN "Location" l
        WHERE v."shopId" = $1 AND l."shopId" = $1`,
      [shopId],
    );
    await client.query(
      `INSERT INTO "SyncRun" (id, "shopId", kind, status, phase, "finishedAt") VALUES (gen_random_uuid(), $1, 'initial', 'completed', 'done', now())`,
      [shopId],
    );
    const ids = await client.query<{ id: string }>(`SELECT id::text FROM "ProductVariant" WHERE "shopId" = $1 ORDER BY id`, [shopId]);
    return { shopId, domain: o.domain, yesterday, variantIds: ids.rows.map((r) => r.id) };
  } finally {
    await client.end();
  }
}

/** Queued jobs of one task (graphile_worker.jobs hides the payload). */
export const JOBS_OF = (task: string) =>
  `SELECT j.id, j.payload FROM graphile_worker._private_jobs j JOIN graphile_worker._private_tasks t ON t.id = j.task_id WHERE t.identifier = '${task}' ORDER BY j.id`;

/**
 * The forecast runs queued for a shop (`forecast.plan` payloads; one at most, by the job key). None before the first
 * job of the database (Graphile Worker makes its schema then).
 */
export async function queuedForecastRuns(url: string, shopId: string): Promise<unknown[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const schema = await client.query<{ ok: boolean }>(`SELECT to_regclass('graphile_worker._private_jobs') IS NOT NULL AS ok`);
    if (!schema.rows[0]?.ok) return [];
    const { rows } = await client.query<{ payload: unknown }>(
      `SELECT j.payload FROM graphile_worker._private_jobs j JOIN graphile_worker._private_tasks t ON t.id = j.task_id
        WHERE t.identifier = 'forecast.plan' AND j.payload->>'shopId' = $1 ORDER BY j.id`,
      [shopId],
    );
    return rows.map((row) => row.payload);
  } finally {
    await client.end();
  }
}

/** Runs every queued job of the given forecast tasks in-process (in queue order) until none is left. */
export async function drainForecastJobs(
  url: string,
  handlers: Record<string, (payload: unknown) => Promise<void>>,
  options: { fail?: (task: string, payload: unknown) => boolean } = {},
): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  let ran = 0;
  try {
    for (;;) {
      const { rows } = await client.query<{ id: string; task: string; payload: unknown }>(
        `SELECT j.id::text, t.identifier AS task, j.payload FROM graphile_worker._private_jobs j JOIN graphile_worker._private_tasks t ON t.id = j.task_id
          WHERE t.identifier = ANY($1::text[]) AND j.locked_at IS NULL AND j.attempts < j.max_attempts ORDER BY j.run_at, j.id LIMIT 1`,
        [Object.keys(handlers)],
      );
      const job = rows[0];
      if (!job) return ran;
      await client.query(`DELETE FROM graphile_worker._private_jobs WHERE id = $1`, [job.id]);
      if (options.fail?.(job.task, job.payload)) continue;
      await handlers[job.task]!(job.payload);
      ran++;
    }
  } finally {
    await client.end();
  }
}
