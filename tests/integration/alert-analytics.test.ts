/**
 * Alert analytics against real PostgreSQL: emails, their events, the notifications they carried and the stock
 * history after them are seeded in SQL for two shops with the same variant and inventory item ids; the page's
 * figures (delivery, actions by restock and by click, lost sales avoided), the CSV log, tenant isolation (shop B's
 * emails and stock never reach shop A's figures), and the weekly summary: queued by the digest tick at the weekly
 * slot, once per period.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type * as Analytics from "../../app/alerts/analytics.server";
import type * as Digest from "../../app/alerts/digest.server";
import type * as Summary from "../../app/alerts/summary.server";
import type * as Pool from "../../app/db/pool.server";
import type * as Lookup from "../../app/shops/lookup.server";
import { createTestDatabase, sql } from "../support/db";
import { JOBS_OF, seedShop, type SeededShop } from "../support/forecast-seed";

process.env.SHOPIFY_API_KEY = "fluxor-test-key";
process.env.SHOPIFY_API_SECRET = "fluxor-test-secret-" + randomBytes(8).toString("hex");
process.env.SHOPIFY_APP_URL = "https://fluxor.test";
process.env.FLUXOR_ENCRYPTION_KEYS = `t1:${randomBytes(32).toString("base64")}`;
delete process.env.FLUXOR_PLAN_PRICE_MONTHLY;

/** A Friday in March (London on GMT). The weekly send (Monday 08:00) before it: 16 March, week 2026-W12. */
const NOW = new Date("2026-03-20T12:00:00Z");
const WEEK = { periodKey: "weekly:2026-W12", dueAt: new Date("2026-03-16T08:00:00Z") };

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let pool: typeof Pool;
let analytics: typeof Analytics;
let digest: typeof Digest;
let summary: typeof Summary;
let lookup: typeof Lookup;
let A: SeededShop;
let B: SeededShop;

interface SeedEmail {
  key: string;
  kind?: string;
  alertType: string | null;
  recipient: string;
  group: string;
  sentAt: string;
  status?: string;
  events?: string[];
  openedAt?: string | null;
  clickedAt?: string | null;
}

/** An email that went out: its log row and its events. Returns its id. */
async function email(shop: SeededShop, e: SeedEmail): Promise<string> {
  const kind = e.kind ?? "alert";
  const [row] = await sql<{ id: string }>(
    db.url,
    `INSERT INTO "EmailMessage" (id, "shopId", kind, "alertType", "templateVersion", recipient, subject, "idempotencyKey", priority, status, content,
                                 "createdAt", "sentAt", "openedAt", "clickedAt")
     VALUES (gen_random_uuid(), $1, $2, $3, $4, $5, $6, $7, 0, $8, '{}'::jsonb, $9::timestamptz - interval '5 seconds', $9, $10, $11) RETURNING id`,
    [
      shop.shopId,
      kind,
      e.alertType,
      `${e.alertType ?? kind}@1`,
      e.recipient,
      `${e.key} subject`,
      `${e.group}:${e.recipient}`,
      e.status ?? "delivered",
      e.sentAt,
      e.openedAt ?? null,
      e.clickedAt ?? null,
    ],
  );
  for (const type of ["sent", ...(e.events ?? ["delivered"])]) {
    await sql(db.url, `INSERT INTO "EmailEvent" ("eventId", "shopId", "messageId", type, "occurredAt") VALUES ($1, $2, $3, $4, $5)`, [
      `${type}:${row!.id}`,
      shop.shopId,
      row!.id,
      type,
      e.sentAt,
    ]);
  }
  return row!.id;
}

/** A notification an email group carried, with the advice row the evaluation saw. */
async function notification(
  shop: SeededShop,
  n: { key: string; type: string; variantId: string; locationId: string; group: string; subject: Record<string, unknown> },
): Promise<void> {
  const facts = {
    subject: {
      productTitle: `Product of ${n.key}`,
      variantTitle: "Size 1",
      available: 4,
      dailyMean: 3,
      price: 20,
      stockoutDate: "2026-03-14",
      leadTimeDays: 10,
      ...n.subject,
    },
    ruleId: n.type,
  };
  await sql(
    db.url,
    `INSERT INTO "AlertNotification" ("shopId", key, "episodeKey", type, severity, frequency, "variantId", "locationId", day, "runId", facts, "emailedAt", "emailGroup")
     VALUES ($1, $2, $2, $3, 3, 'immediate', $4, $5, '2026-03-09', gen_random_uuid(), $6::jsonb, '2026-03-10T08:00:00Z', $7)`,
    [shop.shopId, n.key, n.type, n.variantId, n.locationId, JSON.stringify(facts), n.group],
  );
}

/** One day of an inventory item's stock history at a location. */
async function stockDay(shop: SeededShop, variantId: string, locationId: string, day: string, max: number, last: number, lastAt: string) {
  await sql(
    db.url,
    `INSERT INTO "InventoryDay" ("shopId", "inventoryItemId", "locationId", day, "maxAvailable", "lastAvailable", "lastAt")
     SELECT $1, "inventoryItemId", $3, $4, $5, $6, $7 FROM "ProductVariant" WHERE "shopId" = $1 AND id = $2
     ON CONFLICT ("shopId", "inventoryItemId", "locationId", day) DO UPDATE SET "maxAvailable" = excluded."maxAvailable", "lastAvailable" = excluded."lastAvailable", "lastAt" = excluded."lastAt"`,
    [shop.shopId, variantId, locationId, day, max, last, lastAt],
  );
}

const OWNER_A = "owner@a-shop.test";
const OWNER_B = "owner@b-shop.test";

beforeAll(async () => {
  db = await createTestDatabase();
  pool = await import("../../app/db/pool.server");
  analytics = await import("../../app/alerts/analytics.server");
  digest = await import("../../app/alerts/digest.server");
  summary = await import("../../app/alerts/summary.server");
  lookup = await import("../../app/shops/lookup.server");
  A = await seedShop(db.url, { domain: "a-shop.myshopify.com", products: 3, variantsPerProduct: 1, days: 30, seed: 5 });
  B = await seedShop(db.url, { domain: "b-shop.myshopify.com", products: 3, variantsPerProduct: 1, days: 30, seed: 6 });
  await sql(db.url, `UPDATE "Shop" SET email = $2 WHERE id = $1`, [A.shopId, OWNER_A]);
  await sql(db.url, `UPDATE "Shop" SET email = $2 WHERE id = $1`, [B.shopId, OWNER_B]);
  // Seeded history and levels are the seed's; the analytics read only what follows.
  await sql(db.url, `DELETE FROM "InventoryDay"`);
  const [v1, v2, v3] = A.variantIds as [string, string, string];

  // Shop A. A stockout prediction emailed on the 10th; 50 units arrive at the warehouse on the 12th.
  await email(A, {
    key: "a1",
    alertType: "stockout_predicted",
    recipient: OWNER_A,
    group: "alert:a-run:stockout_predicted",
    sentAt: "2026-03-10T08:00:00Z",
    openedAt: "2026-03-10T09:00:00Z",
  });
  await notification(A, {
    key: "a-n1",
    type: "stockout_predicted",
    variantId: v1,
    locationId: "0",
    group: "alert:a-run:stockout_predicted",
    subject: {},
  });
  await stockDay(A, v1, "1001", "2026-03-09", 2, 2, "2026-03-09T10:00:00Z");
  await stockDay(A, v1, "1002", "2026-03-09", 2, 2, "2026-03-09T10:00:00Z");
  await stockDay(A, v1, "1001", "2026-03-12", 50, 48, "2026-03-12T15:00:00Z");
  // Low stock at the high street on the 11th: clicked the next day, no restock.
  await email(A, {
    key: "a2",
    alertType: "low_stock",
    recipient: OWNER_A,
    group: "alert:a-run2:low_stock",
    sentAt: "2026-03-11T08:00:00Z",
    openedAt: "2026-03-12T10:00:00Z",
    clickedAt: "2026-03-12T10:01:00Z",
  });
  await notification(A, {
    key: "a-n2",
    type: "low_stock",
    variantId: v2,
    locationId: "1002",
    group: "alert:a-run2:low_stock",
    subject: { available: 3 },
  });
  await stockDay(A, v2, "1002", "2026-03-10", 3, 3, "2026-03-10T10:00:00Z");
  // A daily digest on the 12th: reorder point, nothing done within 7 days.
  await email(A, {
    key: "a3",
    kind: "digest",
    alertType: null,
    recipient: OWNER_A,
    group: `digest:${A.shopId}:daily:2026-03-12`,
    sentAt: "2026-03-12T08:00:00Z",
  });
  await notification(A, {
    key: "a-n3",
    type: "reorder_point",
    variantId: v3,
    locationId: "0",
    group: `digest:${A.shopId}:daily:2026-03-12`,
    subject: {},
  });
  // An out-of-stock alert that bounced.
  await email(A, {
    key: "a4",
    alertType: "out_of_stock",
    recipient: OWNER_A,
    group: "alert:a-run3:out_of_stock",
    sentAt: "2026-03-14T08:00:00Z",
    status: "bounced",
    events: ["bounced"],
  });
  // Before the 30 days.
  await email(A, {
    key: "a5",
    alertType: "stockout_predicted",
    recipient: OWNER_A,
    group: "alert:a-run0:stockout_predicted",
    sentAt: "2026-02-01T08:00:00Z",
  });

  // Shop B: the same variant ids and inventory items. Its low-stock variant (A's v2) is restocked at the high street,
  // and its stockout prediction of v1 is worth a lot more: neither may reach shop A's figures.
  await email(B, { key: "b1", alertType: "low_stock", recipient: OWNER_B, group: "alert:b-run:low_stock", sentAt: "2026-03-11T08:00:00Z" });
  await notification(B, {
    key: "b-n1",
    type: "low_stock",
    variantId: v2,
    locationId: "1002",
    group: "alert:b-run:low_stock",
    subject: { available: 3, price: 99 },
  });
  await stockDay(B, v2, "1002", "2026-03-13", 900, 900, "2026-03-13T10:00:00Z");
  await email(B, {
    key: "b2",
    alertType: "stockout_predicted",
    recipient: OWNER_B,
    group: "alert:b-run:stockout_predicted",
    sentAt: "2026-03-10T08:00:00Z",
  });
  await notification(B, {
    key: "b-n2",
    type: "stockout_predicted",
    variantId: v1,
    locationId: "0",
    group: "alert:b-run:stockout_predicted",
    subject: { price: 99 },
  });
  await stockDay(B, v1, "1001", "2026-03-11", 500, 500, "2026-03-11T10:00:00Z");
}, 120_000);

afterAll(async () => {
  await pool?.closePool();
  await (await import("../../app/db/prisma.server")).disconnectPrisma();
  await db?.drop();
});

async function shop(s: SeededShop) {
  const found = await lookup.shopById(pool.pool(), s.shopId);
  expect(found).not.toBeNull();
  return found!;
}

describe("the analytics page's figures", () => {
  it("counts shop A's emails of the period: delivery, opens, clicks and bounces", async () => {
    const { analytics: a, everSent } = await analytics.loadAlertAnalytics(await shop(A), "30", { now: NOW });
    expect(everSent).toBe(true);
    expect(a.period).toEqual({ days: 30, from: "2026-02-19", to: "2026-03-20" });
    expect(a.totals).toMatchObject({ sent: 4, delivered: 3, bounced: 1, opened: 2, clicked: 1 });
    expect(a.totals.rates).toMatchObject({ delivery: 0.75, click: 1 / 3 });
    expect(a.byType.map((row) => [row.type, row.sent])).toEqual([
      ["out_of_stock", 1],
      ["stockout_predicted", 1],
      ["low_stock", 1],
      ["digest", 1],
    ]);
    expect(a.series.find((d) => d.day === "2026-03-10")).toEqual({ day: "2026-03-10", sent: 1, delivered: 1, opened: 1, clicked: 0 });
    // 90 days take in the email of February.
    const longer = await analytics.loadAlertAnalytics(await shop(A), "90", { now: NOW });
    expect(longer.analytics.totals.sent).toBe(5);
  });

  it("attributes actions by restock and by click, and values the restock before the projected stockout", async () => {
    const { analytics: a } = await analytics.loadAlertAnalytics(await shop(A), "30", { now: NOW });
    const row = (type: string) => a.actions.rows.find((r) => r.type === type);
    expect(row("stockout_predicted")).toMatchObject({ notifications: 1, acted: 1, byRestock: 1, byClick: 0 });
    // Shop B's restock of the same inventory item is not shop A's.
    expect(row("low_stock")).toMatchObject({ notifications: 1, acted: 1, byRestock: 0, byClick: 1 });
    expect(row("reorder_point")).toMatchObject({ notifications: 1, acted: 0, pending: 0, rate: 0 });
    // 3 a day × 10 days of lead time × 20: the warehouse's 50 (46 above the 4 seen) cover the 30 units.
    expect(a.lostSales).toMatchObject({ total: 600, alerts: 1 });
    expect(a.lostSales.items[0]).toMatchObject({
      productTitle: "Product of a-n1",
      stockoutDate: "2026-03-14",
      restockDay: "2026-03-12",
      days: 10,
      value: 600,
    });
    expect(a.roi).toMatchObject({ avoided: 600, planPriceMonthly: 29, planCost: 29, net: 571 });
  });

  it("shows shop B only its own emails and lost sales", async () => {
    const { analytics: b } = await analytics.loadAlertAnalytics(await shop(B), "30", { now: NOW });
    expect(b.totals.sent).toBe(2);
    expect(b.fatigue.map((f) => f.recipient)).not.toContain(OWNER_A);
    expect(b.actions.rows.find((r) => r.type === "low_stock")).toMatchObject({ acted: 1, byRestock: 1 });
    // B's two alerts, each restocked before the projected stockout: 3 a day × 10 days × 99, twice.
    expect(b.lostSales).toMatchObject({ total: 5940, alerts: 2 });
  });

  it("exports the period's email log of the shop as CSV, nothing of the other shop", async () => {
    const lines: string[] = [];
    for await (const line of analytics.alertLogCsv(await shop(A), "30", NOW)) lines.push(line);
    const [header, ...rows] = lines.join("").trim().split("\r\n");
    expect(header).toBe(analytics.LOG_CSV_HEADER.join(","));
    expect(rows).toHaveLength(4);
    expect(rows.every((r) => r.includes(OWNER_A) && !r.includes(OWNER_B))).toBe(true);
    const clicked = rows.find((r) => r.includes("a2 subject"))!.split(",");
    expect(clicked.slice(-4)).toEqual(["2026-03-12T10:00:00.000Z", "2026-03-12T10:01:00.000Z", "1", "acted"]);
  });
});

describe("the weekly summary", () => {
  it("is queued by the digest tick at the weekly slot for each shop that had alert emails, and sent once per period", async () => {
    const C = await seedShop(db.url, { domain: "c-shop.myshopify.com", products: 1, variantsPerProduct: 1, days: 10, seed: 7 });
    await sql(db.url, `UPDATE "Shop" SET email = 'owner@c-shop.test' WHERE id = $1`, [C.shopId]);
    await digest.queueDueDigests(NOW);
    const jobs = async () =>
      (await sql<{ payload: { shopId: string; kind: string; periodKey: string; dueAt: string } }>(db.url, JOBS_OF("alerts.digest"))).map(
        (j) => j.payload,
      );
    const queued = (await jobs()).filter((j) => j.kind === "summary");
    expect(queued.map((j) => j.shopId).sort()).toEqual([A.shopId, B.shopId].sort());
    const ofA = queued.find((j) => j.shopId === A.shopId)!;
    expect(ofA).toEqual({ shopId: A.shopId, kind: "summary", periodKey: WEEK.periodKey, dueAt: WEEK.dueAt.toISOString() });

    expect(await summary.sendWeeklySummary(A.shopId, ofA.periodKey, new Date(ofA.dueAt), NOW)).toBe(1);
    expect(await summary.sendWeeklySummary(A.shopId, ofA.periodKey, new Date(ofA.dueAt), NOW)).toBe(0);
    const sent = await sql<{ recipient: string; kind: string; priority: number; idempotencyKey: string; content: Record<string, unknown> }>(
      db.url,
      `SELECT recipient, kind, priority, "idempotencyKey", content FROM "EmailMessage" WHERE kind = 'summary'`,
    );
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ recipient: OWNER_A, priority: 20, idempotencyKey: `summary:${A.shopId}:${WEEK.periodKey}:${OWNER_A}` });
    // The week of 9–15 March: four alert emails, the opened stockout prediction restocked, the low-stock one clicked.
    expect(sent[0]!.content).toMatchObject({
      template: "weekly_summary",
      period: { from: "2026-03-09", to: "2026-03-15" },
      alerts: { sent: 4, opened: 2, clicked: 1, actedOn: 2 },
      lostSalesAvoided: 600,
      atRisk: { out_of_stock: 0, stockout_predicted: 0, reorder_point: 0, low_stock: 0, dead_stock: 0 },
    });
    const { EmailContent } = await import("../../app/email/model");
    expect(EmailContent.safeParse(sent[0]!.content).success).toBe(true);

    // The next tick: A's summary is out, B's still owed.
    await sql(db.url, `DELETE FROM graphile_worker._private_jobs`);
    await digest.queueDueDigests(NOW);
    expect((await jobs()).filter((j) => j.kind === "summary").map((j) => j.shopId)).toEqual([B.shopId]);
  });
});
