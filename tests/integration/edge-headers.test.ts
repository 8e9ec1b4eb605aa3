/**
 * Issue 16 item 8 (decision 0049): who may frame Fluxor's pages, and the OAuth state cookie. Pages outside the admin
 * (`/`, `/auth/login`) may not be framed at all; an embedded page names the shop whose session token was verified,
 * never `?shop=`; the library's App Bridge pages echo `?shop=` only when it is a myshopify domain; every cookie is
 * HttpOnly. Through the real app (Express + the Remix build) over HTTP.
 */
import { randomBytes } from "node:crypto";
import { Session } from "@shopify/shopify-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningFluxor } from "../../app/server/fluxor.server";
import { createTestDatabase, sql } from "../support/db";
import { seedShop } from "../support/forecast-seed";
import { sessionToken } from "../support/session-token";

process.env.SHOPIFY_API_KEY = "fluxor-test-key";
process.env.SHOPIFY_API_SECRET = "fluxor-test-secret-" + randomBytes(6).toString("hex");
process.env.SHOPIFY_APP_URL = "https://fluxor.test";
process.env.SCOPES = "read_products";
process.env.FLUXOR_ENCRYPTION_KEYS = `t1:${randomBytes(32).toString("base64")}`;

const SHOP = "edge-frame.myshopify.com";
const OTHER = "someone-else.myshopify.com";
const BROWSER = { "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36" };

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let fluxor: RunningFluxor;

beforeAll(async () => {
  db = await createTestDatabase();
  await seedShop(db.url, { domain: SHOP, products: 2, variantsPerProduct: 1, days: 30 });
  await sql(db.url, `UPDATE "Shop" SET scopes = $1`, [process.env.SCOPES]);
  const shopify = (await import("../../app/shopify.server")).default;
  await shopify.sessionStorage.storeSession(
    new Session({ id: `offline_${SHOP}`, shop: SHOP, state: "", isOnline: false, scope: process.env.SCOPES, accessToken: "shpat_edge" }),
  );
  const { startFluxor } = await import("../../app/server/fluxor.server");
  fluxor = await startFluxor({ port: 0, log: () => {} });
});
afterAll(async () => {
  await fluxor?.close();
  await db?.drop();
});

const get = (path: string) => fetch(new URL(path, fluxor.url), { redirect: "manual", headers: BROWSER });

/** The admin's iframe URL for `appPath`, with a session token for `tokenShop` and `?shop=` saying `claimedShop`. */
function embedded(appPath: string, tokenShop: string, claimedShop: string = tokenShop): string {
  const query = new URLSearchParams({
    embedded: "1",
    host: Buffer.from(`admin.shopify.com/store/${claimedShop.replace(/\.myshopify\.com$/, "")}`).toString("base64url"),
    id_token: sessionToken(tokenShop),
    locale: "en",
    shop: claimedShop,
  });
  return `${appPath}?${query.toString()}`;
}

describe("pages outside the admin cannot be framed", () => {
  it.each([
    ["/", 200],
    ["/auth/login", 200],
    ["/no-such-page", 404],
  ])("%s: frame-ancestors 'none' and X-Frame-Options DENY", async (path, status) => {
    const response = await get(path);
    expect(response.status).toBe(status);
    expect(response.headers.get("content-type")).toMatch(/text\/html/);
    expect(response.headers.get("content-security-policy")).toBe("frame-ancestors 'none';");
    expect(response.headers.get("x-frame-options")).toBe("DENY");
  });
});

describe("embedded pages name the verified shop", () => {
  it("lets the admin and the session token's shop frame the page, without X-Frame-Options", async () => {
    const response = await get(embedded("/app/sync", SHOP));
    expect(response.status).toBe(200);
    expect(response.headers.get("content-security-policy")).toBe(`frame-ancestors https://${SHOP} https://admin.shopify.com;`);
    expect(response.headers.get("x-frame-options")).toBeNull();
  });

  it("names the token's shop, not the one ?shop= claims", async () => {
    const response = await get(embedded("/app/sync", SHOP, OTHER));
    expect(response.status).toBe(200);
    const csp = response.headers.get("content-security-policy") ?? "";
    expect(csp).toBe(`frame-ancestors https://${SHOP} https://admin.shopify.com;`);
    expect(csp).not.toContain(OTHER);
  });
});

describe("the library's App Bridge pages", () => {
  it("name ?shop= only when it is a myshopify domain, and no development hosts", async () => {
    const valid = await get(`/auth/session-token?shop=${SHOP}&shopify-reload=${encodeURIComponent("/app")}`);
    expect(valid.status).toBe(200);
    expect(valid.headers.get("content-security-policy")).toBe(`frame-ancestors https://${SHOP} https://admin.shopify.com;`);
    // The library accepts any *.shopify.com, *.myshopify.io or *.shop.dev host as a shop and would echo it.
    for (const claimed of ["evil.shopify.com", "evil.shop.dev"]) {
      const response = await get(`/auth/session-token?shop=${claimed}&shopify-reload=${encodeURIComponent("/app")}`);
      expect(response.status).toBe(200);
      expect(response.headers.get("content-security-policy")).toBe("frame-ancestors https://admin.shopify.com;");
    }
  });
});

describe("cookies", () => {
  it("sends the OAuth state cookie and its signature HttpOnly", async () => {
    const response = await get(`/auth?shop=${SHOP}`);
    expect(response.status).toBe(302);
    const cookies = response.headers.getSetCookie();
    expect(cookies.map((cookie) => cookie.split("=")[0]).sort()).toEqual(["shopify_app_state", "shopify_app_state.sig"]);
    for (const cookie of cookies) {
      expect(cookie).toMatch(/;\s*HttpOnly(;|$)/i);
      expect(cookie).toMatch(/;\s*secure/i);
      expect(cookie).toMatch(/;\s*sameSite=lax/i);
    }
  });
});
