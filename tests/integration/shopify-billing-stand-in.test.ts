/**
 * The stand-in's Billing API driven by the REAL @shopify/shopify-api billing functions (request, check,
 * createUsageRecord, updateUsageCappedAmount, cancel): confirmationUrl → approval page over HTTP →
 * ACTIVE → usage (capped, idempotent) → cancel; HMAC-signed app_subscriptions/* webhooks; decline,
 * expiry, tampered links; replacementBehavior; FROZEN; injected faults; uninstall.
 */
import "@shopify/shopify-api/adapters/node";
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import {
  ApiVersion,
  BillingError,
  BillingInterval,
  BillingReplacementBehavior,
  HttpResponseError,
  LogSeverity,
  shopifyApi,
  type BillingConfig,
  type Session,
  type Shopify,
} from "@shopify/shopify-api";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { redirectShopifyFetch, startShopifyStandIn, type AppConfig, type ShopifyStandIn } from "../mocks/shopify";

const SHOP = "billing-main.myshopify.com";
const SWAP_SHOP = "billing-swap.myshopify.com";
const EDGE_SHOP = "billing-edge.myshopify.com";
const SHOPS = [SHOP, SWAP_SHOP, EDGE_SHOP];
const TODAY = "2026-03-15";
const UPDATE = "app_subscriptions/update";
const APPROACHING = "app_subscriptions/approaching_capped_amount";

const PLANS = {
  Growth: {
    trialDays: 7,
    lineItems: [
      {
        amount: 20,
        currencyCode: "USD",
        interval: BillingInterval.Every30Days,
        discount: { durationLimitInIntervals: 3, value: { percentage: 0.25 } },
      },
      { amount: 100, currencyCode: "USD", interval: BillingInterval.Usage, terms: "0.10 USD per forecast run" },
    ],
  },
  Basic: { lineItems: [{ amount: 30, currencyCode: "USD", interval: BillingInterval.Every30Days }] },
  Pro: {
    replacementBehavior: BillingReplacementBehavior.ApplyImmediately,
    lineItems: [{ amount: 90, currencyCode: "USD", interval: BillingInterval.Every30Days }],
  },
  Starter: {
    replacementBehavior: BillingReplacementBehavior.ApplyOnNextBillingCycle,
    lineItems: [{ amount: 10, currencyCode: "USD", interval: BillingInterval.Every30Days }],
  },
  Yearly: { lineItems: [{ amount: 300, currencyCode: "USD", interval: BillingInterval.Annual }] },
} satisfies BillingConfig;
type Plan = keyof typeof PLANS;

let standIn: ShopifyStandIn;
let shopify: Shopify;
let appServer: Server;
let appUrl: string;
let restoreFetch: () => void;
const sessions = new Map<string, Session>();
interface Received {
  topic: string;
  shop: string;
  valid: boolean;
  payload: { app_subscription?: Record<string, unknown> } & Record<string, unknown>;
}
const received: Received[] = [];

async function readRaw(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** The app: only webhook endpoints, validated by the real library. */
async function appHandler(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const rawBody = await readRaw(req);
  const check = await shopify.webhooks.validate({ rawBody, rawRequest: req, rawResponse: res });
  received.push({
    topic: String(req.headers["x-shopify-topic"]),
    shop: String(req.headers["x-shopify-shop-domain"]),
    valid: check.valid,
    payload: JSON.parse(rawBody) as Received["payload"],
  });
  res.writeHead(check.valid ? 200 : 401);
  res.end();
}

beforeAll(async () => {
  appServer = createServer((req, res) => {
    appHandler(req, res).catch((error: unknown) => {
      res.writeHead(500);
      res.end(String(error));
    });
  });
  await new Promise<void>((resolve) => appServer.listen(0, "127.0.0.1", resolve));
  appUrl = `http://127.0.0.1:${(appServer.address() as AddressInfo).port}`;
  const app: AppConfig = {
    apiKey: "fluxor-billing-key",
    apiSecret: randomBytes(16).toString("hex"),
    appUrl,
    handle: "fluxor",
    name: "Fluxor",
    redirectUrls: [],
    scopes: ["read_products"],
    apiVersion: "2025-10",
    subscriptions: [UPDATE, APPROACHING, "app/uninstalled"].map((topic) => ({ topic, uri: `/webhooks/${topic}`, compliance: false })),
  };
  standIn = await startShopifyStandIn({
    app,
    stores: SHOPS.map((domain, i) => ({ domain, seed: 11 + i, today: TODAY, scale: { products: 8, days: 20 } })),
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
    billing: PLANS,
    logger: { level: LogSeverity.Error },
  });
  for (const domain of SHOPS) {
    const session = shopify.session.customAppSession(domain);
    session.accessToken = standIn.issueAccessToken(domain);
    sessions.set(domain, session);
  }
});

afterAll(async () => {
  restoreFetch?.();
  await standIn?.close();
  await new Promise<void>((resolve) => (appServer ? appServer.close(() => resolve()) : resolve()));
});

beforeEach(async () => {
  await standIn.webhooks.idle();
  received.length = 0;
});

const session = (shop: string) => sessions.get(shop) as Session;
const request = (shop: string, plan: Plan) => shopify.billing.request({ session: session(shop), plan, isTest: true });
const check = (shop: string) =>
  shopify.billing.check({ session: session(shop), isTest: true, returnObject: true } as Parameters<
    Shopify["billing"]["check"]
  >[0]) as unknown as Promise<{
    hasActivePayment: boolean;
    appSubscriptions: {
      id: string;
      name: string;
      status: string;
      trialDays: number;
      lineItems: { id: string; plan: { pricingDetails: Record<string, unknown> } }[];
    }[];
  }>;
const chargeId = (confirmationUrl: string) => Number(/\/charges\/fluxor\/(\d+)\//.exec(confirmationUrl)?.[1]);
const statuses = (shop: string) => Object.fromEntries(standIn.billing.subscriptions(shop).map((s) => [s.name + "#" + s.id, s.status]));
const statusOf = (shop: string, id: number) => standIn.billing.subscriptions(shop).find((s) => s.id === id)?.status;

/** The merchant clicks Approve or Decline on the page behind a confirmationUrl. */
async function decide(confirmationUrl: string, decision: "approve" | "decline") {
  const response = await fetch(confirmationUrl, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ decision }),
    redirect: "manual",
  });
  await response.arrayBuffer();
  return { status: response.status, location: response.headers.get("location") ?? "" };
}

async function webhooks(shop: string, topic = UPDATE): Promise<Received[]> {
  await standIn.webhooks.idle();
  return received.filter((r) => r.shop === shop && r.topic === topic);
}

async function graphql<T>(shop: string, query: string, variables?: Record<string, unknown>): Promise<T> {
  const client = new shopify.clients.Graphql({ session: session(shop) });
  const response = await client.request<T>(query, { variables });
  return response.data as T;
}

const USAGE_MUTATION = `mutation($id: ID!, $price: MoneyInput!, $description: String!, $key: String) {
  appUsageRecordCreate(subscriptionLineItemId: $id, price: $price, description: $description, idempotencyKey: $key) {
    appUsageRecord { id idempotencyKey price { amount currencyCode } subscriptionLineItem { plan { pricingDetails { ... on AppUsagePricing { balanceUsed { amount } } } } } }
    userErrors { field message }
  }
}`;
interface UsageAnswer {
  appUsageRecordCreate: {
    appUsageRecord: {
      id: string;
      idempotencyKey: string | null;
      subscriptionLineItem: { plan: { pricingDetails: { balanceUsed: { amount: string } } } };
    } | null;
    userErrors: { field: string[]; message: string }[];
  };
}

describe("request → approve → check → usage → cancel, with the real library", () => {
  it("runs the whole subscription life of a plan with a trial, a discount and a usage line", async () => {
    const confirmationUrl = await request(SHOP, "Growth");
    expect(confirmationUrl).toMatch(
      new RegExp(
        `^${standIn.url}/store/billing-main/charges/fluxor/\\d+/RecurringApplicationCharge/confirm_recurring_application_charge\\?signature=`,
      ),
    );
    const id = chargeId(confirmationUrl);
    expect(statusOf(SHOP, id)).toBe("PENDING");
    expect((await check(SHOP)).hasActivePayment).toBe(false);

    // The approval page shows what the merchant is agreeing to.
    const page = await fetch(confirmationUrl);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('data-testid="charge-name">Growth');
    expect(html).toContain("20.00 USD");
    expect(html).toContain("every 30 days");
    expect(html).toContain("7-day free trial");
    expect(html).toContain("25% off for 3 billing cycles: 15.00 USD");
    expect(html).toContain("Usage charges up to 100.00 USD every 30 days: 0.10 USD per forecast run");
    expect(html).toContain('data-testid="charge-test-badge"');

    // Approve → 303 to the returnUrl the library built (the embedded app in the admin), with charge_id.
    const approved = await decide(confirmationUrl, "approve");
    expect(approved.status).toBe(303);
    expect(approved.location).toBe(`${standIn.url}/store/billing-main/apps/fluxor-billing-key?charge_id=${id}`);
    const shell = await (await fetch(approved.location)).text();
    const src = new URL(
      (/<iframe name="app-iframe"[^>]* src="([^"]+)"/.exec(shell)?.[1] ?? "").replace(/&#(\d+);/g, (_m, code: string) =>
        String.fromCharCode(Number(code)),
      ),
    );
    expect(src.searchParams.get("charge_id")).toBe(String(id));
    expect(await shopify.utils.validateHmac(Object.fromEntries(src.searchParams) as never)).toBe(true);

    // The webhook: HMAC-valid, the documented REST shape.
    const [activated] = await webhooks(SHOP);
    expect(activated?.valid).toBe(true);
    expect(Object.keys(activated?.payload.app_subscription ?? {}).sort()).toEqual(
      [
        "admin_graphql_api_id",
        "admin_graphql_api_shop_id",
        "capped_amount",
        "created_at",
        "currency",
        "interval",
        "name",
        "plan_handle",
        "price",
        "status",
        "updated_at",
      ].sort(),
    );
    expect(activated?.payload.app_subscription).toMatchObject({
      admin_graphql_api_id: `gid://shopify/AppSubscription/${id}`,
      name: "Growth",
      status: "ACTIVE",
      currency: "USD",
      capped_amount: "100.0",
      price: "20.00",
      interval: "every_30_days",
    });
    expect(String(activated?.payload.app_subscription?.created_at)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$/);

    // check() sees it, with the line items the fragment asks for.
    const payments = await check(SHOP);
    expect(payments.hasActivePayment).toBe(true);
    const [subscription] = payments.appSubscriptions;
    expect(subscription).toMatchObject({ name: "Growth", status: "ACTIVE", trialDays: 7 });
    const recurring = subscription?.lineItems[0]?.plan.pricingDetails;
    expect(recurring).toMatchObject({
      interval: "EVERY_30_DAYS",
      price: { amount: 20, currencyCode: "USD" },
      discount: {
        durationLimitInIntervals: 3,
        remainingDurationInIntervals: 3,
        priceAfterDiscount: { amount: 15 },
        value: { percentage: 0.25 },
      },
    });
    const usageLineId = subscription?.lineItems[1]?.id ?? "";
    expect(usageLineId).toBe(`gid://shopify/AppSubscriptionLineItem/${id}?v=1&index=2`);
    expect(subscription?.lineItems[1]?.plan.pricingDetails).toMatchObject({
      cappedAmount: { amount: 100 },
      terms: "0.10 USD per forecast run",
    });

    // Usage through the library (it finds the usage line itself).
    const first = await shopify.billing.createUsageRecord({
      session: session(SHOP),
      description: "Forecast runs, March",
      price: { amount: 30, currencyCode: "USD" },
      isTest: true,
    });
    expect(first.subscriptionLineItem.plan.pricingDetails).toMatchObject({ balanceUsed: { amount: 30 } });

    // Idempotency: the same key twice → the same record, charged once.
    const variables = {
      id: usageLineId,
      price: { amount: "5.00", currencyCode: "USD" },
      description: "Retry-safe run",
      key: "run-2026-03-15",
    };
    const once = await graphql<UsageAnswer>(SHOP, USAGE_MUTATION, variables);
    const twice = await graphql<UsageAnswer>(SHOP, USAGE_MUTATION, variables);
    expect(twice.appUsageRecordCreate.appUsageRecord?.id).toBe(once.appUsageRecordCreate.appUsageRecord?.id);
    expect(twice.appUsageRecordCreate.appUsageRecord?.idempotencyKey).toBe("run-2026-03-15");
    expect(twice.appUsageRecordCreate.appUsageRecord?.subscriptionLineItem.plan.pricingDetails.balanceUsed.amount).toBe("35.0");

    // The library's own mutation does not declare $idempotencyKey, so the key it is given never reaches
    // Shopify: two calls with one key are two charges (a trap for the app; send the mutation yourself).
    const viaLibrary = () =>
      shopify.billing.createUsageRecord({
        session: session(SHOP),
        subscriptionLineItemId: usageLineId,
        description: "Library with a key",
        price: { amount: 10, currencyCode: "USD" },
        idempotencyKey: "library-key",
        isTest: true,
      });
    const a = await viaLibrary();
    const b = await viaLibrary();
    expect(a.id).not.toBe(b.id);
    expect(a.idempotencyKey).toBeNull();

    // The cap: 55 used of 100; 50 more is refused, 36 more crosses 90 % → approaching_capped_amount.
    const over = await shopify.billing
      .createUsageRecord({
        session: session(SHOP),
        subscriptionLineItemId: usageLineId,
        description: "Too much",
        price: { amount: 50, currencyCode: "USD" },
      })
      .catch((error: unknown) => error);
    expect(over).toBeInstanceOf(BillingError);
    expect((over as BillingError).errorData).toEqual([{ field: ["price"], message: "Total price exceeds balance remaining" }]);
    expect(await webhooks(SHOP, APPROACHING)).toHaveLength(0);
    await shopify.billing.createUsageRecord({
      session: session(SHOP),
      subscriptionLineItemId: usageLineId,
      description: "Big run",
      price: { amount: 36, currencyCode: "USD" },
    });
    const [approaching] = await webhooks(SHOP, APPROACHING);
    expect(approaching?.valid).toBe(true);
    expect(approaching?.payload.app_subscription).toMatchObject({
      name: "Growth",
      balance_used: 91,
      capped_amount: "100.0",
      currency_code: "USD",
    });
    expect(standIn.billing.usageRecords(SHOP).map((r) => r.price.amount)).toEqual([30, 5, 10, 10, 36]);

    // A higher cap needs the merchant's approval.
    const raise = await shopify.billing.updateUsageCappedAmount({
      session: session(SHOP),
      subscriptionLineItemId: usageLineId,
      cappedAmount: { amount: 200, currencyCode: "USD" },
    });
    expect(raise.confirmationUrl).toContain("/RecurringApplicationCharge/confirm_update_capped_amount?signature=");
    expect(raise.appSubscription.lineItems[1]?.plan.pricingDetails).toMatchObject({ cappedAmount: { amount: 100 } });
    expect(await (await fetch(raise.confirmationUrl)).text()).toContain("100.00 USD</s> → <strong>200.00 USD");
    expect((await decide(raise.confirmationUrl, "approve")).status).toBe(303);
    const capChange = (await webhooks(SHOP)).at(-1);
    expect(capChange?.payload.app_subscription).toMatchObject({ status: "ACTIVE", capped_amount: "200.0" });
    await shopify.billing.createUsageRecord({
      session: session(SHOP),
      subscriptionLineItemId: usageLineId,
      description: "After raise",
      price: { amount: 50, currencyCode: "USD" },
    });

    // A new billing period: usage starts again from 0; the first recurring charge (discounted) falls at the trial's end.
    standIn.billing.advance(SHOP, 8);
    const afterTrial = await check(SHOP);
    expect(afterTrial.appSubscriptions[0]?.lineItems[1]?.plan.pricingDetails).toMatchObject({ balanceUsed: { amount: 0 } });
    expect(afterTrial.appSubscriptions[0]?.lineItems[0]?.plan.pricingDetails).toMatchObject({
      discount: { remainingDurationInIntervals: 2 },
    });
    expect(standIn.billing.charges(SHOP)).toMatchObject([{ kind: "recurring", amount: 15, subscriptionId: id }]);

    // Cancel (the library prorates by default): CANCELLED, a credit for the unused share, the webhook.
    received.length = 0;
    const cancelled = await shopify.billing.cancel({ session: session(SHOP), subscriptionId: `gid://shopify/AppSubscription/${id}` });
    expect(cancelled.status).toBe("CANCELLED");
    const credit = standIn.billing.charges(SHOP).find((c) => c.kind === "credit");
    expect(credit?.amount).toBeLessThan(0);
    expect(credit?.amount).toBeGreaterThan(-15);
    expect((await webhooks(SHOP)).map((w) => w.payload.app_subscription?.status)).toEqual(["CANCELLED"]);
    expect((await check(SHOP)).hasActivePayment).toBe(false);
    const usageAfterCancel = await graphql<UsageAnswer>(SHOP, USAGE_MUTATION, { ...variables, key: "after-cancel" });
    expect(usageAfterCancel.appUsageRecordCreate.userErrors[0]?.message).toMatch(/cancelled/);
  });

  it("answers node(id), allSubscriptions pages and the usage record's line item", async () => {
    const ids = standIn.billing.subscriptions(SHOP).map((s) => s.gid);
    expect(ids.length).toBeGreaterThan(0);
    const record = standIn.billing.usageRecords(SHOP)[0];
    const data = await graphql<{
      sub: { __typename: string; status: string; currentPeriodEnd: string | null };
      usage: { __typename: string; description: string; price: { amount: string } };
      nothing: null;
      currentAppInstallation: { allSubscriptions: { nodes: { id: string }[]; pageInfo: { hasNextPage: boolean } } };
    }>(
      SHOP,
      `
        query ($sub: ID!, $usage: ID!) {
          sub: node(id: $sub) {
            __typename
            ... on AppSubscription {
              status
              currentPeriodEnd
            }
          }
          usage: node(id: $usage) {
            __typename
            ... on AppUsageRecord {
              description
              price {
                amount
              }
            }
          }
          nothing: node(id: "gid://shopify/AppSubscription/1") {
            id
          }
          currentAppInstallation {
            allSubscriptions(first: 1) {
              nodes {
                id
              }
              pageInfo {
                hasNextPage
              }
            }
          }
        }
      `,
      { sub: ids[0], usage: record?.gid },
    );
    expect(data.sub).toEqual({ __typename: "AppSubscription", status: "CANCELLED", currentPeriodEnd: null });
    expect(data.usage).toEqual({ __typename: "AppUsageRecord", description: "Forecast runs, March", price: { amount: "30.0" } });
    expect(data.nothing).toBeNull();
    expect(data.currentAppInstallation.allSubscriptions.nodes.map((n) => n.id)).toEqual([ids[0]]);
  });
});

describe("the merchant's other answers", () => {
  it("decline → DECLINED and back to the returnUrl; a tampered link is refused; unapproved charges expire after 2 days", async () => {
    const declineUrl = await request(SWAP_SHOP, "Basic");
    const id = chargeId(declineUrl);

    const tampered = declineUrl.replace(`/${id}/`, `/${id + 1}/`);
    expect((await fetch(tampered)).status).toBe(403);
    const forged = new URL(declineUrl);
    forged.searchParams.set("signature", `${forged.searchParams.get("signature")?.slice(0, -2)}00`);
    expect((await decide(forged.toString(), "approve")).status).toBe(403);
    expect(statusOf(SWAP_SHOP, id)).toBe("PENDING");

    const declined = await decide(declineUrl, "decline");
    expect(declined.status).toBe(303);
    expect(declined.location).toContain(`charge_id=${id}`);
    expect(statusOf(SWAP_SHOP, id)).toBe("DECLINED");
    expect((await webhooks(SWAP_SHOP)).map((w) => w.payload.app_subscription?.status)).toEqual(["DECLINED"]);
    expect((await decide(declineUrl, "approve")).status).toBe(409);
    expect(await (await fetch(declineUrl)).text()).toContain("This charge is declined.");

    const late = chargeId(await request(SWAP_SHOP, "Basic"));
    standIn.billing.advance(SWAP_SHOP, 1);
    expect(statusOf(SWAP_SHOP, late)).toBe("PENDING");
    standIn.billing.advance(SWAP_SHOP, 1.01);
    expect(statusOf(SWAP_SHOP, late)).toBe("EXPIRED");
    const forced = chargeId(await request(SWAP_SHOP, "Basic"));
    expect(standIn.billing.expirePending(SWAP_SHOP).map((s) => s.id)).toEqual([forced]);
    expect((await webhooks(SWAP_SHOP)).map((w) => w.payload.app_subscription?.status)).toEqual(["DECLINED", "EXPIRED", "EXPIRED"]);
  });
});

describe("replacementBehavior", () => {
  it("APPLY_IMMEDIATELY cancels (with a credit) at once; APPLY_ON_NEXT_BILLING_CYCLE and STANDARD annual → monthly wait for the cycle's end", async () => {
    const basic = chargeId(await request(SWAP_SHOP, "Basic"));
    standIn.billing.approve(SWAP_SHOP, basic);
    standIn.billing.advance(SWAP_SHOP, 10);

    // Upgrade at once: Basic CANCELLED (credit 20/30 of 30.00), then Pro ACTIVE.
    const proUrl = await request(SWAP_SHOP, "Pro");
    expect(await (await fetch(proUrl)).text()).toContain("Replaces your current plan “Basic” now.");
    const pro = chargeId(proUrl);
    await decide(proUrl, "approve");
    expect(statusOf(SWAP_SHOP, basic)).toBe("CANCELLED");
    expect(statusOf(SWAP_SHOP, pro)).toBe("ACTIVE");
    const credit = standIn.billing.charges(SWAP_SHOP).find((c) => c.kind === "credit" && c.subscriptionId === basic);
    expect(credit?.amount).toBeCloseTo(-20, 1);
    const events = (await webhooks(SWAP_SHOP)).map((w) => `${w.payload.app_subscription?.name}:${w.payload.app_subscription?.status}`);
    expect(events).toEqual(["Basic:ACTIVE", "Basic:CANCELLED", "Pro:ACTIVE"]);

    // Downgrade on the next cycle: approved, still PENDING, Pro stays ACTIVE until its period ends.
    received.length = 0;
    const starterUrl = await request(SWAP_SHOP, "Starter");
    expect(await (await fetch(starterUrl)).text()).toMatch(
      /Replaces your current plan “Pro” when its billing cycle ends on \d{4}-\d\d-\d\d/,
    );
    const starter = chargeId(starterUrl);
    await decide(starterUrl, "approve");
    expect(statusOf(SWAP_SHOP, starter)).toBe("PENDING");
    expect(statusOf(SWAP_SHOP, pro)).toBe("ACTIVE");
    expect((await check(SWAP_SHOP)).appSubscriptions.map((s) => s.name)).toEqual(["Pro"]);
    standIn.billing.advance(SWAP_SHOP, 29);
    expect(statusOf(SWAP_SHOP, starter)).toBe("PENDING");
    standIn.billing.advance(SWAP_SHOP, 1.01);
    expect(statusOf(SWAP_SHOP, pro)).toBe("CANCELLED");
    expect(statusOf(SWAP_SHOP, starter)).toBe("ACTIVE");
    expect((await webhooks(SWAP_SHOP)).map((w) => `${w.payload.app_subscription?.name}:${w.payload.app_subscription?.status}`)).toEqual([
      "Pro:CANCELLED",
      "Starter:ACTIVE",
    ]);
    // No credit for a replacement at the cycle's end.
    expect(standIn.billing.charges(SWAP_SHOP).filter((c) => c.kind === "credit" && c.subscriptionId === pro)).toEqual([]);

    // STANDARD: monthly → annual applies at once; annual → monthly waits.
    const yearly = chargeId(await request(SWAP_SHOP, "Yearly"));
    standIn.billing.approve(SWAP_SHOP, yearly);
    expect(statusOf(SWAP_SHOP, starter)).toBe("CANCELLED");
    const back = chargeId(await request(SWAP_SHOP, "Basic"));
    standIn.billing.approve(SWAP_SHOP, back);
    expect([statusOf(SWAP_SHOP, yearly), statusOf(SWAP_SHOP, back)]).toEqual(["ACTIVE", "PENDING"]);
    standIn.billing.advance(SWAP_SHOP, 366);
    expect([statusOf(SWAP_SHOP, yearly), statusOf(SWAP_SHOP, back)]).toEqual(["CANCELLED", "ACTIVE"]);
    expect(Object.values(statuses(SWAP_SHOP)).filter((s) => s === "ACTIVE")).toHaveLength(1);
  });
});

describe("FROZEN, faults and uninstall", () => {
  it("a store whose payment to Shopify failed: FROZEN (webhook, 402 from the Admin API), then ACTIVE again", async () => {
    const id = chargeId(await request(EDGE_SHOP, "Basic"));
    standIn.billing.approve(EDGE_SHOP, id);
    standIn.billing.freeze(EDGE_SHOP);
    expect((await webhooks(EDGE_SHOP)).map((w) => w.payload.app_subscription?.status)).toEqual(["ACTIVE", "FROZEN"]);
    const blocked = await check(EDGE_SHOP).catch((error: unknown) => error);
    expect(blocked).toBeInstanceOf(HttpResponseError);
    expect((blocked as HttpResponseError).response.code).toBe(402);

    standIn.billing.unfreeze(EDGE_SHOP);
    standIn.billing.freeze(EDGE_SHOP, { blockAdminApi: false });
    expect((await check(EDGE_SHOP)).hasActivePayment).toBe(false);
    const node = await graphql<{ node: { status: string } }>(
      EDGE_SHOP,
      `{ node(id: "gid://shopify/AppSubscription/${id}") { ... on AppSubscription { status } } }`,
    );
    expect(node.node.status).toBe("FROZEN");
    standIn.billing.unfreeze(EDGE_SHOP);
    expect((await check(EDGE_SHOP)).hasActivePayment).toBe(true);
    expect((await webhooks(EDGE_SHOP)).map((w) => w.payload.app_subscription?.status)).toEqual([
      "ACTIVE",
      "FROZEN",
      "ACTIVE",
      "FROZEN",
      "ACTIVE",
    ]);
  });

  it("injected 5xx and THROTTLED hit billing mutations only", async () => {
    standIn.billing.failNext(EDGE_SHOP, { status: 503 });
    const down = await request(EDGE_SHOP, "Pro").catch((error: unknown) => error);
    expect(down).toBeInstanceOf(HttpResponseError);
    expect((down as HttpResponseError).response.code).toBe(503);
    standIn.billing.failNext(EDGE_SHOP, { throttled: true });
    expect((await check(EDGE_SHOP)).hasActivePayment).toBe(true); // a query: untouched
    const throttled = await request(EDGE_SHOP, "Pro").catch((error: unknown) => error);
    expect(JSON.stringify((throttled as BillingError).errorData ?? throttled)).toContain("THROTTLED");
    expect(chargeId(await request(EDGE_SHOP, "Pro"))).toBeGreaterThan(0);
  });

  it("uninstalling the app cancels the active subscription", async () => {
    const [active] = (await check(EDGE_SHOP)).appSubscriptions;
    await standIn.uninstallApp(EDGE_SHOP);
    expect(standIn.billing.subscriptions(EDGE_SHOP).find((s) => s.gid === active?.id)?.status).toBe("CANCELLED");
    const topics = (await webhooks(EDGE_SHOP)).map((w) => w.payload.app_subscription?.status);
    expect(topics).toEqual(["CANCELLED"]);
    expect(received.some((r) => r.shop === EDGE_SHOP && r.topic === "app/uninstalled" && r.valid)).toBe(true);
  });
});
