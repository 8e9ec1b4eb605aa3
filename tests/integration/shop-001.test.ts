/**
 * SHOP-001 end to end: the real app (Remix build + Express + worker) against real PostgreSQL and the
 * local Shopify stand-in. Every security bullet has a failing case.
 */
import { createHmac } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, sql } from "../support/db";
import { waitFor } from "../support/wait";
import { signQuery, toStandInUrl } from "../mocks/shopify";
import { BROWSER_HEADERS, DEMO_SHOP, embeddedAppUrl, startStack, type Stack } from "../demo/stack";

const OTHER_SHOP = "second-test-shop.myshopify.com";
let db: Awaited<ReturnType<typeof createTestDatabase>>;
let stack: Stack;

const auditRows = (event: string) =>
  sql<{ event: string; outcome: string; shopDomain: string | null; detail: Record<string, unknown> }>(
    db.url,
    `SELECT * FROM "AuditLog" WHERE event = $1 ORDER BY id`,
    [event],
  );

beforeAll(async () => {
  db = await createTestDatabase();
  stack = await startStack({ extraShops: [OTHER_SHOP] });
  await stack.install(DEMO_SHOP);
});

afterAll(async () => {
  await stack?.close();
  await db?.drop();
});

describe("install (managed install + token exchange)", () => {
  it("stores the offline token encrypted: the raw column never holds the plaintext", async () => {
    const rows = await sql<{ accessToken: string; shop: string }>(db.url, `SELECT shop, "accessToken" FROM "Session"`);
    expect(rows.map((row) => row.shop)).toEqual([DEMO_SHOP]);
    const plaintext = stack.standIn.store(DEMO_SHOP).accessTokens()[0];
    expect(plaintext).toMatch(/^shpat_/);
    for (const row of rows) {
      expect(row.accessToken).toMatch(/^enc:v1:/);
      expect(row.accessToken).not.toContain(plaintext);
    }
  });

  it("records the install in the audit log without any token", async () => {
    const installs = await auditRows("install");
    expect(installs).toHaveLength(1);
    expect(installs[0]?.shopDomain).toBe(DEMO_SHOP);
    const everything = JSON.stringify(await sql(db.url, `SELECT * FROM "AuditLog"`));
    expect(everything).not.toMatch(/shpat_|shpua_/);
  });

  it("fetches the shop's details through the Admin API in a background job", async () => {
    const [shop] = await waitFor(async () => {
      const rows = await sql<{ name: string | null; currencyCode: string; ianaTimezone: string; countryCode: string; planName: string }>(
        db.url,
        `SELECT * FROM "Shop" WHERE domain = $1 AND "shopInfoSyncedAt" IS NOT NULL`,
        [DEMO_SHOP],
      );
      return rows.length ? rows : undefined;
    }, "shop details");
    const expected = stack.standIn.store(DEMO_SHOP).info();
    expect(shop).toMatchObject({ name: expected.name, currencyCode: "GBP", ianaTimezone: "Europe/London", countryCode: "GB" });
  });

  it("serves the embedded app with the CSP frame-ancestors Shopify requires", async () => {
    const response = await fetch(embeddedAppUrl(stack.appUrl, DEMO_SHOP, stack.standIn.mintIdToken(DEMO_SHOP)), {
      headers: BROWSER_HEADERS,
    });
    expect(response.status).toBe(200);
    // The tunnel adds the stand-in admin's origin; the app's own policy names the shop and the admin.
    const csp = response.headers.get("content-security-policy") ?? "";
    expect(csp).toContain(`frame-ancestors https://${DEMO_SHOP} https://admin.shopify.com`);
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
  });

  it("refuses a session token signed with the wrong secret, and writes no session", async () => {
    const forged = stack.standIn.mintIdToken(OTHER_SHOP, { secret: "not-the-app-secret" });
    const response = await fetch(embeddedAppUrl(stack.appUrl, OTHER_SHOP, forged), { redirect: "manual", headers: BROWSER_HEADERS });
    expect(response.status).toBeGreaterThanOrEqual(300);
    expect(response.status).not.toBe(200);
    expect(await sql(db.url, `SELECT 1 FROM "Session" WHERE shop = $1`, [OTHER_SHOP])).toHaveLength(0);
  });
});

describe("authorization-code grant", () => {
  it("completes OAuth for a shop that starts at /auth/login, with state and HMAC checked", async () => {
    // Like a browser: begin at /auth, follow Shopify's authorize redirect, come back to the callback with the state cookie.
    const begin = await fetch(`${stack.appUrl}/auth?shop=${OTHER_SHOP}`, { redirect: "manual", headers: BROWSER_HEADERS });
    expect(begin.status).toBe(302);
    const cookies = begin.headers
      .getSetCookie()
      .map((cookie) => cookie.split(";")[0])
      .join("; ");
    const authorizeUrl = begin.headers.get("location") ?? "";
    expect(authorizeUrl).toMatch(new RegExp(`^https://${OTHER_SHOP}/admin/oauth/authorize`));
    const authorize = await fetch(toStandInUrl(stack.standIn.url, authorizeUrl), { redirect: "manual" });
    expect(authorize.status).toBe(302);
    const callbackUrl = authorize.headers.get("location") ?? "";
    const callback = await fetch(callbackUrl, { redirect: "manual", headers: { ...BROWSER_HEADERS, Cookie: cookies } });
    expect(callback.status).toBeLessThan(400);
    await waitFor(async () => (await sql(db.url, `SELECT 1 FROM "Session" WHERE shop = $1`, [OTHER_SHOP])).length > 0, "OAuth session");
    expect((await auditRows("install")).map((row) => row.shopDomain)).toContain(OTHER_SHOP);
  });

  async function beginOAuth(ip: string) {
    const begin = await fetch(`${stack.appUrl}/auth?shop=${OTHER_SHOP}`, {
      redirect: "manual",
      headers: { ...BROWSER_HEADERS, "X-Forwarded-For": ip },
    });
    const cookies = begin.headers
      .getSetCookie()
      .map((cookie) => cookie.split(";")[0])
      .join("; ");
    const authorize = await fetch(toStandInUrl(stack.standIn.url, begin.headers.get("location") ?? ""), { redirect: "manual" });
    return { cookies, callback: new URL(authorize.headers.get("location") ?? "") };
  }

  it("answers a callback with a bad HMAC with 400, writing only an audit entry", async () => {
    const before = await sql(db.url, `SELECT id, "accessToken" FROM "Session" ORDER BY id`);
    const { cookies, callback } = await beginOAuth("192.0.2.50");
    callback.searchParams.set("hmac", createHmac("sha256", "wrong-secret").update("x").digest("hex"));
    const response = await fetch(callback, {
      redirect: "manual",
      headers: { ...BROWSER_HEADERS, Cookie: cookies, "X-Forwarded-For": "192.0.2.50" },
    });
    expect(response.status).toBe(400);
    expect(await sql(db.url, `SELECT id, "accessToken" FROM "Session" ORDER BY id`)).toEqual(before);
    expect((await auditRows("oauth_failed")).at(-1)).toMatchObject({ outcome: "failure", detail: { status: 400, path: "/auth/callback" } });
  });

  it("answers a callback whose state does not match the browser's with 400", async () => {
    const before = await sql(db.url, `SELECT id, "accessToken" FROM "Session" ORDER BY id`);
    const { cookies, callback } = await beginOAuth("192.0.2.51");
    const params: Record<string, string> = Object.fromEntries(callback.searchParams);
    delete params.hmac;
    params.state = "a-state-this-browser-never-got";
    const forged = new URL(callback.toString());
    forged.search = new URLSearchParams({ ...params, hmac: signQuery(stack.standIn.app.apiSecret, params) }).toString();
    const response = await fetch(forged, {
      redirect: "manual",
      headers: { ...BROWSER_HEADERS, Cookie: cookies, "X-Forwarded-For": "192.0.2.51" },
    });
    expect(response.status).toBe(400);
    expect(await sql(db.url, `SELECT id, "accessToken" FROM "Session" ORDER BY id`)).toEqual(before);
  });

  it("limits authentication attempts to 10 per IP per hour: the 11th gets 429 with Retry-After", async () => {
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 11; i++) {
      const response = await fetch(`${stack.appUrl}/auth/login`, {
        method: "POST",
        redirect: "manual",
        headers: { ...BROWSER_HEADERS, "Content-Type": "application/x-www-form-urlencoded", "X-Forwarded-For": "198.51.100.77" },
        body: "shop=not-a-shop",
      });
      statuses.push(response.status);
      retryAfter = response.headers.get("retry-after");
    }
    expect(statuses.slice(0, 10).every((status) => status !== 429)).toBe(true);
    expect(statuses[10]).toBe(429);
    expect(Number(retryAfter)).toBeGreaterThan(3000);
    // another IP is still welcome
    const other = await fetch(`${stack.appUrl}/auth/login`, {
      method: "POST",
      redirect: "manual",
      headers: { ...BROWSER_HEADERS, "Content-Type": "application/x-www-form-urlencoded", "X-Forwarded-For": "198.51.100.78" },
      body: "shop=not-a-shop",
    });
    expect(other.status).not.toBe(429);
    expect((await auditRows("rate_limited")).length).toBeGreaterThanOrEqual(1);
  });
});

describe("webhooks", () => {
  it("answers a bad HMAC with 401 and stores nothing but an audit entry", async () => {
    const shopsBefore = await sql(db.url, `SELECT * FROM "Shop" ORDER BY domain`);
    const result = await stack.standIn.deliverWebhook(
      DEMO_SHOP,
      "app/uninstalled",
      { id: 1, myshopify_domain: DEMO_SHOP },
      { secret: "wrong-secret" },
    );
    expect(result.status).toBe(401);
    expect(await sql(db.url, `SELECT * FROM "Shop" ORDER BY domain`)).toEqual(shopsBefore);
    expect(await sql(db.url, `SELECT 1 FROM "Session" WHERE shop = $1`, [DEMO_SHOP])).toHaveLength(1);
    expect((await auditRows("webhook_rejected")).at(-1)?.detail).toMatchObject({ status: 401 });
  });

  it("answers a malformed payload with 400 and changes nothing", async () => {
    const result = await stack.standIn.deliverWebhook(DEMO_SHOP, "app/scopes_update", { current: "not-an-array" });
    expect(result.status).toBe(400);
    const [shop] = await sql<{ scopes: string }>(db.url, `SELECT scopes FROM "Shop" WHERE domain = $1`, [DEMO_SHOP]);
    expect(shop?.scopes).toContain("read_products");
  });

  it("store-sync topics: a bad HMAC gets 401 and a malformed order 400, and neither stores an event", async () => {
    const events = () => sql(db.url, `SELECT 1 FROM "WebhookEvent" WHERE topic = 'orders/create'`);
    const before = (await events()).length;
    const forged = await stack.standIn.deliverWebhook(DEMO_SHOP, "orders/create", { id: 1, name: "#1" }, { secret: "wrong-secret" });
    expect(forged.status).toBe(401);
    const malformed = await stack.standIn.deliverWebhook(DEMO_SHOP, "orders/create", { id: "not-a-number", line_items: "none" });
    expect(malformed.status).toBe(400);
    expect(await events()).toHaveLength(before);
  });

  it("records scope changes", async () => {
    const current = ["read_products", "read_inventory"];
    const result = await stack.standIn.deliverWebhook(DEMO_SHOP, "app/scopes_update", { id: 1, previous: ["read_products"], current });
    expect(result.status).toBe(200);
    const [shop] = await sql<{ scopes: string }>(db.url, `SELECT scopes FROM "Shop" WHERE domain = $1`, [DEMO_SHOP]);
    expect(shop?.scopes).toBe(current.join(","));
    expect((await auditRows("scopes_update")).length).toBe(1);
  });
});

describe("logins", () => {
  it("records a new token for an installed shop as a login, not an install", async () => {
    await sql(db.url, `DELETE FROM "Session" WHERE shop = $1`, [DEMO_SHOP]);
    const response = await fetch(embeddedAppUrl(stack.appUrl, DEMO_SHOP, stack.standIn.mintIdToken(DEMO_SHOP)), {
      headers: BROWSER_HEADERS,
    });
    expect(response.status).toBe(200);
    expect((await auditRows("login")).map((row) => row.shopDomain)).toContain(DEMO_SHOP);
    expect((await auditRows("install")).filter((row) => row.shopDomain === DEMO_SHOP)).toHaveLength(1);
  });
});

describe("tenant isolation", () => {
  it("a session token of shop A cannot open shop B", async () => {
    const tokenForA = stack.standIn.mintIdToken(DEMO_SHOP);
    const response = await fetch(embeddedAppUrl(stack.appUrl, OTHER_SHOP, tokenForA), { redirect: "manual", headers: BROWSER_HEADERS });
    const body = await response.text();
    const [b] = await sql<{ name: string | null }>(db.url, `SELECT name FROM "Shop" WHERE domain = $1`, [OTHER_SHOP]);
    if (response.status === 200) {
      // The library trusts the token's shop, never the query string: the page is A's.
      expect(body).not.toContain(OTHER_SHOP);
      if (b?.name) expect(body).not.toContain(b.name);
    } else {
      expect(response.status).toBeGreaterThanOrEqual(300);
    }
  });
});

describe("privacy", () => {
  it("handles customers/data_request and customers/redact truthfully: no customer data is held", async () => {
    const customer = stack.standIn.store(DEMO_SHOP).sampleCustomer();
    const request = await stack.standIn.requestCustomerData(DEMO_SHOP, customer);
    expect(request.status).toBe(200);
    const redact = await stack.standIn.redactCustomer(DEMO_SHOP, customer);
    expect(redact.status).toBe(200);
    expect((await auditRows("customer_data_request"))[0]?.detail).toMatchObject({ customerDataHeld: false });
    // Scan every row of every table in the database for the customer's personal data.
    const tables = await sql<{ table_name: string }>(
      db.url,
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`,
    );
    for (const { table_name } of tables) {
      const dump = JSON.stringify(await sql(db.url, `SELECT * FROM "${table_name}"`));
      for (const value of [customer.email, customer.phone, customer.firstName, customer.lastName].filter(Boolean)) {
        expect(dump, `${table_name} holds ${value}`).not.toContain(String(value));
      }
    }
  });

  it("app/uninstalled deletes the sessions and marks the shop uninstalled", async () => {
    const result = await stack.standIn.uninstallApp(OTHER_SHOP);
    expect(result.status).toBe(200);
    expect(await sql(db.url, `SELECT 1 FROM "Session" WHERE shop = $1`, [OTHER_SHOP])).toHaveLength(0);
    const [shop] = await sql<{ installState: string; uninstalledAt: Date | null }>(
      db.url,
      `SELECT "installState", "uninstalledAt" FROM "Shop" WHERE domain = $1`,
      [OTHER_SHOP],
    );
    expect(shop?.installState).toBe("UNINSTALLED");
    expect(shop?.uninstalledAt).not.toBeNull();
    expect((await auditRows("uninstall")).map((row) => row.shopDomain)).toEqual([OTHER_SHOP]);
    // a duplicate delivery is harmless
    expect((await stack.standIn.uninstallApp(OTHER_SHOP)).status).toBe(200);
  });

  it("a re-install is recorded as one (its sync starts afresh), and a new uninstall as another", async () => {
    await stack.install(OTHER_SHOP);
    await waitFor(async () => (await auditRows("reinstall")).length > 0, "the re-install");
    expect((await auditRows("reinstall")).map((row) => row.shopDomain)).toEqual([OTHER_SHOP]);
    const [shop] = await sql<{ installState: string; uninstalledAt: Date | null }>(
      db.url,
      `SELECT "installState", "uninstalledAt" FROM "Shop" WHERE domain = $1`,
      [OTHER_SHOP],
    );
    expect(shop).toEqual({ installState: "INSTALLED", uninstalledAt: null });
    // shop/redact (next) comes 48 hours after an uninstall.
    const uninstalls = (await auditRows("uninstall")).length;
    expect((await stack.standIn.uninstallApp(OTHER_SHOP)).status).toBe(200);
    expect((await auditRows("uninstall")).slice(uninstalls).map((row) => row.shopDomain)).toEqual([OTHER_SHOP]);
  });

  it("shop/redact answers at once and its job deletes every row of that shop and none of another", async () => {
    const [other] = await sql<{ id: string }>(db.url, `SELECT id FROM "Shop" WHERE domain = $1`, [OTHER_SHOP]);
    const result = await stack.standIn.redactShop(OTHER_SHOP);
    expect(result.status).toBe(200);
    expect((await auditRows("shop_redact_request")).map((row) => row.shopDomain)).toEqual([OTHER_SHOP]);
    // The erasure waits for the shop's writes in flight (its re-install's sync, billing, forecasts): on a loaded
    // machine that takes more than the default 20 s.
    await waitFor(async () => (await auditRows("shop_redacted")).length > 0, "the shop.erase job", 90_000);
    expect((await auditRows("shop_redacted"))[0]).toMatchObject({ shopDomain: OTHER_SHOP, detail: { result: "erased" } });
    const keyed = await sql<{ table_name: string }>(
      db.url,
      `SELECT table_name FROM information_schema.columns WHERE table_schema = 'public' AND column_name = 'shopId'`,
    );
    expect(keyed.length).toBeGreaterThan(10);
    for (const { table_name } of keyed) {
      expect(await sql(db.url, `SELECT 1 FROM "${table_name}" WHERE "shopId" = $1`, [other!.id]), `${table_name}`).toHaveLength(0);
    }
    const columns = await sql<{ table_name: string; column_name: string }>(
      db.url,
      `SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public' AND column_name IN ('shop', 'domain', 'shopDomain')`,
    );
    for (const { table_name, column_name } of columns) {
      if (table_name === "AuditLog") continue; // the erasure itself is audited, without personal data
      expect(await sql(db.url, `SELECT 1 FROM "${table_name}" WHERE "${column_name}" = $1`, [OTHER_SHOP]), `${table_name}`).toHaveLength(0);
    }
    expect(await sql(db.url, `SELECT 1 FROM "Shop" WHERE domain = $1`, [DEMO_SHOP])).toHaveLength(1);
  }, 150_000);
});
