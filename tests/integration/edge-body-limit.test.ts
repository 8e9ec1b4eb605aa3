/**
 * Issue 16 item 7 (decision 0049): every route's request body is limited before any route code runs. An
 * unauthenticated 8 MiB POST to /auth/login, declared or chunked, is refused with 413 and writes nothing; the merchant
 * pages take up to 1 MiB; webhooks keep their own 5 MiB. Through the real app (Express + the Remix build) over HTTP.
 */
import { randomBytes } from "node:crypto";
import { request as httpRequest } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningFluxor } from "../../app/server/fluxor.server";
import { createTestDatabase, sql } from "../support/db";

process.env.SHOPIFY_API_KEY = "fluxor-test-key";
process.env.SHOPIFY_API_SECRET = "fluxor-test-secret-" + randomBytes(6).toString("hex");
process.env.SHOPIFY_APP_URL = "https://fluxor.test";
process.env.SCOPES = "read_products";
process.env.FLUXOR_ENCRYPTION_KEYS = `t1:${randomBytes(32).toString("base64")}`;

const MiB = 1024 * 1024;
const BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let fluxor: RunningFluxor;

beforeAll(async () => {
  db = await createTestDatabase();
  const { startFluxor } = await import("../../app/server/fluxor.server");
  fluxor = await startFluxor({ port: 0, log: () => {} });
});
afterAll(async () => {
  await fluxor?.close();
  await db?.drop();
});

/**
 * POSTs `body` over a plain HTTP connection, with a Content-Length or chunked, and returns the answer. The server
 * may close the connection while the body is still being sent: an error after the answer arrived is expected.
 */
function post(path: string, body: Buffer, options: { chunked?: boolean; headers?: Record<string, string> } = {}) {
  return new Promise<{ status: number; text: string }>((resolve, reject) => {
    let answered = false;
    const headers: Record<string, string> = {
      "Content-Type": "application/x-www-form-urlencoded",
      "User-Agent": BROWSER,
      ...(options.chunked ? {} : { "Content-Length": String(body.length) }),
      ...options.headers,
    };
    const request = httpRequest(new URL(path, fluxor.url), { method: "POST", headers }, (response) => {
      answered = true;
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }));
      response.on("error", reject);
    });
    request.on("error", (error) => {
      if (!answered) reject(error);
    });
    for (let offset = 0; offset < body.length; offset += 64 * 1024) request.write(body.subarray(offset, offset + 64 * 1024));
    request.end();
  });
}

/** A login form whose shop field is `size` bytes long. */
const loginForm = (size: number) => Buffer.from(`shop=${"a".repeat(size - 5)}`);

const written = async () => ({
  audit: (await sql<{ n: string }>(db.url, `SELECT count(*) AS n FROM "AuditLog"`))[0]?.n,
  buckets: (await sql<{ n: string }>(db.url, `SELECT count(*) AS n FROM "RateLimitBucket"`))[0]?.n,
});

describe("request body limits", () => {
  it("refuses an 8 MiB login form with 413 before reading it, and writes nothing", async () => {
    const answer = await post("/auth/login", loginForm(8 * MiB));
    expect(answer.status).toBe(413);
    expect(await written()).toEqual({ audit: "0", buckets: "0" });
  });

  it("refuses a chunked 8 MiB login form with 413 once it passes the limit, and writes nothing", async () => {
    const answer = await post("/auth/login", loginForm(8 * MiB), { chunked: true });
    expect(answer.status).toBe(413);
    expect(await written()).toEqual({ audit: "0", buckets: "0" });
  });

  it("holds the unauthenticated forms to 64 KiB and the other routes to 1 MiB", async () => {
    expect((await post("/auth/login", loginForm(65 * 1024))).status).toBe(413);
    expect((await post("/ops/login", loginForm(65 * 1024), { chunked: true })).status).toBe(413);
    expect((await post("/app/settings", loginForm(2 * MiB))).status).toBe(413);
    expect((await post("/app/settings", loginForm(2 * MiB), { chunked: true })).status).toBe(413);
    // Within the limit the request reaches the route (which refuses it for want of a session, not for its size).
    expect((await post("/app/settings", loginForm(512 * 1024))).status).not.toBe(413);
    expect(await written()).toEqual({ audit: "0", buckets: "0" });
  });

  it("leaves webhooks their own 5 MiB: a 2 MiB delivery reaches the signature check", async () => {
    const answer = await post("/webhooks/orders/create", Buffer.alloc(2 * MiB, "{"), {
      headers: {
        "Content-Type": "application/json",
        "X-Shopify-Hmac-Sha256": "bm90LXRoZS1zaWduYXR1cmU=",
        "X-Shopify-Shop-Domain": "acme.myshopify.com",
        "X-Shopify-Topic": "orders/create",
        "X-Shopify-Webhook-Id": "edge-body-1",
        "X-Shopify-API-Version": "2025-10",
      },
    });
    expect(answer.status).toBe(401);
  });

  it("hands a body within the limit to the route, declared or chunked", async () => {
    for (const chunked of [false, true]) {
      const answer = await post("/auth/login", Buffer.from(`shop=not!a!shop-${String(chunked)}`), { chunked });
      expect(answer.status).toBe(200);
    }
    const claims = await sql<{ claimed: string }>(
      db.url,
      `SELECT detail->>'claimedShop' AS claimed FROM "AuditLog" WHERE event = 'login_attempt' ORDER BY id`,
    );
    expect(claims.map((row) => row.claimed)).toEqual(["not!a!shop-false", "not!a!shop-true"]);
  });
});
