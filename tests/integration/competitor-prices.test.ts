/**
 * Competitor prices (issue 17 item 3) through the page's loader and action (app/routes/app.signals.competitors.tsx), with
 * a real session token, on real PostgreSQL: the template; a file with problems answers 400 with every line's problems
 * and stores nothing; a valid multipart upload is stored and summarised; a second upload replaces the same (SKU,
 * competitor, day) and adds the rest; a file past the size limit answers 413; shop B neither sees nor deletes A's
 * prices; the nightly forecast run offers `competitor_price` to the variants whose SKU has prices, and only to them.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type * as Pool from "../../app/db/pool.server";
import type * as Run from "../../app/forecasts/run.server";
import type * as Tasks from "../../app/jobs/contracts/forecasts";
import { createTestDatabase, sql } from "../support/db";
import { drainForecastJobs, queuedForecastRuns, seedShop, type SeededShop } from "../support/forecast-seed";
import { storeOfflineSessions } from "../support/installed-shops";
import { sessionToken } from "../support/session-token";

process.env.SHOPIFY_API_KEY = "fluxor-test-key";
process.env.SHOPIFY_API_SECRET = "fluxor-test-secret-" + randomBytes(6).toString("hex");
process.env.SHOPIFY_APP_URL = "https://fluxor.test";
process.env.SCOPES = "read_products,read_orders,read_inventory";
process.env.FLUXOR_ENCRYPTION_KEYS = `t1:${randomBytes(32).toString("base64")}`;
process.env.FORECAST_BATCH_SIZE = "50";
process.env.FORECAST_AUGURS = "0";
process.env.FORECAST_THREADS = "0";

type Args = { request: Request; params: Record<string, string>; context: Record<string, never> };
type Handler = (args: Args) => Promise<unknown>;
interface Route {
  loader: Handler;
  action: Handler;
}
interface Summary {
  prices: number;
  skus: number;
  competitors: string[];
  competitorCount: number;
  from: string;
  to: string;
  lastUpload: string;
}
interface PageData {
  summary: Summary | null;
  readOnly: string | null;
  currency: string | null;
}
interface Answer {
  intent: string;
  ok: boolean;
  stored?: number;
  deleted?: number;
  problem?: string | null;
  errors?: { line: number; column: string | null; key: string; values?: Record<string, unknown> }[];
  moreErrors?: number;
}

const PATH = "/app/signals/competitors";
let db: Awaited<ReturnType<typeof createTestDatabase>>;
let pool: typeof Pool;
let run: typeof Run;
let tasks: typeof Tasks;
let route: Route;
let A: SeededShop;
let B: SeededShop;

function request(shop: SeededShop, path: string, init: RequestInit = {}): Args {
  const headers = new Headers(init.headers);
  headers.set("Authorization", `Bearer ${sessionToken(shop.domain)}`);
  return { request: new Request(`https://fluxor.test${path}`, { ...init, headers }), params: {}, context: {} };
}

async function page(shop: SeededShop): Promise<PageData> {
  const response = (await route.loader(request(shop, PATH))) as Response;
  return (await response.json()) as PageData;
}

/** Uploads `text` as a multipart file, as the page does. */
async function upload(shop: SeededShop, text: string | Blob): Promise<{ status: number; body: Answer }> {
  const form = new FormData();
  form.set("intent", "upload");
  form.set("file", typeof text === "string" ? new File([text], "prices.csv", { type: "text/csv" }) : text, "prices.csv");
  const response = (await route.action(request(shop, PATH, { method: "POST", body: form }))) as Response;
  return { status: response.status, body: (await response.json()) as Answer };
}

async function removeAll(shop: SeededShop): Promise<{ status: number; body: Answer }> {
  const response = (await route.action(
    request(shop, PATH, { method: "POST", body: new URLSearchParams({ intent: "delete" }) }),
  )) as Response;
  return { status: response.status, body: (await response.json()) as Answer };
}

async function stored(shopId: string) {
  return sql<{ sku: string; day: string; competitor: string; price: string }>(
    db.url,
    `SELECT sku, to_char(day, 'YYYY-MM-DD') AS day, competitor, price::text FROM "CompetitorPrice" WHERE "shopId" = $1 ORDER BY sku, competitor, day`,
    [shopId],
  );
}

function addDays(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

/** 150 days of prices ending at A's yesterday: SKU-11 from Acme and Bolt, SKU-21 from Acme (variant prices 6 and 7). */
function history(shop: SeededShop): string {
  const lines = ["sku,date,price,competitor"];
  for (let g = 149; g >= 0; g--) {
    const day = addDays(shop.yesterday, -g);
    const swing = Math.sin(g / 9);
    lines.push(`SKU-11,${day},${(6 * (1 + 0.2 * swing)).toFixed(2)},Acme`);
    lines.push(`SKU-11,${day},${(6.5 + 0.5 * swing).toFixed(2)},Bolt`);
    lines.push(`SKU-21,${day},${(7 * (1 - 0.15 * swing)).toFixed(2)},Acme`);
  }
  return `${lines.join("\n")}\n`;
}

async function runNightly(shopId: string): Promise<string> {
  const id = await run.startRun(shopId, "manual");
  await drainForecastJobs(db.url, {
    [tasks.forecastBatchJob.name]: async (p: unknown) => {
      await run.runBatch(tasks.forecastBatchJob.payload.parse(p));
    },
  });
  return id!;
}

beforeAll(async () => {
  db = await createTestDatabase();
  pool = await import("../../app/db/pool.server");
  run = await import("../../app/forecasts/run.server");
  tasks = await import("../../app/jobs/contracts/forecasts");
  A = await seedShop(db.url, { domain: "competitors-a.myshopify.com", products: 6, variantsPerProduct: 1, days: 200, seed: 8 });
  B = await seedShop(db.url, { domain: "competitors-b.myshopify.com", products: 4, variantsPerProduct: 1, days: 200, seed: 9 });
  await sql(db.url, `UPDATE "Shop" SET "installState" = 'INSTALLED'`);
  await storeOfflineSessions(db.url, [A.domain, B.domain]);
  route = (await import("../../app/routes/app.signals.competitors")) as unknown as Route;
}, 120_000);

afterAll(async () => {
  await pool?.closePool();
  await (await import("../../app/db/prisma.server")).disconnectPrisma();
  await db?.drop();
});

describe("the page", () => {
  it("starts empty and serves a template the upload accepts", async () => {
    expect(await page(A)).toMatchObject({ summary: null, readOnly: null, currency: "GBP" });
    const response = (await route.loader(request(A, `${PATH}?template=1`))) as Response;
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(response.headers.get("content-disposition")).toContain("attachment");
    const text = await response.text();
    // Product 3's SKU starts with "=": the example is the first SKU a spreadsheet keeps as it is.
    expect(text).toBe(`sku,date,price,competitor,currency\r\nSKU-11,${A.yesterday},19.99,Example Store,GBP\r\n`);
  });
});

describe("uploading", () => {
  it("refuses a file with problems with every line's problem, and stores nothing", async () => {
    const text = [
      "sku,date,price,competitor,currency",
      `SKU-11,${A.yesterday},10,Acme,GBP`,
      `SKU-99,${A.yesterday},10,Acme,GBP`,
      `SKU-11,not-a-day,10,Acme,GBP`,
      `SKU-11,${addDays(A.yesterday, 92)},10,Acme,GBP`,
      `SKU-11,${A.yesterday},-1,Acme,GBP`,
      `SKU-21,${A.yesterday},10,Acme,USD`,
      `SKU-11,${A.yesterday},11,Acme,GBP`,
    ].join("\n");
    const { status, body } = await upload(A, text);
    expect(status).toBe(400);
    expect(body.ok).toBe(false);
    expect(body.errors!.map((e) => [e.line, e.column, e.key])).toEqual([
      [3, "sku", "competitors:errors.unknownSku"],
      [4, "date", "competitors:errors.badDate"],
      [5, "date", "competitors:errors.dateTooFar"],
      [6, "price", "competitors:errors.badPrice"],
      [7, "currency", "competitors:errors.otherCurrency"],
      [8, null, "competitors:errors.duplicate"],
    ]);
    expect(body.moreErrors).toBe(0);
    expect(await stored(A.shopId)).toEqual([]);
    expect(await queuedForecastRuns(db.url, A.shopId)).toEqual([]);
  });

  it("stores a valid file and summarises it", async () => {
    const { status, body } = await upload(A, history(A));
    expect({ status, body }).toEqual({ status: 200, body: { intent: "upload", ok: true, stored: 450 } });
    const rows = await stored(A.shopId);
    expect(rows).toHaveLength(450);
    expect(rows[0]).toEqual({ sku: "SKU-11", day: addDays(A.yesterday, -149), competitor: "Acme", price: expect.any(String) });
    const { summary } = await page(A);
    expect(summary).toMatchObject({ prices: 450, skus: 2, competitors: ["Acme", "Bolt"], competitorCount: 2 });
    expect(summary).toMatchObject({ from: addDays(A.yesterday, -149), to: A.yesterday });
    // The upload queued a forecast run of the shop, so the prices reach its forecasts before the night.
    expect(await queuedForecastRuns(db.url, A.shopId)).toEqual([{ shopId: A.shopId, trigger: "settings" }]);
  });

  it("replaces the price of a key uploaded again and adds the rest (no competitor column: competitor '')", async () => {
    const again = `sku,date,price,competitor\nSKU-11,${A.yesterday},99.50,Acme\n`;
    expect(await upload(A, again)).toEqual({ status: 200, body: { intent: "upload", ok: true, stored: 1 } });
    const plain = `\uFEFFSKU,Date,Price\nSKU-21,${addDays(A.yesterday, 30)},8\n`;
    expect(await upload(A, plain)).toEqual({ status: 200, body: { intent: "upload", ok: true, stored: 1 } });
    const rows = await stored(A.shopId);
    expect(rows).toHaveLength(451);
    expect(rows.find((r) => r.sku === "SKU-11" && r.competitor === "Acme" && r.day === A.yesterday)?.price).toBe("99.50");
    expect(rows.find((r) => r.competitor === "")).toEqual({ sku: "SKU-21", day: addDays(A.yesterday, 30), competitor: "", price: "8.00" });
  });

  it("answers 413 past 10 MB, by the declared length or the file's size, and stores nothing", async () => {
    const before = (await stored(A.shopId)).length;
    const big = new Blob([`sku,date,price\n${"x".repeat(10 * 1024 * 1024)}`]);
    const { status, body } = await upload(A, big);
    expect(status).toBe(413);
    expect(body).toMatchObject({ ok: false, problem: "competitors:errors.tooLarge" });
    const declared = await route.action(
      request(A, PATH, { method: "POST", body: "intent=upload", headers: { "Content-Length": String(11 * 1024 * 1024) } }),
    );
    expect((declared as Response).status).toBe(413);
    expect(await stored(A.shopId)).toHaveLength(before);
  });

  it("refuses a form without a file", async () => {
    const response = (await route.action(
      request(A, PATH, { method: "POST", body: new URLSearchParams({ intent: "upload" }) }),
    )) as Response;
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ ok: false, problem: "competitors:errors.noFile" });
  });
});

describe("another shop", () => {
  it("neither sees nor deletes A's prices", async () => {
    expect((await page(B)).summary).toBeNull();
    expect(await removeAll(B)).toEqual({ status: 200, body: { intent: "delete", ok: true, deleted: 0 } });
    expect(await stored(A.shopId)).toHaveLength(451);
    // Nothing was deleted: no run for B.
    expect(await queuedForecastRuns(db.url, B.shopId)).toEqual([]);
  });
});

describe("the nightly forecast", () => {
  it("offers competitor_price to the variants whose SKU has prices, and records the decisions", async () => {
    const runId = await runNightly(A.shopId);
    const uses = await sql<{ variantId: string; reason: string }>(
      db.url,
      `SELECT "variantId"::text AS "variantId", reason FROM "SignalUse" WHERE "runId" = $1 AND signal = 'competitor_price' ORDER BY 1`,
      [runId],
    );
    expect(uses.map((u) => u.variantId)).toEqual(["11", "21"]);
    for (const use of uses) expect(["gain", "no_gain", "too_few_windows"]).toContain(use.reason);
    const [forecastRun] = await sql<{ signals: Record<string, unknown> }>(db.url, `SELECT signals FROM "ForecastRun" WHERE id = $1`, [
      runId,
    ]);
    expect(forecastRun!.signals).toMatchObject({ competitor_price: { status: "ok" } });

    // B has the same SKUs but no prices of its own: A's never reach its forecasts.
    const other = await runNightly(B.shopId);
    const [{ n }] = (await sql<{ n: number }>(
      db.url,
      `SELECT count(*)::int AS n FROM "SignalUse" WHERE "runId" = $1 AND signal = 'competitor_price'`,
      [other],
    )) as [{ n: number }];
    expect(n).toBe(0);
  }, 60_000);
});

describe("deleting", () => {
  it("deletes every price of the shop", async () => {
    expect(await removeAll(A)).toEqual({ status: 200, body: { intent: "delete", ok: true, deleted: 451 } });
    expect(await stored(A.shopId)).toEqual([]);
    expect((await page(A)).summary).toBeNull();
  });
});
