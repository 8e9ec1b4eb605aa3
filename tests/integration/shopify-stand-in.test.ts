/**
 * The local Shopify stand-in, exercised by the REAL @shopify/shopify-api: OAuth code grant, token
 * exchange, Admin GraphQL (cost, throttling, errors), webhooks, the admin shell, the tunnel and the
 * demo store. A tiny node:http "app" plays Fluxor's part (OAuth routes + webhook endpoints).
 */
import "@shopify/shopify-api/adapters/node";
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { Script } from "node:vm";
import { ApiVersion, AuthScopes, LogSeverity, RequestedTokenType, shopifyApi, type Session, type Shopify } from "@shopify/shopify-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  buildDemoStore,
  loadAppConfig,
  redirectShopifyFetch,
  startShopifyStandIn,
  startTunnel,
  toStandInUrl,
  type ShopifyStandIn,
} from "../mocks/shopify";

const SHOP = "hollow-oak-gifts.myshopify.com";
const OTHER_SHOP = "thistle-and-thread.myshopify.com";
/** A small store for bulk, mutation, webhook and simulator tests. */
const SMALL_SHOP = "little-acorn.myshopify.com";
const TODAY = "2026-03-15";
const BROWSER = { "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36" };
const SHOP_QUERY = `{ shop { name email myshopifyDomain currencyCode ianaTimezone timezoneAbbreviation contactEmail
  billingAddress { countryCodeV2 } plan { publicDisplayName partnerDevelopment shopifyPlus } } }`;

let standIn: ShopifyStandIn;
let shopify: Shopify;
let appServer: Server;
let appUrl: string;
let restoreFetch: () => void;
interface Received {
  topic: string;
  valid: boolean;
  webhookId?: string;
  status: number;
  payload: Record<string, unknown>;
  headers: Record<string, string>;
}
const webhookResults: Received[] = [];
/** topic → how many more deliveries the app answers with HTTP 500 (retry tests). */
const failTopics = new Map<string, number>();

async function readRaw(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** The app under test: OAuth begin/callback and webhook endpoints, all done by the real library. */
async function appHandler(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", appUrl);
  if (url.pathname === "/auth") {
    await shopify.auth.begin({
      shop: url.searchParams.get("shop") ?? "",
      callbackPath: "/auth/callback",
      isOnline: false,
      rawRequest: req,
      rawResponse: res,
    });
    return;
  }
  if (url.pathname === "/auth/callback") {
    const { session } = await shopify.auth.callback<Session>({ rawRequest: req, rawResponse: res });
    res.writeHead(200, { "Content-Type": "application/json" });
    res.end(JSON.stringify({ shop: session.shop, accessToken: session.accessToken, scope: session.scope }));
    return;
  }
  if (url.pathname.startsWith("/webhooks/")) {
    const rawBody = await readRaw(req);
    const check = await shopify.webhooks.validate({ rawBody, rawRequest: req, rawResponse: res });
    const topic = String(req.headers["x-shopify-topic"]);
    const failing = failTopics.get(topic) ?? 0;
    if (failing > 0) failTopics.set(topic, failing - 1);
    const status = !check.valid ? 401 : failing > 0 ? 500 : 200;
    let payload: Record<string, unknown> = {};
    try {
      payload = JSON.parse(rawBody) as Record<string, unknown>;
    } catch {
      payload = {};
    }
    webhookResults.push({
      topic,
      valid: check.valid,
      webhookId: check.valid ? check.webhookId : undefined,
      status,
      payload,
      headers: Object.fromEntries(Object.entries(req.headers).map(([key, value]) => [key, String(value)])),
    });
    res.writeHead(status);
    res.end();
    return;
  }
  res.writeHead(404);
  res.end();
}

beforeAll(async () => {
  appServer = createServer((req, res) => {
    appHandler(req, res).catch((error: unknown) => {
      res.writeHead(500, { "Content-Type": "text/plain" });
      res.end(String(error));
    });
  });
  await new Promise<void>((resolve) => appServer.listen(0, "127.0.0.1", resolve));
  appUrl = `http://127.0.0.1:${(appServer.address() as AddressInfo).port}`;
  const fluxor = loadAppConfig(path.resolve(import.meta.dirname, "../../shopify.app.toml"), {
    apiSecret: randomBytes(16).toString("hex"),
    appUrl,
  });
  // Fluxor asks for read scopes only (decision 0037); the stand-in's inventory mutations are checked with an
  // app that also has write_inventory.
  const app = { ...fluxor, scopes: [...fluxor.scopes, "write_inventory"] };
  standIn = await startShopifyStandIn({
    app,
    stores: [
      { domain: SHOP, seed: 42, today: TODAY },
      { domain: OTHER_SHOP, seed: 7, today: TODAY, scale: { products: 50 } },
      { domain: SMALL_SHOP, seed: 9, today: TODAY, scale: { products: 30, days: 40 } },
    ],
    bulkMinRunMs: 150,
  });
  restoreFetch = redirectShopifyFetch(standIn.url);
  shopify = shopifyApi({
    apiKey: app.apiKey,
    apiSecretKey: app.apiSecret,
    scopes: app.scopes,
    hostName: new URL(appUrl).host,
    hostScheme: "http",
    apiVersion: ApiVersion.October25,
    isEmbeddedApp: true,
    logger: { level: LogSeverity.Error },
  });
});

afterAll(async () => {
  restoreFetch?.();
  await standIn?.close();
  await new Promise<void>((resolve) => (appServer ? appServer.close(() => resolve()) : resolve()));
});

function cookiesFrom(response: Response): string {
  return response.headers
    .getSetCookie()
    .map((cookie) => cookie.split(";")[0])
    .join("; ");
}

async function installWithCodeGrant(shop: string): Promise<{ accessToken: string; scope: string }> {
  const begin = await fetch(`${appUrl}/auth?shop=${shop}`, { redirect: "manual", headers: BROWSER });
  expect(begin.status).toBe(302);
  const authorizeUrl = begin.headers.get("location") ?? "";
  expect(authorizeUrl).toMatch(new RegExp(`^https://${shop}/admin/oauth/authorize\\?`));
  const authorize = await fetch(toStandInUrl(standIn.url, authorizeUrl), { redirect: "manual", headers: BROWSER });
  expect(authorize.status).toBe(302);
  const callbackUrl = new URL(authorize.headers.get("location") ?? "");
  expect([...callbackUrl.searchParams.keys()].sort()).toEqual(["code", "hmac", "host", "shop", "state", "timestamp"]);
  const callback = await fetch(callbackUrl, { headers: { ...BROWSER, Cookie: cookiesFrom(begin) } });
  expect(callback.status).toBe(200);
  return (await callback.json()) as { accessToken: string; scope: string };
}

async function rawGraphql(shop: string, token: string, query: string, variables?: Record<string, unknown>) {
  const response = await fetch(`${standIn.url}/shops/${shop}/admin/api/2025-10/graphql.json`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-Shopify-Access-Token": token },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe("OAuth", () => {
  it("authorization-code grant end to end: begin → authorize → callback (library validates the HMAC) → token works", async () => {
    const { accessToken, scope } = await installWithCodeGrant(SHOP);
    expect(accessToken).toMatch(/^shpat_[0-9a-f]{32}$/);
    expect(new AuthScopes(scope).equals(standIn.app.scopes)).toBe(true);
    const session = shopify.session.customAppSession(SHOP);
    session.accessToken = accessToken;
    const client = new shopify.clients.Graphql({ session });
    const response = await client.request<{ shop: { name: string; currencyCode: string } }>(SHOP_QUERY);
    expect(response.data?.shop).toMatchObject({ name: "Hollow Oak Gifts", currencyCode: "GBP" });
  });

  it("authorization codes are one-time; bad client secret and bad codes get Shopify-like 400s", async () => {
    const url = `${standIn.url}/shops/${SHOP}/admin/oauth/access_token`;
    const post = (body: Record<string, string>) =>
      fetch(url, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
    const badSecret = await post({ client_id: standIn.app.apiKey, client_secret: "nope", code: "x" });
    expect(badSecret.status).toBe(400);
    expect(await badSecret.json()).toMatchObject({ error: "invalid_client" });
    const badCode = await post({ client_id: standIn.app.apiKey, client_secret: standIn.app.apiSecret, code: "not-a-code" });
    expect(badCode.status).toBe(400);
    expect(await badCode.json()).toMatchObject({
      error: "invalid_request",
      error_description: expect.stringMatching(/authorization code/),
    });
    // A redirect_uri outside the app is refused.
    const evil = await fetch(
      `${standIn.url}/shops/${SHOP}/admin/oauth/authorize?client_id=${standIn.app.apiKey}&scope=read_products&redirect_uri=${encodeURIComponent("https://evil.example/cb")}&state=s`,
      { redirect: "manual" },
    );
    expect(evil.status).toBe(400);
  });

  it("token exchange: the library accepts the minted id_token and gets offline and online tokens", async () => {
    const idToken = standIn.mintIdToken(SHOP);
    const payload = await shopify.session.decodeSessionToken(idToken);
    expect(payload).toMatchObject({ iss: `https://${SHOP}/admin`, dest: `https://${SHOP}`, aud: standIn.app.apiKey });
    const offline = await shopify.auth.tokenExchange({
      shop: SHOP,
      sessionToken: idToken,
      requestedTokenType: RequestedTokenType.OfflineAccessToken,
    });
    expect(offline.session.accessToken).toMatch(/^shpat_/);
    expect(offline.session.isOnline).toBe(false);
    const online = await shopify.auth.tokenExchange({
      shop: SHOP,
      sessionToken: idToken,
      requestedTokenType: RequestedTokenType.OnlineAccessToken,
    });
    expect(online.session.isOnline).toBe(true);
    expect(online.session.onlineAccessInfo?.associated_user.id).toBe(42);
    expect(online.session.expires?.getTime()).toBeGreaterThan(Date.now());
    // A token signed with another secret is refused by Shopify's endpoint too (library check bypassed).
    const forged = await fetch(`${standIn.url}/shops/${SHOP}/admin/oauth/access_token`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        client_id: standIn.app.apiKey,
        client_secret: standIn.app.apiSecret,
        grant_type: "urn:ietf:params:oauth:grant-type:token-exchange",
        subject_token: standIn.mintIdToken(SHOP, { secret: "wrong" }),
        subject_token_type: "urn:ietf:params:oauth:token-type:id_token",
        requested_token_type: "urn:shopify:params:oauth:token-type:offline-access-token",
      }),
    });
    expect(forged.status).toBe(400);
    expect(await forged.json()).toMatchObject({ error: "invalid_subject_token" });
  });
});

describe("Admin GraphQL", () => {
  let token: string;
  beforeAll(async () => {
    const { session } = await shopify.auth.tokenExchange({
      shop: SHOP,
      sessionToken: standIn.mintIdToken(SHOP),
      requestedTokenType: RequestedTokenType.OfflineAccessToken,
    });
    token = session.accessToken ?? "";
  });

  it("answers the shop query with Shopify's cost envelope", async () => {
    const { status, body } = await rawGraphql(SHOP, token, SHOP_QUERY);
    expect(status).toBe(200);
    expect(body.data).toEqual({
      shop: {
        name: "Hollow Oak Gifts",
        email: "hello@hollow-oak-gifts.co.uk",
        myshopifyDomain: SHOP,
        currencyCode: "GBP",
        ianaTimezone: "Europe/London",
        timezoneAbbreviation: expect.stringMatching(/^(GMT|BST)$/),
        contactEmail: "hello@hollow-oak-gifts.co.uk",
        billingAddress: { countryCodeV2: "GB" },
        plan: { publicDisplayName: "Basic", partnerDevelopment: false, shopifyPlus: false },
      },
    });
    expect(body.extensions).toEqual({
      cost: {
        requestedQueryCost: 3,
        actualQueryCost: 3,
        throttleStatus: { maximumAvailable: 1000, currentlyAvailable: expect.any(Number), restoreRate: 50 },
      },
    });
  });

  it("paginates locations with cursors and charges connections 2 + first × node", async () => {
    const query = `query($after: String) { locations(first: 2, after: $after) {
      edges { cursor node { id name isActive fulfillsOnlineOrders address { countryCode } } }
      pageInfo { hasNextPage endCursor } } }`;
    type Page = { locations: { edges: { node: { name: string; id: string } }[]; pageInfo: { hasNextPage: boolean; endCursor: string } } };
    const first = await rawGraphql(SHOP, token, query);
    const page1 = first.body.data as Page;
    expect(page1.locations.edges.map((e) => e.node.name)).toEqual(["Edinburgh Shop", "London Warehouse"]);
    expect(page1.locations.edges[0]?.node.id).toMatch(/^gid:\/\/shopify\/Location\/\d+$/);
    expect(page1.locations.pageInfo.hasNextPage).toBe(true);
    expect(first.body.extensions).toMatchObject({ cost: { requestedQueryCost: 2 + 2 * 2, actualQueryCost: 6 } });
    const second = await rawGraphql(SHOP, token, query, { after: page1.locations.pageInfo.endCursor });
    const page2 = second.body.data as Page;
    expect(page2.locations.edges.map((e) => e.node.name)).toEqual(["Manchester Shop"]);
    expect(page2.locations.pageInfo.hasNextPage).toBe(false);
    // Actual cost counts what came back (one node), requested what was asked for.
    expect(second.body.extensions).toMatchObject({ cost: { requestedQueryCost: 6, actualQueryCost: 4 } });
    const nodes = await rawGraphql(SHOP, token, "{ locations(first: 5) { nodes { name } } }");
    expect((nodes.body.data as { locations: { nodes: unknown[] } }).locations.nodes).toHaveLength(3);
  });

  it("returns graphql-js parse and validation errors with HTTP 200, and first/last errors", async () => {
    const unknown = await rawGraphql(SHOP, token, "{ shop { name fooBar } }");
    expect(unknown.status).toBe(200);
    expect(unknown.body).toEqual({
      errors: [{ message: 'Cannot query field "fooBar" on type "Shop".', locations: [{ line: 1, column: 15 }] }],
    });
    const syntax = await rawGraphql(SHOP, token, "{ shop { name ");
    expect(syntax.status).toBe(200);
    expect((syntax.body.errors as { message: string }[])[0]?.message).toMatch(/^Syntax Error/);
    const noFirst = await rawGraphql(SHOP, token, "{ locations { nodes { id } } }");
    expect((noFirst.body.errors as { message: string }[])[0]?.message).toBe("you must provide one of first or last");
  });

  it("THROTTLED (HTTP 200, no data, cost extension) when the bucket is drained, then recovers", async () => {
    const bucket = standIn.store(SHOP).bucket();
    bucket.drain();
    const throttled = await rawGraphql(SHOP, token, SHOP_QUERY);
    expect(throttled.status).toBe(200);
    expect(throttled.body.data).toBeUndefined();
    expect(throttled.body.errors).toEqual([
      { message: "Throttled", extensions: { code: "THROTTLED", documentation: "https://shopify.dev/api/usage/rate-limits" } },
    ]);
    expect(throttled.body.extensions).toMatchObject({
      cost: { requestedQueryCost: 3, actualQueryCost: null, throttleStatus: { maximumAvailable: 1000, restoreRate: 50 } },
    });
    // 50 points per second: 3 points are back after 60 ms.
    await new Promise((resolve) => setTimeout(resolve, 150));
    const recovered = await rawGraphql(SHOP, token, SHOP_QUERY);
    expect(recovered.body.errors).toBeUndefined();
    expect(recovered.body.data).toBeDefined();
  });

  it("answers 401 to a bad or foreign token, like Shopify", async () => {
    const bad = await rawGraphql(SHOP, "shpat_00000000000000000000000000000000", SHOP_QUERY);
    expect(bad.status).toBe(401);
    expect(bad.body).toEqual({ errors: "[API] Invalid API key or access token (unrecognized login or wrong password)" });
    const foreign = await rawGraphql(OTHER_SHOP, token, SHOP_QUERY);
    expect(foreign.status).toBe(401);
    const session = shopify.session.customAppSession(SHOP);
    session.accessToken = "shpat_bad";
    await expect(new shopify.clients.Graphql({ session }).request(SHOP_QUERY)).rejects.toMatchObject({ response: { code: 401 } });
  });
});

describe("webhooks", () => {
  it("signs deliveries so the library's webhooks.validate accepts them; tampered or forged ones fail", async () => {
    const ok = await standIn.deliverWebhook(SHOP, "app/scopes_update", { id: 1, previous: [], current: ["read_products"] }, { times: 2 });
    expect(ok.status).toBe(200);
    expect(ok.deliveries.map((d) => d.status)).toEqual([200, 200]);
    expect(ok.latencyMs).toBeGreaterThan(0);
    const lastTwo = webhookResults.slice(-2);
    expect(lastTwo.map((r) => r.webhookId)).toEqual([ok.webhookId, ok.webhookId]);
    const tampered = await standIn.deliverWebhook(SHOP, "app/scopes_update", { id: 1 }, { rawBody: JSON.stringify({ id: 2 }) });
    expect(tampered.status).toBe(401);
    const forged = await standIn.deliverWebhook(SHOP, "app/scopes_update", { id: 1 }, { secret: "not-the-secret" });
    expect(forged.status).toBe(401);
  });

  it("sends the compliance topics with valid signatures", async () => {
    for (const send of [() => standIn.requestCustomerData(SHOP), () => standIn.redactCustomer(SHOP), () => standIn.redactShop(SHOP)]) {
      expect((await send()).status).toBe(200);
    }
    expect(webhookResults.slice(-3)).toEqual([
      expect.objectContaining({ topic: "customers/data_request", valid: true }),
      expect.objectContaining({ topic: "customers/redact", valid: true }),
      expect.objectContaining({ topic: "shop/redact", valid: true }),
    ]);
  });

  it("uninstall revokes the shop's tokens (GraphQL 401) and sends app/uninstalled", async () => {
    const { accessToken } = await installWithCodeGrant(OTHER_SHOP);
    expect((await rawGraphql(OTHER_SHOP, accessToken, SHOP_QUERY)).status).toBe(200);
    const result = await standIn.uninstallApp(OTHER_SHOP);
    expect(result.status).toBe(200);
    expect(webhookResults.at(-1)).toMatchObject({ topic: "app/uninstalled", valid: true });
    expect((await rawGraphql(OTHER_SHOP, accessToken, SHOP_QUERY)).status).toBe(401);
    expect(standIn.store(OTHER_SHOP).accessTokens()).toEqual([]);
  });
});

describe("admin shell, App Bridge and tunnel", () => {
  it("embeds the app with params the library validates (hmac, host, id_token)", async () => {
    const html = await (await fetch(standIn.adminUrl(SHOP, "/app/settings", { locale: "fr" }))).text();
    expect(html).toContain("Hollow Oak Gifts");
    const src = /<iframe[^>]+src="([^"]+)"/.exec(html)?.[1]?.replace(/&#38;|&amp;/g, "&") ?? "";
    const iframe = new URL(src);
    expect(iframe.origin + iframe.pathname).toBe(`${appUrl}/app/settings`);
    const query = Object.fromEntries(iframe.searchParams);
    expect(Object.keys(query).sort()).toEqual(["embedded", "hmac", "host", "id_token", "locale", "session", "shop", "timestamp"]);
    expect(query.locale).toBe("fr");
    expect(await shopify.utils.validateHmac(query)).toBe(true);
    expect(Buffer.from(query.host ?? "", "base64url").toString()).toBe("admin.shopify.com/store/hollow-oak-gifts");
    await expect(shopify.session.decodeSessionToken(query.id_token ?? "")).resolves.toMatchObject({ dest: `https://${SHOP}` });
  });

  it("serves an App Bridge stand-in that parses as a classic script", async () => {
    const response = await fetch(`${standIn.url}/cdn/shopifycloud/app-bridge.js`);
    expect(response.headers.get("content-type")).toMatch(/javascript/);
    expect(() => new Script(response.headers.get("content-type") ? "void 0" : "")).not.toThrow();
    const source = await response.text();
    expect(() => new Script(source)).not.toThrow();
    expect(source).toContain("idToken");
  });

  it("tunnel: forwards, serves App Bridge locally, widens frame-ancestors and localises Shopify redirects", async () => {
    const upstream = createServer((req, res) => {
      if (req.url === "/redirect") {
        res.writeHead(302, { Location: `https://admin.shopify.com/store/hollow-oak-gifts/apps/${standIn.app.apiKey}/app` });
        return void res.end();
      }
      if (req.method === "POST") {
        void readRaw(req).then((body) => {
          res.writeHead(200, { "Content-Type": "application/json" });
          res.end(JSON.stringify({ body, forwardedHost: req.headers["x-forwarded-host"], auth: req.headers.authorization }));
        });
        return;
      }
      res.writeHead(200, {
        "Content-Type": "text/html; charset=utf-8",
        "Content-Security-Policy": `frame-ancestors https://${SHOP} https://admin.shopify.com;`,
      });
      res.end('<script src="https://cdn.shopify.com/shopifycloud/app-bridge.js" data-api-key="k"></script>');
    });
    await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
    const tunnel = await startTunnel({ target: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`, standInUrl: standIn.url });
    try {
      const page = await fetch(`${tunnel.url}/app`);
      expect(await page.text()).toContain(`${standIn.url}/cdn/shopifycloud/app-bridge.js`);
      expect(page.headers.get("content-security-policy")).toBe(`frame-ancestors https://${SHOP} https://admin.shopify.com ${standIn.url};`);
      const posted = await fetch(`${tunnel.url}/api`, { method: "POST", body: "hello", headers: { Authorization: "Bearer t" } });
      expect(await posted.json()).toEqual({ body: "hello", forwardedHost: new URL(tunnel.url).host, auth: "Bearer t" });
      const redirected = await fetch(`${tunnel.url}/redirect`, { redirect: "manual" });
      expect(redirected.headers.get("location")).toBe(`${standIn.url}/store/hollow-oak-gifts/apps/${standIn.app.apiKey}/app`);
      expect((await fetch(redirected.headers.get("location") ?? "")).status).toBe(200);
    } finally {
      await tunnel.close();
      await new Promise<void>((resolve) => upstream.close(() => resolve()));
    }
  });
});

// ---------------------------------------------------------------------------------------------------
// What the store sync needs (app/sync/STAND-IN-CONTRACT.md)

const BULK_RUN = `mutation Run($query: String!) { bulkOperationRunQuery(query: $query) { bulkOperation { id status } userErrors { field message code } } }`;
const BULK_POLL = `query Poll($id: ID!) { node(id: $id) { ... on BulkOperation { id status errorCode objectCount rootObjectCount url partialDataUrl createdAt completedAt } } }`;
const BULK_PRODUCTS = `{ products { edges { node { __typename id title handle status productType vendor createdAt updatedAt
  featuredMedia { ... on MediaImage { image { url altText } } }
  variants { edges { node { __typename id title sku price updatedAt inventoryItem { id } } } } } } } }`;
const BULK_INVENTORY = `{ locations(includeInactive: true) { edges { node { __typename id inventoryLevels { edges { node {
  __typename id updatedAt item { id } quantities(names: ["available", "on_hand"]) { name quantity } } } } } } } }`;
const bulkOrders = (
  from: string,
) => `{ orders(query: "created_at:>=${from}", sortKey: CREATED_AT) { edges { node { __typename id name createdAt
  processedAt updatedAt cancelledAt test currencyCode retailLocation { id } fulfillments(first: 5) { location { id } } refunds(first: 50) { id createdAt }
  lineItems { edges { node { __typename id quantity sku variant { id } product { id } discountedTotalSet { shopMoney { amount } } } } } } } } }`;

interface BulkOp {
  id: string;
  status: string;
  errorCode: string | null;
  objectCount: string;
  rootObjectCount: string;
  url: string | null;
  partialDataUrl: string | null;
}

describe("store sync contract", () => {
  let token: string;
  const gql = async <T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>) => {
    const { body } = await rawGraphql(SMALL_SHOP, token, query, variables);
    if (!body.data) throw new Error(JSON.stringify(body.errors));
    return body.data as T;
  };
  const runBulk = async (query: string) =>
    (
      await gql<{
        bulkOperationRunQuery: { bulkOperation: { id: string; status: string } | null; userErrors: { code: string; message: string }[] };
      }>(BULK_RUN, { query })
    ).bulkOperationRunQuery;
  const poll = async (id: string) => (await gql<{ node: BulkOp }>(BULK_POLL, { id })).node;
  const finish = async (id: string): Promise<BulkOp> => {
    for (;;) {
      const op = await poll(id);
      if (op.status !== "CREATED" && op.status !== "RUNNING") return op;
      await new Promise((resolve) => setTimeout(resolve, 30));
    }
  };
  const download = async (url: string) =>
    (await (await fetch(url)).text())
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown> & { __parentId?: string; id: string; __typename: string });

  beforeAll(() => {
    token = standIn.issueAccessToken(SMALL_SHOP);
  });

  it("bulk query lifecycle: CREATED → RUNNING → COMPLETED, one at a time, JSONL with children after parents", async () => {
    const started = await runBulk(BULK_PRODUCTS);
    expect(started.userErrors).toEqual([]);
    expect(started.bulkOperation).toMatchObject({ id: expect.stringMatching(/^gid:\/\/shopify\/BulkOperation\/\d+$/), status: "CREATED" });
    const id = started.bulkOperation!.id;
    // Another one while it runs: OPERATION_IN_PROGRESS, and currentBulkOperation is ours.
    const busy = await runBulk(BULK_INVENTORY);
    expect(busy.bulkOperation).toBeNull();
    expect(busy.userErrors[0]).toMatchObject({ code: "OPERATION_IN_PROGRESS", message: expect.stringMatching(/already in progress/) });
    expect((await poll(id)).status).toMatch(/CREATED|RUNNING/);
    const current = await gql<{ currentBulkOperation: { id: string; query: string } }>(
      `{ currentBulkOperation(type: QUERY) { id status query } }`,
    );
    expect(current.currentBulkOperation).toMatchObject({ id, query: BULK_PRODUCTS });
    const done = await finish(id);
    const state = standIn.store(SMALL_SHOP).state;
    const variants = state.products().reduce((n, p) => n + p.variants.length, 0);
    expect(done).toMatchObject({
      status: "COMPLETED",
      errorCode: null,
      objectCount: String(30 + variants),
      rootObjectCount: "30",
      partialDataUrl: null,
    });
    // A plain GET, no token.
    const lines = await download(done.url!);
    expect(lines).toHaveLength(30 + variants);
    const seen = new Set<string>();
    for (const line of lines) {
      if (line.__typename === "Product") expect(line.__parentId).toBeUndefined();
      else {
        expect(line.__typename).toBe("ProductVariant");
        expect(seen.has(line.__parentId ?? "")).toBe(true); // the parent came first
        expect(line).toMatchObject({
          sku: expect.any(String),
          price: expect.stringMatching(/^\d+\.\d{2}$/),
          inventoryItem: { id: expect.stringMatching(/InventoryItem/) },
        });
      }
      seen.add(line.id);
    }
    expect(Object.keys(lines[0]!)).toEqual([
      "__typename",
      "id",
      "title",
      "handle",
      "status",
      "productType",
      "vendor",
      "createdAt",
      "updatedAt",
      "featuredMedia",
    ]);
    // Every demo product has a featured MediaImage whose file the stand-in serves itself.
    const product = state.product(Number(lines[0]!.id.split("/").pop()))!;
    expect(lines[0]!.featuredMedia).toEqual({
      image: { url: `${standIn.url}/cdn/shop/files/${product.image!.id}.png`, altText: product.image!.altText },
    });
    const picture = await fetch((lines[0]!.featuredMedia as { image: { url: string } }).image.url);
    expect(picture.status).toBe(200);
    expect(picture.headers.get("content-type")).toBe("image/png");
    expect([...new Uint8Array(await picture.arrayBuffer()).slice(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47]);
    expect((await fetch(`${standIn.url}/cdn/shop/files/1.png`)).status).toBe(404);
    // bulk_operations/finish reaches the app with Shopify's payload.
    await standIn.webhooks.idle();
    const hook = webhookResults.filter((r) => r.topic === "bulk_operations/finish").at(-1);
    expect(hook).toMatchObject({
      valid: true,
      payload: { admin_graphql_api_id: id, status: "completed", type: "query", error_code: null },
    });
    expect(Object.keys(hook!.payload).sort()).toEqual([
      "admin_graphql_api_id",
      "completed_at",
      "created_at",
      "error_code",
      "status",
      "type",
    ]);
  });

  it("inventory and orders bulk files: levels per location with quantities, orders with lines, lists inline", async () => {
    const inventory = await finish((await runBulk(BULK_INVENTORY)).bulkOperation!.id);
    const levels = await download(inventory.url!);
    const state = standIn.store(SMALL_SHOP).state;
    expect(levels.filter((l) => l.__typename === "Location")).toHaveLength(3);
    const level = levels.find((l) => l.__typename === "InventoryLevel")!;
    expect(level.quantities).toEqual([
      { name: "available", quantity: expect.any(Number) },
      { name: "on_hand", quantity: expect.any(Number) },
    ]);
    expect(levels.filter((l) => l.__typename === "InventoryLevel")).toHaveLength(
      state.products().reduce((n, p) => n + p.variants.reduce((m, v) => m + state.levelsOfItem(v.inventoryItemId).length, 0), 0),
    );
    const from = `${state.store.historyStart}T00:00:00Z`;
    const orders = await finish((await runBulk(bulkOrders(from))).bulkOperation!.id);
    const count = await gql<{ ordersCount: { count: number; precision: string } }>(
      `query($q: String) { ordersCount(query: $q, limit: null) { count precision } }`,
      {
        q: `created_at:>=${from}`,
      },
    );
    expect(orders.rootObjectCount).toBe(String(count.ordersCount.count));
    expect(count.ordersCount.precision).toBe("EXACT");
    const lines = await download(orders.url!);
    const order = lines.find((l) => l.__typename === "Order" && Array.isArray(l.fulfillments) && (l.fulfillments as unknown[]).length)!;
    expect(order).toMatchObject({
      currencyCode: "GBP",
      test: false,
      fulfillments: [{ location: { id: expect.stringMatching(/Location/) } }],
    });
    expect(lines.some((l) => l.__typename === "Order" && (l.retailLocation as { id: string } | null)?.id)).toBe(true);
    expect(lines.some((l) => l.__typename === "Order" && (l.refunds as unknown[]).length > 0)).toBe(true);
    expect(lines.find((l) => l.__typename === "LineItem")).toMatchObject({
      __parentId: expect.stringMatching(/Order/),
      discountedTotalSet: { shopMoney: { amount: expect.any(String) } },
    });
    // An empty result has no file.
    const none = await finish((await runBulk(bulkOrders("2099-01-01T00:00:00Z"))).bulkOperation!.id);
    expect(none).toMatchObject({ status: "COMPLETED", objectCount: "0", url: null });
  });

  it("refuses what Shopify refuses: a connection inside a list, three levels of connections, nested connections without parent id", async () => {
    const inList = await runBulk(`{ orders { edges { node { id refunds { refundLineItems { edges { node { quantity } } } } } } } }`);
    expect(inList.bulkOperation).toBeNull();
    expect(inList.userErrors).toEqual([
      {
        field: ["query"],
        code: "INVALID",
        message: "Queries that contain a connection field within a list field are not currently supported.",
      },
    ]);
    const deep = await runBulk(
      `{ locations { edges { node { id inventoryLevels { edges { node { id item { id variant { id product { id variants { edges { node { id } } } } } } } } } } } } }`,
    );
    expect(deep.userErrors[0]?.message).toMatch(/nesting depth/);
    const noId = await runBulk(`{ products { edges { node { title variants { edges { node { id } } } } } } }`);
    expect(noId.userErrors[0]?.message).toMatch(/must select the 'id' field/);
    const notConnection = await runBulk(`{ shop { name } }`);
    expect(notConnection.userErrors[0]?.code).toBe("INVALID");
  });

  it("injected failures: FAILED with errorCode and partial data, finish webhook, and a download cut mid-file", async () => {
    standIn.faults.failNextBulkOperation(SMALL_SHOP, { errorCode: "INTERNAL_SERVER_ERROR", afterObjects: 7 });
    const failed = await finish((await runBulk(BULK_PRODUCTS)).bulkOperation!.id);
    expect(failed).toMatchObject({ status: "FAILED", errorCode: "INTERNAL_SERVER_ERROR", url: null, objectCount: "7" });
    expect(await download(failed.partialDataUrl!)).toHaveLength(7);
    await standIn.webhooks.idle();
    expect(webhookResults.filter((r) => r.topic === "bulk_operations/finish").at(-1)?.payload).toMatchObject({
      admin_graphql_api_id: failed.id,
      status: "failed",
      error_code: "internal_server_error",
    });
    const ok = await finish((await runBulk(BULK_PRODUCTS)).bulkOperation!.id);
    standIn.faults.cutNextBulkDownload(SMALL_SHOP, { afterLines: 5 });
    const response = await fetch(ok.url!);
    expect(response.status).toBe(200);
    await expect(response.text()).rejects.toThrow();
    expect(await download(ok.url!)).toHaveLength(Number(ok.objectCount)); // the next download is whole
  });

  it("inventorySetQuantities: compare-and-set (COMPARE_QUANTITY_STALE changes nothing), then inventory_levels/update", async () => {
    const state = standIn.store(SMALL_SHOP).state;
    const variant = state.products()[0]!.variants[0]!;
    const level = state.levelsOfItem(variant.inventoryItemId)[0]!;
    const item = `gid://shopify/InventoryItem/${level.inventoryItemId}`;
    const location = `gid://shopify/Location/${level.locationId}`;
    const set = `mutation($input: InventorySetQuantitiesInput!) { inventorySetQuantities(input: $input) {
      inventoryAdjustmentGroup { id changes { name delta quantityAfterChange } } userErrors { code field message } } }`;
    const input = (quantity: number, compareQuantity?: number) => ({
      input: {
        name: "available",
        reason: "correction",
        referenceDocumentUri: "gid://fluxor/StockChange/1",
        quantities: [{ inventoryItemId: item, locationId: location, quantity, compareQuantity }],
      },
    });
    type SetAnswer = {
      inventorySetQuantities: {
        inventoryAdjustmentGroup: { changes: { name: string; delta: number; quantityAfterChange: number }[] } | null;
        userErrors: { code: string; field: string[] }[];
      };
    };
    const before = level.available;
    const stale = await gql<SetAnswer>(set, input(before + 5, before + 1));
    expect(stale.inventorySetQuantities).toEqual({
      inventoryAdjustmentGroup: null,
      userErrors: [{ code: "COMPARE_QUANTITY_STALE", field: ["input", "quantities", "0", "compareQuantity"], message: expect.any(String) }],
    });
    expect(state.level(level.inventoryItemId, level.locationId)?.available).toBe(before);
    expect((await gql<SetAnswer>(set, input(1))).inventorySetQuantities.userErrors[0]?.code).toBe("COMPARE_QUANTITY_REQUIRED");
    const applied = await gql<SetAnswer>(set, input(before + 5, before));
    expect(applied.inventorySetQuantities.userErrors).toEqual([]);
    expect(applied.inventorySetQuantities.inventoryAdjustmentGroup?.changes).toContainEqual({
      name: "available",
      delta: 5,
      quantityAfterChange: before + 5,
    });
    const read = await gql<{ inventoryItem: { inventoryLevel: { quantities: { quantity: number }[] } } }>(
      `query($i: ID!, $l: ID!) { inventoryItem(id: $i) { id inventoryLevel(locationId: $l) { id updatedAt quantities(names: ["available"]) { name quantity } } } }`,
      { i: item, l: location },
    );
    expect(read.inventoryItem.inventoryLevel.quantities[0]?.quantity).toBe(before + 5);
    await standIn.webhooks.idle();
    expect(webhookResults.filter((r) => r.topic === "inventory_levels/update").at(-1)?.payload).toMatchObject({
      inventory_item_id: level.inventoryItemId,
      location_id: level.locationId,
      available: before + 5,
      updated_at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$/),
    });
    const adjust = await gql<{ inventoryAdjustQuantities: { userErrors: unknown[] } }>(
      `mutation($input: InventoryAdjustQuantitiesInput!) { inventoryAdjustQuantities(input: $input) { inventoryAdjustmentGroup { id } userErrors { code field message } } }`,
      { input: { name: "available", reason: "received", changes: [{ inventoryItemId: item, locationId: location, delta: -2 }] } },
    );
    expect(adjust.inventoryAdjustQuantities.userErrors).toEqual([]);
    expect(state.level(level.inventoryItemId, level.locationId)?.available).toBe(before + 3);
  });

  it("node, nodes (null for unknown ids), counts, and refund lines with restock type and location", async () => {
    const state = standIn.store(SMALL_SHOP).state;
    const refunded = [...state.orders()].find((o) => o.refunds.length > 0)!;
    const data = await gql<{
      nodes: ({
        id: string;
        refunds: { refundLineItems: { nodes: { restockType: string; location: { id: string } | null }[] } }[];
      } | null)[];
    }>(
      `query($ids: [ID!]!) { nodes(ids: $ids) { ... on Order { id refunds(first: 3) { id createdAt refundLineItems(first: 10) { nodes { quantity restockType lineItem { id } location { id } } } } } } }`,
      { ids: [`gid://shopify/Order/${refunded.id}`, "gid://shopify/Order/1"] },
    );
    expect(data.nodes[1]).toBeNull();
    expect(data.nodes[0]?.refunds[0]?.refundLineItems.nodes[0]).toMatchObject({
      restockType: "RETURN",
      location: { id: `gid://shopify/Location/${refunded.locationId}` },
    });
    const counts = await gql<{ productsCount: { count: number; precision: string }; limited: { count: number; precision: string } }>(
      `{ productsCount(limit: null) { count precision } limited: productsCount(limit: 10) { count precision } }`,
    );
    expect(counts.productsCount).toEqual({ count: state.productCount(), precision: "EXACT" });
    expect(counts.limited).toEqual({ count: 10, precision: "AT_LEAST" });
  });

  it("charges list fields for their full size: nodes(ids:) × ids and refunds(first:) × first", async () => {
    const ids = Array.from({ length: 25 }, (_, i) => `gid://shopify/Order/${i + 1}`);
    const query = `query($ids: [ID!]!) { nodes(ids: $ids) { ... on Order { id refunds(first: 20) { id refundLineItems(first: 50) { nodes { quantity lineItem { id } } } } } } }`;
    const { body } = await rawGraphql(SMALL_SHOP, token, query, { ids });
    const errors = body.errors as { extensions?: { code?: string } }[] | undefined;
    expect(errors?.[0]?.extensions?.code).toBe("MAX_COST_EXCEEDED");
  });

  it("throttling: a leaky bucket of 1 000 points restoring 50/s, MAX_COST_EXCEEDED above 1 000, actual cost refunded", async () => {
    const big = await rawGraphql(SMALL_SHOP, token, `{ products(first: 250) { nodes { variants(first: 250) { nodes { id } } } } }`);
    expect((big.body.errors as { extensions: { code: string } }[])[0]?.extensions.code).toBe("MAX_COST_EXCEEDED");
    const page = await rawGraphql(SMALL_SHOP, token, `{ products(first: 100) { nodes { id } } }`);
    // Requested 2 + 100 × 1; the shop has 30 products, so the actual cost is 2 + 30.
    expect(page.body.extensions).toMatchObject({
      cost: { requestedQueryCost: 102, actualQueryCost: 32, throttleStatus: { maximumAvailable: 1000, restoreRate: 50 } },
    });
    standIn.store(SMALL_SHOP).bucket().drain();
    const throttled = await rawGraphql(SMALL_SHOP, token, `{ products(first: 100) { nodes { id } } }`);
    expect((throttled.body.errors as { extensions: { code: string } }[])[0]?.extensions.code).toBe("THROTTLED");
  });

  it("HTTP failures on demand: 503 then 429 with Retry-After for the next calls, and 401 after a token is revoked", async () => {
    await new Promise((resolve) => setTimeout(resolve, 300));
    standIn.faults.failAdminCalls(SMALL_SHOP, { status: 503, count: 2 });
    standIn.faults.failAdminCalls(SMALL_SHOP, { status: 429 });
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 4; i++) {
      const response = await fetch(`${standIn.url}/shops/${SMALL_SHOP}/admin/api/2025-10/graphql.json`, {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-Shopify-Access-Token": token },
        body: JSON.stringify({ query: "{ shop { name } }" }),
      });
      statuses.push(response.status);
      retryAfter ??= response.headers.get("retry-after");
      await response.arrayBuffer();
    }
    expect(statuses).toEqual([503, 503, 429, 200]);
    expect(retryAfter).toBe("2");
    const revoked = standIn.issueAccessToken(SMALL_SHOP);
    standIn.faults.revokeTokens(SMALL_SHOP);
    expect((await rawGraphql(SMALL_SHOP, revoked, "{ shop { name } }")).status).toBe(401);
    token = standIn.issueAccessToken(SMALL_SHOP);
  });
});

describe("webhook delivery, at least once", () => {
  it("retries a delivery the app answers with 5xx, with back-off and the same webhook id, and records every attempt", async () => {
    failTopics.set("products/update", 2);
    const state = standIn.store(SMALL_SHOP).state;
    const product = state.products()[1]!;
    state.updateProduct(product.id, { title: "Retried Title" });
    await standIn.webhooks.idle();
    const attempts = standIn.webhooks
      .attempts()
      .filter((a) => a.topic === "products/update")
      .slice(-3);
    expect(attempts.map((a) => [a.attempt, a.status])).toEqual([
      [1, 500],
      [2, 500],
      [3, 200],
    ]);
    expect(new Set(attempts.map((a) => a.webhookId)).size).toBe(1);
    const got = webhookResults.filter((r) => r.topic === "products/update").slice(-3);
    expect(got.map((r) => r.headers["x-shopify-webhook-id"])).toEqual(attempts.map((a) => a.webhookId));
    expect(got[2]?.payload).toMatchObject({ id: product.id, title: "Retried Title", variants: expect.any(Array) });
    expect(got[2]?.headers).toMatchObject({
      "x-shopify-topic": "products/update",
      "x-shopify-shop-domain": SMALL_SHOP,
      "x-shopify-api-version": "2025-10",
      "x-shopify-event-id": expect.any(String),
      "x-shopify-triggered-at": expect.any(String),
    });
    expect(standIn.webhooks.stats()).toMatchObject({ retried: expect.any(Number), pending: 0 });
    expect(standIn.webhooks.stats().retried).toBeGreaterThanOrEqual(2);
  });

  it("delivers the same webhook id N times on request, and in chaos mode sends duplicates and out of order", async () => {
    const result = await standIn.deliverWebhook(SMALL_SHOP, "products/delete", { id: 1 }, { times: 3, webhookId: "fixed-id-1" });
    expect(result.deliveries.map((d) => d.status)).toEqual([200, 200, 200]);
    expect(webhookResults.slice(-3).map((r) => r.webhookId)).toEqual(["fixed-id-1", "fixed-id-1", "fixed-id-1"]);

    standIn.webhooks.setMode({ duplicateRate: 0.3, reorderRate: 0.4, maxHoldMs: 80, seed: 5 });
    const before = webhookResults.length;
    const stats0 = standIn.webhooks.stats();
    const state = standIn.store(SMALL_SHOP).state;
    const level = state.levelsOfItem(state.products()[2]!.variants[0]!.inventoryItemId)[0]!;
    for (let i = 1; i <= 30; i++) state.setQuantity(level.inventoryItemId, level.locationId, "available", 100 + i);
    await standIn.webhooks.idle();
    standIn.webhooks.setMode({});
    const got = webhookResults.slice(before).filter((r) => r.topic === "inventory_levels/update");
    const stats = standIn.webhooks.stats();
    expect(stats.duplicates - stats0.duplicates).toBeGreaterThan(0);
    expect(stats.reordered - stats0.reordered).toBeGreaterThan(0);
    expect(got.length).toBe(30 + (stats.duplicates - stats0.duplicates));
    const ids = got.map((r) => r.webhookId);
    expect(new Set(ids).size).toBe(30); // duplicates carry the same id
    const quantities = got.map((r) => r.payload.available as number);
    expect(quantities).not.toEqual([...quantities].sort((a, b) => a - b)); // some arrived out of order
    expect(Math.max(...quantities)).toBe(130);
  });
});

describe("store simulator", () => {
  it("changes the store and sends matching webhooks: GraphQL answers what the webhooks said", async () => {
    const token = standIn.issueAccessToken(SMALL_SHOP);
    const before = webhookResults.length;
    const simulator = standIn.startSimulator(SMALL_SHOP, { seed: 21 });
    const events = simulator.step(150);
    await standIn.webhooks.idle();
    const kinds = new Set(events.map((e) => e.kind));
    for (const kind of ["order", "refund", "cancel", "restock", "price", "title", "newProduct", "deleteProduct"])
      expect(kinds).toContain(kind);
    expect(simulator.step(0)).toEqual([]);
    // Same seed, same events.
    const again = new (simulator.constructor as new (state: unknown, options: unknown) => { step(n: number): { kind: string }[] })(
      standIn.store(OTHER_SHOP).state,
      { seed: 21 },
    ).step(5);
    expect(again.map((e) => e.kind)).toEqual(events.slice(0, 5).map((e) => e.kind));

    const got = webhookResults.slice(before).filter((r) => r.valid && r.status === 200);
    const query = <T>(q: string, variables: Record<string, unknown>) => {
      standIn.store(SMALL_SHOP).bucket().refund(1000); // many small reads: keep the bucket full
      return rawGraphql(SMALL_SHOP, token, q, variables).then((r) => r.body.data as T);
    };
    // Stock: the last inventory_levels/update per level is what the Admin API says.
    const lastLevel = new Map<string, Record<string, unknown>>();
    for (const r of got.filter((r) => r.topic === "inventory_levels/update"))
      lastLevel.set(`${r.payload.inventory_item_id}:${r.payload.location_id}`, r.payload);
    expect(lastLevel.size).toBeGreaterThan(10);
    for (const payload of lastLevel.values()) {
      const data = await query<{ inventoryItem: { inventoryLevel: { quantities: { quantity: number }[] } | null } | null }>(
        `query($i: ID!, $l: ID!) { inventoryItem(id: $i) { inventoryLevel(locationId: $l) { quantities(names: ["available"]) { quantity } } } }`,
        { i: `gid://shopify/InventoryItem/${payload.inventory_item_id}`, l: `gid://shopify/Location/${payload.location_id}` },
      );
      if (data.inventoryItem === null) continue; // its product was deleted since
      expect(data.inventoryItem.inventoryLevel?.quantities[0]?.quantity).toBe(payload.available);
    }
    // Products: the last create/update is what the Admin API says; deleted ones are gone.
    const deleted = new Set(got.filter((r) => r.topic === "products/delete").map((r) => Number(r.payload.id)));
    const lastProduct = new Map<number, Record<string, unknown>>();
    for (const r of got.filter((r) => r.topic === "products/update" || r.topic === "products/create"))
      lastProduct.set(Number(r.payload.id), r.payload);
    for (const [id, payload] of lastProduct) {
      const data = await query<{ product: { title: string; variants: { nodes: { id: string; price: string }[] } } | null }>(
        `query($id: ID!) { product(id: $id) { title variants(first: 10) { nodes { id price } } } }`,
        { id: `gid://shopify/Product/${id}` },
      );
      if (deleted.has(id)) {
        expect(data.product).toBeNull();
        continue;
      }
      expect(data.product?.title).toBe(payload.title);
      expect(data.product?.variants.nodes.map((v) => v.price)).toEqual((payload.variants as { price: string }[]).map((v) => v.price));
    }
    // Orders: created ones exist with the same lines; cancellations and refunds show.
    for (const r of got.filter((r) => r.topic === "orders/create")) {
      const data = await query<{ order: { cancelledAt: string | null; lineItems: { nodes: { quantity: number; sku: string }[] } } }>(
        `query($id: ID!) { order(id: $id) { cancelledAt lineItems(first: 10) { nodes { quantity sku } } } }`,
        { id: `gid://shopify/Order/${r.payload.id}` },
      );
      expect(data.order.lineItems.nodes).toEqual(
        (r.payload.line_items as { quantity: number; sku: string }[]).map((l) => ({ quantity: l.quantity, sku: l.sku })),
      );
      const cancelled = got.some((c) => c.topic === "orders/cancelled" && c.payload.id === r.payload.id);
      expect(Boolean(data.order.cancelledAt)).toBe(cancelled);
    }
    for (const r of got.filter((r) => r.topic === "refunds/create")) {
      const order = standIn.store(SMALL_SHOP).state.order(Number(r.payload.order_id));
      expect(order?.refunds.map((f) => f.id)).toContain(r.payload.id);
    }
  });
});

describe("scale", () => {
  it("builds a 10 000-product, 50 000-variant, 24-month store in seconds, with orders made lazily", () => {
    const started = performance.now();
    const store = buildDemoStore({
      domain: "big.myshopify.com",
      seed: 1,
      today: new Date("2026-03-15T12:00:00Z"),
      scale: { products: 10_000, variantsPerProduct: 5, days: 730 },
    });
    const seconds = (performance.now() - started) / 1000;
    expect(store.products).toHaveLength(10_000);
    expect(store.products.reduce((n, p) => n + p.variants.length, 0)).toBe(50_000);
    expect(new Set(store.products.flatMap((p) => p.variants.map((v) => v.sku))).size).toBe(50_000);
    expect(store.historyDays).toBe(730);
    expect(seconds).toBeLessThan(15);
    console.log(`10k/50k/730-day store built in ${seconds.toFixed(1)} s`);
  });
});
