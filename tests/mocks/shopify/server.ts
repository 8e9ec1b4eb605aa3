/**
 * The local Shopify stand-in: an HTTP server that the real @shopify/shopify-api talks to.
 * OAuth (authorization code + token exchange), Admin GraphQL with cost and throttling, signed
 * webhooks, an admin shell that embeds the app, and an App Bridge stand-in.
 * Dev/test tool only: production code never imports it.
 */
import { createHmac, randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { parse as parseToml } from "smol-toml";
import { buildDemoStore, type DemoStore } from "./demo-store";
import { LeakyBucket, runGraphql } from "./graphql";

export interface AppConfig {
  apiKey: string;
  apiSecret: string;
  appUrl: string;
  handle: string;
  scopes: string[];
  apiVersion: string;
  subscriptions: { topic: string; uri: string }[];
}

export interface StoreOptions {
  domain: string;
  seed: number;
  scale?: number;
  today?: Date;
}

export interface StandInOptions {
  port?: number;
  app: AppConfig;
  stores: StoreOptions[];
}

export interface WebhookResult {
  status: number;
  latencyMs: number;
  webhookId: string;
}

interface IssuedToken {
  shop: string;
  scope: string;
}

/** Reads shopify.app.toml the way Shopify reads a deployed app configuration. */
export function loadAppConfig(tomlPath: string, overrides: { apiKey?: string; apiSecret: string; appUrl?: string }): AppConfig {
  const toml = parseToml(readFileSync(tomlPath, "utf8")) as {
    client_id: string;
    handle?: string;
    application_url: string;
    access_scopes?: { scopes?: string };
    webhooks?: { api_version?: string; subscriptions?: { topics?: string[]; compliance_topics?: string[]; uri: string }[] };
  };
  return {
    apiKey: overrides.apiKey ?? toml.client_id,
    apiSecret: overrides.apiSecret,
    appUrl: overrides.appUrl ?? toml.application_url,
    handle: toml.handle ?? "app",
    scopes: (toml.access_scopes?.scopes ?? "")
      .split(",")
      .map((scope) => scope.trim())
      .filter(Boolean),
    apiVersion: toml.webhooks?.api_version ?? "2025-10",
    subscriptions: (toml.webhooks?.subscriptions ?? []).flatMap((subscription) =>
      [...(subscription.topics ?? []), ...(subscription.compliance_topics ?? [])].map((topic) => ({ topic, uri: subscription.uri })),
    ),
  };
}

function base64url(input: Buffer | string): string {
  return Buffer.from(input).toString("base64url");
}

/** A session token (id_token) exactly as the admin issues it: HS256 JWT signed with the app secret. */
export function signSessionToken(
  app: AppConfig,
  shop: string,
  options: { secret?: string; userId?: number; ttlSeconds?: number } = {},
): string {
  const now = Math.floor(Date.now() / 1000);
  const header = base64url(JSON.stringify({ alg: "HS256", typ: "JWT" }));
  const payload = base64url(
    JSON.stringify({
      iss: `https://${shop}/admin`,
      dest: `https://${shop}`,
      aud: app.apiKey,
      sub: String(options.userId ?? 42),
      exp: now + (options.ttlSeconds ?? 60),
      nbf: now - 1,
      iat: now,
      jti: randomUUID(),
      sid: randomBytes(16).toString("hex"),
      sig: randomBytes(16).toString("hex"),
    }),
  );
  const signature = createHmac("sha256", options.secret ?? app.apiSecret)
    .update(`${header}.${payload}`)
    .digest("base64url");
  return `${header}.${payload}.${signature}`;
}

function verifySessionToken(app: AppConfig, token: string): { shop: string } | undefined {
  const [header, payload, signature] = token.split(".");
  if (!header || !payload || !signature) return undefined;
  const expected = createHmac("sha256", app.apiSecret).update(`${header}.${payload}`).digest();
  const given = Buffer.from(signature, "base64url");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  const claims = JSON.parse(Buffer.from(payload, "base64url").toString()) as { dest?: string; aud?: string; exp?: number };
  if (claims.aud !== app.apiKey || !claims.exp || claims.exp < Date.now() / 1000 - 5 || !claims.dest) return undefined;
  return { shop: new URL(claims.dest).hostname };
}

/** Query-string HMAC as Shopify computes it for OAuth redirects and embedded URLs (hex, sorted keys). */
export function signQuery(secret: string, params: Record<string, string>): string {
  const sorted = new URLSearchParams(
    Object.keys(params)
      .sort((a, b) => a.localeCompare(b))
      .map((key) => [key, params[key] ?? ""]),
  );
  return createHmac("sha256", secret).update(sorted.toString()).digest("hex");
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  res.writeHead(status, { "Content-Type": typeof body === "string" ? "text/html; charset=utf-8" : "application/json", ...headers });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

const APP_BRIDGE_JS = readFileSync(path.join(import.meta.dirname, "app-bridge.js"), "utf8");

export async function startShopifyStandIn(options: StandInOptions) {
  const app = options.app;
  const stores = new Map<string, DemoStore>();
  const buckets = new Map<string, LeakyBucket>();
  for (const store of options.stores) {
    stores.set(store.domain, buildDemoStore({ domain: store.domain, seed: store.seed, scale: store.scale, today: store.today }));
    buckets.set(store.domain, new LeakyBucket());
  }
  const tokens = new Map<string, IssuedToken>();
  const codes = new Map<string, { shop: string; expires: number }>();
  let baseUrl = "";

  const storeFor = (shop: string): DemoStore => {
    const store = stores.get(shop);
    if (!store) throw new Error(`the stand-in hosts no shop ${shop}`);
    return store;
  };

  const issueToken = (shop: string): string => {
    const token = `shpat_${randomBytes(16).toString("hex")}`;
    tokens.set(token, { shop, scope: app.scopes.join(",") });
    return token;
  };

  const embeddedParams = (shop: string, locale: string): URLSearchParams => {
    const handle = shop.replace(/\.myshopify\.com$/, "");
    const params: Record<string, string> = {
      embedded: "1",
      host: base64url(`admin.shopify.com/store/${handle}`),
      id_token: signSessionToken(app, shop),
      locale,
      session: randomBytes(16).toString("hex"),
      shop,
      timestamp: String(Math.floor(Date.now() / 1000)),
    };
    return new URLSearchParams({ ...params, hmac: signQuery(app.apiSecret, params) });
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? "/", baseUrl);
    const shopRoute = url.pathname.match(/^\/shops\/([a-z0-9-]+\.myshopify\.com)(\/.*)$/);

    if (url.pathname === "/healthz") return send(res, 200, { ok: true });
    if (url.pathname === "/cdn/shopifycloud/app-bridge.js") {
      res.writeHead(200, { "Content-Type": "application/javascript; charset=utf-8", "Cache-Control": "no-cache" });
      return void res.end(APP_BRIDGE_JS);
    }
    if (url.pathname === "/admin-shell/id-token") {
      const shop = url.searchParams.get("shop") ?? "";
      if (!stores.has(shop)) return send(res, 404, { error: "unknown shop" });
      return send(res, 200, { token: signSessionToken(app, shop) });
    }
    const shell = url.pathname.match(/^\/store\/([a-z0-9-]+)\/apps\/([a-z0-9-]+)(\/.*)?$/);
    if (shell) {
      const shop = `${shell[1]}.myshopify.com`;
      if (!stores.has(shop) || shell[2] !== app.handle) return send(res, 404, "<h1>Not found</h1>");
      const appPath = shell[3] && shell[3] !== "/" ? shell[3] : "/app";
      const src = `${app.appUrl}${appPath}?${embeddedParams(shop, url.searchParams.get("locale") ?? "en")}`;
      return send(res, 200, adminShellHtml(storeFor(shop), app, src, `/store/${shell[1]}/apps/${shell[2]}`));
    }
    if (!shopRoute) return send(res, 404, { errors: "Not Found" });

    const shop = shopRoute[1] ?? "";
    const rest = shopRoute[2] ?? "/";
    if (!stores.has(shop)) return send(res, 404, { errors: "Not Found" });

    if (rest === "/admin/oauth/authorize" && req.method === "GET") {
      const redirectUri = url.searchParams.get("redirect_uri") ?? "";
      if (url.searchParams.get("client_id") !== app.apiKey)
        return send(res, 400, "<h1>Oauth error invalid_request: The client_id is invalid</h1>");
      if (!redirectUri.startsWith(app.appUrl))
        return send(res, 400, "<h1>Oauth error invalid_request: The redirect_uri is not whitelisted</h1>");
      const code = randomBytes(16).toString("hex");
      codes.set(code, { shop, expires: Date.now() + 60_000 });
      const params: Record<string, string> = {
        code,
        host: base64url(`admin.shopify.com/store/${shop.replace(/\.myshopify\.com$/, "")}`),
        shop,
        state: url.searchParams.get("state") ?? "",
        timestamp: String(Math.floor(Date.now() / 1000)),
      };
      const target = new URL(redirectUri);
      for (const [key, value] of Object.entries(params)) target.searchParams.set(key, value);
      target.searchParams.set("hmac", signQuery(app.apiSecret, params));
      res.writeHead(302, { Location: target.toString() });
      return void res.end();
    }

    if (rest === "/admin/oauth/access_token" && req.method === "POST") {
      const raw = await readBody(req);
      const body: Record<string, string> = (req.headers["content-type"] ?? "").includes("json")
        ? (JSON.parse(raw || "{}") as Record<string, string>)
        : Object.fromEntries(new URLSearchParams(raw));
      if (process.env.STANDIN_DEBUG) console.error("stand-in access_token", req.headers["content-type"], raw.slice(0, 300));
      if (body.client_id !== app.apiKey || body.client_secret !== app.apiSecret) {
        return send(res, 400, { error: "invalid_client", error_description: "Client authentication failed" });
      }
      if (body.grant_type === "urn:ietf:params:oauth:grant-type:token-exchange") {
        const verified = verifySessionToken(app, body.subject_token ?? "");
        if (!verified || verified.shop !== shop)
          return send(res, 400, { error: "invalid_subject_token", error_description: "Invalid subject token" });
        const scope = app.scopes.join(",");
        if (body.requested_token_type === "urn:shopify:params:oauth:token-type:online-access-token") {
          return send(res, 200, {
            access_token: issueToken(shop).replace("shpat_", "shpua_"),
            scope,
            expires_in: 86_399,
            associated_user_scope: scope,
            associated_user: {
              id: 42,
              first_name: "Test",
              last_name: "Merchant",
              email: "merchant@example.com",
              account_owner: true,
              locale: "en",
              collaborator: false,
              email_verified: true,
            },
          });
        }
        return send(res, 200, { access_token: issueToken(shop), scope });
      }
      const code = codes.get(body.code ?? "");
      codes.delete(body.code ?? "");
      if (!code || code.shop !== shop || code.expires < Date.now()) {
        return send(res, 400, { error: "invalid_request", error_description: "The authorization code was not found or was already used" });
      }
      return send(res, 200, { access_token: issueToken(shop), scope: app.scopes.join(",") });
    }

    const graphql = rest.match(/^\/admin\/api\/(\d{4}-\d{2}|unstable)\/graphql\.json$/);
    if (graphql && req.method === "POST") {
      const token = tokens.get(String(req.headers["x-shopify-access-token"] ?? ""));
      if (!token || token.shop !== shop) {
        return send(res, 401, { errors: "[API] Invalid API key or access token (unrecognized login or wrong password)" });
      }
      let request: { query?: unknown; variables?: unknown };
      try {
        request = JSON.parse(await readBody(req)) as typeof request;
      } catch {
        return send(res, 400, { errors: "Bad Request" });
      }
      const answer = await runGraphql(storeFor(shop), buckets.get(shop) as LeakyBucket, request);
      return send(res, answer.status, answer.body, { "X-Request-Id": randomUUID() });
    }
    return send(res, 404, { errors: "Not Found" });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      console.error("shopify stand-in:", error);
      if (!res.headersSent) send(res, 500, { errors: "Internal error" });
      else res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const deliverWebhook = async (
    shop: string,
    topic: string,
    payload: unknown,
    extra: { secret?: string; webhookId?: string; apiVersion?: string } = {},
  ): Promise<WebhookResult> => {
    const subscription = app.subscriptions.find((candidate) => candidate.topic === topic);
    if (!subscription) throw new Error(`the app subscribes to no ${topic} webhook`);
    const body = JSON.stringify(payload);
    const webhookId = extra.webhookId ?? randomUUID();
    const started = performance.now();
    const response = await fetch(new URL(subscription.uri, app.appUrl), {
      method: "POST",
      body,
      headers: {
        "Content-Type": "application/json",
        "X-Shopify-Topic": topic,
        "X-Shopify-Hmac-Sha256": createHmac("sha256", extra.secret ?? app.apiSecret)
          .update(body)
          .digest("base64"),
        "X-Shopify-Shop-Domain": shop,
        "X-Shopify-API-Version": extra.apiVersion ?? app.apiVersion,
        "X-Shopify-Webhook-Id": webhookId,
        "X-Shopify-Event-Id": randomUUID(),
        "X-Shopify-Triggered-At": new Date().toISOString(),
      },
    });
    await response.arrayBuffer();
    return { status: response.status, latencyMs: performance.now() - started, webhookId };
  };

  const revoke = (shop: string) => {
    for (const [token, issued] of tokens) if (issued.shop === shop) tokens.delete(token);
  };
  const shopId = (shop: string) => storeFor(shop).info.shopId;
  const customerPayload = (customer: DemoStore["sampleCustomer"]) => ({ id: customer.id, email: customer.email, phone: customer.phone });

  return {
    url: baseUrl,
    app,
    /** The admin page that embeds the app for this shop. */
    adminUrl: (shop: string, appPath = "") => `${baseUrl}/store/${shop.replace(/\.myshopify\.com$/, "")}/apps/${app.handle}${appPath}`,
    /** Query string the admin adds to the app's URL in its iframe (fresh id_token). */
    embeddedParams: (shop: string, locale = "en") => embeddedParams(shop, locale),
    mintIdToken: (shop: string, extra: { secret?: string; ttlSeconds?: number } = {}) => signSessionToken(app, shop, extra),
    store: (shop: string) => {
      const store = storeFor(shop);
      return {
        data: store,
        info: () => ({ ...store.info }),
        sampleCustomer: () => ({ ...store.sampleCustomer }),
        accessTokens: () => [...tokens].filter(([, issued]) => issued.shop === shop).map(([token]) => token),
        bucket: () => buckets.get(shop) as LeakyBucket,
      };
    },
    deliverWebhook,
    /** The merchant removes the app: tokens die and app/uninstalled is sent. */
    uninstallApp: async (shop: string) => {
      revoke(shop);
      return deliverWebhook(shop, "app/uninstalled", { id: shopId(shop), name: storeFor(shop).info.name, myshopify_domain: shop });
    },
    requestCustomerData: (shop: string, customer: DemoStore["sampleCustomer"]) =>
      deliverWebhook(shop, "customers/data_request", {
        shop_id: shopId(shop),
        shop_domain: shop,
        orders_requested: [5_000_001, 5_000_002],
        customer: customerPayload(customer),
        data_request: { id: 9_001 },
      }),
    redactCustomer: (shop: string, customer: DemoStore["sampleCustomer"]) =>
      deliverWebhook(shop, "customers/redact", {
        shop_id: shopId(shop),
        shop_domain: shop,
        customer: customerPayload(customer),
        orders_to_redact: [5_000_001],
      }),
    redactShop: (shop: string) => deliverWebhook(shop, "shop/redact", { shop_id: shopId(shop), shop_domain: shop }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export type ShopifyStandIn = Awaited<ReturnType<typeof startShopifyStandIn>>;

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function adminShellHtml(store: DemoStore, app: AppConfig, src: string, shellBase: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(store.info.name)} · Fluxor · Shopify admin (local stand-in)</title>
<style>
  *{box-sizing:border-box} body{margin:0;font-family:-apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,sans-serif;background:#f1f1f1;height:100vh;display:grid;grid-template-rows:56px 1fr}
  header{background:#1a1a1a;color:#fff;display:flex;align-items:center;gap:12px;padding:0 16px;font-size:14px}
  header .logo{font-weight:700;color:#95bf47} header .store{margin-left:auto;background:#303030;padding:6px 10px;border-radius:8px}
  main{display:grid;grid-template-columns:240px 1fr;min-height:0}
  nav{background:#ebebeb;padding:12px 8px;font-size:13px;overflow:auto} nav .app{font-weight:600;padding:6px 8px;color:#303030}
  nav a{display:block;padding:6px 8px 6px 20px;border-radius:8px;color:#303030;text-decoration:none} nav a.active{background:#fff;font-weight:600}
  iframe{border:0;width:100%;height:100%;background:#f1f1f1}
  #toasts{position:fixed;bottom:24px;left:50%;transform:translateX(-50%);display:grid;gap:8px;z-index:10}
  .toast{background:#1a1a1a;color:#fff;padding:10px 16px;border-radius:10px;font-size:14px} .toast.error{background:#8e1f0b}
  #loading{position:fixed;top:56px;left:0;height:3px;width:0;background:#95bf47;transition:width .3s}
  @media (max-width: 768px){main{grid-template-columns:1fr} nav{display:none}}
</style></head>
<body>
<header><span class="logo">shopify</span><span>admin · local stand-in</span><span class="store" data-testid="admin-store-name">${escapeHtml(store.info.name)}</span></header>
<div id="loading"></div>
<main><nav aria-label="App navigation"><div class="app">${escapeHtml(app.handle === "fluxor" ? "Fluxor" : app.handle)}</div><div id="app-nav"></div></nav>
<iframe name="app-iframe" title="Fluxor" src="${escapeHtml(src)}"></iframe></main>
<div id="toasts" role="status" aria-live="polite"></div>
<script>
(function(){
  var frame = document.querySelector("iframe[name=app-iframe]");
  var shop = ${JSON.stringify(store.domain)};
  var shellBase = ${JSON.stringify(shellBase)};
  function reply(event, id, data){ event.source.postMessage({ source: "admin-shell-stand-in", id: id, data: data }, "*"); }
  window.addEventListener("message", function(event){
    var m = event.data; if (!m || m.source !== "app-bridge-stand-in") return;
    if (m.type === "idToken") { fetch("/admin-shell/id-token?shop=" + encodeURIComponent(shop)).then(function(r){ return r.json(); }).then(function(b){ reply(event, m.id, b.token); }); }
    else if (m.type === "toast") { var t = document.createElement("div"); t.className = "toast" + (m.data.isError ? " error" : ""); t.textContent = m.data.message; document.getElementById("toasts").appendChild(t); setTimeout(function(){ t.remove(); }, m.data.duration || 5000); }
    else if (m.type === "loading") { document.getElementById("loading").style.width = m.data ? "70%" : "0"; }
    else if (m.type === "navigateTop") { window.location.href = m.data; }
    else if (m.type === "location") { var p = String(m.data).split("?")[0]; history.replaceState(null, "", shellBase + (p === "/app" ? "" : p.replace(/^\\/app/, ""))); highlight(p); }
    else if (m.type === "ui-nav-menu") {
      var nav = document.getElementById("app-nav"); nav.innerHTML = "";
      m.data.filter(function(l){ return !l.home; }).concat(m.data.filter(function(l){ return l.home; })).sort(function(a,b){ return (b.home?1:0)-(a.home?1:0); }).forEach(function(link){
        var a = document.createElement("a"); a.textContent = link.label; a.href = shellBase + (link.href === "/app" ? "" : link.href.replace(/^\\/app/, "")); a.dataset.appHref = link.href;
        a.addEventListener("click", function(e){ e.preventDefault(); frame.contentWindow.postMessage({ source: "admin-shell-stand-in", type: "navigate", data: link.href }, "*"); });
        nav.appendChild(a);
      });
    }
    else if (m.type === "ui-title-bar") { if (m.data.title) document.title = m.data.title + " · " + ${JSON.stringify(store.info.name)}; }
  });
  function highlight(path){ document.querySelectorAll("#app-nav a").forEach(function(a){ a.classList.toggle("active", a.dataset.appHref === path); }); }
})();
</script></body></html>`;
}
