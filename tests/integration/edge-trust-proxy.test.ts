/**
 * Issue 16 item 10 (decision 0049): which X-Forwarded-For picks the client IP, and so the rate-limit bucket and the
 * audit log's address. By default no proxy is trusted: a client cannot choose its bucket. Configured with the load
 * balancer's address or the number of proxies, the IP the proxy appended is taken and a forged leftmost entry is not.
 * Through the real app (Express + the Remix build) over HTTP; the app's proxy is this test, on 127.0.0.1.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, sql } from "../support/db";

process.env.SHOPIFY_API_KEY = "fluxor-test-key";
process.env.SHOPIFY_API_SECRET = "fluxor-test-secret-" + randomBytes(6).toString("hex");
process.env.SHOPIFY_APP_URL = "https://fluxor.test";
process.env.SCOPES = "read_products";
process.env.FLUXOR_ENCRYPTION_KEYS = `t1:${randomBytes(32).toString("base64")}`;
delete process.env.TRUST_PROXY;

const BROWSER = { "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36" };

let db: Awaited<ReturnType<typeof createTestDatabase>>;

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.drop();
});

/**
 * Starts Fluxor with `trustProxy` (undefined: TRUST_PROXY unset), posts the login form with `forwardedFor`, and
 * returns the address the audit entry and the rate-limit bucket got, and what Fluxor logged.
 */
async function clientIpSeen(
  trustProxy: string | undefined,
  forwardedFor: string,
): Promise<{ audited: string; bucket: string; log: string[] }> {
  const log: string[] = [];
  const { startFluxor } = await import("../../app/server/fluxor.server");
  const fluxor = await startFluxor({ port: 0, trustProxy, log: (line) => log.push(line) });
  try {
    await sql(db.url, `DELETE FROM "AuditLog"; DELETE FROM "RateLimitBucket"`);
    const response = await fetch(new URL("/auth/login", fluxor.url), {
      method: "POST",
      body: "shop=not!a!shop",
      headers: { ...BROWSER, "Content-Type": "application/x-www-form-urlencoded", "X-Forwarded-For": forwardedFor },
    });
    expect(response.status).toBe(200);
    const [audited] = await sql<{ ip: string }>(db.url, `SELECT ip FROM "AuditLog" WHERE event = 'login_attempt'`);
    const buckets = await sql<{ key: string }>(db.url, `SELECT key FROM "RateLimitBucket"`);
    expect(buckets).toHaveLength(1);
    return { audited: audited?.ip ?? "", bucket: buckets[0]?.key ?? "", log };
  } finally {
    await fluxor.close();
  }
}

describe("the client IP behind proxies", () => {
  it("ignores X-Forwarded-For by default, even from loopback, and says so once", async () => {
    const seen = await clientIpSeen(undefined, "203.0.113.9");
    expect(seen.audited).toBe("127.0.0.1");
    expect(seen.bucket).toBe("auth:ip:127.0.0.1");
    expect(seen.log.filter((line) => line.includes("TRUST_PROXY is not set"))).toHaveLength(1);
  });

  it("ignores it when told to trust no proxy, without the warning", async () => {
    const seen = await clientIpSeen("false", "203.0.113.9");
    expect(seen.bucket).toBe("auth:ip:127.0.0.1");
    expect(seen.log.filter((line) => line.includes("TRUST_PROXY"))).toEqual([]);
  });

  it("with the load balancer's address, takes the address it appended, not a forged leftmost entry", async () => {
    const seen = await clientIpSeen("127.0.0.1", "6.6.6.6, 203.0.113.10");
    expect(seen.audited).toBe("203.0.113.10");
    expect(seen.bucket).toBe("auth:ip:203.0.113.10");
  });

  it("with a hop count, takes the address the last proxy appended", async () => {
    const seen = await clientIpSeen("1", "6.6.6.6, 203.0.113.11");
    expect(seen.bucket).toBe("auth:ip:203.0.113.11");
  });

  it("with loopback (a proxy on this host, as the demo's tunnel), skips every loopback hop", async () => {
    const seen = await clientIpSeen("loopback", "6.6.6.6, 203.0.113.12, 127.0.0.1");
    expect(seen.bucket).toBe("auth:ip:203.0.113.12");
  });

  it("falls back to the connection's address when the trusted header holds no address", async () => {
    const seen = await clientIpSeen("127.0.0.1", "x".repeat(4096));
    expect(seen.audited).toBe("127.0.0.1");
    expect(seen.bucket).toBe("auth:ip:127.0.0.1");
  });

  it("refuses to start with TRUST_PROXY=true or a value that is not a setting", async () => {
    const { startFluxor } = await import("../../app/server/fluxor.server");
    await expect(startFluxor({ port: 0, trustProxy: "true", log: () => {} })).rejects.toThrow(/TRUST_PROXY=true/);
    await expect(startFluxor({ port: 0, trustProxy: "my-load-balancer", log: () => {} })).rejects.toThrow(/TRUST_PROXY/);
  });
});
