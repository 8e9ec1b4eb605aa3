/**
 * The billing page's billing details and invoices export, through Fluxor's own routes (the admin's session token),
 * against real PostgreSQL and the Stripe stand-in with the REAL stripe SDK:
 * - a direct contract that paid through Checkout with a German VAT id: the page's "Billing details" card shows what
 *   Stripe holds (billing email, business name, address, `eu_vat DE123456789` verified);
 * - `/app/billing/invoices.csv` on the Stripe rail is Stripe's invoices of the shop's own customer, and on the
 *   Shopify rail the paid periods Fluxor recorded from Shopify: header and rows, and another shop's never;
 * - with Stripe down the page still loads (200) and says its invoices and billing details are unavailable; the
 *   export answers 503 rather than a cut-off file.
 */
import { randomBytes } from "node:crypto";
import { Session } from "@shopify/shopify-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type * as LedgerServer from "../../app/billing/ledger.server";
import type * as Pool from "../../app/db/pool.server";
import type * as PageRoute from "../../app/routes/app.billing._index";
import type { Shop } from "../../app/shops/lookup.server";
import { dayIn } from "../../app/billing/invoices";
import { CATALOGUE } from "../../app/billing/plans";
import { shopifyPlanName } from "../../app/billing/shopify-plans";
import { startStripeStandIn, type StripeStandIn } from "../mocks/stripe";
import { createTestDatabase, sql } from "../support/db";
import { sessionToken } from "../support/session-token";

/** Direct contracts (the Stripe rail): A with a VAT id, B without. */
const STRIPE_A = "contract-a.myshopify.com";
const STRIPE_B = "contract-b.myshopify.com";
/** App Store installs (the Shopify rail). */
const SHOPIFY_A = "store-a.myshopify.com";
const SHOPIFY_B = "store-b.myshopify.com";
const DAY_MS = 86_400_000;

process.env.SHOPIFY_API_KEY = "fluxor-test-key";
process.env.SHOPIFY_API_SECRET = "fluxor-test-secret-" + randomBytes(6).toString("hex");
process.env.SHOPIFY_APP_URL = "https://fluxor.test";
process.env.SCOPES = "read_products";
process.env.SHOPIFY_ADMIN_URL = "https://admin.shopify.test";
process.env.FLUXOR_ENCRYPTION_KEYS = `t1:${randomBytes(32).toString("base64")}`;
process.env.FLUXOR_STRIPE_RAIL_SHOPS = `${STRIPE_A},${STRIPE_B}`;
process.env.STRIPE_SECRET_KEY = "sk_test_fluxor_billing_page";

type Args = { request: Request; params: Record<string, string>; context: { clientIp: string } };
type PageData = Awaited<ReturnType<typeof PageRoute.loader>>;

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let stripe: StripeStandIn;
let pool: typeof Pool;
let ledger: typeof LedgerServer;
let pageLoader: (args: Args) => Promise<PageData>;
let csvLoader: (args: Args) => Promise<Response>;
const shops = new Map<string, Shop>();

/** A request of the shop's admin to one of Fluxor's pages. */
function args(shop: string, path: string): Args {
  const request = new Request(`https://fluxor.test${path}`, { headers: { Authorization: `Bearer ${sessionToken(shop)}` } });
  return { request, params: {}, context: { clientIp: "127.0.0.1" } };
}

async function invoicesCsv(shop: string): Promise<{ status: number; lines: string[] }> {
  const response = await csvLoader(args(shop, "/app/billing/invoices.csv"));
  const text = await response.text();
  return { status: response.status, lines: response.ok ? text.split("\r\n").filter((line) => line !== "") : [] };
}

/** A direct contract's plan, paid through the hosted Checkout (its trial long over, so charged at once). */
async function payThroughCheckout(
  domain: string,
  form: { country: string; postalCode: string; businessName?: string; taxId?: { type: string; value: string } },
) {
  const { chooseStripePlan } = await import("../../app/billing/stripe-rail.server");
  const shop = shops.get(domain)!;
  const account = await pool.inTransaction((tx) => ledger.openAccount(tx, shop, new Date(Date.now() - 30 * DAY_MS)));
  expect(account.rail).toBe("stripe");
  const chosen = await chooseStripePlan(shop, account, { plan: "pro", interval: "monthly", returnUrl: "https://admin.test/app/billing" });
  const sessionId = chosen.kind === "redirect" ? /cs_test_[A-Za-z0-9]+/.exec(chosen.url)?.[0] : undefined;
  expect(sessionId).toBeTruthy();
  const done = await stripe.checkout.complete(sessionId!, { card: "4242 4242 4242 4242", ...form });
  expect(done.error).toBeNull();
}

/** An App Store install's subscription as Shopify returns it, seen in two 30-day periods: two paid periods in the ledger. */
async function payThroughShopify(domain: string, id: number, plan: "starter" | "pro") {
  const { recordShopifySubscription } = await import("../../app/billing/shopify-rail.server");
  const { AppSubscription } = await import("../../app/billing/shopify-events");
  const shop = shops.get(domain)!;
  const now = Date.now();
  const sub = (periodEnd: number) =>
    AppSubscription.parse({
      id: `gid://shopify/AppSubscription/${id}`,
      name: shopifyPlanName(plan, "monthly"),
      status: "ACTIVE",
      test: false,
      trialDays: 0,
      createdAt: new Date(now - 45 * DAY_MS).toISOString(),
      currentPeriodEnd: new Date(periodEnd).toISOString(),
      lineItems: [
        {
          id: `gid://shopify/AppSubscriptionLineItem/${id}`,
          plan: {
            pricingDetails: {
              __typename: "AppRecurringPricing",
              interval: "EVERY_30_DAYS",
              price: { amount: CATALOGUE.plans[plan].priceCents.monthly / 100, currencyCode: "USD" },
            },
          },
        },
      ],
    });
  await recordShopifySubscription(shop, sub(now - 15 * DAY_MS), new Date(now - 20 * DAY_MS));
  await recordShopifySubscription(shop, sub(now + 15 * DAY_MS), new Date(now));
}

beforeAll(async () => {
  db = await createTestDatabase();
  stripe = await startStripeStandIn();
  process.env.STRIPE_API_BASE = stripe.url;
  pool = await import("../../app/db/pool.server");
  ledger = await import("../../app/billing/ledger.server");
  const { shopByDomain } = await import("../../app/shops/lookup.server");
  const shopify = (await import("../../app/shopify.server")).default;
  for (const [domain, timezone] of [
    [STRIPE_A, "Europe/Berlin"],
    [STRIPE_B, "Europe/London"],
    [SHOPIFY_A, "America/New_York"],
    [SHOPIFY_B, "UTC"],
  ] as const) {
    const handle = domain.replace(/\.myshopify\.com$/, "");
    await sql(
      db.url,
      `INSERT INTO "Shop" (id, domain, name, email, "ianaTimezone", "installState", scopes, "updatedAt")
       VALUES (gen_random_uuid(), $1, $2, $3, $4, 'INSTALLED', $5, now())`,
      [domain, handle, `owner@${handle}.test`, timezone, process.env.SCOPES],
    );
    shops.set(domain, (await shopByDomain(pool.pool(), domain))!);
    await shopify.sessionStorage.storeSession(
      new Session({
        id: `offline_${domain}`,
        shop: domain,
        state: "",
        isOnline: false,
        scope: process.env.SCOPES,
        accessToken: `shpat_${handle}`,
      }),
    );
  }
  const page = (await import("../../app/routes/app.billing._index")) as unknown as { loader: typeof pageLoader };
  pageLoader = page.loader;
  const csv = (await import("../../app/routes/app.billing.invoices[.csv]")) as unknown as { loader: typeof csvLoader };
  csvLoader = csv.loader;

  await payThroughCheckout(STRIPE_A, {
    country: "DE",
    postalCode: "10117",
    businessName: "Contract A GmbH",
    taxId: { type: "eu_vat", value: "DE123456789" },
  });
  await payThroughCheckout(STRIPE_B, { country: "GB", postalCode: "EC1A 1BB" });
  await payThroughShopify(SHOPIFY_A, 1, "pro");
  await payThroughShopify(SHOPIFY_B, 2, "starter");
}, 120_000);

afterAll(async () => {
  stripe?.faults.clear();
  await stripe?.close();
  await pool?.closePool();
  await (await import("../../app/db/prisma.server")).disconnectPrisma();
  await db?.drop();
});

describe("billing details", () => {
  it("show what Stripe holds for a direct contract's customer: email, business name, address and its verified VAT id", async () => {
    const data = await pageLoader(args(STRIPE_A, "/app/billing"));
    expect(data.rail).toBe("stripe");
    expect(data.stripeUnavailable).toBe(false);
    expect(data.billingDetails).toEqual({
      status: "ok",
      details: {
        // The email Fluxor gave the customer (the shop's), the business name and address given at Checkout.
        email: "owner@contract-a.test",
        name: "Contract A GmbH",
        address: { line1: null, line2: null, postalCode: "10117", city: null, state: null, country: "DE" },
        taxIds: [{ type: "eu_vat", value: "DE123456789", country: "DE", verification: "verified" }],
      },
    });
    const b = await pageLoader(args(STRIPE_B, "/app/billing"));
    expect(b.billingDetails).toMatchObject({ status: "ok", details: { email: "owner@contract-b.test", taxIds: [] } });
  });

  it("on the Shopify rail are Shopify's: no Stripe details, a link to the store's billing settings", async () => {
    const data = await pageLoader(args(SHOPIFY_A, "/app/billing"));
    expect(data.rail).toBe("shopify");
    expect(data.billingDetails).toBeNull();
    expect(data.shopifyChargesUrl).toBe("https://admin.shopify.test/store/store-a/settings/billing");
  });
});

describe("the invoices export", () => {
  it("on the Stripe rail is Stripe's invoices of the shop's own customer", async () => {
    const a = await invoicesCsv(STRIPE_A);
    const b = await invoicesCsv(STRIPE_B);
    expect(a.status).toBe(200);
    expect(a.lines[0]).toBe("number,date,period_start,period_end,status,subtotal,discount,tax,total,currency,amount_paid,pdf_url");
    expect(b.lines[0]).toBe(a.lines[0]);
    expect(a.lines).toHaveLength(2);
    expect(b.lines).toHaveLength(2);
    const [numberA, dateA, startA, endA, ...restA] = a.lines[1]!.split(",");
    // Germany with a verified VAT id, billed from Ireland: reverse charge, no tax. The shop's own days (Berlin).
    expect(dateA).toBe(dayIn(new Date().toISOString(), "Europe/Berlin"));
    expect(startA).toBe(dateA);
    expect(endA! > startA!).toBe(true);
    expect(restA.slice(0, 7)).toEqual(["paid", "79", "0", "0", "79", "USD", "79"]);
    expect(restA[7]).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/invoice\/in_\w+\/pdf$/);
    // The UK: 20 % VAT on top.
    expect(b.lines[1]!.split(",").slice(4, 11)).toEqual(["paid", "79", "0", "15.8", "94.8", "USD", "94.8"]);
    // Tenancy: each export holds its own customer's invoice only.
    const numberB = b.lines[1]!.split(",")[0]!;
    expect(numberA).not.toBe(numberB);
    expect(a.lines.join("\n")).not.toContain(numberB);
    expect(b.lines.join("\n")).not.toContain(numberA!);
  });

  it("on the Shopify rail is the paid periods Fluxor recorded from Shopify, newest first, the shop's own only", async () => {
    const a = await invoicesCsv(SHOPIFY_A);
    const b = await invoicesCsv(SHOPIFY_B);
    expect(a.status).toBe(200);
    expect(a.lines[0]).toBe("date,period_start,period_end,plan,interval,amount,currency");
    const day = (offsetDays: number, zone: string) => dayIn(new Date(Date.now() + offsetDays * DAY_MS).toISOString(), zone);
    // The periods end at Shopify's currentPeriodEnd (±15 days) and last 30 days; the days are the shop's (New York).
    expect(a.lines.slice(1)).toEqual([
      `${day(-15, "America/New_York")},${day(-15, "America/New_York")},${day(15, "America/New_York")},pro,monthly,79,USD`,
      `${day(-45, "America/New_York")},${day(-45, "America/New_York")},${day(-15, "America/New_York")},pro,monthly,79,USD`,
    ]);
    expect(b.lines.slice(1)).toEqual([
      `${day(-15, "UTC")},${day(-15, "UTC")},${day(15, "UTC")},starter,monthly,29,USD`,
      expect.any(String),
    ]);
    expect(a.lines.some((line) => line.includes("starter"))).toBe(false);
    expect(b.lines.some((line) => line.includes("pro"))).toBe(false);
  });
});

describe("with Stripe down", () => {
  it("the page still loads and says its invoices and billing details are unavailable; the export answers 503", async () => {
    stripe.faults.outage(60_000);
    try {
      const data = await pageLoader(args(STRIPE_A, "/app/billing"));
      expect(data.stripeUnavailable).toBe(true);
      expect(data.invoices).toEqual([]);
      expect(data.billingDetails).toEqual({ status: "unavailable" });
      // What the ledger knows is still there.
      expect(data.rail).toBe("stripe");
      expect(data.plans).toHaveLength(3);
      const csv = await csvLoader(args(STRIPE_A, "/app/billing/invoices.csv"));
      expect(csv.status).toBe(503);
      expect(await csv.json()).toEqual({ error: "stripe_unavailable" });
      // The Shopify rail's export does not need Stripe.
      expect((await invoicesCsv(SHOPIFY_A)).status).toBe(200);
    } finally {
      stripe.faults.clear();
    }
    expect((await pageLoader(args(STRIPE_A, "/app/billing"))).billingDetails).toMatchObject({ status: "ok" });
  });
});
