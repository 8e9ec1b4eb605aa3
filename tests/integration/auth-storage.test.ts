/** Token encryption at rest, key rotation, and the Postgres rate limiter, against real PostgreSQL. */
import { randomBytes } from "node:crypto";
import type { PrismaClient } from "@prisma/client";
import { Session } from "@shopify/shopify-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, sql } from "../support/db";

const k1 = `k1:${randomBytes(32).toString("base64")}`;
const k2 = `k2:${randomBytes(32).toString("base64")}`;
process.env.FLUXOR_ENCRYPTION_KEYS = k1;

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let prisma: PrismaClient;

beforeAll(async () => {
  db = await createTestDatabase();
  prisma = (await import("../../app/db/prisma.server")).prisma();
});
afterAll(async () => {
  await prisma.$disconnect();
  await db.drop();
});

async function storage() {
  const { EncryptedSessionStorage } = await import("../../app/auth/encrypted-session-storage.server");
  const { PrismaSessionStorage } = await import("@shopify/shopify-app-session-storage-prisma");
  const { keyRingFromEnv } = await import("../../app/auth/token-cipher.server");
  return new EncryptedSessionStorage(new PrismaSessionStorage(prisma), keyRingFromEnv);
}

describe("access tokens at rest", () => {
  it("stores only ciphertext in Session.accessToken and loads the plaintext back", async () => {
    const store = await storage();
    const session = new Session({
      id: "offline_a.myshopify.com",
      shop: "a.myshopify.com",
      state: "s",
      isOnline: false,
      scope: "read_products",
      accessToken: "shpat_plaintext_A",
    });
    expect(await store.storeSession(session)).toBe(true);
    const rows = await sql<{ accessToken: string }>(db.url, `SELECT "accessToken" FROM "Session"`);
    expect(rows).toHaveLength(1);
    expect(rows[0]?.accessToken).toMatch(/^enc:v1:k1:/);
    expect(rows[0]?.accessToken).not.toContain("shpat_plaintext_A");
    expect((await store.loadSession(session.id))?.accessToken).toBe("shpat_plaintext_A");
    expect((await store.findSessionsByShop("a.myshopify.com"))[0]?.accessToken).toBe("shpat_plaintext_A");
  });

  it("re-encrypts every token with the new key after a rotation, and is a no-op the second time", async () => {
    process.env.FLUXOR_ENCRYPTION_KEYS = `${k2},${k1}`;
    const { reencryptSessions } = await import("../../app/auth/reencrypt.server");
    const { keyRingFromEnv } = await import("../../app/auth/token-cipher.server");
    expect(await reencryptSessions(prisma, keyRingFromEnv())).toEqual({ examined: 1, reencrypted: 1 });
    expect(await reencryptSessions(prisma, keyRingFromEnv())).toEqual({ examined: 1, reencrypted: 0 });
    const rows = await sql<{ accessToken: string }>(db.url, `SELECT "accessToken" FROM "Session"`);
    expect(rows[0]?.accessToken).toMatch(/^enc:v1:k2:/);
    process.env.FLUXOR_ENCRYPTION_KEYS = k2; // the old key can now be dropped
    expect((await (await storage()).loadSession("offline_a.myshopify.com"))?.accessToken).toBe("shpat_plaintext_A");
  });

  it("re-encrypts a signal source's API key too", async () => {
    const { encrypt, decrypt, keyRingFromEnv } = await import("../../app/auth/token-cipher.server");
    const { reencryptSignalKeys } = await import("../../app/auth/reencrypt.server");
    process.env.FLUXOR_ENCRYPTION_KEYS = k1;
    const [shop] = await sql<{ id: string }>(
      db.url,
      `INSERT INTO "Shop" (id, domain, "updatedAt", name) VALUES (gen_random_uuid(), 'keys.myshopify.com', now(), 'k') RETURNING id`,
    );
    await sql(
      db.url,
      `INSERT INTO "SignalSourceSetting" ("shopId", source, enabled, "apiKeyCiphertext", "apiKeyHint") VALUES ($1, 'indicators', true, $2, 'ij12')`,
      [shop!.id, encrypt("abcdefghij0123456789abcdefghij12", keyRingFromEnv())],
    );
    process.env.FLUXOR_ENCRYPTION_KEYS = `${k2},${k1}`;
    expect(await reencryptSignalKeys(prisma, keyRingFromEnv())).toEqual({ examined: 1, reencrypted: 1 });
    expect(await reencryptSignalKeys(prisma, keyRingFromEnv())).toEqual({ examined: 1, reencrypted: 0 });
    const [row] = await sql<{ apiKeyCiphertext: string }>(db.url, `SELECT "apiKeyCiphertext" FROM "SignalSourceSetting"`);
    expect(row?.apiKeyCiphertext).toMatch(/^enc:v1:k2:/);
    process.env.FLUXOR_ENCRYPTION_KEYS = k2;
    expect(decrypt(row!.apiKeyCiphertext, keyRingFromEnv())).toBe("abcdefghij0123456789abcdefghij12");
  });
});

describe("rate limiter", () => {
  it("allows 10 attempts per key per hour and refuses the 11th with a Retry-After", async () => {
    const { hit, AUTH_ATTEMPTS } = await import("../../app/auth/rate-limit.server");
    const start = new Date("2026-01-01T10:00:00Z");
    for (let i = 0; i < 10; i++) {
      const decision = await hit("auth:ip:203.0.113.9", AUTH_ATTEMPTS, new Date(start.getTime() + i * 60_000));
      expect(decision.allowed).toBe(true);
    }
    const eleventh = await hit("auth:ip:203.0.113.9", AUTH_ATTEMPTS, new Date(start.getTime() + 10 * 60_000));
    expect(eleventh).toEqual({ allowed: false, retryAfterSeconds: 50 * 60 });
    // another IP is unaffected
    expect((await hit("auth:ip:203.0.113.10", AUTH_ATTEMPTS, start)).allowed).toBe(true);
    // once the first hit leaves the window, one more attempt is allowed
    expect((await hit("auth:ip:203.0.113.9", AUTH_ATTEMPTS, new Date(start.getTime() + 3600_000 + 1))).allowed).toBe(true);
  });

  it("counts concurrent attempts exactly", async () => {
    const { hit } = await import("../../app/auth/rate-limit.server");
    const now = new Date();
    const decisions = await Promise.all(
      Array.from({ length: 25 }, () => hit("auth:ip:198.51.100.1", { limit: 10, windowSeconds: 3600 }, now)),
    );
    expect(decisions.filter((d) => d.allowed)).toHaveLength(10);
  });
});
