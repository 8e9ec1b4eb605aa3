/**
 * The local Shopify stand-in: one HTTP server on 127.0.0.1 that the real @shopify/shopify-api and
 * @shopify/shopify-app-remix talk to. A shop's own endpoints live under `/shops/{shop}/…` (redirect.ts
 * sends `https://{shop}/…` there); the admin shell under `/store/{handle}/apps/{app}/…` and product pages
 * with the app's admin blocks under `/store/{handle}/products/…` (admin-block-harness.ts); App Bridge
 * under `/cdn/…` (product images: `/cdn/shop/files/<id>.png`); bulk operation files under `/bulk-results/…`. Dev/test tool only.
 */
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import path from "node:path";
import type { GraphQLSchema } from "graphql";
import { adminBlockRoute } from "./admin-block-harness";
import { adminShellHtml } from "./admin-shell";
import { BillingHub } from "./billing";
import { BulkOperations, serveBulkFile, type BulkFailure, type DownloadCut } from "./bulk";
import type { AppConfig } from "./config";
import { hostParam, mintSessionToken, randomToken, signedQuery, storeHandle, type MintOptions } from "./crypto";
import { bucketForPlan, LeakyBucket } from "./graphql/bucket";
import type { HostedShop } from "./graphql/context";
import { runAdminGraphql, type GraphqlRequest } from "./graphql/execute";
import { MUTATIONS } from "./graphql/mutations";
import { buildAdminSchema } from "./graphql/schema";
import { readBody, sendHtml, sendJson } from "./http";
import { serveProductImage } from "./images";
import { handleAccessToken, handleAuthorize } from "./oauth";
import { Simulator, type SimulatorOptions } from "./simulator";
import { buildDemoStore, type DemoStore, type ScaleOptions } from "./store/demo-store";
import { bulkFinishPayload, discountPayload, levelPayload, orderPayload, productPayload, refundPayload } from "./store/rest";
import { StoreState, type StateChange } from "./store/state";
import { TokenRegistry } from "./tokens";
import { WebhookDispatcher, type DeliverOptions, type DeliveryMode, type DeliveryResult } from "./webhooks";

export interface StoreOptions {
  domain: string;
  seed: number;
  /** "Today": history ends the day before. Default: the real date. */
  today?: Date | string;
  /** A bigger or smaller store (see buildDemoStore). */
  scale?: number | ScaleOptions;
  dataDir?: string;
  /** Plan shown by the Admin API; sets the throttle bucket (Basic 1 000/50 per s, Advanced 2 000/100, Shopify Plus 10 000/500). */
  plan?: string;
  /**
   * The store's id space (0–99; see `storeIds`). Default: its position in `stores`, so that, as on Shopify, no two hosted
   * shops share a product, variant, location, order or image id, and the first store keeps the demo store's ids.
   */
  idSpace?: number;
}

export interface StandInOptions {
  /** 0 (default) = a random free port. */
  port?: number;
  app: AppConfig;
  stores: StoreOptions[];
  /** "auto" (default): the merchant approves OAuth at once; "page": a consent page with an Install button. */
  consent?: "auto" | "page";
  /** How store-change webhooks are delivered (duplicates, reordering, retries). Default: once, in order. */
  webhooks?: DeliveryMode;
  /** Keep each bulk operation RUNNING at least this long (ms). */
  bulkMinRunMs?: number;
  /** Log each request (method, path, status). */
  log?: (line: string) => void;
}

/** HTTP failures the next Admin API calls answer with (circuit breaker and retry tests). */
export interface AdminFailure {
  /** e.g. 500, 502, 503 or 429. */
  status: number;
  /** Calls to fail; default 1. */
  count?: number;
  /** Retry-After header in seconds (sent with 429 by default: 2). */
  retryAfter?: number;
}

interface Shop extends HostedShop {
  store: DemoStore;
  bucket: LeakyBucket;
  bulk: BulkOperations;
  installed: boolean;
  failures: { status: number; remaining: number; retryAfter?: number }[];
  simulators: Simulator[];
}

const APP_BRIDGE_JS = readFileSync(path.join(import.meta.dirname, "app-bridge.js"), "utf8");
const API_VERSION = /^(\d{4}-(01|04|07|10)|unstable)$/;
let sharedSchema: GraphQLSchema | undefined;
/** The admin passes `charge_id` (the return from a billing approval) on to the app, signed with the rest. */
const chargeParam = (url: URL): Record<string, string> => {
  const id = url.searchParams.get("charge_id");
  return id ? { charge_id: id } : {};
};

export async function startShopifyStandIn(options: StandInOptions) {
  const app = options.app;
  const schema = (sharedSchema ??= buildAdminSchema(MUTATIONS));
  const tokens = new TokenRegistry();
  const webhooks = new WebhookDispatcher(app, options.webhooks);
  const billing = new BillingHub({ app, baseUrl: () => baseUrl, emit: (domain, topic, payload) => webhooks.emit(domain, topic, payload) });
  const shops = new Map<string, Shop>();
  let baseUrl = "";

  const toWebhooks = (shop: Shop, change: StateChange) => {
    const emit = (topic: string, payload: unknown) => webhooks.emit(shop.domain, topic, payload);
    switch (change.kind) {
      case "level":
        return emit("inventory_levels/update", levelPayload(change.level));
      case "product-create":
        return emit("products/create", productPayload(change.product, shop.state));
      case "product-update":
        return emit("products/update", productPayload(change.product, shop.state));
      case "product-delete":
        return emit("products/delete", { id: change.productId });
      case "order-create":
        return emit("orders/create", orderPayload(change.order));
      case "order-update":
        return emit("orders/updated", orderPayload(change.order));
      case "order-cancel":
        return emit("orders/cancelled", orderPayload(change.order));
      case "order-fulfil":
        emit("orders/fulfilled", orderPayload(change.order));
        return emit("orders/updated", orderPayload(change.order));
      case "refund":
        return emit("refunds/create", refundPayload(change.order, change.refund));
      case "discount-create":
      case "discount-update":
      case "discount-delete":
        return emit(
          `discounts/${change.kind.slice("discount-".length)}`,
          discountPayload(change.discount, change.at, shop.state.nowMs(), shop.store.info.ianaTimezone),
        );
    }
  };

  const spaces = new Map<number, string>();
  for (const [index, storeOptions] of options.stores.entries()) {
    const idSpace = storeOptions.idSpace ?? index;
    const taken = spaces.get(idSpace);
    if (taken) throw new Error(`${storeOptions.domain} and ${taken} would share id space ${idSpace}: give each store its own idSpace`);
    if (shops.has(storeOptions.domain)) throw new Error(`the stand-in already hosts ${storeOptions.domain}`);
    spaces.set(idSpace, storeOptions.domain);
    const store = buildDemoStore({
      domain: storeOptions.domain,
      seed: storeOptions.seed,
      idSpace,
      scale: storeOptions.scale,
      dataDir: storeOptions.dataDir,
      today: typeof storeOptions.today === "string" ? new Date(`${storeOptions.today}T12:00:00Z`) : storeOptions.today,
    });
    if (storeOptions.plan) store.info.plan = storeOptions.plan;
    const limits = bucketForPlan(store.info.plan === "Basic" ? "Standard" : store.info.plan);
    const state = new StoreState(store);
    const shop = {
      domain: store.domain,
      store,
      state,
      bucket: new LeakyBucket(limits.maximum, limits.restoreRate),
      installed: false,
      failures: [],
      simulators: [],
    } as unknown as Shop;
    shop.bulk = new BulkOperations({
      schema,
      shop: () => shop,
      baseUrl: () => baseUrl,
      minRunMs: options.bulkMinRunMs,
      onFinish: (record) => webhooks.emit(shop.domain, "bulk_operations/finish", bulkFinishPayload(record)),
    });
    state.onChange((change) => toWebhooks(shop, change));
    shops.set(store.domain, shop);
    billing.attach(shop);
  }

  const shopState = (domain: string): Shop => {
    const shop = shops.get(domain);
    if (!shop) throw new Error(`the stand-in hosts no shop ${domain} (hosted: ${[...shops.keys()].join(", ")})`);
    return shop;
  };

  const oauthDeps = {
    app,
    tokens,
    consent: options.consent ?? "auto",
    user: (shop: string, userId: number) => ({
      id: userId,
      first_name: "Shop",
      last_name: "Owner",
      email: `owner@${storeHandle(shop)}.co.uk`,
      account_owner: true,
      locale: "en",
      collaborator: false,
      email_verified: true,
    }),
  };

  const embeddedParams = (shop: string, locale = "en", extra: Record<string, string> = {}): URLSearchParams =>
    signedQuery(app.apiSecret, {
      embedded: "1",
      host: hostParam(shop),
      id_token: mintSessionToken(app, shop),
      locale,
      ...extra,
      session: randomToken("", 16),
      shop,
      timestamp: String(Math.floor(Date.now() / 1000)),
    });

  const graphqlRoute = async (shop: Shop, version: string, req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (!API_VERSION.test(version)) return sendJson(res, 404, { errors: "Not Found" });
    const failure = shop.failures[0];
    if (failure) {
      if (--failure.remaining <= 0) shop.failures.shift();
      await readBody(req).catch(() => "");
      const retryAfter = failure.retryAfter ?? (failure.status === 429 ? 2 : undefined);
      const body =
        failure.status === 429
          ? { errors: "Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service." }
          : { errors: "Internal Server Error" };
      return sendJson(res, failure.status, body, retryAfter === undefined ? {} : { "Retry-After": String(retryAfter) });
    }
    const grant = tokens.lookup(String(req.headers["x-shopify-access-token"] ?? ""));
    if (!grant || grant.shop !== shop.domain) {
      await readBody(req).catch(() => "");
      return sendJson(res, 401, { errors: "[API] Invalid API key or access token (unrecognized login or wrong password)" });
    }
    let request: GraphqlRequest;
    try {
      const raw = await readBody(req);
      request = String(req.headers["content-type"] ?? "").includes("application/graphql")
        ? { query: raw }
        : (JSON.parse(raw) as GraphqlRequest);
    } catch {
      return sendJson(res, 400, { errors: "Bad Request" });
    }
    const intercepted = billing.intercept(shop.domain, request, shop.bucket.status());
    if (intercepted) return sendJson(res, intercepted.status, intercepted.body, intercepted.headers);
    const answer = await runAdminGraphql(
      schema,
      shop.bucket,
      { shop, view: shop.state, scopes: new Set(grant.scopes), bulk: false },
      request,
    );
    return sendJson(res, answer.status, answer.body, { "X-Request-Id": randomUUID(), "X-Shopify-API-Version": version });
  };

  /** The admin's product pages with the app's admin blocks (admin-block-harness.ts). */
  const harness = {
    app,
    shop: (domain: string) => {
      const shop = shops.get(domain);
      return shop && { domain, name: shop.store.info.name, currencyCode: shop.store.info.currencyCode, state: shop.state };
    },
  };

  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? "/", baseUrl);
    const method = req.method ?? "GET";
    if (url.pathname === "/healthz") return sendJson(res, 200, { ok: true });
    if (url.pathname === "/cdn/shopifycloud/app-bridge.js") {
      res.writeHead(200, {
        "Content-Type": "application/javascript; charset=utf-8",
        "Cache-Control": "no-cache",
        "Access-Control-Allow-Origin": "*",
      });
      return void res.end(APP_BRIDGE_JS);
    }
    if (method === "GET" && serveBulkFile(url.pathname, res)) return;
    if (method === "GET" && serveProductImage(url.pathname, res, (id) => [...shops.values()].some((s) => s.state.hasImage(id)))) return;
    if (url.pathname === "/admin-shell/id-token") {
      const shop = url.searchParams.get("shop") ?? "";
      if (!shops.has(shop)) return sendJson(res, 404, { error: "unknown shop" });
      return sendJson(res, 200, { token: mintSessionToken(app, shop) }, { "Cache-Control": "no-store" });
    }
    if (method === "GET" && (await adminBlockRoute(harness, url, res))) return;
    if (await billing.route(url, req, res)) return;
    const shell = /^\/store\/([a-z0-9][a-z0-9-]*)\/apps\/([^/]+)(\/.*)?$/.exec(url.pathname);
    if (shell && method === "GET") {
      const domain = `${shell[1]}.myshopify.com`;
      const shop = shops.get(domain);
      if (!shop || (shell[2] !== app.handle && shell[2] !== app.apiKey))
        return sendHtml(res, 404, "<h1>There’s no page at this address</h1>");
      const appPath = shell[3] && shell[3] !== "/" ? shell[3] : "/app";
      const src = `${app.appUrl.replace(/\/$/, "")}${appPath}?${embeddedParams(domain, url.searchParams.get("locale") ?? "en", chargeParam(url))}`;
      return sendHtml(res, 200, adminShellHtml({ domain, name: shop.store.info.name }, app, src, `/store/${shell[1]}/apps/${shell[2]}`));
    }
    const shopRoute = /^\/shops\/([a-z0-9][a-z0-9-]*\.myshopify\.com)(\/.*)$/.exec(url.pathname);
    if (!shopRoute?.[1] || !shopRoute[2]) return sendJson(res, 404, { errors: "Not Found" });
    const shop = shops.get(shopRoute[1]);
    const rest = shopRoute[2];
    if (!shop) return sendJson(res, 404, { errors: "Not Found" });
    if (rest === "/admin/oauth/authorize" && method === "GET") return handleAuthorize(oauthDeps, shop.domain, url, res);
    if (rest === "/admin/oauth/access_token" && method === "POST") {
      await handleAccessToken(oauthDeps, shop.domain, req, res);
      if (res.statusCode === 200) shop.installed = true;
      return;
    }
    const graphql = /^\/admin\/api\/([^/]+)\/graphql\.json$/.exec(rest);
    if (graphql?.[1] && method === "POST") return graphqlRoute(shop, graphql[1], req, res);
    return sendJson(res, 404, { errors: "Not Found" });
  };

  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    if (options.log) res.on("finish", () => options.log?.(`${req.method} ${req.url?.split("?")[0]} → ${res.statusCode}`));
    route(req, res).catch((error: unknown) => {
      console.error("shopify stand-in:", error);
      if (!res.headersSent) sendJson(res, 500, { errors: "Internal Server Error" });
      else res.end();
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", resolve);
  });
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // Product images point at the stand-in, which serves their files (images.ts).
  for (const shop of shops.values()) shop.state.mediaOrigin = baseUrl;

  const send = (domain: string, topic: string, payload: unknown, opts?: DeliverOptions): Promise<DeliveryResult> => {
    shopState(domain);
    return webhooks.deliver(domain, topic, payload, opts);
  };
  const shopId = (domain: string) => shopState(domain).store.info.shopId;
  type Customer = DemoStore["sampleCustomer"];
  const customerPayload = (customer: Customer) => ({ id: customer.id, email: customer.email, phone: customer.phone });

  return {
    url: baseUrl,
    app,
    /** The admin page that embeds the app for this shop (`/store/{handle}/apps/{app handle}{appPath}`). */
    adminUrl: (domain: string, appPath = "", opts: { locale?: string } = {}) =>
      `${baseUrl}/store/${storeHandle(domain)}/apps/${app.handle}${appPath}${opts.locale ? `?locale=${encodeURIComponent(opts.locale)}` : ""}`,
    /** The query the admin adds to the app URL in its iframe (fresh id_token, host, hmac, …). */
    embeddedParams: (domain: string, locale: string | { locale?: string } = "en") =>
      embeddedParams(domain, typeof locale === "string" ? locale : (locale.locale ?? "en")),
    mintIdToken: (domain: string, opts: MintOptions = {}) => mintSessionToken(app, domain, opts),
    /** An access token for a shop without going through OAuth (tests that only need the Admin API). */
    issueAccessToken: (domain: string, scopes: string[] = app.scopes) => {
      shopState(domain).installed = true;
      return tokens.issue({ shop: domain, scopes, online: false });
    },
    store: (domain: string) => {
      const shop = shopState(domain);
      return {
        data: shop.store,
        /** The live state: what the Admin API answers; change it and the webhooks follow. */
        state: shop.state,
        bulk: shop.bulk,
        info: () => ({ ...shop.store.info }),
        sampleCustomer: () => ({ ...shop.store.sampleCustomer }),
        accessTokens: () => tokens.tokensFor(domain),
        bucket: () => shop.bucket,
        installed: () => shop.installed,
      };
    },
    /** Webhook delivery: `deliver`/`emit`, `setMode`, `idle()`, `attempts()`, `stats()`. */
    webhooks,
    /** The Billing API (billing/): approve, decline, freeze, advance, subscriptions, usageRecords, charges, failNext, … */
    billing: billing.api,
    /** Delivers one webhook now (`times` > 1: the same webhook id again). */
    deliverWebhook: send,
    faults: {
      /** The next `count` Admin API calls of the shop answer this HTTP status. */
      failAdminCalls: (domain: string, failure: AdminFailure) => {
        shopState(domain).failures.push({ status: failure.status, remaining: failure.count ?? 1, retryAfter: failure.retryAfter });
      },
      /** Tokens stop working (401) without an uninstall webhook. */
      revokeTokens: (domain: string) => tokens.revokeShop(domain),
      failNextBulkOperation: (domain: string, failure: BulkFailure = {}) => shopState(domain).bulk.failNext(failure),
      cutNextBulkDownload: (domain: string, cut: DownloadCut = {}) => shopState(domain).bulk.cutNextDownload(cut),
      /** The next download of `root` (e.g. "orders") stalls before its last line until the client goes away. */
      holdNextBulkDownload: (domain: string, root: string) => shopState(domain).bulk.cutNextDownload({ root, hold: true }),
      expireBulkOperation: (domain: string, id: number) => shopState(domain).bulk.expire(id),
    },
    /** Live activity in a shop (orders, refunds, stock, products), with webhooks. `ratePerSecond` 0 = step() only. */
    startSimulator: (domain: string, simulatorOptions: SimulatorOptions = {}) => {
      const shop = shopState(domain);
      const simulator = new Simulator(shop.state, simulatorOptions);
      shop.simulators.push(simulator);
      return simulator;
    },
    /** The merchant removes the app: tokens die and app/uninstalled is sent. */
    uninstallApp: async (domain: string) => {
      const shop = shopState(domain);
      tokens.revokeShop(domain);
      shop.installed = false;
      billing.uninstalled(domain);
      return send(domain, "app/uninstalled", {
        id: shopId(domain),
        name: shop.store.info.name,
        myshopify_domain: domain,
        domain,
        currency: "GBP",
      });
    },
    updateScopes: (domain: string, current: string[]) => {
      const now = new Date().toISOString();
      return send(domain, "app/scopes_update", { id: shopId(domain), previous: app.scopes, current, updated_at: now, created_at: now });
    },
    requestCustomerData: (domain: string, customer: Customer = shopState(domain).store.sampleCustomer) =>
      send(domain, "customers/data_request", {
        shop_id: shopId(domain),
        shop_domain: domain,
        orders_requested: [5_000_001, 5_000_002],
        customer: customerPayload(customer),
        data_request: { id: 9_001 },
      }),
    redactCustomer: (domain: string, customer: Customer = shopState(domain).store.sampleCustomer) =>
      send(domain, "customers/redact", {
        shop_id: shopId(domain),
        shop_domain: domain,
        customer: customerPayload(customer),
        orders_to_redact: [5_000_001],
      }),
    redactShop: (domain: string) => send(domain, "shop/redact", { shop_id: shopId(domain), shop_domain: domain }),
    close: () =>
      new Promise<void>((resolve) => {
        for (const shop of shops.values()) {
          for (const simulator of shop.simulators) simulator.stop();
          shop.bulk.close();
        }
        webhooks.close();
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}

export type ShopifyStandIn = Awaited<ReturnType<typeof startShopifyStandIn>>;
