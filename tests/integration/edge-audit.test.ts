/**
 * Issue 16 item 6 (decision 0049): what an unauthenticated request can make the audit trail store. A bad webhook with an
 * 8 KB shop header leaves a row of bounded size; a flood of them leaves at most the per-minute budget; the daily
 * `auth.prune` job deletes audit rows past 400 days and rate-limit buckets idle for longer than any window. Through the
 * real app (Express + the Remix build) over HTTP, and the prune job's function on real PostgreSQL.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UNAUTHENTICATED_FAILURES } from "../../app/auth/audit-budget";
import type { RunningFluxor } from "../../app/server/fluxor.server";
import { createTestDatabase, sql } from "../support/db";

process.env.SHOPIFY_API_KEY = "fluxor-test-key";
process.env.SHOPIFY_API_SECRET = "fluxor-test-secret-" + randomBytes(6).toString("hex");
process.env.SHOPIFY_APP_URL = "https://fluxor.test";
process.env.SCOPES = "read_products";
process.env.FLUXOR_ENCRYPTION_KEYS = `t1:${randomBytes(32).toString("base64")}`;

const BROWSER = { "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36" };

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let fluxor: RunningFluxor;

beforeAll(async () => {
  db = await createTestDatabase();
  const { startFluxor } = await import("../../app/server/fluxor.server");
  fluxor = await startFluxor({ port: 0, log: () => {} });
});
afterAll(async () => {
  await fluxor?.close();
  await (await import("../../app/db/pool.server")).closePool();
  await db?.drop();
});

function badWebhook(shopHeader: string, topic = "orders/create"): Promise<Response> {
  return fetch(new URL("/webhooks/orders/create", fluxor.url), {
    method: "POST",
    body: "{}",
    headers: {
      "Content-Type": "application/json",
      "X-Shopify-Hmac-Sha256": "bm90LXRoZS1zaWduYXR1cmU=",
      "X-Shopify-Shop-Domain": shopHeader,
      "X-Shopify-Topic": topic,
      "X-Shopify-Webhook-Id": randomBytes(8).toString("hex"),
      "X-Shopify-API-Version": "2025-10",
    },
  });
}

const rows = (event: string) =>
  sql<{ shopDomain: string | null; ip: string | null; detail: Record<string, unknown>; size: number }>(
    db.url,
    `SELECT "shopDomain", ip, detail, octet_length(row_to_json(a)::text) AS size FROM "AuditLog" a WHERE event = $1 ORDER BY id`,
    [event],
  );

describe("what an unauthenticated failure stores", () => {
  it("cuts an 8 KB shop header and a long topic to a bounded row, kept out of the shop column", async () => {
    // (Node refuses a request whose headers pass 16 KB in all.)
    const response = await badWebhook("a".repeat(8192), "t".repeat(4096));
    expect(response.status).toBe(401);
    const [row] = await rows("webhook_rejected");
    expect(row?.shopDomain).toBeNull();
    expect(row?.ip).toBe("127.0.0.1");
    expect(row?.detail.claimedShop).toBe(`${"a".repeat(256)}…[8192 chars]`);
    expect(row?.detail.topic).toBe(`${"t".repeat(256)}…[4096 chars]`);
    expect(row?.size).toBeLessThan(1024);
  });

  it("stores a login form's NUL byte as a replacement character instead of failing", async () => {
    const response = await fetch(new URL("/auth/login", fluxor.url), {
      method: "POST",
      body: "shop=a%00b",
      headers: { ...BROWSER, "Content-Type": "application/x-www-form-urlencoded" },
    });
    expect(response.status).toBe(200);
    expect((await rows("login_attempt")).map((row) => row.detail.claimedShop)).toEqual(["a\uFFFDb"]);
  });

  it("records a flood from one address within the per-minute budget; the requests are all still refused", async () => {
    const flood = 5 * UNAUTHENTICATED_FAILURES.perSource;
    const statuses = [];
    for (let i = 0; i < flood; i++) statuses.push((await badWebhook(`flood-${i}.myshopify.com`)).status);
    expect(statuses.every((status) => status === 401)).toBe(true);
    // One budget per minute: the flood may straddle two minutes, never more (it takes seconds).
    const recorded = (await rows("webhook_rejected")).length;
    expect(recorded).toBeGreaterThanOrEqual(UNAUTHENTICATED_FAILURES.perSource);
    expect(recorded).toBeLessThanOrEqual(2 * UNAUTHENTICATED_FAILURES.perSource);
  });
});

describe("retention (auth.prune)", () => {
  it("deletes audit rows past 400 days and buckets idle for more than a day, and nothing younger", async () => {
    const now = new Date("2026-12-06T04:50:00Z");
    const daysAgo = (days: number) => new Date(now.getTime() - days * 86_400_000);
    await sql(db.url, `DELETE FROM "AuditLog"; DELETE FROM "RateLimitBucket"`);
    for (const [event, createdAt] of [
      ["install", daysAgo(401)],
      ["login", daysAgo(400.5)],
      ["uninstall", daysAgo(399)],
      ["install", daysAgo(0)],
    ] as const) {
      await sql(db.url, `INSERT INTO "AuditLog" (event, outcome, "createdAt") VALUES ($1, 'success', $2)`, [event, createdAt]);
    }
    for (const [key, updatedAt] of [
      ["auth:ip:198.51.100.1", daysAgo(2)],
      ["auth:ip:198.51.100.2", daysAgo(1.01)],
      ["auth:ip:198.51.100.3", daysAgo(0.9)],
      ["auth:ip:198.51.100.4", daysAgo(0)],
    ] as const) {
      await sql(db.url, `INSERT INTO "RateLimitBucket" (key, hits, "updatedAt") VALUES ($1, ARRAY[$2::timestamptz], $2)`, [key, updatedAt]);
    }
    const { pruneAuthTables } = await import("../../app/auth/retention.server");
    const { pool } = await import("../../app/db/pool.server");
    expect(await pruneAuthTables(pool(), now)).toEqual({ auditEntries: 2, rateLimitBuckets: 2 });
    // (The flood above may have its dropped entries recorded meanwhile, as a new `audit_suppressed` row.)
    const kept = await sql<{ event: string }>(db.url, `SELECT event FROM "AuditLog" WHERE event <> 'audit_suppressed' ORDER BY id`);
    expect(kept.map((row) => row.event)).toEqual(["uninstall", "install"]);
    expect((await sql<{ key: string }>(db.url, `SELECT key FROM "RateLimitBucket" ORDER BY key`)).map((row) => row.key)).toEqual([
      "auth:ip:198.51.100.3",
      "auth:ip:198.51.100.4",
    ]);
    // Run again: nothing left to delete.
    expect(await pruneAuthTables(pool(), now)).toEqual({ auditEntries: 0, rateLimitBuckets: 0 });
  });

  it("is scheduled daily", async () => {
    const { cronItems } = await import("../../app/server/jobs.server");
    expect(cronItems().find((item) => item.task === "auth.prune")?.match).toBe("50 4 * * *");
  });
});
