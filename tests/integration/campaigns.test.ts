/**
 * The campaigns page (app/routes/app.campaigns.tsx) through its loader and action, with a real session token, on real
 * PostgreSQL: a campaign is created (every product, chosen products, product types), listed, edited (its source time
 * moves) and deleted as a `Promotion` row of source `campaign`; bad fields answer 400 with their field errors and change
 * no row; shop B never sees A's campaigns, and its update or delete of A's campaign id answers 404 and changes nothing;
 * products and product types that are not the shop's are refused; read-only mode changes nothing (403); a Shopify
 * discount's row is not a campaign to edit.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type * as Pool from "../../app/db/pool.server";
import { createTestDatabase, sql } from "../support/db";
import { queuedForecastRuns, seedShop, type SeededShop } from "../support/forecast-seed";
import { storeOfflineSessions } from "../support/installed-shops";
import { sessionToken } from "../support/session-token";

process.env.SHOPIFY_API_KEY = "fluxor-test-key";
process.env.SHOPIFY_API_SECRET = "fluxor-test-secret-" + randomBytes(6).toString("hex");
process.env.SHOPIFY_APP_URL = "https://fluxor.test";
process.env.SCOPES = "read_products,read_orders,read_inventory";
process.env.FLUXOR_ENCRYPTION_KEYS = `t1:${randomBytes(32).toString("base64")}`;

type Args = { request: Request; params: Record<string, string>; context: Record<string, never> };
type Handler = (args: Args) => Promise<unknown>;
interface Route {
  loader: Handler;
  action: Handler;
}
interface ActionAnswer {
  intent: string;
  ok: boolean;
  errors?: Record<string, string>;
}
interface PageData {
  today: string;
  readOnly: string | null;
  campaigns: {
    id: string;
    title: string;
    startDay: string;
    endDay: string;
    target: Record<string, unknown>;
    expectedUpliftPct: number | null;
  }[];
  productTitles: Record<string, string>;
  productTypes: string[];
  found: { id: string; title: string }[] | null;
}
interface PromotionRow {
  id: string;
  shopId: string;
  source: string;
  externalId: string | null;
  title: string;
  startDay: string;
  endDay: string;
  percentOff: number | null;
  expectedUpliftPct: number | null;
  appliesToAll: boolean;
  productIds: string[];
  productTypes: string[];
  sourceUpdatedAt: Date;
  createdAt: Date;
}

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let pool: typeof Pool;
let route: Route;
/** 12 products; product 3 is the shop's only "Lanterns". */
let A: SeededShop;
/** 6 products (ids 1–6, as A's: the seed numbers them the same), no "Lanterns". */
let B: SeededShop;
/** Its trial ran out a fortnight ago without a subscription: read-only. */
let R: SeededShop;

function request(shop: SeededShop, path: string, init: RequestInit = {}): Args {
  const headers = new Headers(init.headers);
  headers.set("Authorization", `Bearer ${sessionToken(shop.domain)}`);
  return { request: new Request(`https://fluxor.test${path}`, { ...init, headers }), params: {}, context: {} };
}

async function page(shop: SeededShop, query = ""): Promise<PageData> {
  return (await route.loader(request(shop, `/app/campaigns${query}`))) as PageData;
}

/** Posts the form (arrays repeat a field) and answers the status and body. */
async function post(shop: SeededShop, fields: Record<string, string | string[]>): Promise<{ status: number; body: ActionAnswer }> {
  const body = new URLSearchParams();
  for (const [name, value] of Object.entries(fields)) for (const item of Array.isArray(value) ? value : [value]) body.append(name, item);
  const response = (await route.action(request(shop, "/app/campaigns", { method: "POST", body }))) as Response;
  return { status: response.status, body: (await response.json()) as ActionAnswer };
}

/** The status of the Response a loader or action throws. */
async function thrownStatus(work: Promise<unknown>): Promise<number> {
  const thrown = await work.then(
    () => null,
    (error: unknown) => error,
  );
  if (!(thrown instanceof Response)) throw new Error(`expected a thrown Response, got ${String(thrown)}`);
  return thrown.status;
}

function addDays(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

/** A valid new campaign of `shop`, starting in a week. */
function campaign(shop: SeededShop, change: Record<string, string | string[]> = {}): Record<string, string | string[]> {
  const today = addDays(shop.yesterday, 1);
  return {
    intent: "create",
    title: "Winter sale",
    startDay: addDays(today, 7),
    endDay: addDays(today, 13),
    target: "all",
    percentOff: "",
    expectedUpliftPct: "",
    ...change,
  };
}

async function rows(shopId?: string): Promise<PromotionRow[]> {
  return sql<PromotionRow>(
    db.url,
    `SELECT id::text, "shopId"::text, source, "externalId", title, to_char("startDay", 'YYYY-MM-DD') AS "startDay",
            to_char("endDay", 'YYYY-MM-DD') AS "endDay", "percentOff", "expectedUpliftPct", "appliesToAll",
            "productIds"::text[] AS "productIds", "productTypes", "sourceUpdatedAt", "createdAt"
       FROM "Promotion" ${shopId ? `WHERE "shopId" = $1` : ""} ORDER BY "createdAt", id`,
    shopId ? [shopId] : [],
  );
}

async function only(shopId: string, id: string): Promise<PromotionRow> {
  const found = (await rows(shopId)).find((row) => row.id === id);
  if (!found) throw new Error(`no promotion ${id}`);
  return found;
}

/** Creates a campaign and answers its id. */
async function created(shop: SeededShop, change: Record<string, string | string[]> = {}): Promise<string> {
  const before = new Set((await rows(shop.shopId)).map((row) => row.id));
  const answer = await post(shop, campaign(shop, change));
  expect(answer).toEqual({ status: 200, body: { intent: "create", ok: true } });
  const fresh = (await rows(shop.shopId)).filter((row) => !before.has(row.id));
  expect(fresh).toHaveLength(1);
  return fresh[0]!.id;
}

beforeAll(async () => {
  db = await createTestDatabase();
  pool = await import("../../app/db/pool.server");
  A = await seedShop(db.url, { domain: "campaigns-a.myshopify.com", products: 12, variantsPerProduct: 1, days: 30, seed: 5 });
  B = await seedShop(db.url, { domain: "campaigns-b.myshopify.com", products: 6, variantsPerProduct: 1, days: 30, seed: 6 });
  await sql(db.url, `UPDATE "Product" SET "productType" = 'Lanterns' WHERE "shopId" = $1 AND id = 3`, [A.shopId]);
  R = await seedShop(db.url, { domain: "campaigns-r.myshopify.com", products: 3, variantsPerProduct: 1, days: 30, seed: 7 });
  await sql(db.url, `UPDATE "Shop" SET "installState" = 'INSTALLED'`);
  await storeOfflineSessions(db.url, [A.domain, B.domain, R.domain]);
  const ledger = await import("../../app/billing/ledger.server");
  await pool.inTransaction((tx) => ledger.openAccount(tx, { id: R.shopId, domain: R.domain }, new Date(Date.now() - 30 * 86_400_000)));
  route = (await import("../../app/routes/app.campaigns")) as unknown as Route;
}, 120_000);

afterAll(async () => {
  await pool?.closePool();
  await (await import("../../app/db/prisma.server")).disconnectPrisma();
  await db?.drop();
});

describe("the page", () => {
  it("starts empty, offers the shop's product types, and searches its products only when asked", async () => {
    const loaded = await page(A);
    expect(loaded.campaigns).toEqual([]);
    expect(loaded.today).toBe(addDays(A.yesterday, 1));
    expect(loaded.productTypes).toEqual(["Lanterns", "Type 0", "Type 1", "Type 2", "Type 3", "Type 4"]);
    expect(loaded.found).toBeNull();
    const searched = await page(A, "?q=product%201");
    expect(searched.found?.map((p) => p.title)).toEqual(["Product 1", "Product 10", "Product 11 Lantern", "Product 12"]);
    expect((await page(A, "?q=%25")).found).toEqual([]);
    expect(await thrownStatus(page(A, `?q=${"x".repeat(101)}`))).toBe(400);
  });
});

describe("creating, editing and deleting", () => {
  it("creates a campaign for every product, with no depth and no expectation, listed for its shop only", async () => {
    const id = await created(A, { expectedUpliftPct: "" });
    const row = await only(A.shopId, id);
    expect(row).toMatchObject({
      source: "campaign",
      externalId: null,
      title: "Winter sale",
      appliesToAll: true,
      productIds: [],
      productTypes: [],
      percentOff: null,
      expectedUpliftPct: null,
    });
    const listed = (await page(A)).campaigns;
    expect(listed.map((c) => [c.id, c.target])).toEqual([[id, { kind: "all" }]]);
    // The save queued a forecast run of the shop (after its commit), so the campaign lifts the forecast before the night.
    expect(await queuedForecastRuns(db.url, A.shopId)).toEqual([{ shopId: A.shopId, trigger: "settings" }]);
    expect((await page(B)).campaigns).toEqual([]);
  });

  it("creates one for chosen products with a depth and an expected uplift, and shows their titles", async () => {
    const id = await created(A, {
      title: "Lantern week",
      target: "products",
      productIds: ["11", "3", "11"],
      percentOff: "20",
      expectedUpliftPct: "35.5",
    });
    expect(await only(A.shopId, id)).toMatchObject({
      appliesToAll: false,
      productIds: ["11", "3"],
      percentOff: 20,
      expectedUpliftPct: 35.5,
    });
    const loaded = await page(A);
    expect(loaded.campaigns.find((c) => c.id === id)?.target).toEqual({ kind: "products", productIds: ["11", "3"] });
    expect(loaded.productTitles).toEqual({ "3": "Product 3", "11": "Product 11 Lantern" });
  });

  it("edits a campaign: new fields, product types, and its source time moves on", async () => {
    const id = await created(A, { title: "Spring" });
    const before = await only(A.shopId, id);
    const answer = await post(A, {
      ...campaign(A, { title: "Spring sale", target: "productTypes", productTypes: ["Lanterns", "Type 1"], expectedUpliftPct: "-10" }),
      intent: "update",
      id,
    });
    expect(answer).toEqual({ status: 200, body: { intent: "update", ok: true } });
    const after = await only(A.shopId, id);
    expect(after).toMatchObject({
      title: "Spring sale",
      appliesToAll: false,
      productIds: [],
      productTypes: ["Lanterns", "Type 1"],
      expectedUpliftPct: -10,
    });
    expect(after.sourceUpdatedAt.getTime()).toBeGreaterThan(before.sourceUpdatedAt.getTime());
    expect(after.createdAt).toEqual(before.createdAt);
  });

  it("deletes a campaign once; again is 404", async () => {
    const id = await created(A, { title: "Short-lived" });
    expect(await post(A, { intent: "delete", id })).toEqual({ status: 200, body: { intent: "delete", ok: true } });
    expect((await rows(A.shopId)).map((row) => row.id)).not.toContain(id);
    expect((await post(A, { intent: "delete", id })).status).toBe(404);
  });
});

describe("bad input changes nothing", () => {
  it("answers 400 with each field's error on a create and on an edit", async () => {
    const id = await created(A, { title: "Kept as it is" });
    const before = await rows();
    const bad = {
      title: "",
      startDay: "2026-02-30",
      endDay: "",
      target: "products",
      productIds: [],
      percentOff: "150",
      expectedUpliftPct: "-95",
    };
    const expected = {
      title: "signals:campaigns.errors.title.required",
      startDay: "signals:campaigns.errors.startDay.invalid",
      endDay: "signals:campaigns.errors.endDay.required",
      productIds: "signals:campaigns.errors.productIds.required",
      percentOff: "signals:campaigns.errors.percentOff.range",
      expectedUpliftPct: "signals:campaigns.errors.expectedUpliftPct.range",
    };
    expect(await post(A, campaign(A, bad))).toEqual({ status: 400, body: { intent: "create", ok: false, errors: expected } });
    expect(await post(A, { ...campaign(A, bad), intent: "update", id })).toEqual({
      status: 400,
      body: { intent: "update", ok: false, errors: expected },
    });
    const today = addDays(A.yesterday, 1);
    expect(await post(A, campaign(A, { startDay: today, endDay: addDays(today, 367) }))).toEqual({
      status: 400,
      body: { intent: "create", ok: false, errors: { endDay: "signals:campaigns.errors.endDay.tooLong" } },
    });
    expect(await rows()).toEqual(before);
  });

  it("refuses a malformed request: an unknown intent, a missing or broken id", async () => {
    const before = await rows();
    expect(await thrownStatus(post(A, campaign(A, { intent: "archive" })))).toBe(400);
    expect((await post(A, { ...campaign(A), intent: "update" })).status).toBe(404);
    expect((await post(A, { ...campaign(A), intent: "update", id: "9223372036854775808" })).status).toBe(404);
    expect((await post(A, { intent: "delete", id: ["0", "1"] })).status).toBe(404);
    expect(await rows()).toEqual(before);
  });
});

describe("another shop", () => {
  it("cannot edit or delete A's campaign: 404, and the row is unchanged", async () => {
    const id = await created(A, { title: "A's own" });
    const before = await rows();
    const edit = await post(B, { ...campaign(B, { title: "Taken over" }), intent: "update", id });
    expect(edit).toEqual({
      status: 404,
      body: { intent: "update", ok: false, errors: { form: "signals:campaigns.errors.form.notFound" } },
    });
    expect((await post(B, { intent: "delete", id })).status).toBe(404);
    expect(await rows()).toEqual(before);
    expect((await page(B)).campaigns).toEqual([]);
  });

  it("cannot target products or product types that are not its own", async () => {
    const before = await rows();
    expect(await post(B, campaign(B, { target: "products", productIds: ["2", "10"] }))).toEqual({
      status: 400,
      body: { intent: "create", ok: false, errors: { productIds: "signals:campaigns.errors.productIds.notFound" } },
    });
    expect(await post(B, campaign(B, { target: "productTypes", productTypes: ["Lanterns"] }))).toEqual({
      status: 400,
      body: { intent: "create", ok: false, errors: { productTypes: "signals:campaigns.errors.productTypes.notFound" } },
    });
    expect((await post(A, campaign(A, { target: "products", productIds: ["999"] }))).status).toBe(400);
    expect(await rows()).toEqual(before);
    expect((await page(B, "?q=Product")).found?.map((p) => p.id).sort()).toEqual(["1", "2", "3", "4", "5", "6"]);
  });

  it("a Shopify discount's row is not a campaign: not listed, not edited, not deleted", async () => {
    await sql(
      db.url,
      `INSERT INTO "Promotion" (id, "shopId", source, "externalId", title, kind, "startDay", "endDay", "appliesToAll", "sourceUpdatedAt")
       VALUES (gen_random_uuid(), $1, 'discount', 'gid://shopify/DiscountAutomaticNode/1', 'SUMMER10', 'automatic', '2026-06-01', '2026-06-30', true, now())`,
      [A.shopId],
    );
    const [discount] = await sql<{ id: string }>(db.url, `SELECT id::text FROM "Promotion" WHERE source = 'discount'`);
    const before = await rows();
    expect((await page(A)).campaigns.map((c) => c.id)).not.toContain(discount!.id);
    expect((await post(A, { ...campaign(A), intent: "update", id: discount!.id })).status).toBe(404);
    expect((await post(A, { intent: "delete", id: discount!.id })).status).toBe(404);
    expect(await rows()).toEqual(before);
  });
});

describe("read-only mode", () => {
  it("in read-only mode, nothing is created, edited or deleted: 403 with the read-only form error", async () => {
    expect((await page(R)).readOnly).toBe("trial_over");
    await sql(
      db.url,
      `INSERT INTO "Promotion" (id, "shopId", source, title, "startDay", "endDay", "appliesToAll", "sourceUpdatedAt")
       VALUES (gen_random_uuid(), $1, 'campaign', 'Before the trial ended', '2026-01-01', '2026-01-07', true, now())`,
      [R.shopId],
    );
    const [own] = await rows(R.shopId);
    const before = await rows();
    const refused = { ok: false, errors: { form: "billing:readOnly.refused" } };
    expect(await post(R, campaign(R))).toEqual({ status: 403, body: { intent: "create", ...refused } });
    expect(await post(R, { ...campaign(R), intent: "update", id: own!.id })).toEqual({
      status: 403,
      body: { intent: "update", ...refused },
    });
    expect(await post(R, { intent: "delete", id: own!.id })).toEqual({ status: 403, body: { intent: "delete", ...refused } });
    expect(await rows()).toEqual(before);
  });
});
