/**
 * Every route of the app, with what the route-table suite (tests/integration/route-table.test.ts) needs to attack
 * it: how a caller authenticates, which path and search parameters and which form fields it reads (each with a
 * valid value, so that one field at a time can be made hostile), which of them are another shop's ids, and how a
 * 200 answer says "refused". The suite fails when a route of the build (or a module in app/routes) has no entry
 * here, or an entry names a route that no longer exists.
 *
 * Values may name the seeded data with placeholders, resolved per shop by the suite: `{variant}`, `{product}`,
 * `{location}`, `{vendor}`, `{recompute}`, `{event}`, `{domain}` (the shop's), `{alertForm}` (its alert settings
 * form as the page posts it), `{unsubscribeToken}`, `{confirmToken}` (its email links), `{csrf}` (the operator
 * session's), `{loginCsrf}` (the sign-in form's), `{account}` (a billing account) and `{claimedShop}` (the shop a
 * webhook claims to come from).
 */
import { readdirSync, statSync } from "node:fs";
import path from "node:path";

/**
 * How a caller proves who it is:
 * - `shop`: the embedded admin's session token (a Bearer header on data requests and API calls, `id_token` on
 *   documents), for one shop;
 * - `operator`: the operator console's signed session cookie (and its CSRF token in forms);
 * - `operator-login`: the sign-in form's nonce cookie and CSRF token (the page itself is public);
 * - `shopify-hmac`, `resend-signature`, `stripe-signature`: a webhook's signature over its raw body;
 * - `link-token`: a signed token in the path (the email links: the token is the proof);
 * - `public`: nothing, by design (health, metrics, the landing page, the OAuth entry points);
 * - `layout`: no loader or action of its own (its children are the routes).
 */
export type RouteAuth =
  "shop" | "operator" | "operator-login" | "shopify-hmac" | "resend-signature" | "stripe-signature" | "link-token" | "public" | "layout";

/**
 * What kind of route answers: a page (data requests `?_data=<route id>`, documents), a resource route (CSV or
 * the JSON API, answered as is), or a webhook (POST only).
 */
export type RouteKind = "page" | "resource" | "webhook" | "layout";

/** One form the action accepts (one intent), every field with a valid value. Arrays are repeated fields. */
export type Form = Record<string, string | string[]>;

/** What an answer of shop B to a request naming shop A's ids must be. */
export type CrossTenant =
  /** 404 (or 403; 405 from a method the route does not serve): the id is not B's. */
  | "not-found"
  /** Any answer below 500 that shows none of A's data (a list of B's own rows, an empty result, a refusal). */
  | "no-leak";

export interface RouteEntry {
  kind: RouteKind;
  auth: RouteAuth;
  /** Why the route needs no authentication (`public`), or what its children are (`layout`). */
  why?: string;
  /** Path params → a valid value (a placeholder of the shop's data, or a literal). */
  params?: Record<string, string>;
  /** Other valid values of the path params (a splat's other pages), each tried with the same hostile search params. */
  alsoParams?: Record<string, string>[];
  /** Search params the loader (or the page's render) reads → a valid value. */
  query?: Record<string, string>;
  /** The forms the action reads, one per intent. An action without fields has `[{}]`. */
  forms?: Form[];
  /** A 200 answer that means the action refused its input (nothing may change). Default: status ≥ 400. */
  refused?: (status: number, body: string) => boolean;
  /** Shop B naming shop A's ids; absent when the route has no shop (operator, webhooks, links, public). */
  crossTenant?: CrossTenant;
  /**
   * Webhooks: the topic header and a valid payload (the suite signs hostile versions of it). `sameAs`: another webhook
   * route whose payload schema and code this one shares (only the topic differs); every field is made hostile there,
   * and here only the top-level ones, with fewer values.
   */
  webhook?: { topic: string; payload: Record<string, unknown>; sameAs?: string };
}

const json = (body: string): Record<string, unknown> | null => {
  try {
    const parsed: unknown = JSON.parse(body);
    return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : null;
  } catch {
    return null;
  }
};
/** The merchant forms' answer to a refused save: 200 `{ ok: false, … }`. */
const okFalse = (status: number, body: string) => status >= 400 || json(body)?.ok === false;

const NOW = "2026-01-01T00:00:00Z";
/** The order analytics' filters. */
const ORDERS_QUERY = { from: "2026-01-01", to: "2026-03-01", granularity: "week", channel: "pos", location: "{location}" };
/** A discounts/* webhook as Shopify sends it: the discount's id and a few fields, never its details. */
const discount = {
  admin_graphql_api_id: "gid://shopify/DiscountCodeNode/1",
  title: "Spring",
  status: "ACTIVE",
  created_at: NOW,
  updated_at: NOW,
};
const product = (id: string) => ({
  id,
  title: "Hostile",
  handle: "hostile",
  status: "active",
  product_type: "",
  vendor: "",
  created_at: NOW,
  updated_at: NOW,
  variants: [{ id: 1, title: "Default", sku: "H-1", price: "1.00", inventory_item_id: 2, updated_at: NOW }],
});
const order = {
  id: 1,
  name: "#1001",
  created_at: NOW,
  updated_at: NOW,
  currency: "GBP",
  line_items: [{ id: 1, variant_id: 1, product_id: 1, sku: "H-1", quantity: 1, price: "1.00" }],
};
const shopifyWebhook = (topic: string, payload: Record<string, unknown>, sameAs?: string): RouteEntry => ({
  kind: "webhook",
  auth: "shopify-hmac",
  webhook: { topic, payload, sameAs },
});

const SHOP_PAGE = { kind: "page", auth: "shop" } as const;
const SHOP_RESOURCE = { kind: "resource", auth: "shop" } as const;
const OPS_PAGE = { kind: "page", auth: "operator" } as const;
/** The forecast runs' filters (`shop` is never a console parameter: the console drops it with a redirect). */
const RUNS_QUERY = { q: "rt-", status: "completed", trigger: "nightly", from: "2026-01-01", to: "2026-03-01" };
const RANGE = { from: "2026-01-01", to: "2026-03-01", location: "{location}" };
const LIST_QUERY = {
  q: "Product",
  risk: "stockout",
  vendor: "{vendor}",
  productType: "Type",
  abc: "A",
  location: "{location}",
  sort: "risk",
  direction: "asc",
};

export const ROUTES: Record<string, RouteEntry> = {
  root: { kind: "layout", auth: "layout", why: "the document shell: no loader or action" },
  "routes/_index": {
    kind: "page",
    auth: "public",
    why: "the landing page and its login form: no shop data",
    query: { shop: "example.myshopify.com" },
  },
  "routes/auth.$": {
    kind: "resource",
    auth: "public",
    why: "OAuth and App Bridge entry points: they authenticate the caller",
    params: { "*": "exit-iframe" },
    alsoParams: [{ "*": "" }, { "*": "callback" }, { "*": "session-token" }],
    query: {
      shop: "example.myshopify.com",
      exitIframe: "/app",
      host: "YWRtaW4uc2hvcGlmeS5jb20vc3RvcmUvZXhhbXBsZQ",
      code: "0123456789abcdef",
      state: "0123456789",
      hmac: "0".repeat(64),
      timestamp: "1767225600",
    },
  },
  "routes/auth.login": {
    kind: "page",
    auth: "public",
    why: "the login form (it starts OAuth)",
    query: { shop: "example.myshopify.com" },
    forms: [{ shop: "example.myshopify.com" }],
    refused: (status, body) => status >= 400 || json(body)?.errors !== undefined,
  },
  // The API's actions answer other methods than theirs with 405 (OPTIONS preflights aside): no fields.
  "routes/api.products.$productId.stock-advice": {
    ...SHOP_RESOURCE,
    params: { productId: "{product}" },
    forms: [{}],
    crossTenant: "not-found",
  },
  "routes/api.recomputes.$id": { ...SHOP_RESOURCE, params: { id: "{recompute}" }, forms: [{}], crossTenant: "not-found" },
  "routes/api.variants.$variantId.forecast": {
    ...SHOP_RESOURCE,
    params: { variantId: "{variant}" },
    query: RANGE,
    forms: [{}],
    crossTenant: "not-found",
  },
  "routes/api.variants.$variantId.recompute": {
    ...SHOP_RESOURCE,
    params: { variantId: "{variant}" },
    forms: [{}],
    crossTenant: "not-found",
  },
  "routes/app": { ...SHOP_PAGE, query: { locale: "en" }, crossTenant: "no-leak" },
  "routes/app._index": { ...SHOP_PAGE, crossTenant: "no-leak" },
  "routes/app.alerts._index": {
    ...SHOP_PAGE,
    forms: [
      { intent: "save", values: "{alertForm}" },
      { intent: "preview", type: "out_of_stock", values: "{alertForm}" },
      { intent: "test", recipient: "owner@{domain}", values: "{alertForm}" },
      { intent: "resend", email: "extra@{domain}" },
    ],
    refused: okFalse,
    crossTenant: "no-leak",
  },
  "routes/app.alerts.analytics": { ...SHOP_PAGE, query: { period: "30" }, crossTenant: "no-leak" },
  "routes/app.alerts.analytics[.csv]": { ...SHOP_RESOURCE, query: { period: "30" }, crossTenant: "no-leak" },
  "routes/app.billing._index": {
    ...SHOP_PAGE,
    query: { charge_id: "1234" },
    forms: [
      { intent: "choose", plan: "pro", interval: "monthly", coupon: "" },
      { intent: "cancel", reason: "other", feedback: "" },
      { intent: "portal" },
    ],
    refused: okFalse,
    crossTenant: "no-leak",
  },
  "routes/app.billing.invoices[.csv]": { ...SHOP_RESOURCE, crossTenant: "no-leak" },
  "routes/app.billing[.csv]": { ...SHOP_RESOURCE, crossTenant: "no-leak" },
  "routes/app.orders": { ...SHOP_PAGE, query: ORDERS_QUERY, crossTenant: "no-leak" },
  "routes/app.orders[.csv]": { ...SHOP_RESOURCE, query: ORDERS_QUERY, crossTenant: "no-leak" },
  "routes/app.settings": {
    ...SHOP_PAGE,
    // Read by the page's component (a link from a product's admin block), so only documents use them.
    query: { product: "{product}", title: "Product" },
    forms: [
      {
        intent: "settings",
        serviceLevelPercent: "95",
        leadTimeDays: "14",
        leadTimeSdDays: "3",
        reviewPeriodDays: "7",
        orderCost: "25",
        holdingCostPercent: "25",
        locationIds: ["{location}"],
      },
      { intent: "override", scope: "product", key: "{product}", leadTimeDays: "21", leadTimeSdDays: "2" },
      { intent: "override", scope: "vendor", key: "{vendor}", leadTimeDays: "21", leadTimeSdDays: "2" },
      { intent: "delete-override", scope: "product", key: "{product}" },
    ],
    refused: okFalse,
    crossTenant: "no-leak",
  },
  "routes/app.sync": {
    ...SHOP_PAGE,
    forms: [{ eventId: "{event}" }],
    refused: (status, body) => status >= 400 || json(body)?.replayed === false,
    crossTenant: "no-leak",
  },
  "routes/app.campaigns": {
    ...SHOP_PAGE,
    // `q` searches the shop's products for the form's product picker.
    query: { q: "Product" },
    forms: [
      {
        intent: "create",
        title: "Route table",
        startDay: "2099-06-01",
        endDay: "2099-06-07",
        target: "products",
        productIds: ["{product}"],
        percentOff: "10",
        expectedUpliftPct: "20",
      },
      {
        intent: "create",
        title: "Route table",
        startDay: "2099-06-01",
        endDay: "2099-06-07",
        target: "productTypes",
        productTypes: ["Type 1"],
        percentOff: "",
        expectedUpliftPct: "",
      },
      {
        intent: "update",
        id: "00000000-0000-4000-8000-000000000000",
        title: "Route table",
        startDay: "2099-06-01",
        endDay: "2099-06-07",
        target: "all",
        percentOff: "",
        expectedUpliftPct: "",
      },
      { intent: "delete", id: "00000000-0000-4000-8000-000000000000" },
    ],
    crossTenant: "no-leak",
  },
  "routes/app.signals._index": { ...SHOP_PAGE, query: { signal: "promotion" }, crossTenant: "no-leak" },
  "routes/app.signals[.csv]": { ...SHOP_RESOURCE, query: { signal: "promotion" }, crossTenant: "no-leak" },
  "routes/app.signals.sources": {
    ...SHOP_PAGE,
    forms: [
      {
        intent: "save",
        weatherEnabled: "true",
        weatherKind: "coordinates",
        latitude: "51.5",
        longitude: "-0.1",
        locationId: "{location}",
        label: "Warehouse",
        weatherTypes: ["Type 1"],
        indicatorsEnabled: "false",
        indicatorsCountry: "GB",
        cpiSeries: "",
        confidenceSeries: "",
        apiKey: "",
        removeApiKey: "false",
        indicatorsTypes: [],
      },
      { intent: "test", source: "weather" },
    ],
    refused: okFalse,
    crossTenant: "no-leak",
  },
  "routes/app.signals.competitors": {
    ...SHOP_PAGE,
    // `template=1` answers the CSV template (header and one example row) instead of the page.
    query: { template: "1" },
    forms: [{ intent: "upload", file: "sku,date,price\nSKU-1,2026-01-01,9.99\n" }, { intent: "delete" }],
    crossTenant: "no-leak",
  },
  "routes/app.variants.$variantId": { ...SHOP_PAGE, params: { variantId: "{variant}" }, query: RANGE, crossTenant: "not-found" },
  "routes/app.variants.$variantId.candidates": {
    ...SHOP_RESOURCE,
    params: { variantId: "{variant}" },
    query: { location: "0" },
    crossTenant: "not-found",
  },
  "routes/app.variants._index": { ...SHOP_PAGE, query: { ...LIST_QUERY, page: "1", pageSize: "50" }, crossTenant: "no-leak" },
  "routes/app.variants[.csv]": { ...SHOP_RESOURCE, query: LIST_QUERY, crossTenant: "no-leak" },
  "routes/email.confirm.$token": { kind: "page", auth: "link-token", params: { token: "{confirmToken}" }, forms: [{}] },
  "routes/email.unsubscribe.$token": {
    kind: "page",
    auth: "link-token",
    params: { token: "{unsubscribeToken}" },
    forms: [{ "List-Unsubscribe": "One-Click" }, { subscribed: "on", topics: ["out_of_stock", "weekly_summary"] }],
  },
  "routes/healthz": { kind: "resource", auth: "public", why: "liveness and readiness for the load balancer: no shop data" },
  "routes/metrics": { kind: "resource", auth: "public", why: "Prometheus scrape target: fleet-wide figures, no shop data" },
  "routes/ops": {
    kind: "page",
    auth: "public",
    why: "the console's shell: whether an operator is signed in (the sign-in page renders inside it); each child checks the session",
    query: { locale: "en", shop: "example.myshopify.com" },
  },
  "routes/ops._index": OPS_PAGE,
  "routes/ops.accounts": {
    ...OPS_PAGE,
    query: { q: "rt-", move: "{account}", moved: "{account}" },
    forms: [{ csrf: "{csrf}", accountId: "{account}", to: "stripe" }],
  },
  "routes/ops.dunning": OPS_PAGE,
  "routes/ops.login": {
    kind: "page",
    auth: "operator-login",
    query: { next: "/ops/accounts" },
    // Ten sign-in attempts per IP pass the limiter: the hostile passwords of the known operator come first (its hash
    // is cheap here), the hostile user names after, when the limit answers (an unknown name costs a full scrypt).
    forms: [{ csrf: "{loginCsrf}", password: "not-the-password", next: "/ops", user: "operator" }],
  },
  "routes/ops.logout": { ...OPS_PAGE, forms: [{ csrf: "{csrf}" }] },
  "routes/ops.revenue": { ...OPS_PAGE, query: { months: "24" } },
  "routes/ops.revenue[.csv]": { kind: "resource", auth: "operator", query: { months: "24" } },
  "routes/ops.runs": { ...OPS_PAGE, query: { ...RUNS_QUERY, page: "1" } },
  "routes/ops.runs[.csv]": { kind: "resource", auth: "operator", query: RUNS_QUERY },
  "routes/ops.webhooks": OPS_PAGE,
  "routes/webhooks.app.scopes_update": shopifyWebhook("app/scopes_update", {
    id: 1,
    previous: ["read_products"],
    current: ["read_products", "read_orders"],
  }),
  "routes/webhooks.app.uninstalled": shopifyWebhook("app/uninstalled", { id: 1, myshopify_domain: "{claimedShop}" }),
  "routes/webhooks.app_subscriptions.update": shopifyWebhook("app_subscriptions/update", {
    app_subscription: {
      admin_graphql_api_id: "gid://shopify/AppSubscription/1",
      name: "Fluxor Pro",
      status: "ACTIVE",
      updated_at: NOW,
    },
  }),
  "routes/webhooks.bulk_operations.finish": shopifyWebhook("bulk_operations/finish", {
    admin_graphql_api_id: "gid://shopify/BulkOperation/1",
    status: "completed",
    type: "query",
    completed_at: NOW,
  }),
  "routes/webhooks.customers.data_request": shopifyWebhook("customers/data_request", {
    shop_id: 1,
    shop_domain: "{claimedShop}",
    customer: { id: 1 },
    orders_requested: [1],
  }),
  "routes/webhooks.customers.redact": shopifyWebhook("customers/redact", {
    shop_id: 1,
    shop_domain: "{claimedShop}",
    customer: { id: 1 },
    orders_to_redact: [1],
  }),
  "routes/webhooks.inventory_levels.update": shopifyWebhook("inventory_levels/update", {
    inventory_item_id: 2,
    location_id: 1,
    available: 5,
    updated_at: NOW,
  }),
  "routes/webhooks.orders.cancelled": shopifyWebhook("orders/cancelled", { ...order, cancelled_at: NOW }, "routes/webhooks.orders.create"),
  "routes/webhooks.orders.create": shopifyWebhook("orders/create", order),
  "routes/webhooks.orders.fulfilled": shopifyWebhook("orders/fulfilled", order, "routes/webhooks.orders.create"),
  "routes/webhooks.discounts.create": shopifyWebhook("discounts/create", discount),
  "routes/webhooks.discounts.delete": shopifyWebhook("discounts/delete", discount, "routes/webhooks.discounts.create"),
  "routes/webhooks.discounts.update": shopifyWebhook("discounts/update", discount, "routes/webhooks.discounts.create"),
  "routes/webhooks.orders.updated": shopifyWebhook("orders/updated", order, "routes/webhooks.orders.create"),
  "routes/webhooks.products.create": shopifyWebhook("products/create", product("1")),
  "routes/webhooks.products.delete": shopifyWebhook("products/delete", { id: 1 }),
  "routes/webhooks.products.update": shopifyWebhook("products/update", product("1"), "routes/webhooks.products.create"),
  "routes/webhooks.refunds.create": shopifyWebhook("refunds/create", {
    id: 1,
    order_id: 1,
    created_at: NOW,
    refund_line_items: [{ line_item_id: 1, quantity: 1, restock_type: "return", location_id: 1 }],
  }),
  "routes/webhooks.resend": {
    kind: "webhook",
    auth: "resend-signature",
    webhook: { topic: "email.delivered", payload: { type: "email.delivered", created_at: NOW, data: { email_id: "re_hostile" } } },
  },
  "routes/webhooks.shop.redact": shopifyWebhook("shop/redact", { shop_id: 1, shop_domain: "{claimedShop}" }),
  "routes/webhooks.stripe": {
    kind: "webhook",
    auth: "stripe-signature",
    webhook: {
      topic: "customer.subscription.updated",
      payload: {
        id: "evt_hostile",
        object: "event",
        type: "customer.subscription.updated",
        created: 1767225600,
        data: { object: { id: "sub_hostile", object: "subscription", customer: "cus_hostile", metadata: {}, status: "active" } },
      },
    },
  },
};

/**
 * Route ids from the files in `app/routes`, by Remix's flat-routes convention: a module file `a.b.tsx` is route
 * `routes/a.b`; a folder with a `route.tsx` is `routes/<folder>` (its other files are the route's own modules).
 */
export function routeIdsFromFiles(routesDir: string): string[] {
  const ids: string[] = [];
  for (const name of readdirSync(routesDir)) {
    const full = path.join(routesDir, name);
    if (statSync(full).isDirectory()) {
      if (readdirSync(full).some((file) => /^route\.(tsx?|jsx?)$/.test(file))) ids.push(`routes/${name}`);
    } else if (/\.(tsx?|jsx?)$/.test(name)) ids.push(`routes/${name.replace(/\.(tsx?|jsx?)$/, "")}`);
  }
  return ids.sort();
}

/**
 * Hostile values for one path param, search param or form field: `null` leaves the field out, an array repeats it.
 * `raw` values go into a path as they are (already percent-encoded, some of them malformed on purpose).
 */
export interface Hostile {
  name: string;
  value: string | string[] | null;
  raw?: string;
}

export const HOSTILE_VALUES: Hostile[] = [
  { name: "past-bigint", value: "9223372036854775808" },
  { name: "negative", value: "-1" },
  { name: "zero", value: "0" },
  { name: "exponent", value: "1e309" },
  { name: "NUL", value: "a\u0000b" },
  { name: "surrogate-half", value: "a\uD800b" },
  { name: "10k-chars", value: "x".repeat(10_000) },
  { name: "emoji-RTL", value: "📦🔥👩‍👩‍👧\u202Eevil\u202C" },
  { name: "SQL-markup", value: "' OR 1=1--<script>alert(1)</script>" },
  { name: "JSON-object", value: "{}" },
  { name: "CRLF", value: "a\r\nSet-Cookie: x=y" },
  { name: "bad-date", value: "2026-02-30" },
  { name: "empty", value: "" },
  { name: "absent", value: null },
  { name: "repeated", value: ["1", "2"] },
];

/** Extra hostile path segments, percent-encoded as sent (malformed escapes, an encoded slash, an invalid UTF-8 sequence). */
export const HOSTILE_PATH_SEGMENTS: Hostile[] = [
  { name: "bad-escape", value: null, raw: "%E0%A4%A" },
  { name: "lone-surrogate", value: null, raw: "%ED%A0%80" },
  { name: "encoded-slash", value: null, raw: "1%2F2" },
  { name: "encoded-NUL", value: null, raw: "%00" },
];
