/**
 * The Stripe rail against real PostgreSQL and the Stripe stand-in, with the REAL stripe SDK: a direct-contract shop
 * opens on the Stripe rail with Fluxor's trial; choosing a plan goes through the hosted Checkout with the 3-D Secure
 * card and ends active (the trial's days kept); the signed webhooks redelivered change nothing; a forged one is 401;
 * an upgrade swaps the price with prorations, a downgrade waits for the period's end; pause, resume, cancel at the
 * period's end and its withdrawal; invoices come with Stripe's PDFs. Then a renewal that fails: a second shop pays
 * with 4000 0000 0000 0341 (it attaches, its charges decline) on a Stripe test clock; past the trial the renewal
 * fails, Stripe retries and gives up, and its signed webhooks put the ledger in its grace period; the billing tick
 * sends the dunning emails of day 0, 3 and 7 once each (through the Resend stand-in); from day 7 the shop is
 * read-only with nothing deleted; a good card in the customer portal pays the invoice and the shop is active again.
 */
import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { JobHelpers } from "graphile-worker";
import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { access } from "../../app/billing/dunning";
import { deriveSubscription } from "../../app/billing/ledger";
import type * as LedgerServer from "../../app/billing/ledger.server";
import type * as Limits from "../../app/billing/limits.server";
import type { AdminFor } from "../../app/billing/shopify-rail.server";
import type * as StripeRail from "../../app/billing/stripe-rail.server";
import type * as Tasks from "../../app/billing/tasks.server";
import type * as Pool from "../../app/db/pool.server";
import type * as Send from "../../app/email/send.server";
import type * as StripeWebhookRoute from "../../app/routes/webhooks.stripe";
import type { Shop } from "../../app/shops/lookup.server";
import { startResendStandIn, type ResendStandIn } from "../mocks/resend";
import { newWebhookSecret, startStripeStandIn, type StripeStandIn } from "../mocks/stripe";
import { createTestDatabase, sql } from "../support/db";
import { seedShop } from "../support/forecast-seed";

const SHOP = "contract-shop.myshopify.com";
/** The shop whose renewal fails (its own account, customer and test clock). */
const DUNNING_SHOP = "dunning-shop.myshopify.com";
const OWNER = "owner@dunning-shop.test";
process.env.FLUXOR_ENCRYPTION_KEYS = `t1:${randomBytes(32).toString("base64")}`;
process.env.FLUXOR_STRIPE_RAIL_SHOPS = `${SHOP},${DUNNING_SHOP}`;
process.env.STRIPE_SECRET_KEY = "sk_test_fluxor_rail_test";
process.env.STRIPE_WEBHOOK_SECRET = newWebhookSecret();
process.env.SHOPIFY_API_KEY = "fluxor-test-key";
process.env.SHOPIFY_ADMIN_URL = "https://admin.shopify.test";
process.env.RESEND_API_KEY = "re_test_key";
process.env.FLUXOR_EMAIL_FROM = "Fluxor <billing@fluxor.test>";

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let stripe: StripeStandIn;
let resend: ResendStandIn;
let receiver: Server;
let receiverUrl: string;
let pool: typeof Pool;
let ledger: typeof LedgerServer;
let rail: typeof StripeRail;
let webhookRoute: typeof StripeWebhookRoute;
let tasks: typeof Tasks;
let limits: typeof Limits;
let send: typeof Send;
let shop: Shop;
const answers: number[] = [];
/** How far the Stripe stand-in's own time runs ahead of real time (moved with the dunning shop's test clock). */
let stripeAheadMs = 0;

async function account() {
  const found = await ledger.accountOfShop(shop.id, pool.pool());
  if (!found) throw new Error("no account");
  return found;
}

async function eventCount(): Promise<number> {
  const [row] = await sql<{ n: number }>(
    db.url,
    `SELECT count(*)::int AS n FROM "BillingEvent" WHERE "accountId" = (SELECT id FROM "BillingAccount" WHERE "shopId" = $1)`,
    [shop.id],
  );
  return row!.n;
}

beforeAll(async () => {
  db = await createTestDatabase();
  // The app's webhook endpoint: the raw body and headers handed to Fluxor's route (app/routes/webhooks.stripe.tsx).
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const request = new Request("http://fluxor.test/webhooks/stripe", {
        method: "POST",
        headers: Object.entries(req.headers).flatMap(([k, v]) => (typeof v === "string" ? [[k, v] as [string, string]] : [])),
        body: Buffer.concat(chunks).toString("utf8"),
      });
      webhookRoute
        .action({ request, params: {}, context: { clientIp: "127.0.0.1" } })
        .then(async (response) => {
          answers.push(response.status);
          res.writeHead(response.status);
          res.end(await response.text());
        })
        .catch((error: unknown) => {
          res.writeHead(500);
          res.end(String(error));
        });
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks/stripe`;
  stripe = await startStripeStandIn({
    webhook: { url: receiverUrl, secret: process.env.STRIPE_WEBHOOK_SECRET! },
    clock: () => Date.now() + stripeAheadMs,
    // Fluxor's Stripe account marks a subscription whose retries all failed as unpaid (Billing → Revenue recovery;
    // Stripe's default cancels it): the shop stays read-only until it pays, and paying the open invoice makes the
    // same subscription active again.
    dunning: { subscriptionAfterFinalFailure: "unpaid" },
  });
  process.env.STRIPE_API_BASE = stripe.url;
  resend = await startResendStandIn({ rateLimit: false });
  process.env.RESEND_BASE_URL = resend.url;
  pool = await import("../../app/db/pool.server");
  ledger = await import("../../app/billing/ledger.server");
  rail = await import("../../app/billing/stripe-rail.server");
  webhookRoute = await import("../../app/routes/webhooks.stripe");
  tasks = await import("../../app/billing/tasks.server");
  limits = await import("../../app/billing/limits.server");
  send = await import("../../app/email/send.server");
  const [row] = await sql<{ id: string }>(
    db.url,
    `INSERT INTO "Shop" (id, domain, name, email, "updatedAt") VALUES (gen_random_uuid(), $1, 'Contract Shop', 'owner@contract.test', now()) RETURNING id`,
    [SHOP],
  );
  const { shopById } = await import("../../app/shops/lookup.server");
  shop = (await shopById(pool.pool(), row!.id))!;
}, 60_000);

afterAll(async () => {
  await stripe?.close();
  await resend?.close();
  await new Promise<void>((resolve) => (receiver ? receiver.close(() => resolve()) : resolve()));
  await pool?.closePool();
  await db?.drop();
});

describe("a direct contract on the Stripe rail", () => {
  it("opens on the Stripe rail with the trial", async () => {
    const opened = await pool.inTransaction((tx) => ledger.openAccount(tx, shop));
    expect(opened.rail).toBe("stripe");
    expect(opened.state?.status).toBe("trialing");
  });

  it("subscribes through the hosted Checkout with the 3-D Secure card, keeping the trial's days", async () => {
    const chosen = await rail.chooseStripePlan(shop, await account(), {
      plan: "pro",
      interval: "monthly",
      returnUrl: "https://admin.test/app/billing",
    });
    expect(chosen.kind).toBe("redirect");
    const url = chosen.kind === "redirect" ? chosen.url : "";
    const sessionId = /cs_test_[A-Za-z0-9]+/.exec(url)?.[0];
    expect(sessionId).toBeTruthy();
    const done = await stripe.checkout.complete(sessionId!, { card: "4000 0027 6000 3184", authenticate: "complete", country: "GB" });
    expect(done.error).toBeNull();
    expect(done.location).toMatch(/^https:\/\/admin\.test\/app\/billing\?stripe_session=cs_test_/);
    await stripe.webhooks.idle();
    const after = await account();
    expect(after.stripeCustomerId).toMatch(/^cus_/);
    expect(after.state).toMatchObject({ provider: "stripe", plan: "pro", interval: "monthly", priceCents: 7900, status: "trialing" });
    expect(Date.parse(after.state!.trialEndsAt!)).toBeGreaterThan(Date.now() + 12 * 86_400_000);
    expect(answers.every((s) => s === 200)).toBe(true);
  });

  it("every event delivered again changes nothing; a forged one is 401", async () => {
    const before = await eventCount();
    const state = (await account()).state;
    for (const event of stripe.events() as { id: string }[]) await stripe.webhooks.replay(event.id);
    await stripe.webhooks.idle();
    expect(await eventCount()).toBe(before);
    expect((await account()).state).toEqual(state);

    const [first] = stripe.events();
    const forged = await fetch(receiverUrl, {
      method: "POST",
      headers: { "content-type": "application/json", "stripe-signature": `t=${Math.floor(Date.now() / 1000)},v1=${"0".repeat(64)}` },
      body: JSON.stringify(first),
    });
    expect(forged.status).toBe(401);
    const unsigned = await fetch(receiverUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(first),
    });
    expect(unsigned.status).toBe(401);
    expect(await eventCount()).toBe(before);
  });

  it("an upgrade swaps the price at once; a downgrade is scheduled for the period's end", async () => {
    expect(
      (
        await rail.chooseStripePlan(shop, await account(), {
          plan: "enterprise",
          interval: "monthly",
          returnUrl: "https://admin.test/app/billing",
        })
      ).kind,
    ).toBe("changed");
    await stripe.webhooks.idle();
    expect((await account()).state).toMatchObject({ plan: "enterprise", priceCents: 19900 });
    expect(
      (
        await rail.chooseStripePlan(shop, await account(), {
          plan: "starter",
          interval: "monthly",
          returnUrl: "https://admin.test/app/billing",
        })
      ).kind,
    ).toBe("scheduled");
    const state = (await account()).state!;
    expect(state.plan).toBe("enterprise");
    expect(state.pendingDowngrade).toMatchObject({ plan: "starter", interval: "monthly" });
  });

  it("pause and resume; cancel at the period's end and take it back", async () => {
    await rail.stripeSubscriptionAction(await account(), "pause");
    await stripe.webhooks.idle();
    expect((await account()).state?.status).toBe("paused");
    await rail.stripeSubscriptionAction(await account(), "resume");
    await stripe.webhooks.idle();
    expect(["active", "trialing"]).toContain((await account()).state?.status);
    await rail.stripeSubscriptionAction(await account(), "cancel");
    await stripe.webhooks.idle();
    expect((await account()).state?.cancelAtPeriodEnd).toBe(true);
    await rail.stripeSubscriptionAction(await account(), "withdraw_cancel");
    await stripe.webhooks.idle();
    expect((await account()).state?.cancelAtPeriodEnd).toBe(false);
  });

  it("invoices come with Stripe's PDFs, and the portal opens for the customer", async () => {
    const invoices = await rail.stripeInvoices(await account());
    expect(invoices.length).toBeGreaterThan(0);
    const withPdf = invoices.find((i) => i.pdfUrl);
    expect(withPdf).toBeTruthy();
    const pdf = await fetch(withPdf!.pdfUrl!);
    expect(
      Buffer.from(await pdf.arrayBuffer())
        .subarray(0, 5)
        .toString(),
    ).toBe("%PDF-");
    expect(await rail.portalUrl(await account(), "https://admin.test/app/billing")).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
  });
});

describe("a renewal that fails: dunning, grace, read-only, paid again", () => {
  const DAY = 86_400;
  /** When the dunning shop's test clock starts (Unix seconds). */
  const T0 = Math.floor(Date.now() / 1000);
  /** Fluxor's trial, carried over by Checkout, ends at T0 + 4 days; Stripe drafts the renewal then and charges it an hour later. */
  const RENEWAL = T0 + 4 * DAY + 3600;
  const at = (seconds: number) => new Date(seconds * 1000);
  const quiet = { info: () => {}, warn: () => {}, error: () => {}, debug: () => {} };
  const helpers = { logger: quiet, job: { attempts: 1, max_attempts: 1 } } as unknown as JobHelpers;
  /** No shop of this file is on the Shopify rail: the tick has no Admin API to call. */
  const noShopifyRail: AdminFor = () => Promise.reject(new Error("no Shopify rail in this test"));

  let sdk: Stripe;
  let dunningShop: Shop;
  let accountId: string;
  let customerId: string;
  let clockId: string;
  let subscriptionId: string;
  let invoiceId: string;
  /** When Fluxor recorded the failure: the time of Stripe's first `invoice.payment_failed` (Unix seconds). */
  let failedAt: number;
  let rowsBefore: Record<string, number>;
  /** Fluxor's time, `days` (and `minutes`) after it recorded the failure. */
  const sinceFailure = (days: number, minutes = 0) => at(failedAt + days * DAY + minutes * 60);

  async function dunningAccount(now: Date) {
    const found = await ledger.accountOfShop(dunningShop.id, pool.pool(), now);
    if (!found) throw new Error("no account");
    return found;
  }

  /**
   * The test clock's time passes (renewals, retries), and the stand-in's own time with it, as real days would:
   * Stripe stamps an event when it sends it, and Fluxor's ledger dates a payment's failure or success by its event.
   * Then every event reaches Fluxor.
   */
  async function advanceTo(frozenTime: number) {
    stripeAheadMs = frozenTime * 1000 - Date.now();
    await sdk.testHelpers.testClocks.advance(clockId, { frozen_time: frozenTime });
    await stripe.clocksReady();
    await stripe.webhooks.idle();
  }

  /** The hourly billing tick, as the worker runs it, at `now`. */
  async function tick(now: Date) {
    const handler = tasks.billingHandlers(noShopifyRail).find((h) => h.name === "billing.tick");
    if (!handler) throw new Error("no billing.tick handler");
    await handler.task({ now: now.toISOString() }, helpers);
  }

  async function dunningEmails() {
    return sql<{
      id: string;
      kind: string;
      recipient: string;
      idempotencyKey: string;
      content: { step: string } & Record<string, unknown>;
    }>(
      db.url,
      `SELECT id, kind, recipient, "idempotencyKey", content FROM "EmailMessage" WHERE "idempotencyKey" LIKE $1 ORDER BY "createdAt", id`,
      [`dunning:${accountId}:%`],
    );
  }
  const steps = async () => (await dunningEmails()).map((m) => m.content.step);

  /** The shop's rows in every table keyed by shop. */
  async function shopRows(): Promise<Record<string, number>> {
    const tables = await sql<{ table_name: string }>(
      db.url,
      `SELECT table_name FROM information_schema.columns WHERE table_schema = 'public' AND column_name = 'shopId' ORDER BY table_name`,
    );
    const counts: Record<string, number> = {};
    for (const { table_name } of tables) {
      const [row] = await sql<{ n: number }>(db.url, `SELECT count(*)::int AS n FROM "${table_name}" WHERE "shopId" = $1`, [
        dunningShop.id,
      ]);
      counts[table_name] = row!.n;
    }
    return counts;
  }

  /** Stripe's events of a type, oldest first, as its API lists them. */
  const eventsOf = async (type: string) => (await sdk.events.list({ type, limit: 100 })).data.reverse();
  const failuresOfInvoice = async () =>
    (await eventsOf("invoice.payment_failed")).filter((e) => (e.data.object as Stripe.Invoice).id === invoiceId);

  it("subscribes through the hosted Checkout with 4000 0000 0000 0341: the card attaches, the trial runs", async () => {
    // A store with its catalogue and sales history: none of it may go when the shop turns read-only.
    const seeded = await seedShop(db.url, { domain: DUNNING_SHOP, products: 4, variantsPerProduct: 2, days: 30, seed: 9 });
    await sql(db.url, `UPDATE "Shop" SET name = 'Dunning Shop', email = $2 WHERE id = $1`, [seeded.shopId, OWNER]);
    const { shopById } = await import("../../app/shops/lookup.server");
    dunningShop = (await shopById(pool.pool(), seeded.shopId))!;
    rowsBefore = await shopRows();
    expect(rowsBefore.ProductVariant).toBe(8);
    // Installed 10 days before: 4 days of Fluxor's trial are left, and Checkout carries them over as Stripe's trial.
    accountId = (await pool.inTransaction((tx) => ledger.openAccount(tx, dunningShop, at(T0 - 10 * DAY)))).id;
    // The customer Fluxor keeps on the account, here on a test clock (Stripe's way to let a subscription's time pass).
    sdk = new Stripe(process.env.STRIPE_SECRET_KEY!, { ...stripe.sdkConfig, maxNetworkRetries: 0 });
    clockId = (await sdk.testHelpers.testClocks.create({ frozen_time: T0, name: "dunning" })).id;
    customerId = (
      await sdk.customers.create({
        name: "Dunning Shop",
        email: OWNER,
        test_clock: clockId,
        metadata: { fluxor_account: accountId, shop: DUNNING_SHOP },
      })
    ).id;
    await sql(db.url, `UPDATE "BillingAccount" SET "stripeCustomerId" = $2 WHERE id = $1`, [accountId, customerId]);

    const chosen = await rail.chooseStripePlan(
      dunningShop,
      await dunningAccount(at(T0)),
      { plan: "pro", interval: "monthly", returnUrl: "https://admin.test/app/billing" },
      at(T0),
    );
    const sessionId = chosen.kind === "redirect" ? /cs_test_[A-Za-z0-9]+/.exec(chosen.url)?.[0] : undefined;
    expect(sessionId).toBeTruthy();
    const done = await stripe.checkout.complete(sessionId!, { card: "4000 0000 0000 0341", country: "GB" });
    expect(done.error).toBeNull();
    await stripe.webhooks.idle();
    const state = (await dunningAccount(at(T0 + 60))).state!;
    expect(state).toMatchObject({
      provider: "stripe",
      plan: "pro",
      interval: "monthly",
      priceCents: 7900,
      status: "trialing",
      trialEndsAt: at(T0 + 4 * DAY).toISOString(),
      delinquentSince: null,
    });
    subscriptionId = state.subscriptionId!;
    expect(await sdk.subscriptions.retrieve(subscriptionId)).toMatchObject({ status: "trialing", test_clock: clockId });
  });

  it("the renewal's charge declines: Stripe's signed invoice.payment_failed and past_due start Fluxor's grace period", async () => {
    await advanceTo(RENEWAL + 60);
    expect((await sdk.subscriptions.retrieve(subscriptionId)).status).toBe("past_due");
    const [open, ...more] = (await sdk.invoices.list({ customer: customerId, status: "open" })).data;
    expect(more).toEqual([]);
    // Charged once, at the renewal; Stripe retries 3 days later.
    expect(open).toMatchObject({ billing_reason: "subscription_cycle", attempt_count: 1, next_payment_attempt: RENEWAL + 3 * DAY });
    invoiceId = open!.id!;
    const failures = await failuresOfInvoice();
    expect(failures).toHaveLength(1);
    const pastDue = (await eventsOf("customer.subscription.updated")).filter((e) => {
      const sub = e.data.object as Stripe.Subscription;
      return sub.id === subscriptionId && sub.status === "past_due";
    });
    expect(pastDue).toHaveLength(1);
    // Both reached Fluxor's endpoint, signed, and were taken at the first attempt.
    const delivered = stripe.webhooks.attempts().filter((a) => a.eventId === failures[0]!.id || a.eventId === pastDue[0]!.id);
    expect(delivered.map((a) => a.status)).toEqual([200, 200]);

    failedAt = failures[0]!.created;
    const now = sinceFailure(0, 1);
    const state = (await dunningAccount(now)).state!;
    expect(state).toMatchObject({
      subscriptionId,
      status: "past_due",
      delinquentSince: sinceFailure(0).toISOString(),
      graceEndsAt: sinceFailure(7).toISOString(),
    });
    expect(access(state, now)).toMatchObject({ level: "full", reason: "grace" });
    expect(await limits.forecastPermit(pool.pool(), dunningShop.id, now)).toMatchObject({ allowed: true });
  });

  it("the billing tick queues day 0's email, then day 3's, each once however often it runs", async () => {
    await tick(sinceFailure(0, 5));
    await tick(sinceFailure(0, 5));
    await tick(sinceFailure(0, 65));
    expect(await steps()).toEqual(["payment_failed"]);
    const [first] = await dunningEmails();
    const open = await sdk.invoices.retrieve(invoiceId);
    expect(first).toMatchObject({
      kind: "billing",
      recipient: OWNER,
      idempotencyKey: `dunning:${accountId}:${sinceFailure(0).toISOString()}:payment_failed`,
    });
    expect(first!.content).toMatchObject({
      template: "dunning",
      rail: "stripe",
      planName: "Pro",
      amountDue: { amount: open.amount_due / 100, currency: "USD" },
      failedAt: sinceFailure(0).toISOString(),
      graceEndsAt: sinceFailure(7).toISOString(),
    });

    // Stripe's first retry (day 3) fails too: the grace period still runs from the first failure.
    await advanceTo(RENEWAL + 3 * DAY + 60);
    expect(await failuresOfInvoice()).toHaveLength(2);
    expect((await dunningAccount(sinceFailure(3, 1))).state?.delinquentSince).toBe(sinceFailure(0).toISOString());
    await tick(sinceFailure(3, 5));
    await tick(sinceFailure(3, 5));
    expect(await steps()).toEqual(["payment_failed", "reminder"]);
    // The second retry (day 5) fails: no step is due.
    await advanceTo(RENEWAL + 5 * DAY + 60);
    expect(await failuresOfInvoice()).toHaveLength(3);
    await tick(sinceFailure(5, 5));
    await tick(sinceFailure(6));
    expect(await steps()).toEqual(["payment_failed", "reminder"]);
  });

  it("day 7: Stripe gives up (unpaid); the shop is read-only, without forecasts, nothing deleted, and told once", async () => {
    await advanceTo(RENEWAL + 7 * DAY + 60);
    expect((await sdk.subscriptions.retrieve(subscriptionId)).status).toBe("unpaid");
    expect(await sdk.invoices.retrieve(invoiceId)).toMatchObject({ status: "open", attempt_count: 4, next_payment_attempt: null });
    const now = sinceFailure(7, 5);
    await tick(now);
    await tick(now);
    expect(await steps()).toEqual(["payment_failed", "reminder", "read_only"]);

    const state = (await dunningAccount(now)).state!;
    expect(state.status).toBe("read_only");
    expect(access(state, now)).toEqual({
      level: "read_only",
      reason: "grace_over",
      plan: "pro",
      capabilities: {
        view: true,
        export: true,
        manage_billing: true,
        edit_settings: false,
        run_forecasts: false,
        send_alerts: false,
        api: false,
      },
    });
    expect(await limits.forecastPermit(pool.pool(), dunningShop.id, now)).toEqual({ allowed: false, reason: "grace_over" });
    const rowsAfter = await shopRows();
    for (const [table, n] of Object.entries(rowsBefore)) expect(rowsAfter[table], table).toBeGreaterThanOrEqual(n);
  });

  it("the dunning emails go out through Resend to the shop's owner", async () => {
    for (const m of await dunningEmails()) expect(await send.sendMessage(m.id)).toBe("sent");
    const sent = resend.messages().filter((m) => m.to.includes(OWNER));
    expect(sent.map((m) => m.subject)).toEqual([
      expect.stringMatching(/^Your Fluxor payment failed: full access until /),
      "Reminder: 4 days left to settle your Fluxor payment",
      "Fluxor is now read-only for Dunning Shop: nothing was deleted",
    ]);
    for (const m of sent) expect(m.html).toContain('href="https://admin.shopify.test/store/dunning-shop/apps/fluxor-test-key/app/billing"');
  });

  it("on day 8 a good card in the customer portal pays the invoice: the same subscription is active again, read-only lifted", async () => {
    await advanceTo(RENEWAL + 8 * DAY);
    const portal = await rail.portalUrl(await dunningAccount(sinceFailure(8)), "https://admin.test/app/billing");
    const updated = await stripe.submitForm(portal, {
      action: "update_card",
      cardNumber: "4242 4242 4242 4242",
      cardExpiry: "12 / 34",
      cardCvc: "123",
    });
    expect(updated.status).toBe(303);
    await stripe.webhooks.idle();
    expect(await sdk.invoices.retrieve(invoiceId)).toMatchObject({ status: "paid" });
    expect((await sdk.subscriptions.retrieve(subscriptionId)).status).toBe("active");

    const now = sinceFailure(8, 10);
    const state = (await dunningAccount(now)).state!;
    expect(state).toMatchObject({ subscriptionId, status: "active", delinquentSince: null, graceEndsAt: null });
    expect(access(state, now)).toMatchObject({ level: "full", reason: "subscribed", capabilities: { run_forecasts: true } });
    expect(await limits.forecastPermit(pool.pool(), dunningShop.id, now)).toMatchObject({ allowed: true });
    // The ledger keeps the history: read-only from the grace period's end until the payment.
    const history = await ledger.ledgerOf(pool.pool(), accountId);
    expect(deriveSubscription(history, sinceFailure(7, 30))?.status).toBe("read_only");
    // The renewal's revenue, net of tax.
    const [paid] = await sql<{ payload: { amountCents: number } }>(
      db.url,
      `SELECT payload FROM "BillingEvent" WHERE "accountId" = $1 AND type = 'invoice_paid' AND payload->>'invoiceId' = $2`,
      [accountId, invoiceId],
    );
    expect(paid?.payload.amountCents).toBe(7900);
    // The series is over.
    await tick(now);
    await tick(sinceFailure(9));
    expect(await steps()).toHaveLength(3);
    expect(stripe.webhooks.attempts().every((a) => a.status === 200)).toBe(true);
  });
});
