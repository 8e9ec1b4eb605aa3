/**
 * The initial sync chain against real PostgreSQL, with Shopify answered by hand-written fixtures in
 * Shopify's documented shapes (the local stand-in does not serve bulk operations yet): the result is
 * exactly the store's data, and a crash in the middle of a bulk import resumes to the identical state.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type * as AdminClientModule from "../../app/sync/admin-client.server";
import type * as DbModule from "../../app/db/pool.server";
import type * as InitialModule from "../../app/sync/initial-sync.server";
import { createTestDatabase, sql } from "../support/db";

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let pool: typeof DbModule;
let initial: typeof InitialModule;
let client: typeof AdminClientModule;

beforeAll(async () => {
  db = await createTestDatabase();
  pool = await import("../../app/db/pool.server");
  initial = await import("../../app/sync/initial-sync.server");
  client = await import("../../app/sync/admin-client.server");
});
afterAll(async () => {
  await pool.closePool();
  await db.drop();
});

const LOCATIONS = [71000001, 71000002, 71000003];
function storeFiles(products: number) {
  const productLines: unknown[] = [];
  const levelLines: unknown[] = [];
  const orderLines: unknown[] = [];
  for (let p = 1; p <= products; p++) {
    productLines.push({
      __typename: "Product",
      id: `gid://shopify/Product/${p}`,
      title: `P${p}`,
      handle: `p${p}`,
      status: "ACTIVE",
      productType: "",
      vendor: "",
      createdAt: "2024-01-01T00:00:00Z",
      updatedAt: "2025-01-01T00:00:00Z",
    });
    for (let v = 1; v <= 2; v++) {
      const id = p * 10 + v;
      productLines.push({
        __typename: "ProductVariant",
        id: `gid://shopify/ProductVariant/${id}`,
        title: `V${v}`,
        sku: `SKU-${id}`,
        price: "3.50",
        updatedAt: "2025-01-01T00:00:00Z",
        inventoryItem: { id: `gid://shopify/InventoryItem/${id}` },
        __parentId: `gid://shopify/Product/${p}`,
      });
    }
  }
  for (const location of LOCATIONS) {
    levelLines.push({ __typename: "Location", id: `gid://shopify/Location/${location}` });
    for (let p = 1; p <= products; p++)
      for (let v = 1; v <= 2; v++) {
        const id = p * 10 + v;
        levelLines.push({
          __typename: "InventoryLevel",
          id: `gid://shopify/InventoryLevel/${location}${id}`,
          updatedAt: "2025-01-01T00:00:00Z",
          item: { id: `gid://shopify/InventoryItem/${id}` },
          quantities: [
            { name: "available", quantity: (id + location) % 7 },
            { name: "on_hand", quantity: (id + location) % 7 },
          ],
          __parentId: `gid://shopify/Location/${location}`,
        });
      }
  }
  for (let o = 1; o <= products * 3; o++) {
    const day = 1 + (o % 28);
    orderLines.push({
      __typename: "Order",
      id: `gid://shopify/Order/${o}`,
      name: `#${o}`,
      createdAt: `2025-09-${String(day).padStart(2, "0")}T10:00:00Z`,
      processedAt: `2025-09-${String(day).padStart(2, "0")}T10:00:00Z`,
      updatedAt: "2025-10-01T00:00:00Z",
      cancelledAt: o % 17 === 0 ? "2025-10-01T00:00:00Z" : null,
      test: false,
      currencyCode: "GBP",
      retailLocation: { id: `gid://shopify/Location/${LOCATIONS[o % 3]}` },
      fulfillments: [],
      refunds: o % 5 === 0 ? [{ id: `gid://shopify/Refund/${o}`, createdAt: "2025-10-01T00:00:00Z" }] : [],
    });
    const variant = (1 + (o % products)) * 10 + 1;
    orderLines.push({
      __typename: "LineItem",
      id: `gid://shopify/LineItem/${o * 10}`,
      quantity: 2,
      sku: `SKU-${variant}`,
      variant: { id: `gid://shopify/ProductVariant/${variant}` },
      product: null,
      discountedTotalSet: { shopMoney: { amount: "7.00" } },
      __parentId: `gid://shopify/Order/${o}`,
    });
  }
  const jsonl = (lines: unknown[]) => lines.map((l) => JSON.stringify(l)).join("\n") + "\n";
  return { products: jsonl(productLines), inventory: jsonl(levelLines), orders: jsonl(orderLines) };
}

/** A fake Shopify: answers our documents by operation, serves bulk files; `failAfterBytes` cuts a download. */
function fakeShopify(files: ReturnType<typeof storeFiles>, options: { failOnce?: string } = {}) {
  let current = "";
  let failed = false;
  const transport: AdminClientModule.Transport = async (query, variables) => {
    const cost = {
      requestedQueryCost: 10,
      actualQueryCost: 10,
      throttleStatus: { maximumAvailable: 1000, currentlyAvailable: 990, restoreRate: 50 },
    };
    const answer = (data: unknown) => ({ status: 200, body: { data, extensions: { cost } } });
    if (query.includes("FluxorLocations"))
      return answer({
        locations: {
          nodes: LOCATIONS.map((id) => ({
            id: `gid://shopify/Location/${id}`,
            name: `L${id}`,
            isActive: true,
            updatedAt: "2025-01-01T00:00:00Z",
          })),
          pageInfo: { hasNextPage: false, endCursor: null },
        },
      });
    if (query.includes("FluxorBulkRun")) {
      const q = String(variables.query);
      current = q.includes("products") ? "products" : q.includes("inventoryLevels") ? "inventory" : "orders";
      return answer({
        bulkOperationRunQuery: { bulkOperation: { id: `gid://shopify/BulkOperation/${current}`, status: "CREATED" }, userErrors: [] },
      });
    }
    if (query.includes("FluxorBulkOperation")) {
      const kind = String(variables.id).split("/").pop();
      return answer({
        node: { id: variables.id, status: "COMPLETED", errorCode: null, objectCount: "1", url: `https://storage.example/${kind}.jsonl` },
      });
    }
    if (query.includes("FluxorRefundLines")) {
      const ids = variables.ids as string[];
      return answer({
        nodes: ids.map((id) => {
          const o = Number(id.split("/").pop());
          return {
            id,
            refunds: [
              {
                id: `gid://shopify/Refund/${o}`,
                createdAt: "2025-10-01T00:00:00Z",
                refundLineItems: {
                  nodes: [
                    {
                      quantity: 1,
                      restockType: o % 10 === 0 ? "NO_RESTOCK" : "RETURN",
                      lineItem: { id: `gid://shopify/LineItem/${o * 10}` },
                      location: null,
                    },
                  ],
                },
              },
            ],
          };
        }),
      });
    }
    throw new Error(`unexpected query ${query.slice(0, 60)}`);
  };
  const fetchImpl = (async (url: string) => {
    const kind = url.split("/").pop()!.replace(".jsonl", "") as keyof typeof files;
    const text = files[kind];
    if (options.failOnce === kind && !failed) {
      failed = true;
      // The connection dies halfway through the file.
      const half = text.slice(0, Math.floor(text.length / 2));
      const stream = new ReadableStream({
        start(c) {
          c.enqueue(new TextEncoder().encode(half));
          c.error(new Error("socket hang up"));
        },
      });
      return new Response(stream);
    }
    return new Response(text);
  }) as typeof fetch;
  return { transport, fetchImpl };
}

async function addShop(domain: string) {
  const rows = await sql<{ id: string }>(
    db.url,
    `INSERT INTO "Shop" (id, domain, scopes, "ianaTimezone", "updatedAt", "shopInfoSyncedAt") VALUES (gen_random_uuid(), $1, 'read_all_orders', 'Europe/London', now(), now()) RETURNING id`,
    [domain],
  );
  return rows[0]!.id;
}

async function runToEnd(domain: string, fake: ReturnType<typeof fakeShopify>, batchSize: number) {
  const shop = (await (await import("../../app/shops/lookup.server")).shopByDomain(pool.pool(), domain))!;
  const ctx = {
    db: pool.pool(),
    shop,
    client: client.createAdminClient({ transport: fake.transport, sleep: async () => {} }),
    fetchImpl: fake.fetchImpl,
    batchSize,
    now: () => new Date("2025-10-05T12:00:00Z"),
  };
  let crashes = 0;
  for (let i = 0; i < 200; i++) {
    const run = await initial.startOrResumeRun(ctx.db, shop, new Date("2025-10-05T12:00:00Z"));
    try {
      const step = await initial.advance(ctx, run.id);
      if (step.kind === "done") return crashes;
    } catch {
      crashes++; // the job fails; Graphile would retry it: so do we
    }
  }
  throw new Error("did not finish");
}

async function snapshot(shopId: string) {
  const q = (text: string) => sql(db.url, text, [shopId]);
  return {
    products: await q(`SELECT id::text, title FROM "Product" WHERE "shopId" = $1 ORDER BY id`),
    variants: await q(`SELECT id::text, sku, "inventoryItemId"::text FROM "ProductVariant" WHERE "shopId" = $1 ORDER BY id`),
    levels: await q(
      `SELECT "inventoryItemId"::text, "locationId"::text, available FROM "InventoryLevel" WHERE "shopId" = $1 ORDER BY 1, 2`,
    ),
    orders: await q(
      `SELECT id::text, day::text, "locationId"::text, "cancelledAt" IS NOT NULL AS c FROM "Order" WHERE "shopId" = $1 ORDER BY id`,
    ),
    lines: await q(`SELECT id::text, quantity FROM "OrderLine" WHERE "shopId" = $1 ORDER BY id`),
    refunds: await q(`SELECT "refundId"::text, quantity, "restockType" FROM "RefundLine" WHERE "shopId" = $1 ORDER BY 1`),
    demand: await q(
      `SELECT "variantId"::text, "locationId"::text, day::text, units, revenue::text, "inStock" FROM "DailyDemand" WHERE "shopId" = $1 ORDER BY 1, 2, 3`,
    ),
  };
}

describe("initial sync", () => {
  it("imports exactly the store's data, and a crash mid-import resumes to the identical state", async () => {
    const files = storeFiles(40);
    const clean = await addShop("clean.myshopify.com");
    const crashed = await addShop("crashed.myshopify.com");
    expect(await runToEnd("clean.myshopify.com", fakeShopify(files), 50)).toBe(0);
    expect(await runToEnd("crashed.myshopify.com", fakeShopify(files, { failOnce: "orders" }), 50)).toBe(1);

    const a = await snapshot(clean);
    expect(a.products).toHaveLength(40);
    expect(a.variants).toHaveLength(80);
    expect(a.levels).toHaveLength(240);
    expect(a.orders).toHaveLength(120);
    expect(a.refunds).toHaveLength(24);
    // Units: 2 per order line, minus cancelled orders, minus 1 per restocked refund (NO_RESTOCK keeps the sale).
    const units = a.demand.reduce((sum, row) => sum + Number((row as { units: number }).units), 0);
    const cancelled = [...Array(120).keys()].map((i) => i + 1).filter((o) => o % 17 === 0);
    const restocked = [...Array(120).keys()].map((i) => i + 1).filter((o) => o % 5 === 0 && o % 10 !== 0 && o % 17 !== 0);
    expect(units).toBe(2 * (120 - cancelled.length) - restocked.length);
    expect(await snapshot(crashed)).toEqual(a);
    const runs = await sql<{ status: string; phase: string }>(db.url, `SELECT status, phase FROM "SyncRun" WHERE "shopId" = $1`, [crashed]);
    expect(runs).toEqual([{ status: "completed", phase: "done" }]);
  });
});
