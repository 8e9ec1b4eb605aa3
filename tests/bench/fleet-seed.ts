/**
 * The fleet of `npm run bench:fleet`: many shops of realistic, skewed sizes, seeded set-based in SQL (one statement
 * per table for all shops, split over a few connections), as a store sync would have left them: locations,
 * products and variants, stock per location, daily demand history ending at each shop's yesterday, the orders
 * behind it, and a completed initial sync.
 *
 * Sizes: variants per shop are lognormal (median `median`, log-sd `sigma`: most shops have tens to a few hundred
 * variants, a few thousands), clamped to [5, 20 000], plus `bigShops` shops of exactly `bigVariants` variants whose
 * domains sort first (the nightly fan-out plans shops in domain order: the worst place for a big shop under a
 * first-come queue). History is 365–730 days (shops of different ages), 730 for a big shop.
 *
 * Demand is sparse, as in small shops: a variant's daily rate is lognormal (median 0.03 units a day, log-sd 1.3,
 * times a per-shop level), with a weekly pattern, a December peak, new variants (first sale within the last
 * 20–120 days) and dead ones (no sale for 150 days): a sale on about 6 % of variant-days, so a median shop sells about
 * 9 lines a day. A (variant, day) with a sale is one DailyDemand row at one of the shop's locations, and one order
 * with one line (real orders carry 1.3–1.5 lines, so Order is a little overstated). The sizes are deterministic for a
 * seed, and so are the rows' draws (PostgreSQL's random() is seeded on each connection); shop ids are random.
 *
 * The bulk tables' indexes are dropped while they are filled and built afterwards (much faster than maintaining
 * them row by row), then everything is vacuumed and analysed, so the night starts from tables as autovacuum would
 * have left them and no vacuum of the seed runs during the measured night.
 */
import { connect } from "./fleet-probe";
import { prng } from "../support/random";

export interface FleetShop {
  n: number;
  domain: string;
  variants: number;
  days: number;
  locations: number;
  timezone: string;
  country: string;
  currency: string;
  /** Multiplier of the shop's demand rates. */
  level: number;
  big: boolean;
}

export interface FleetOptions {
  shops: number;
  bigShops: number;
  bigVariants: number;
  median: number;
  sigma: number;
  seed: number;
}

/** Where small shops are: (time zone, country, currency), weighted by how often they occur in the draw. */
const MARKETS: readonly (readonly [string, string, string, number])[] = [
  ["America/New_York", "US", "USD", 30],
  ["America/Los_Angeles", "US", "USD", 15],
  ["Europe/London", "GB", "GBP", 15],
  ["Europe/Berlin", "DE", "EUR", 10],
  ["Europe/Paris", "FR", "EUR", 8],
  ["Europe/Madrid", "ES", "EUR", 6],
  ["America/Toronto", "CA", "CAD", 8],
  ["Australia/Sydney", "AU", "AUD", 8],
];

const MIN_VARIANTS = 5;
/** Daily demand of a variant: lognormal rate, median 0.03 units a day (a sale a month), log-sd 1.3 (mean ≈ 0.07). */
const RATE_MEDIAN = 0.03;
const RATE_SIGMA = 1.3;
const MAX_SMALL_VARIANTS = 20_000;

function gauss(r: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
}

export function drawFleet(o: FleetOptions): FleetShop[] {
  const r = prng(o.seed);
  const totalWeight = MARKETS.reduce((a, m) => a + m[3], 0);
  const shops: FleetShop[] = [];
  for (let n = 0; n < o.shops; n++) {
    const big = n < Math.min(o.bigShops, o.shops);
    let pick = r() * totalWeight;
    const market = MARKETS.find((m) => (pick -= m[3]) < 0) ?? MARKETS[0]!;
    const variants = big
      ? o.bigVariants
      : Math.min(MAX_SMALL_VARIANTS, Math.max(MIN_VARIANTS, Math.round(Math.exp(Math.log(o.median) + o.sigma * gauss(r)))));
    const days = big ? 730 : 365 + Math.floor(r() * 366);
    shops.push({
      n,
      // Big shops sort first: planNightly plans in domain order.
      domain: `${big ? "a-big" : "fleet"}-${String(n).padStart(5, "0")}.myshopify.com`,
      variants,
      days,
      locations: variants >= 2000 ? 3 : variants >= 200 ? 2 : 1,
      timezone: market[0],
      country: market[1],
      currency: market[2],
      level: Math.exp(0.5 * gauss(r)),
      big,
    });
  }
  return shops;
}

export interface SeedFigures {
  seconds: number;
  variants: number;
  demandRows: number;
  orderLines: number;
}

/** Seeds the shops over `connections` connections in parallel (each takes every k-th shop). */
export async function seedFleet(
  url: string,
  shops: readonly FleetShop[],
  options: { orders: boolean; connections: number; seed: number; log: (line: string) => void },
): Promise<SeedFigures> {
  const t0 = performance.now();
  const setup = await connect(url);
  try {
    await setup.query(`CREATE TABLE fleet_bench.shop (n int PRIMARY KEY, id uuid NOT NULL, domain text, variants int, days int, locs int,
                        tz text, country text, currency text, level float8, big boolean, vpp int, yesterday date)`);
    await setup.query(
      `INSERT INTO fleet_bench.shop (n, id, domain, variants, days, locs, tz, country, currency, level, big, vpp, yesterday)
       SELECT n, gen_random_uuid(), domain, variants, days, locs, tz, country, currency, level, big, 1 + n % 4,
              (now() AT TIME ZONE tz)::date - 1
         FROM unnest($1::int[], $2::text[], $3::int[], $4::int[], $5::int[], $6::text[], $7::text[], $8::text[], $9::float8[], $10::boolean[])
              AS x(n, domain, variants, days, locs, tz, country, currency, level, big)`,
      [
        shops.map((s) => s.n),
        shops.map((s) => s.domain),
        shops.map((s) => s.variants),
        shops.map((s) => s.days),
        shops.map((s) => s.locations),
        shops.map((s) => s.timezone),
        shops.map((s) => s.country),
        shops.map((s) => s.currency),
        shops.map((s) => s.level),
        shops.map((s) => s.big),
      ],
    );
    await setup.query(
      `INSERT INTO "Shop" (id, domain, "ianaTimezone", "countryCode", "currencyCode", "updatedAt", "shopInfoSyncedAt", name, scopes, "installedAt")
       SELECT id, domain, tz, country, currency, now(), now(), 'Fleet shop ' || n,
              'read_products,read_orders,read_all_orders,read_inventory,read_locations', now() - make_interval(days => days)
         FROM fleet_bench.shop`,
    );
  } finally {
    await setup.end();
  }

  const k = Math.max(1, options.connections);
  const rebuild = await dropBulkIndexes(url);
  await Promise.all(Array.from({ length: k }, (_, part) => seedPart(url, k, part, options)));
  const t1 = performance.now();
  await onConnections(url, k, rebuild);
  options.log(`  indexes of the bulk tables built in ${((performance.now() - t1) / 1000).toFixed(1)} s`);
  const t2 = performance.now();
  await onConnections(
    url,
    k,
    BULK_TABLES.map((t) => `VACUUM (ANALYZE) "${t}"`),
  );
  await onConnections(url, 1, ["VACUUM (ANALYZE)", "CHECKPOINT"]);
  options.log(`  vacuumed and analysed in ${((performance.now() - t2) / 1000).toFixed(1)} s`);

  const done = await connect(url);
  try {
    const count = async (table: string) => Number((await done.query<{ n: string }>(`SELECT count(*) AS n FROM "${table}"`)).rows[0]!.n);
    const figures = {
      variants: await count("ProductVariant"),
      demandRows: await count("DailyDemand"),
      orderLines: options.orders ? await count("OrderLine") : 0,
    };
    return { seconds: (performance.now() - t0) / 1000, ...figures };
  } finally {
    await done.end();
  }
}

const BULK_TABLES = ["DailyDemand", "Order", "OrderLine", "InventoryLevel", "ProductVariant"];

/** Drops the bulk tables' indexes and primary keys; returns the statements that build them again. */
async function dropBulkIndexes(url: string): Promise<string[]> {
  const client = await connect(url);
  try {
    const { rows } = await client.query<{ tbl: string; idx: string; def: string; con: string | null; condef: string | null }>(
      `SELECT c.relname AS tbl, i.relname AS idx, pg_get_indexdef(i.oid) AS def, con.conname AS con, pg_get_constraintdef(con.oid) AS condef
         FROM pg_index x JOIN pg_class c ON c.oid = x.indrelid JOIN pg_class i ON i.oid = x.indexrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace LEFT JOIN pg_constraint con ON con.conindid = i.oid AND con.conrelid = c.oid
        WHERE n.nspname = 'public' AND c.relname = ANY($1::text[])`,
      [BULK_TABLES],
    );
    const rebuild: string[] = [];
    for (const r of rows) {
      if (r.con && r.condef) {
        await client.query(`ALTER TABLE "${r.tbl}" DROP CONSTRAINT "${r.con}"`);
        rebuild.push(`ALTER TABLE "${r.tbl}" ADD CONSTRAINT "${r.con}" ${r.condef}`);
      } else {
        await client.query(`DROP INDEX "${r.idx}"`);
        rebuild.push(r.def);
      }
    }
    return rebuild;
  } finally {
    await client.end();
  }
}

/** Runs the statements over `k` connections, each taking the next statement left. */
async function onConnections(url: string, k: number, statements: readonly string[]): Promise<void> {
  const queue = [...statements];
  await Promise.all(
    Array.from({ length: Math.min(k, queue.length) }, async () => {
      const client = await connect(url);
      try {
        await client.query(`SET maintenance_work_mem = '256MB'`);
        for (let next = queue.shift(); next !== undefined; next = queue.shift()) await client.query(next);
      } finally {
        await client.end();
      }
    }),
  );
}

async function seedPart(url: string, parts: number, part: number, options: { orders: boolean; seed: number; log: (line: string) => void }) {
  const client = await connect(url);
  const mine = `(SELECT * FROM fleet_bench.shop WHERE n % ${parts} = ${part})`;
  const step = async (what: string, text: string) => {
    const t = performance.now();
    const result = await client.query(text);
    if (part === 0)
      options.log(`  ${what}: ${result.rowCount ?? 0} rows (connection 1 of ${parts}) in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  };
  try {
    await client.query(`SELECT setseed($1)`, [((options.seed * 7919 + part) % 1000) / 1000]);
    await step(
      "locations",
      `INSERT INTO "Location" ("shopId", id, name, "isActive", "shopifyUpdatedAt")
       SELECT f.id, 1000 + l, 'Location ' || l, true, now() FROM ${mine} f, generate_series(1, f.locs) l`,
    );
    await step(
      "products",
      `INSERT INTO "Product" ("shopId", id, title, handle, status, "productType", vendor, "shopifyCreatedAt", "shopifyUpdatedAt")
       SELECT f.id, p, 'Product ' || p, 'product-' || p, 'ACTIVE', 'Type ' || (p % 7), 'Vendor ' || (p % 11),
              now() - make_interval(days => f.days), now()
         FROM ${mine} f, generate_series(1, (f.variants + f.vpp - 1) / f.vpp) p`,
    );
    await step(
      "variants",
      `INSERT INTO "ProductVariant" ("shopId", id, "productId", title, sku, price, "inventoryItemId", "shopifyUpdatedAt")
       SELECT f.id, (i / f.vpp + 1) * 10 + i % f.vpp + 1, i / f.vpp + 1, 'Option ' || (i % f.vpp + 1),
              'SKU-' || ((i / f.vpp + 1) * 10 + i % f.vpp + 1), 4.99 + ((i * 7919) % 60), 900000 + (i / f.vpp + 1) * 10 + i % f.vpp + 1, now()
         FROM ${mine} f, generate_series(0, f.variants - 1) i`,
    );
    // Each variant's daily rate (Box–Muller normal: random_normal() is PostgreSQL 16+) and the days it sells on:
    // 8 % are new (first sale 20–120 days ago), 5 % dead (no sale for 150 days), the rest sell over the shop's history.
    await client.query(
      `CREATE TEMP TABLE rate AS
       SELECT v."shopId", v.id, v."productId", v.sku, v.price, f.locs, k.rate,
              CASE WHEN k.kind < 0.08 THEN f.yesterday - k.age ELSE f.yesterday - f.days + 1 END AS first,
              CASE WHEN k.kind > 0.95 THEN f.yesterday - 150 ELSE f.yesterday END AS last
         FROM "ProductVariant" v JOIN ${mine} f ON f.id = v."shopId"
        CROSS JOIN LATERAL (SELECT least(30, f.level * exp(ln(${RATE_MEDIAN}) + ${RATE_SIGMA} * sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()))) AS rate,
                                   random() AS kind, 20 + floor(random() * 100)::int AS age) k`,
    );
    // The demand multiplier of each calendar day: busier Saturdays, quieter Sundays, a December peak.
    await client.query(
      `CREATE TEMP TABLE day_factor AS
       SELECT current_date - g AS day,
              CASE extract(isodow FROM current_date - g) WHEN 6 THEN 1.3 WHEN 7 THEN 0.8 ELSE 1 END
              * (1 + 0.35 * cos(2 * pi() * (extract(doy FROM current_date - g) - 350) / 365.25)) AS mult
         FROM generate_series(0, 740) g;
       CREATE INDEX ON day_factor (day);
       ANALYZE rate, day_factor`,
    );
    await step(
      "stock levels",
      `INSERT INTO "InventoryLevel" ("shopId", "inventoryItemId", "locationId", available, "shopifyUpdatedAt")
       SELECT r."shopId", 900000 + r.id, 1000 + l, CASE WHEN random() < 0.12 THEN 0 ELSE floor(random() * (5 + r.rate * 45))::int END, now()
         FROM rate r, generate_series(1, r.locs) l`,
    );
    // A day sells with the probability of at least one Poisson sale; units 1 + a geometric excess. (The volatile
    // expressions sit in a subquery, which PostgreSQL does not flatten, so units and revenue agree.)
    await step(
      "daily demand",
      `INSERT INTO "DailyDemand" ("shopId", "variantId", "locationId", day, units, revenue, "inStock")
       SELECT "shopId", id, "locationId", day, units, units * price, NULL
         FROM (SELECT r."shopId", r.id, r.price, d.day, 1001 + floor(power(random(), 1.5) * r.locs)::int AS "locationId",
                      1 + floor(-ln(1 - random()) * r.rate * d.mult * 0.7)::int AS units
                 FROM rate r JOIN day_factor d ON d.day BETWEEN r.first AND r.last
                WHERE random() < 1 - exp(-r.rate * d.mult)) x`,
    );
    if (options.orders) {
      // One order with one line per demand row; ids unique per shop: (variant, location, day).
      const lineId = `((d."variantId" * 8 + (d."locationId" - 1000)) * 100000 + (d.day - date '2000-01-01'))`;
      await step(
        "orders",
        `INSERT INTO "Order" ("shopId", id, name, "shopifyCreatedAt", "processedAt", "shopifyUpdatedAt", "currencyCode", "locationId", day)
         SELECT d."shopId", ${lineId}, '#' || ${lineId}, d.day + time '12:00', d.day + time '12:00', d.day + time '12:05', f.currency, d."locationId", d.day
           FROM "DailyDemand" d JOIN ${mine} f ON f.id = d."shopId"`,
      );
      await step(
        "order lines",
        `INSERT INTO "OrderLine" ("shopId", id, "orderId", "variantId", "productId", sku, quantity, "discountedTotal")
         SELECT d."shopId", ${lineId}, ${lineId}, d."variantId", r."productId", r.sku, d.units, d.revenue
           FROM "DailyDemand" d JOIN rate r ON r."shopId" = d."shopId" AND r.id = d."variantId"`,
      );
    }
    await step(
      "initial syncs",
      `INSERT INTO "SyncRun" (id, "shopId", kind, status, phase, "finishedAt") SELECT gen_random_uuid(), id, 'initial', 'completed', 'done', now() FROM ${mine} f`,
    );
  } finally {
    await client.end();
  }
}
