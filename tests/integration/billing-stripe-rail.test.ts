/**
 * The Stripe rail against real PostgreSQL and the Stripe stand-in, with the REAL stripe SDK: a direct-contract shop
 * opens on the Stripe rail with Fluxor's trial; choosing a plan goes through the hosted Checkout with the 3-D Secure
 * card and ends active (the trial's days kept); the signed webhooks redelivered change nothing; a forged one is 401;
 * an upgrade swaps the price with prorations, a downgrade waits for the period's end; pause, resume, cancel at the
 * period's end and its withdrawal; invoices come with Stripe's PDFs.
 */
import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type * as LedgerServer from "../../app/billing/ledger.server";
import type * as StripeRail from "../../app/billing/stripe-rail.server";
import type * as Pool from "../../app/db/pool.server";
import type { Shop } from "../../app/shops/lookup.server";
import { newWebhookSecret, startStripeStandIn, type StripeStandIn } from "../mocks/stripe";
import { createTestDatabase, sql } from "../support/db";

const SHOP = "contract-shop.myshopify.com";
process.env.FLUXOR_ENCRYPTION_KEYS = `t1:${randomBytes(32).toString("base64")}`;
process.env.FLUXOR_STRIPE_RAIL_SHOPS = SHOP;
process.env.STRIPE_SECRET_KEY = "sk_test_fluxor_rail_test";
process.env.STRIPE_WEBHOOK_SECRET = newWebhookSecret();

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let stripe: StripeStandIn;
let receiver: Server;
let receiverUrl: string;
let pool: typeof Pool;
let ledger: typeof LedgerServer;
let rail: typeof StripeRail;
let shop: Shop;
const answers: number[] = [];

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
  // The app's webhook endpoint: the raw body and headers handed to Fluxor's handler, as the route does.
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const request = new Request("http://fluxor.test/webhooks/stripe", {
        method: "POST",
        headers: Object.entries(req.headers).flatMap(([k, v]) => (typeof v === "string" ? [[k, v] as [string, string]] : [])),
        body: Buffer.concat(chunks).toString("utf8"),
      });
      rail
        .receiveStripeWebhook(request)
        .then((outcome) => {
          answers.push(outcome.status);
          res.writeHead(outcome.status);
          res.end(outcome.body);
        })
        .catch((error: unknown) => {
          res.writeHead(500);
          res.end(String(error));
        });
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks/stripe`;
  stripe = await startStripeStandIn({ webhook: { url: receiverUrl, secret: process.env.STRIPE_WEBHOOK_SECRET! } });
  process.env.STRIPE_API_BASE = stripe.url;
  pool = await import("../../app/db/pool.server");
  ledger = await import("../../app/billing/ledger.server");
  rail = await import("../../app/billing/stripe-rail.server");
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
