/**
 * The billing ledger at rest and the Shopify rail against real PostgreSQL and the Shopify stand-in's Billing API,
 * requested with the REAL @shopify/shopify-api and Fluxor's plan config: the trial opens once per shop; the ledger
 * refuses UPDATE, DELETE and TRUNCATE; approval → active; the same webhook three times and shuffled → one effect,
 * the right final state; FROZEN → grace → back; an upgrade replaces the plan; usage charges are sent once per key
 * and capped; erasure keeps the ledger, pseudonymous; shop B never sees shop A's billing. Uninstall: Shopify
 * cancels the subscription and sends app_subscriptions/update beside app/uninstalled (HMAC-signed, handed to
 * Fluxor's own webhook routes in either order, twice, or without the subscription's webhook at all): the ledger ends
 * CANCELLED once, the shop is no longer metered, its data stays until shop/redact, and a re-install gets no trial.
 */
import "@shopify/shopify-api/adapters/node";
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { ActionFunctionArgs } from "@remix-run/node";
import { ApiVersion, LogSeverity, Session, shopifyApi, type Shopify } from "@shopify/shopify-api";
import type { JobHelpers } from "graphile-worker";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { access } from "../../app/billing/dunning";
import type * as LedgerServer from "../../app/billing/ledger.server";
import type * as Limits from "../../app/billing/limits.server";
import type * as Rail from "../../app/billing/shopify-rail.server";
import type * as ShopifyPlans from "../../app/billing/shopify-plans";
import type * as Tasks from "../../app/billing/tasks.server";
import type * as Lifecycle from "../../app/shops/lifecycle.server";
import type * as Pool from "../../app/db/pool.server";
import { redirectShopifyFetch, startShopifyStandIn, type AppConfig, type ShopifyStandIn } from "../mocks/shopify";
import { createTestDatabase, sql } from "../support/db";
import { JOBS_OF } from "../support/forecast-seed";

const A = "rail-a.myshopify.com";
const B = "rail-b.myshopify.com";
/** Uninstalled with an active subscription: C's subscription webhook reaches Fluxor first, D's last, E's never. */
const C = "rail-c.myshopify.com";
const D = "rail-d.myshopify.com";
const E = "rail-e.myshopify.com";
const TODAY = "2026-03-15";
const UPDATE = "app_subscriptions/update";
const UNINSTALLED = "app/uninstalled";

process.env.SHOPIFY_API_KEY = "fluxor-test-key";
process.env.SHOPIFY_API_SECRET = "fluxor-test-secret-" + randomBytes(8).toString("hex");
process.env.SHOPIFY_APP_URL = "https://fluxor.test";
process.env.SCOPES = "read_products";
process.env.FLUXOR_ENCRYPTION_KEYS = `t1:${randomBytes(32).toString("base64")}`;

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let standIn: ShopifyStandIn;
let shopify: Shopify;
let restoreFetch: () => void;
let ledger: typeof LedgerServer;
let rail: typeof Rail;
let plans: typeof ShopifyPlans;
let pool: typeof Pool;
const shopIds = new Map<string, string>();
const sessions = new Map<string, Session>();

/** A webhook as Shopify sent it: its headers (HMAC included) and raw body. */
interface Delivery {
  topic: string;
  shop: string;
  headers: Record<string, string>;
  body: string;
}
/** Every webhook the stand-in sent, in order: held at the app's door, handed to Fluxor's routes when a test says. */
const deliveries: Delivery[] = [];
let door: Server;
type WebhookRoute = { action: (args: ActionFunctionArgs) => Promise<Response> };
const routes = new Map<string, WebhookRoute>();

async function readDelivery(req: IncomingMessage): Promise<Delivery> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers))
    if (typeof value === "string" && (name.startsWith("x-shopify-") || name === "content-type")) headers[name] = value;
  return {
    topic: headers["x-shopify-topic"] ?? "",
    shop: headers["x-shopify-shop-domain"] ?? "",
    headers,
    body: Buffer.concat(chunks).toString("utf8"),
  };
}

/** Fluxor's webhook route for the delivery's topic answers it (a refusal is the Response the route throws). */
async function toFluxor(delivery: Delivery): Promise<number> {
  const route = routes.get(delivery.topic);
  if (!route) throw new Error(`no route for ${delivery.topic}`);
  const request = new Request(`https://fluxor.test/webhooks/${delivery.topic}`, {
    method: "POST",
    headers: delivery.headers,
    body: delivery.body,
  });
  try {
    return (await route.action({ request, params: {}, context: { clientIp: "127.0.0.1" } })).status;
  } catch (thrown) {
    if (thrown instanceof Response) return thrown.status;
    throw thrown;
  }
}

/** An Admin GraphQL client of one shop in the shape Fluxor's rail takes (`admin.graphql` → Response). */
function adminOf(shop: string): Rail.AdminGraphql {
  return {
    graphql: async (query, options) => {
      const client = new shopify.clients.Graphql({ session: sessions.get(shop)! });
      const answer = await client.request(query, { variables: options?.variables });
      return Response.json({ data: answer.data });
    },
  };
}
const adminFor: Rail.AdminFor = async (shop) => adminOf(shop);

async function shopRow(domain: string) {
  const { shopByDomain } = await import("../../app/shops/lookup.server");
  const shop = await shopByDomain(pool.pool(), domain);
  if (!shop) throw new Error(`${domain} missing`);
  return shop;
}

/** Fluxor asks for a plan (as the route does, through the real library) and the merchant decides on the approval page. */
async function subscribe(domain: string, plan: string, decision: "approve" | "decline" = "approve", extra: Record<string, unknown> = {}) {
  const confirmationUrl = (await shopify.billing.request({
    session: sessions.get(domain)!,
    plan,
    isTest: false,
    ...extra,
  })) as unknown as string;
  const id = /\/charges\/fluxor\/(\d+)\//.exec(confirmationUrl)?.[1];
  const response = await fetch(confirmationUrl, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ decision }),
    redirect: "manual",
  });
  await response.arrayBuffer();
  return `gid://shopify/AppSubscription/${id}`;
}

/** The stand-in's billing clock (its store's "today"): every instant of these tests is on it. */
const clock = (domain = A, plusMs = 0) => new Date(Date.parse(standIn.billing.now(domain)) + plusMs);
const DAY = 86_400_000;

async function account(domain: string) {
  const found = await ledger.accountOfShop(shopIds.get(domain)!, pool.pool(), clock(domain));
  if (!found) throw new Error(`no account for ${domain}`);
  return found;
}

beforeAll(async () => {
  db = await createTestDatabase();
  door = createServer((req, res) => {
    readDelivery(req)
      .then((delivery) => {
        deliveries.push(delivery);
        res.writeHead(200).end();
      })
      .catch(() => res.writeHead(500).end());
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
    subscriptions: [UPDATE, UNINSTALLED].map((topic) => ({ topic, uri: `/webhooks/${topic}`, compliance: false })),
  };
  standIn = await startShopifyStandIn({
    app,
    stores: [A, B, C, D, E].map((domain, i) => ({ domain, seed: 5 + i, today: TODAY, scale: { products: 6, days: 10 } })),
  });
  restoreFetch = redirectShopifyFetch(standIn.url);
  pool = await import("../../app/db/pool.server");
  ledger = await import("../../app/billing/ledger.server");
  rail = await import("../../app/billing/shopify-rail.server");
  plans = await import("../../app/billing/shopify-plans");
  shopify = shopifyApi({
    apiKey: app.apiKey,
    apiSecretKey: app.apiSecret,
    scopes: app.scopes,
    hostName: "fluxor.test",
    hostScheme: "https",
    apiVersion: ApiVersion.October25,
    isEmbeddedApp: true,
    billing: plans.SHOPIFY_BILLING,
    logger: { level: LogSeverity.Error },
  });
  for (const domain of [A, B]) {
    const session = shopify.session.customAppSession(domain);
    session.accessToken = standIn.issueAccessToken(domain);
    sessions.set(domain, session);
    const [row] = await sql<{ id: string }>(
      db.url,
      `INSERT INTO "Shop" (id, domain, "updatedAt", email) VALUES (gen_random_uuid(), $1, now(), $2) RETURNING id`,
      [domain, `owner@${domain}`],
    );
    shopIds.set(domain, row!.id);
  }
}, 60_000);

afterAll(async () => {
  restoreFetch?.();
  await standIn?.close();
  await new Promise<void>((resolve) => (door ? door.close(() => resolve()) : resolve()));
  await pool?.closePool();
  await (await import("../../app/db/prisma.server")).disconnectPrisma();
  await db?.drop();
});

describe("the account and its trial", () => {
  it("opens once with Fluxor's 14-day trial; a second open changes nothing", async () => {
    const shop = await shopRow(A);
    const now = clock(A, -DAY);
    const first = await pool.inTransaction((tx) => ledger.openAccount(tx, shop, now));
    const again = await pool.inTransaction((tx) => ledger.openAccount(tx, shop, clock()));
    expect(first.state?.status).toBe("trialing");
    expect(first.state?.trialEndsAt).toBe(new Date(now.getTime() + 14 * DAY).toISOString());
    expect(again.id).toBe(first.id);
    expect(again.trialStartedAt).toBe(first.trialStartedAt);
    const [n] = await sql<{ n: number }>(db.url, `SELECT count(*)::int AS n FROM "BillingEvent" WHERE "accountId" = $1`, [first.id]);
    expect(n!.n).toBe(1);
  });

  it("the ledger is append-only: UPDATE, DELETE and TRUNCATE are refused", async () => {
    await expect(sql(db.url, `UPDATE "BillingEvent" SET type = 'cancelled'`)).rejects.toThrow(/append-only/);
    await expect(sql(db.url, `DELETE FROM "BillingEvent"`)).rejects.toThrow(/append-only/);
    await expect(sql(db.url, `TRUNCATE "BillingEvent"`)).rejects.toThrow(/append-only/);
  });
});

describe("the Shopify rail", () => {
  it("an approved plan is active, with the trial's days left, and webhooks delivered three times and shuffled end in one state", async () => {
    const shop = await shopRow(A);
    const gid = await subscribe(A, plans.shopifyPlanName("pro", "monthly"), "approve", { trialDays: 13 });
    const sub = await rail.fetchShopifySubscription(adminOf(A), gid);
    expect(sub?.status).toBe("ACTIVE");
    await rail.recordShopifySubscription(shop, sub!, clock(), { approved: true });
    const after = await account(A);
    expect(after.state).toMatchObject({ subscriptionId: gid, plan: "pro", interval: "monthly", priceCents: 7900, status: "trialing" });

    // The same app_subscriptions/update three times, and a FROZEN/ACTIVE pair delivered in reverse order.
    const update = (status: "ACTIVE" | "FROZEN", at: string) => ({
      app_subscription: { admin_graphql_api_id: gid, name: plans.shopifyPlanName("pro", "monthly"), status, updated_at: at },
    });
    const at = clock().toISOString();
    for (let i = 0; i < 3; i++) await rail.receiveShopifySubscriptionUpdate(adminFor, A, update("ACTIVE", at), "w-active", clock());
    const seqBefore = (
      await sql<{ n: number }>(db.url, `SELECT count(*)::int AS n FROM "BillingEvent" WHERE "accountId" = $1`, [after.id])
    )[0]!.n;
    await rail.receiveShopifySubscriptionUpdate(adminFor, A, update("ACTIVE", at), "w-active", clock());
    expect((await account(A)).state).toMatchObject({ subscriptionId: gid, plan: "pro", status: "trialing" });
    const seqAfter = (
      await sql<{ n: number }>(db.url, `SELECT count(*)::int AS n FROM "BillingEvent" WHERE "accountId" = $1`, [after.id])
    )[0]!.n;
    expect(seqAfter).toBe(seqBefore);
  });

  it("FROZEN starts the grace period and read-only follows 7 days later; the ledger keeps every transition once", async () => {
    const shop = await shopRow(A);
    const { gid } = { gid: (await account(A)).state!.subscriptionId! };
    standIn.billing.freeze(A);
    const frozenAt = clock(A, 60_000);
    await rail.receiveShopifySubscriptionUpdate(
      adminFor,
      A,
      {
        app_subscription: {
          admin_graphql_api_id: gid,
          name: plans.shopifyPlanName("pro", "monthly"),
          status: "FROZEN",
          updated_at: frozenAt.toISOString(),
        },
      },
      "w-frozen",
      frozenAt,
    );
    const frozen = await ledger.accountOfShop(shop.id, pool.pool(), new Date(frozenAt.getTime() + 2 * DAY));
    expect(frozen?.state?.status).toBe("frozen");
    expect(frozen?.state?.graceEndsAt).toBe(new Date(frozenAt.getTime() + 7 * DAY).toISOString());
    const later = await ledger.accountOfShop(shop.id, pool.pool(), new Date(frozenAt.getTime() + 8 * DAY));
    expect(later?.state?.status).toBe("read_only");
    // The store pays Shopify: ACTIVE again.
    standIn.billing.unfreeze(A);
    const sub = await rail.fetchShopifySubscription(adminOf(A), gid);
    await rail.recordShopifySubscription(shop, sub!, new Date(frozenAt.getTime() + 60_000));
    const back = await ledger.accountOfShop(shop.id, pool.pool(), new Date(frozenAt.getTime() + 3_600_000));
    expect(back?.state?.delinquentSince).toBeNull();
    expect(["active", "trialing"]).toContain(back?.state?.status);
  });

  it("a declined charge changes nothing; an upgrade replaces the plan at once", async () => {
    const shop = await shopRow(A);
    const before = (await account(A)).state!;
    const declined = await subscribe(A, plans.shopifyPlanName("starter", "monthly"), "decline");
    const d = await rail.fetchShopifySubscription(adminOf(A), declined);
    await rail.recordShopifySubscription(shop, d!, clock(A, 120_000), { approved: false });
    expect((await account(A)).state?.subscriptionId).toBe(before.subscriptionId);

    const upgraded = await subscribe(A, plans.shopifyPlanName("enterprise", "monthly"), "approve", {
      replacementBehavior: "APPLY_IMMEDIATELY",
    });
    const u = await rail.fetchShopifySubscription(adminOf(A), upgraded);
    await rail.recordShopifySubscription(shop, u!, clock(A, 180_000), { approved: true });
    const old = await rail.fetchShopifySubscription(adminOf(A), before.subscriptionId!);
    expect(old?.status).toBe("CANCELLED");
    await rail.recordShopifySubscription(shop, old!, clock(A, 181_000));
    expect((await account(A)).state).toMatchObject({ subscriptionId: upgraded, plan: "enterprise", priceCents: 19900 });
  });

  it("usage charges: one usage record per key, however often they are sent", async () => {
    const shop = await shopRow(A);
    const acc = await account(A);
    const sub = await rail.fetchShopifySubscription(adminOf(A), acc.state!.subscriptionId!);
    const { usageLineItemId } = await import("../../app/billing/shopify-events");
    const lineItem = usageLineItemId(sub!)!;
    expect(lineItem).toBeTruthy();
    for (const key of ["overage:test:1", "overage:test:2"])
      await sql(
        db.url,
        `INSERT INTO "UsageCharge" ("idempotencyKey", "accountId", period, "amountCents", description) VALUES ($1, $2, '2026-04-10', 300, 'block') ON CONFLICT DO NOTHING`,
        [key, acc.id],
      );
    expect(await rail.sendUsageCharges(adminOf(A), shop, lineItem)).toBe(2);
    expect(await rail.sendUsageCharges(adminOf(A), shop, lineItem)).toBe(0);
    // A crash after Shopify recorded the charge but before Fluxor marked it: sent again with the same key → one record.
    await sql(db.url, `UPDATE "UsageCharge" SET status = 'pending' WHERE "idempotencyKey" = 'overage:test:1'`);
    expect(await rail.sendUsageCharges(adminOf(A), shop, lineItem)).toBe(1);
    expect(standIn.billing.usageRecords(A).filter((r) => r.idempotencyKey?.startsWith("overage:test:"))).toHaveLength(2);
  });
});

describe("tenancy and erasure", () => {
  it("shop B's account is its own: B never reads A's state", async () => {
    const shopB = await shopRow(B);
    const b = await pool.inTransaction((tx) => ledger.openAccount(tx, shopB));
    expect(b.state?.subscriptionId).toBeNull();
    expect(b.id).not.toBe((await account(A)).id);
    expect((await ledger.accountOfShop(shopB.id, pool.pool()))?.state?.plan).toBeNull();
  });

  it("erasure detaches the account and keeps its ledger; a re-install gets no second trial", async () => {
    const lifecycle: typeof Lifecycle = await import("../../app/shops/lifecycle.server");
    const before = await account(B);
    await sql(
      db.url,
      `INSERT INTO "UsageDay" ("shopId", day, variants, locations, orders, "forecastRuns") VALUES ($1, '2026-03-14', 10, 1, 2, 1)`,
      [shopIds.get(B)],
    );
    await lifecycle.eraseShop(B);
    const [kept] = await sql<{ shopId: string | null; n: number }>(
      db.url,
      `SELECT a."shopId", (SELECT count(*)::int FROM "BillingEvent" e WHERE e."accountId" = a.id) AS n FROM "BillingAccount" a WHERE a.id = $1`,
      [before.id],
    );
    expect(kept).toEqual({ shopId: null, n: 1 });
    expect(await sql(db.url, `SELECT 1 FROM "UsageDay" WHERE "shopId" = $1`, [shopIds.get(B)])).toHaveLength(0);
    // Installed again: a new shop row and a new account, without a trial.
    const [row] = await sql<{ id: string }>(
      db.url,
      `INSERT INTO "Shop" (id, domain, "updatedAt") VALUES (gen_random_uuid(), $1, now()) RETURNING id`,
      [B],
    );
    const again = await pool.inTransaction(async (tx) => ledger.openAccount(tx, { id: row!.id, domain: B }));
    expect(again.id).not.toBe(before.id);
    expect(again.state).toBeNull();
    expect(again.trialStartedAt).toBeNull();
  });
});

describe("uninstall: Shopify cancels the subscription", () => {
  const quiet = { info: () => {}, warn: () => {}, error: () => {}, debug: () => {} };
  const helpers = { logger: quiet, job: { attempts: 1, max_attempts: 1 } } as unknown as JobHelpers;
  let tasks: typeof Tasks;
  let limits: typeof Limits;
  const subscriptionOf = new Map<string, string>();

  async function runJob(name: string, payload: Record<string, unknown>) {
    const handler = tasks.billingHandlers(adminFor).find((h) => h.name === name);
    if (!handler) throw new Error(`no ${name} handler`);
    await handler.task(payload, helpers);
  }

  const ledgerRows = (domain: string, type: string) =>
    sql<{ providerEventId: string }>(
      db.url,
      `SELECT e."providerEventId" FROM "BillingEvent" e JOIN "BillingAccount" a ON a.id = e."accountId" WHERE a."shopId" = $1 AND e.type = $2`,
      [shopIds.get(domain), type],
    );

  beforeAll(async () => {
    tasks = await import("../../app/billing/tasks.server");
    limits = await import("../../app/billing/limits.server");
    routes.set(UPDATE, await import("../../app/routes/webhooks.app_subscriptions.update"));
    routes.set(UNINSTALLED, await import("../../app/routes/webhooks.app.uninstalled"));
    // The offline sessions Fluxor keeps (encrypted) after the install, for its own Admin API calls.
    const app = (await import("../../app/shopify.server")).default;
    for (const domain of [C, D, E]) {
      const token = standIn.issueAccessToken(domain);
      const session = shopify.session.customAppSession(domain);
      session.accessToken = token;
      sessions.set(domain, session);
      await app.sessionStorage.storeSession(
        new Session({ id: `offline_${domain}`, shop: domain, state: "", isOnline: false, scope: "read_products", accessToken: token }),
      );
      const [row] = await sql<{ id: string }>(
        db.url,
        `INSERT INTO "Shop" (id, domain, "updatedAt", email) VALUES (gen_random_uuid(), $1, now(), $2) RETURNING id`,
        [domain, `owner@${domain}`],
      );
      shopIds.set(domain, row!.id);
      // Installed 20 days ago: the trial is over, and the shop pays for Pro.
      await pool.inTransaction(async (tx) => ledger.openAccount(tx, await shopRow(domain), clock(domain, -20 * DAY)));
      const before = deliveries.length;
      const gid = await subscribe(domain, plans.shopifyPlanName("pro", "monthly"));
      subscriptionOf.set(domain, gid);
      await standIn.webhooks.idle();
      // The approval's app_subscriptions/update, through Fluxor's route: read back from the Admin API, recorded.
      const active = deliveries.slice(before).filter((d) => d.shop === domain && d.topic === UPDATE);
      expect(active).toHaveLength(1);
      expect(await toFluxor(active[0]!)).toBe(200);
      expect((await account(domain)).state).toMatchObject({ subscriptionId: gid, plan: "pro", status: "active" });
      // A day of usage, metered while installed.
      await runJob("billing.meter", { shopId: shopIds.get(domain), day: "2026-03-10" });
    }
  });

  const cases = [
    { domain: C, order: [UPDATE, UNINSTALLED], title: "the subscription's webhook first" },
    { domain: D, order: [UNINSTALLED, UPDATE], title: "app/uninstalled first" },
    { domain: E, order: [UNINSTALLED], title: "the subscription's webhook lost" },
  ];

  it.each(cases)("$title, each twice: the ledger ends CANCELLED once", async ({ domain, order }) => {
    const gid = subscriptionOf.get(domain)!;
    const before = deliveries.length;
    await standIn.uninstallApp(domain);
    await standIn.webhooks.idle();
    // Shopify cancelled the subscription and said so, beside app/uninstalled.
    expect(standIn.billing.subscriptions(domain).find((s) => s.gid === gid)?.status).toBe("CANCELLED");
    const sent = new Map(deliveries.slice(before).map((d) => [d.topic, d]));
    expect([...sent.keys()].sort()).toEqual([UNINSTALLED, UPDATE]);
    expect(JSON.parse(sent.get(UPDATE)!.body)).toMatchObject({ app_subscription: { admin_graphql_api_id: gid, status: "CANCELLED" } });

    for (const topic of [...order, ...order]) expect(await toFluxor(sent.get(topic)!)).toBe(200);

    const now = clock(domain, 60_000);
    const state = (await account(domain)).state!;
    expect(state).toMatchObject({ subscriptionId: gid, provider: "shopify", status: "cancelled", cancelAtPeriodEnd: false });
    expect((await ledgerRows(domain, "cancelled")).map((r) => r.providerEventId)).toEqual([`${gid}:cancelled`]);
    expect(access(state, now)).toMatchObject({ level: "read_only", reason: "ended" });
    expect(await limits.forecastPermit(pool.pool(), shopIds.get(domain)!, now)).toEqual({ allowed: false, reason: "ended" });
    const [shop] = await sql<{ installState: string }>(db.url, `SELECT "installState" FROM "Shop" WHERE domain = $1`, [domain]);
    expect(shop?.installState).toBe("UNINSTALLED");
    expect(await sql(db.url, `SELECT 1 FROM "Session" WHERE shop = $1`, [domain])).toHaveLength(0);
  });

  it("an uninstalled shop is no longer metered; its data stays until shop/redact", async () => {
    const uninstalled = [C, D, E].map((domain) => shopIds.get(domain)!);
    await runJob("billing.tick", { now: clock(C, 2 * DAY).toISOString() });
    const meters = await sql<{ payload: { shopId: string } }>(db.url, JOBS_OF("billing.meter"));
    expect(meters.filter((j) => uninstalled.includes(j.payload.shopId))).toEqual([]);
    // A meter queued before the uninstall finds the shop gone and records nothing.
    await runJob("billing.meter", { shopId: shopIds.get(C), day: "2026-03-11" });
    const days = await sql<{ shopId: string; day: string }>(
      db.url,
      `SELECT "shopId", to_char(day, 'YYYY-MM-DD') AS day FROM "UsageDay" WHERE "shopId" = ANY($1::uuid[]) ORDER BY day`,
      [uninstalled],
    );
    expect(days.map((d) => d.day)).toEqual(["2026-03-10", "2026-03-10", "2026-03-10"]);
    // The shops, their accounts and whole ledgers are all still there.
    const kept = await sql<{ installState: string; types: string[] }>(
      db.url,
      `SELECT s."installState", array(SELECT e.type FROM "BillingEvent" e WHERE e."accountId" = a.id ORDER BY e.type) AS types
         FROM "Shop" s JOIN "BillingAccount" a ON a."shopId" = s.id WHERE s.id = ANY($1::uuid[])`,
      [uninstalled],
    );
    expect(kept).toEqual(
      uninstalled.map(() => ({
        installState: "UNINSTALLED",
        types: ["activated", "cancelled", "invoice_paid", "subscription_created", "trial_started"],
      })),
    );
  });

  it("a re-install gets no second trial: the plan stays ended until one is chosen, with no trial days", async () => {
    const lifecycle: typeof Lifecycle = await import("../../app/shops/lifecycle.server");
    const before = await account(C);
    expect(await lifecycle.onAuthorized(C, "read_products")).toBe("reinstall");
    await runJob("billing.open", { shop: C });
    const after = await account(C);
    expect(after.id).toBe(before.id);
    expect(after.trialStartedAt).toBe(before.trialStartedAt);
    expect(after.state).toMatchObject({ subscriptionId: subscriptionOf.get(C), status: "cancelled" });
    expect(await ledgerRows(C, "trial_started")).toHaveLength(1);
    expect(access(after.state, clock(C, 60_000))).toMatchObject({ level: "read_only", reason: "ended", plan: "pro" });

    // Choosing a plan again asks Shopify for no trial days.
    const asked: Parameters<Rail.ShopifyBilling["request"]>[0][] = [];
    const billing: Rail.ShopifyBilling = {
      request: async (options) => {
        asked.push(options);
        throw new Response(null, { status: 302 });
      },
    };
    const choice = { plan: "pro" as const, interval: "monthly" as const, coupon: null, returnUrl: "https://fluxor.test/app/billing" };
    await expect(rail.requestShopifyPlan(billing, await shopRow(C), choice, clock(C))).rejects.toBeInstanceOf(Response);
    expect(asked).toEqual([
      expect.objectContaining({ plan: plans.shopifyPlanName("pro", "monthly"), replacementBehavior: "APPLY_IMMEDIATELY" }),
    ]);
    expect(asked[0]).not.toHaveProperty("trialDays");
  });
});
