/**
 * Provider outages on the billing page (issue 15, "Bad input and faults"), through the page's own action and loader
 * (`app/routes/app.billing._index.tsx`, the admin's session token) against real PostgreSQL, the Stripe stand-in with
 * the REAL stripe SDK and the Shopify stand-in with the REAL Shopify library. Each provider sits behind a small fault
 * proxy of this file, which fails, drops or loses the answer of one chosen request (the stand-ins' own faults fail
 * every request, or the next ones). For each case the merchant gets the page's translated message, nothing is
 * recorded (the ledger and the account's state are as before), and the same action afterwards works once:
 * - Stripe (a direct contract): choosing a plan (Checkout), an upgrade, a downgrade, pause, resume, cancel, taking the
 *   cancel back and the portal, with Stripe answering 5xx or 429, not answering (a dropped connection), or failing only
 *   at the write after its reads succeeded; a Checkout session create and a subscription update whose answer is lost
 *   are retried by the SDK under the same idempotency key, and Stripe does them once;
 * - Shopify (an App Store install): choosing a plan, a plan change and a cancel with the Admin API answering 5xx, 429,
 *   THROTTLED or 504, or dropping the connection; a charge created whose answer was lost is never approved, and the
 *   retry's is; back from the approval page while the Admin API is down the page opens and says the plan will show
 *   shortly, and the app_subscriptions/update webhook brings it in (answered 500 while the Admin API is still down, so
 *   Shopify sends it again); a cancel that Shopify made but that could not be read back is recorded at once, and a
 *   second cancel from a page left open is answered without asking Shopify.
 */
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Session } from "@shopify/shopify-api";
import Stripe from "stripe";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createI18n } from "../../app/i18n/i18n";
import type * as PageRoute from "../../app/routes/app.billing._index";
import type { Shop } from "../../app/shops/lookup.server";
import { redirectShopifyFetch, startShopifyStandIn, type AppConfig, type ShopifyStandIn } from "../mocks/shopify";
import { newWebhookSecret, startStripeStandIn, type StripeStandIn } from "../mocks/stripe";
import { createTestDatabase, sql } from "../support/db";
import { sessionToken } from "../support/session-token";

/** A direct contract (the Stripe rail) and an App Store install (the Shopify rail), both in Fluxor's trial. */
const STRIPE_SHOP = "outage-contract.myshopify.com";
const SHOPIFY_SHOP = "outage-store.myshopify.com";
const UPDATE = "app_subscriptions/update";
/** The library's answer to a data request that must leave the iframe (App Bridge follows it). */
const REAUTHORIZE = "X-Shopify-API-Request-Failure-Reauthorize-Url";

process.env.SHOPIFY_API_KEY = "fluxor-test-key";
process.env.SHOPIFY_API_SECRET = "fluxor-test-secret-" + randomBytes(6).toString("hex");
process.env.SHOPIFY_APP_URL = "https://fluxor.test";
process.env.SCOPES = "read_products";
process.env.SHOPIFY_ADMIN_URL = "https://admin.shopify.test";
process.env.FLUXOR_ENCRYPTION_KEYS = `t1:${randomBytes(32).toString("base64")}`;
process.env.FLUXOR_STRIPE_RAIL_SHOPS = STRIPE_SHOP;
process.env.STRIPE_SECRET_KEY = "sk_test_fluxor_outage";
process.env.STRIPE_WEBHOOK_SECRET = newWebhookSecret();

// ---------------------------------------------------------------------------------------------------------
// A fault proxy in front of a stand-in

/** What the proxy does to a request a rule picks. */
type ProxyFault =
  /** Answers this status; the request never reaches the provider. */
  | { kind: "status"; status: number }
  /** Closes the connection unanswered (a timeout); the request never reaches the provider. */
  | { kind: "drop" }
  /** The provider carries the request out, and its answer is lost on the way back (a timeout after the work). */
  | { kind: "lose-answer" };

interface Passing {
  method: string;
  path: string;
  idempotencyKey: string | null;
  body: string;
}

/** Headers that belong to one connection, not to the request: the proxy sets its own. */
const HOP_BY_HOP = new Set(["host", "connection", "keep-alive", "content-length", "transfer-encoding", "content-encoding"]);

interface FaultProxy {
  url: string;
  /** Every request that came through, oldest first. */
  seen: Passing[];
  /** The next `times` requests that `match` get `fault`. */
  fail(match: (passing: Passing) => boolean, fault: ProxyFault, times?: number): void;
  clear(): void;
  close(): Promise<void>;
}

async function startFaultProxy(target: string, failureBody: (status: number) => unknown): Promise<FaultProxy> {
  const seen: Passing[] = [];
  const rules: { match: (passing: Passing) => boolean; fault: ProxyFault; left: number }[] = [];
  const forward = async (req: IncomingMessage, passing: Passing) => {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) if (typeof value === "string" && !HOP_BY_HOP.has(name)) headers[name] = value;
    const upstream = await fetch(`${target}${passing.path}`, {
      method: passing.method,
      headers,
      body: passing.method === "GET" ? undefined : passing.body,
    });
    const answer: Record<string, string> = {};
    upstream.headers.forEach((value, name) => {
      if (!HOP_BY_HOP.has(name)) answer[name] = value;
    });
    return { status: upstream.status, headers: answer, body: await upstream.text() };
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const key = req.headers["idempotency-key"];
      const passing: Passing = {
        method: req.method ?? "GET",
        path: req.url ?? "/",
        idempotencyKey: typeof key === "string" ? key : null,
        body: Buffer.concat(chunks).toString("utf8"),
      };
      seen.push(passing);
      const rule = rules.find((r) => r.left > 0 && r.match(passing));
      if (rule) rule.left -= 1;
      const fault = rule?.fault;
      if (fault?.kind === "drop") return void req.socket.destroy();
      if (fault?.kind === "status")
        return void res.writeHead(fault.status, { "content-type": "application/json" }).end(JSON.stringify(failureBody(fault.status)));
      forward(req, passing)
        .then((answer) => {
          if (fault?.kind === "lose-answer") req.socket.destroy();
          else res.writeHead(answer.status, answer.headers).end(answer.body);
        })
        .catch(() => res.writeHead(502).end());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    fail: (match, fault, times = 1) => void rules.push({ match, fault, left: times }),
    clear: () => void rules.splice(0),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// ---------------------------------------------------------------------------------------------------------
// The stack

type Args = { request: Request; params: Record<string, string>; context: { clientIp: string } };
type ActionData = Awaited<ReturnType<typeof PageRoute.action>>;
type PageData = Awaited<ReturnType<typeof PageRoute.loader>>;
type WebhookAction = (args: Args) => Promise<Response>;

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let stripe: StripeStandIn;
let stripeProxy: FaultProxy;
/** Fluxor's Stripe account, read directly (not through the proxy) to see what Stripe holds. */
let stripeApi: Stripe;
let shopify: ShopifyStandIn;
let shopifyProxy: FaultProxy;
let restoreFetch: (() => void) | undefined;
let receiver: Server;
let door: Server;
let pageAction: (args: Args) => Promise<ActionData>;
let pageLoader: (args: Args) => Promise<PageData>;
let stripeWebhook: WebhookAction;
let subscriptionWebhook: WebhookAction;
let closePool: () => Promise<void>;
const shops = new Map<string, Shop>();

/** The app_subscriptions/update webhooks Shopify sent, held at the app's door until a test hands them to Fluxor. */
const deliveries: { headers: Record<string, string>; body: string }[] = [];

const args = (request: Request): Args => ({ request, params: {}, context: { clientIp: "127.0.0.1" } });

/** What the merchant's form post came back with: the action's data, or where the page sends the top window. */
type Outcome = { data: ActionData } | { redirect: string };

async function submit(domain: string, fields: Record<string, string>): Promise<Outcome> {
  const request = new Request("https://fluxor.test/app/billing", {
    method: "POST",
    headers: { Authorization: `Bearer ${sessionToken(domain)}`, "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(fields).toString(),
  });
  try {
    return { data: await pageAction(args(request)) };
  } catch (thrown) {
    const to = thrown instanceof Response && thrown.status === 401 ? thrown.headers.get(REAUTHORIZE) : null;
    if (to) return { redirect: to };
    throw thrown;
  }
}

async function openPage(domain: string, query = ""): Promise<PageData> {
  const request = new Request(`https://fluxor.test/app/billing${query}`, { headers: { Authorization: `Bearer ${sessionToken(domain)}` } });
  return pageLoader(args(request));
}

/** The refusal the page shows: the form's error, nothing else. */
function refused(intent: string, error: "stripe_unavailable" | "shopify_unavailable"): Outcome {
  return { data: { intent, ok: false, errors: { form: error } } };
}

/** The account's stored state and its whole ledger: what an outage must leave as it was. */
async function snapshot(domain: string) {
  const shopId = shops.get(domain)!.id;
  const [account] = await sql<{ state: unknown }>(db.url, `SELECT state FROM "BillingAccount" WHERE "shopId" = $1`, [shopId]);
  const events = await sql<{ type: string; providerEventId: string }>(
    db.url,
    `SELECT e.type, e."providerEventId" FROM "BillingEvent" e JOIN "BillingAccount" a ON a.id = e."accountId"
      WHERE a."shopId" = $1 ORDER BY e.seq`,
    [shopId],
  );
  return { state: account?.state ?? null, events: events.map((e) => `${e.type} ${e.providerEventId}`) };
}

async function customerOf(domain: string): Promise<string | null> {
  const [row] = await sql<{ id: string | null }>(db.url, `SELECT "stripeCustomerId" AS id FROM "BillingAccount" WHERE "shopId" = $1`, [
    shops.get(domain)!.id,
  ]);
  return row?.id ?? null;
}

/** The failures the audit trail holds for the shop, by what failed. */
async function auditedFailures(domain: string): Promise<string[]> {
  const rows = await sql<{ error: string }>(
    db.url,
    `SELECT detail->>'error' AS error FROM "AuditLog" WHERE "shopDomain" = $1 AND event = 'billing_change' AND outcome = 'failure' ORDER BY "createdAt"`,
    [domain],
  );
  return rows.map((r) => r.error);
}

/**
 * Hands the webhooks Shopify sent so far to Fluxor's route; answers each status, as webhook-dispatch.server.ts sends
 * it: a thrown Response as itself, an error as 500. One not answered 2xx stays at the door: Shopify sends it again.
 */
async function deliverSubscriptionWebhooks(): Promise<number[]> {
  await shopify.webhooks.idle();
  const statuses: number[] = [];
  for (const delivery of deliveries.splice(0)) {
    const request = new Request(`https://fluxor.test/webhooks/${UPDATE}`, {
      method: "POST",
      headers: delivery.headers,
      body: delivery.body,
    });
    let status: number;
    try {
      status = (await subscriptionWebhook(args(request))).status;
    } catch (thrown) {
      status = thrown instanceof Response ? thrown.status : 500;
    }
    statuses.push(status);
    if (status >= 300) deliveries.push(delivery);
  }
  return statuses;
}

/** The merchant decides on Shopify's approval page; answers the `charge_id` Shopify sends them back with. */
async function approve(confirmationUrl: string): Promise<string> {
  const response = await fetch(confirmationUrl, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ decision: "approve" }),
    redirect: "manual",
  });
  await response.arrayBuffer();
  expect(response.status).toBe(303);
  const chargeId = new URL(response.headers.get("location")!).searchParams.get("charge_id");
  expect(chargeId).toMatch(/^\d+$/);
  return chargeId!;
}

const isGraphql = (passing: Passing, operation: string) => passing.path.endsWith("/graphql.json") && passing.body.includes(operation);

beforeAll(async () => {
  db = await createTestDatabase();

  // Stripe: its signed webhooks reach Fluxor's own route; the SDK talks to it through the fault proxy.
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) if (typeof value === "string") headers[name] = value;
      const request = new Request("https://fluxor.test/webhooks/stripe", {
        method: "POST",
        headers,
        body: Buffer.concat(chunks).toString("utf8"),
      });
      stripeWebhook(args(request))
        .then(async (response) => res.writeHead(response.status).end(await response.text()))
        .catch(() => res.writeHead(500).end());
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  stripe = await startStripeStandIn({
    webhook: {
      url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks/stripe`,
      secret: process.env.STRIPE_WEBHOOK_SECRET!,
    },
  });
  stripeProxy = await startFaultProxy(stripe.url, (status) => ({
    error: { type: "api_error", message: `Stripe answered ${status} (fault proxy)` },
  }));
  process.env.STRIPE_API_BASE = stripeProxy.url;
  stripeApi = new Stripe(process.env.STRIPE_SECRET_KEY!, { ...stripe.sdkConfig, maxNetworkRetries: 0 });

  // Shopify: the stand-in hosts the App Store install; its webhooks wait at the door.
  door = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers))
        if (typeof value === "string" && (name.startsWith("x-shopify-") || name === "content-type")) headers[name] = value;
      deliveries.push({ headers, body: Buffer.concat(chunks).toString("utf8") });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => door.listen(0, "127.0.0.1", resolve));
  const app: AppConfig = {
    apiKey: process.env.SHOPIFY_API_KEY!,
    apiSecret: process.env.SHOPIFY_API_SECRET!,
    appUrl: `http://127.0.0.1:${(door.address() as AddressInfo).port}`,
    handle: "fluxor",
    name: "Fluxor",
    redirectUrls: [],
    scopes: ["read_products"],
    apiVersion: "2025-10",
    subscriptions: [{ topic: UPDATE, uri: `/webhooks/${UPDATE}`, compliance: false }],
  };
  shopify = await startShopifyStandIn({ app, stores: [{ domain: SHOPIFY_SHOP, seed: 11, scale: { products: 6, days: 10 } }] });
  shopifyProxy = await startFaultProxy(shopify.url, (status) => ({ errors: `Shopify answered ${status} (fault proxy)` }));
  // Before the app's Shopify library loads (it keeps the fetch it finds).
  restoreFetch = redirectShopifyFetch(shopifyProxy.url);

  const pool = await import("../../app/db/pool.server");
  closePool = pool.closePool;
  const { shopByDomain } = await import("../../app/shops/lookup.server");
  const shopifyApp = (await import("../../app/shopify.server")).default;
  for (const domain of [STRIPE_SHOP, SHOPIFY_SHOP]) {
    const handle = domain.replace(/\.myshopify\.com$/, "");
    await sql(
      db.url,
      `INSERT INTO "Shop" (id, domain, name, email, "ianaTimezone", "installState", scopes, "updatedAt")
       VALUES (gen_random_uuid(), $1, $2, $3, 'Europe/London', 'INSTALLED', $4, now())`,
      [domain, handle, `owner@${handle}.test`, process.env.SCOPES],
    );
    shops.set(domain, (await shopByDomain(pool.pool(), domain))!);
    await shopifyApp.sessionStorage.storeSession(
      new Session({
        id: `offline_${domain}`,
        shop: domain,
        state: "",
        isOnline: false,
        scope: process.env.SCOPES,
        // The direct contract's admin is never called; the App Store install's token is the stand-in's.
        accessToken: domain === SHOPIFY_SHOP ? shopify.issueAccessToken(domain) : `shpat_${handle}`,
      }),
    );
  }
  const page = (await import("../../app/routes/app.billing._index")) as unknown as { action: typeof pageAction; loader: typeof pageLoader };
  pageAction = page.action;
  pageLoader = page.loader;
  stripeWebhook = ((await import("../../app/routes/webhooks.stripe")) as unknown as { action: WebhookAction }).action;
  subscriptionWebhook = ((await import("../../app/routes/webhooks.app_subscriptions.update")) as unknown as { action: WebhookAction })
    .action;
}, 120_000);

afterEach(() => {
  stripe.faults.clear();
  stripeProxy.clear();
  shopifyProxy.clear();
});

afterAll(async () => {
  restoreFetch?.();
  await stripe?.close();
  await stripeProxy?.close();
  await shopify?.close();
  await shopifyProxy?.close();
  await new Promise<void>((resolve) => (receiver ? receiver.close(() => resolve()) : resolve()));
  await new Promise<void>((resolve) => (door ? door.close(() => resolve()) : resolve()));
  await closePool?.();
  await (await import("../../app/db/prisma.server")).disconnectPrisma();
  await db?.drop();
});

describe("the page's messages", () => {
  it("are the page's own text in English, Spanish and French, naming the provider", () => {
    const texts = (key: string) =>
      (["en", "es", "fr"] as const).map((locale) => {
        const i18n = createI18n(locale);
        expect(i18n.exists(`billing:${key}`), `${locale} ${key}`).toBe(true);
        return i18n.t(`billing:${key}`);
      });
    for (const provider of ["Stripe", "Shopify"]) {
      const [en, es, fr] = texts(`errors.form.${provider.toLowerCase()}_unavailable`);
      for (const text of [en, es, fr]) expect(text).toContain(provider);
      expect(new Set([en, es, fr]).size).toBe(3);
    }
    const pending = texts("returned.pending");
    for (const text of pending) expect(text).toContain("Shopify");
    expect(new Set(pending).size).toBe(3);
  });
});

describe("the Stripe rail while Stripe is down", () => {
  let subscriptionId = "";
  const plan = async () => (await stripeApi.subscriptions.retrieve(subscriptionId)).items.data[0]!.price.lookup_key;
  const checkoutSessions = async () => (await stripeApi.checkout.sessions.list({ limit: 100 })).data.length;

  it("opens the page in the trial, without a subscription", async () => {
    const page = await openPage(STRIPE_SHOP);
    expect(page.rail).toBe("stripe");
    expect(page.state).toMatchObject({ status: "trialing", subscriptionId: null });
  });

  it("choosing a plan: the message, nothing recorded and no Checkout session, whether Stripe answers 5xx or 429, drops the connection or fails only at the Checkout", async () => {
    const before = await snapshot(STRIPE_SHOP);
    const faults: [string, () => void][] = [
      ["an outage (503)", () => stripe.faults.outage(60_000)],
      ["500 on every retry", () => stripe.faults.failNext(3, { status: 500 })],
      ["429", () => stripe.faults.failNext(1, { status: 429 })],
      ["no answer", () => stripeProxy.fail(() => true, { kind: "drop" }, 3)],
      [
        "503 at the Checkout after its reads and the customer",
        () => stripeProxy.fail((p) => p.method === "POST" && p.path === "/v1/checkout/sessions", { kind: "status", status: 503 }, 3),
      ],
    ];
    for (const [name, arm] of faults) {
      arm();
      expect(await submit(STRIPE_SHOP, { intent: "choose", plan: "pro", interval: "monthly" }), name).toEqual(
        refused("choose", "stripe_unavailable"),
      );
      stripe.faults.clear();
      stripeProxy.clear();
      expect(await snapshot(STRIPE_SHOP), name).toEqual(before);
      expect(await checkoutSessions(), name).toBe(0);
    }
    // The last one got as far as the customer (created under Fluxor's idempotency key, kept for the retry).
    expect(await customerOf(STRIPE_SHOP)).toMatch(/^cus_/);
    expect(await auditedFailures(STRIPE_SHOP)).toEqual(Array(faults.length).fill("stripe_unavailable"));
  });

  it("after the outage the same choice opens one Checkout session, also when Stripe's answer is lost (the SDK retries under the same idempotency key)", async () => {
    const from = stripeProxy.seen.length;
    stripeProxy.fail((p) => p.method === "POST" && p.path === "/v1/checkout/sessions", { kind: "lose-answer" });
    const outcome = await submit(STRIPE_SHOP, { intent: "choose", plan: "pro", interval: "monthly" });
    expect("redirect" in outcome && outcome.redirect).toMatch(/cs_test_\w+/);
    const creates = stripeProxy.seen.slice(from).filter((p) => p.method === "POST" && p.path === "/v1/checkout/sessions");
    expect(creates).toHaveLength(2);
    expect(creates[0]!.idempotencyKey).toBeTruthy();
    expect(creates[1]!.idempotencyKey).toBe(creates[0]!.idempotencyKey);
    expect(await checkoutSessions()).toBe(1);
    const customer = await customerOf(STRIPE_SHOP);
    expect((await stripeApi.customers.list({ email: "owner@outage-contract.test", limit: 10 })).data.map((c) => c.id)).toEqual([customer]);

    const sessionId = /cs_test_\w+/.exec("redirect" in outcome ? outcome.redirect : "")![0];
    expect(
      (await stripe.checkout.complete(sessionId, { card: "4242 4242 4242 4242", country: "GB", postalCode: "EC1A 1BB" })).error,
    ).toBeNull();
    await stripe.webhooks.idle();
    const page = await openPage(STRIPE_SHOP);
    expect(page.state).toMatchObject({ provider: "stripe", plan: "pro", interval: "monthly", status: "trialing" });
    subscriptionId = page.state!.subscriptionId!;
    expect((await stripeApi.subscriptions.list({ customer: customer!, status: "all" })).data).toHaveLength(1);
  });

  it("upgrading: the message and the plan unchanged, whether Stripe is down or fails only at the update", async () => {
    const before = await snapshot(STRIPE_SHOP);
    const update = (p: Passing) => p.method === "POST" && p.path === `/v1/subscriptions/${subscriptionId}`;
    for (const arm of [() => stripe.faults.outage(60_000), () => stripeProxy.fail(update, { kind: "status", status: 502 }, 3)]) {
      arm();
      expect(await submit(STRIPE_SHOP, { intent: "choose", plan: "enterprise", interval: "monthly" })).toEqual(
        refused("choose", "stripe_unavailable"),
      );
      stripe.faults.clear();
      stripeProxy.clear();
      await stripe.webhooks.idle();
      expect(await snapshot(STRIPE_SHOP)).toEqual(before);
      expect(await plan()).toBe("fluxor_pro_monthly");
    }

    // Then it works, once, though the update's answer is lost on the way back.
    const from = stripeProxy.seen.length;
    stripeProxy.fail(update, { kind: "lose-answer" });
    expect(await submit(STRIPE_SHOP, { intent: "choose", plan: "enterprise", interval: "monthly" })).toEqual({
      data: { intent: "choose", ok: true, message: "changed" },
    });
    const updates = stripeProxy.seen.slice(from).filter(update);
    expect(updates).toHaveLength(2);
    expect(updates[1]!.idempotencyKey).toBe(updates[0]!.idempotencyKey);
    const changes = (await stripeApi.events.list({ type: "customer.subscription.updated", limit: 100 })).data.filter(
      (e) => e.request?.idempotency_key === updates[0]!.idempotencyKey,
    );
    expect(changes).toHaveLength(1);
    await stripe.webhooks.idle();
    expect(await plan()).toBe("fluxor_enterprise_monthly");
    expect((await openPage(STRIPE_SHOP)).state).toMatchObject({ plan: "enterprise", priceCents: 19900 });
  });

  it("downgrading: no change is scheduled while Stripe is down or fails at the update; then one is", async () => {
    const before = await snapshot(STRIPE_SHOP);
    const update = (p: Passing) => p.method === "POST" && p.path === `/v1/subscriptions/${subscriptionId}`;
    for (const arm of [() => stripe.faults.outage(60_000), () => stripeProxy.fail(update, { kind: "status", status: 503 }, 3)]) {
      arm();
      expect(await submit(STRIPE_SHOP, { intent: "choose", plan: "starter", interval: "monthly" })).toEqual(
        refused("choose", "stripe_unavailable"),
      );
      stripe.faults.clear();
      stripeProxy.clear();
      // Nothing the billing tick would try to apply: no scheduled change in the ledger, no next price at Stripe.
      expect(await snapshot(STRIPE_SHOP)).toEqual(before);
      expect((await stripeApi.subscriptions.retrieve(subscriptionId)).metadata.fluxor_next_price).toBeUndefined();
    }
    for (let i = 0; i < 2; i++)
      expect(await submit(STRIPE_SHOP, { intent: "choose", plan: "starter", interval: "monthly" })).toEqual({
        data: { intent: "choose", ok: true, message: "scheduled" },
      });
    await stripe.webhooks.idle();
    const after = await snapshot(STRIPE_SHOP);
    expect(after.events.filter((e) => e.startsWith("plan_change_scheduled "))).toHaveLength(1);
    expect((await stripeApi.subscriptions.retrieve(subscriptionId)).metadata.fluxor_next_price).toMatch(/^price_/);
    expect((await openPage(STRIPE_SHOP)).state).toMatchObject({ plan: "enterprise", pendingDowngrade: { plan: "starter" } });
  });

  it("pause, resume, cancel and taking the cancel back: the message and nothing changed during the outage, then each works", async () => {
    const steps: [Record<string, string>, string, (state: PageData["state"]) => void][] = [
      [{ intent: "pause" }, "paused", (state) => expect(state?.status).toBe("paused")],
      [{ intent: "resume" }, "resumed", (state) => expect(state?.status).toBe("trialing")],
      [{ intent: "cancel", reason: "too_expensive" }, "cancelled", (state) => expect(state?.cancelAtPeriodEnd).toBe(true)],
      [{ intent: "withdraw_cancel" }, "cancel_withdrawn", (state) => expect(state?.cancelAtPeriodEnd).toBe(false)],
    ];
    for (const [fields, message, check] of steps) {
      const before = await snapshot(STRIPE_SHOP);
      stripe.faults.outage(60_000);
      expect(await submit(STRIPE_SHOP, fields), fields.intent).toEqual(refused(fields.intent!, "stripe_unavailable"));
      stripe.faults.clear();
      await stripe.webhooks.idle();
      expect(await snapshot(STRIPE_SHOP), fields.intent).toEqual(before);
      expect(await submit(STRIPE_SHOP, fields), fields.intent).toEqual({ data: { intent: fields.intent, ok: true, message } });
      await stripe.webhooks.idle();
      check((await openPage(STRIPE_SHOP)).state);
    }
  });

  it("the portal: the message while Stripe is down, then Stripe's portal", async () => {
    stripe.faults.outage(60_000);
    expect(await submit(STRIPE_SHOP, { intent: "portal" })).toEqual(refused("portal", "stripe_unavailable"));
    stripe.faults.clear();
    const outcome = await submit(STRIPE_SHOP, { intent: "portal" });
    expect("redirect" in outcome && outcome.redirect.startsWith(stripe.url)).toBe(true);
  });
});

describe("the Shopify rail while the Admin API is down", () => {
  const subscriptions = () => shopify.billing.subscriptions(SHOPIFY_SHOP);
  let chosen = "";

  it("opens the page in the trial, without a subscription", async () => {
    const page = await openPage(SHOPIFY_SHOP);
    expect(page.rail).toBe("shopify");
    expect(page.state).toMatchObject({ status: "trialing", subscriptionId: null });
  });

  it("choosing a plan: the message, nothing recorded and no charge at Shopify, for 5xx, 429, THROTTLED, a gateway timeout or no answer", async () => {
    const before = await snapshot(SHOPIFY_SHOP);
    const faults: [string, () => void][] = [
      ["500", () => shopify.billing.failNext(SHOPIFY_SHOP, { status: 500 })],
      ["503", () => shopify.billing.failNext(SHOPIFY_SHOP, { status: 503 })],
      ["429", () => shopify.billing.failNext(SHOPIFY_SHOP, { status: 429 })],
      ["THROTTLED", () => shopify.billing.failNext(SHOPIFY_SHOP, { throttled: true })],
      ["504", () => shopify.billing.failNext(SHOPIFY_SHOP, { status: 504 })],
      ["no answer", () => shopifyProxy.fail((p) => isGraphql(p, "appSubscriptionCreate"), { kind: "drop" })],
    ];
    for (const [name, arm] of faults) {
      arm();
      expect(await submit(SHOPIFY_SHOP, { intent: "choose", plan: "starter", interval: "monthly" }), name).toEqual(
        refused("choose", "shopify_unavailable"),
      );
      expect(await snapshot(SHOPIFY_SHOP), name).toEqual(before);
      expect(subscriptions(), name).toEqual([]);
    }
    expect(await auditedFailures(SHOPIFY_SHOP)).toEqual(Array(faults.length).fill("shopify_unavailable"));
  });

  it("a charge Shopify created but whose answer was lost is never approved; the retry's is, and becomes the one plan", async () => {
    const before = await snapshot(SHOPIFY_SHOP);
    shopifyProxy.fail((p) => isGraphql(p, "appSubscriptionCreate"), { kind: "lose-answer" });
    expect(await submit(SHOPIFY_SHOP, { intent: "choose", plan: "starter", interval: "monthly" })).toEqual(
      refused("choose", "shopify_unavailable"),
    );
    expect(await snapshot(SHOPIFY_SHOP)).toEqual(before);
    expect(subscriptions().map((s) => s.status)).toEqual(["PENDING"]);

    const outcome = await submit(SHOPIFY_SHOP, { intent: "choose", plan: "starter", interval: "monthly" });
    expect("redirect" in outcome).toBe(true);
    chosen = await approve("redirect" in outcome ? outcome.redirect : "");
    expect(subscriptions().map((s) => [s.id, s.status])).toEqual([
      [expect.any(Number), "PENDING"],
      [Number(chosen), "ACTIVE"],
    ]);
  });

  it("back from the approval page while the Admin API is down: the page opens, says the plan will show shortly, records nothing", async () => {
    const before = await snapshot(SHOPIFY_SHOP);
    for (const arm of [
      () => shopify.faults.failAdminCalls(SHOPIFY_SHOP, { status: 503 }),
      () => shopify.faults.failAdminCalls(SHOPIFY_SHOP, { status: 429 }),
      () => shopifyProxy.fail((p) => isGraphql(p, "FluxorSubscription"), { kind: "drop" }),
    ]) {
      arm();
      const page = await openPage(SHOPIFY_SHOP, `?charge_id=${chosen}`);
      expect(page.returned).toEqual({ outcome: "pending" });
      expect(page.state).toMatchObject({ status: "trialing", subscriptionId: null });
      expect(await snapshot(SHOPIFY_SHOP)).toEqual(before);
    }
  });

  it("the app_subscriptions/update webhook brings the plan in: refused while the Admin API is down (Shopify sends it again), then recorded", async () => {
    shopify.faults.failAdminCalls(SHOPIFY_SHOP, { status: 503 });
    expect(await deliverSubscriptionWebhooks()).toEqual([503]);
    expect((await snapshot(SHOPIFY_SHOP)).state).toMatchObject({ subscriptionId: null });
    expect(await deliverSubscriptionWebhooks()).toEqual([200]);
    const page = await openPage(SHOPIFY_SHOP);
    expect(page.state).toMatchObject({ subscriptionId: `gid://shopify/AppSubscription/${chosen}`, plan: "starter", status: "trialing" });
    // The approval's return once Shopify answers again: the same subscription, nothing more in the ledger.
    const before = await snapshot(SHOPIFY_SHOP);
    expect((await openPage(SHOPIFY_SHOP, `?charge_id=${chosen}`)).returned).toEqual({
      outcome: "recorded",
      status: "ACTIVE",
      plan: "starter",
      interval: "monthly",
    });
    expect(await snapshot(SHOPIFY_SHOP)).toEqual(before);
  });

  it("a plan change: the message and nothing recorded while the Admin API fails; the retry replaces the plan once", async () => {
    const before = await snapshot(SHOPIFY_SHOP);
    const charges = subscriptions().length;
    for (const fault of [{ status: 503 }, { status: 429 }, { throttled: true }]) {
      shopify.billing.failNext(SHOPIFY_SHOP, fault);
      expect(await submit(SHOPIFY_SHOP, { intent: "choose", plan: "pro", interval: "monthly" })).toEqual(
        refused("choose", "shopify_unavailable"),
      );
      expect(await snapshot(SHOPIFY_SHOP)).toEqual(before);
      expect(subscriptions()).toHaveLength(charges);
    }
    const outcome = await submit(SHOPIFY_SHOP, { intent: "choose", plan: "pro", interval: "monthly" });
    const upgraded = await approve("redirect" in outcome ? outcome.redirect : "");
    expect(await deliverSubscriptionWebhooks()).toEqual([200, 200]);
    expect(
      subscriptions()
        .filter((s) => s.status === "ACTIVE")
        .map((s) => s.id),
    ).toEqual([Number(upgraded)]);
    expect((await openPage(SHOPIFY_SHOP)).state).toMatchObject({
      subscriptionId: `gid://shopify/AppSubscription/${upgraded}`,
      plan: "pro",
      priceCents: 7900,
    });
  });

  it("cancelling: the message in the cancel dialog and the plan kept while the Admin API fails", async () => {
    const before = await snapshot(SHOPIFY_SHOP);
    const live = before.state as { subscriptionId: string };
    for (const arm of [
      () => shopify.billing.failNext(SHOPIFY_SHOP, { status: 500 }),
      () => shopify.billing.failNext(SHOPIFY_SHOP, { status: 429 }),
      () => shopifyProxy.fail((p) => isGraphql(p, "appSubscriptionCancel"), { kind: "drop" }),
    ]) {
      arm();
      expect(await submit(SHOPIFY_SHOP, { intent: "cancel", reason: "closing_store" })).toEqual(refused("cancel", "shopify_unavailable"));
      expect(await snapshot(SHOPIFY_SHOP)).toEqual(before);
      expect(subscriptions().find((s) => s.gid === live.subscriptionId)?.status).toBe("ACTIVE");
    }
  });

  it("a cancel Shopify made but that could not be read back is recorded at once; its webhook adds nothing", async () => {
    const before = await snapshot(SHOPIFY_SHOP);
    const live = before.state as { subscriptionId: string };
    shopifyProxy.fail((p) => isGraphql(p, "FluxorSubscription"), { kind: "status", status: 503 });
    expect(await submit(SHOPIFY_SHOP, { intent: "cancel", reason: "closing_store" })).toEqual({
      data: { intent: "cancel", ok: true, message: "cancelled" },
    });
    expect(subscriptions().find((s) => s.gid === live.subscriptionId)?.status).toBe("CANCELLED");
    const after = await snapshot(SHOPIFY_SHOP);
    expect(after.events).toEqual([...before.events, `cancelled ${live.subscriptionId}:cancelled`]);
    expect((await openPage(SHOPIFY_SHOP)).state).toMatchObject({ subscriptionId: live.subscriptionId, status: "cancelled" });
    expect(await deliverSubscriptionWebhooks()).toEqual([200]);
    expect(await snapshot(SHOPIFY_SHOP)).toEqual(after);

    // The same cancel again, from a page left open: nothing left to cancel, and Shopify is not asked.
    const from = shopifyProxy.seen.length;
    expect(await submit(SHOPIFY_SHOP, { intent: "cancel", reason: "closing_store" })).toEqual({
      data: { intent: "cancel", ok: false, errors: { form: "no_subscription" } },
    });
    expect(shopifyProxy.seen.slice(from)).toEqual([]);
  });
});
