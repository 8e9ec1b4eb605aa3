/**
 * The Stripe rail (decision 0045), for direct contracts: Checkout and the Customer Portal are Stripe's hosted pages
 * (no card data reaches Fluxor; 3-D Secure is Stripe's), prices are found by lookup key (`fluxor_<plan>_<interval>`,
 * created when missing), Stripe Tax computes tax (`automatic_tax`, tax ids collected at checkout), and signed
 * webhooks (`constructEvent`) become ledger events. `STRIPE_API_BASE` points the SDK at another host (the local
 * stand-in in the demo and tests); nothing else differs.
 */
import Stripe from "stripe";
import { audit } from "../auth/audit.server";
import { inTransaction, pool, type Queryable } from "../db/pool.server";
import { storableJson } from "../db/storable";
import type { Shop } from "../shops/lookup.server";
import { billingDetails, type BillingDetails } from "./billing-details";
import { stripeInvoiceRow, type InvoiceRow } from "./invoices";
import { accountById, recordEvents, type BillingAccount } from "./ledger.server";
import type { BillingEventInput } from "./ledger";
import { CATALOGUE, planRank, trialWindow, type Interval, type PlanId } from "./plans";
import { eventOwner, parseLookupKey, priceLookupKey, StripeEnvelope, stripeEvents } from "./stripe-events";

/** The Stripe client from the environment; null when the Stripe rail is not configured. */
export function stripeClient(): Stripe | null {
  const key = process.env.STRIPE_SECRET_KEY;
  if (!key) return null;
  const base = process.env.STRIPE_API_BASE ? new URL(process.env.STRIPE_API_BASE) : null;
  return new Stripe(key, {
    maxNetworkRetries: 2,
    timeout: 20_000,
    ...(base
      ? {
          host: base.hostname,
          port: Number(base.port || (base.protocol === "http:" ? 80 : 443)),
          protocol: base.protocol === "http:" ? "http" : "https",
        }
      : {}),
  });
}

/**
 * Whether an error of the stripe SDK says Stripe could not serve the request now: its 5xx answers, its rate limit, or
 * no answer at all (a refused or dropped connection, the SDK's timeout). 5xx answers and lost connections come here
 * after the SDK's own retries, which repeat a POST under the same idempotency key, so Stripe does it at most once.
 * The merchant is told to try again; a refusal (another 4xx) is not this.
 */
export function stripeUnavailable(error: unknown): boolean {
  return (
    error instanceof Stripe.errors.StripeAPIError ||
    error instanceof Stripe.errors.StripeConnectionError ||
    error instanceof Stripe.errors.StripeRateLimitError
  );
}

function requireStripe(): Stripe {
  const stripe = stripeClient();
  if (!stripe) throw new Error("the Stripe rail is not configured (STRIPE_SECRET_KEY)");
  return stripe;
}

const LABEL: Record<PlanId, string> = { starter: "Fluxor Starter", pro: "Fluxor Pro", enterprise: "Fluxor Enterprise" };

/** The price of a plan and interval, by lookup key; created (with its product) the first time. */
export async function priceFor(stripe: Stripe, plan: PlanId, interval: Interval): Promise<string> {
  const lookupKey = priceLookupKey(plan, interval);
  const found = await stripe.prices.list({ lookup_keys: [lookupKey], active: true, limit: 1 });
  if (found.data[0]) return found.data[0].id;
  const product = await stripe.products.create(
    { name: LABEL[plan], metadata: { fluxor_plan: plan } },
    { idempotencyKey: `fluxor-product-${plan}` },
  );
  const price = await stripe.prices.create(
    {
      product: product.id,
      currency: CATALOGUE.chargeCurrency.toLowerCase(),
      unit_amount: CATALOGUE.plans[plan].priceCents[interval],
      recurring: { interval: interval === "annual" ? "year" : "month" },
      lookup_key: lookupKey,
      tax_behavior: "exclusive",
    },
    { idempotencyKey: `fluxor-price-${lookupKey}-${CATALOGUE.plans[plan].priceCents[interval]}` },
  );
  return price.id;
}

/** The account's Stripe customer, created once (its id is kept on the account; no address is stored by Fluxor). */
async function customerOf(stripe: Stripe, db: Queryable, account: BillingAccount, shop: Shop): Promise<string> {
  if (account.stripeCustomerId) return account.stripeCustomerId;
  const customer = await stripe.customers.create(
    { name: shop.name ?? shop.domain, email: shop.email ?? undefined, metadata: { fluxor_account: account.id, shop: shop.domain } },
    { idempotencyKey: `fluxor-customer-${account.id}` },
  );
  await db.query(`UPDATE "BillingAccount" SET "stripeCustomerId" = $2, "updatedAt" = now() WHERE id = $1`, [account.id, customer.id]);
  return customer.id;
}

/**
 * A plan chosen on the Stripe rail. Without a live subscription: a Checkout session (its URL is where the merchant
 * goes; the trial's days left become `trial_end`). With one: an upgrade swaps the price at once with prorations,
 * a downgrade is recorded as scheduled and applied at the end of the period by the billing tick.
 */
export async function chooseStripePlan(
  shop: Shop,
  account: BillingAccount,
  choice: { plan: PlanId; interval: Interval; returnUrl: string },
  now: Date = new Date(),
): Promise<{ kind: "redirect"; url: string } | { kind: "changed" | "scheduled" }> {
  const stripe = requireStripe();
  const price = await priceFor(stripe, choice.plan, choice.interval);
  const state = account.state;
  const live = state?.provider === "stripe" && state.subscriptionId && ["active", "trialing", "past_due", "paused"].includes(state.status);
  if (!live) {
    const customer = await customerOf(stripe, pool(), account, shop);
    const trial = account.trialStartedAt ? trialWindow(account.trialStartedAt, now) : null;
    // Stripe needs a trial to end at least 48 hours ahead.
    const trialEnd =
      trial && Date.parse(trial.endsAt) - now.getTime() > 48 * 3_600_000 ? Math.floor(Date.parse(trial.endsAt) / 1000) : undefined;
    const session = await stripe.checkout.sessions.create({
      mode: "subscription",
      customer,
      client_reference_id: account.id,
      line_items: [{ price, quantity: 1 }],
      subscription_data: { metadata: { fluxor_account: account.id }, ...(trialEnd ? { trial_end: trialEnd } : {}) },
      allow_promotion_codes: true,
      automatic_tax: { enabled: true },
      tax_id_collection: { enabled: true },
      customer_update: { address: "auto", name: "auto" },
      success_url: `${choice.returnUrl}?stripe_session={CHECKOUT_SESSION_ID}`,
      cancel_url: choice.returnUrl,
      metadata: { fluxor_account: account.id },
    });
    if (!session.url) throw new Error("Stripe returned a checkout session without a URL");
    return { kind: "redirect", url: session.url };
  }
  const sub = await stripe.subscriptions.retrieve(state.subscriptionId!);
  const item = sub.items.data[0];
  if (!item) throw new Error(`subscription ${sub.id} has no item`);
  const current = parseLookupKey(item.price.lookup_key);
  const downgrade =
    current && (planRank(choice.plan) < planRank(current.plan) || (current.interval === "annual" && choice.interval === "monthly"));
  if (downgrade) {
    // Stripe first: the ledger's scheduled change is what the billing tick applies from the price kept here, so a
    // Stripe that fails now must leave no scheduled change behind that nothing could carry out.
    await stripe.subscriptions.update(sub.id, { metadata: { fluxor_account: account.id, fluxor_next_price: price } });
    await inTransaction((tx) =>
      recordEvents(tx, account.id, [
        {
          type: "plan_change_scheduled",
          provider: "fluxor",
          providerEventId: `stripe-downgrade:${sub.id}:${item.current_period_end}:${choice.plan}:${choice.interval}`,
          subscriptionId: sub.id,
          occurredAt: now.toISOString(),
          plan: choice.plan,
          interval: choice.interval,
          priceCents: CATALOGUE.plans[choice.plan].priceCents[choice.interval],
          effectiveAt: new Date(item.current_period_end * 1000).toISOString(),
        },
      ]),
    );
    return { kind: "scheduled" };
  }
  await stripe.subscriptions.update(sub.id, { items: [{ id: item.id, price }], proration_behavior: "always_invoice" });
  return { kind: "changed" };
}

/** Applies downgrades scheduled for the end of a period that has ended (the hourly billing tick). */
export async function applyScheduledStripeChanges(now: Date = new Date()): Promise<number> {
  const stripe = stripeClient();
  if (!stripe) return 0;
  const { rows } = await pool().query<{ id: string; subscriptionId: string }>(
    `SELECT id, state->>'subscriptionId' AS "subscriptionId" FROM "BillingAccount"
      WHERE rail = 'stripe' AND state->'pendingDowngrade' IS NOT NULL AND state->'pendingDowngrade' <> 'null'::jsonb
        AND (state->'pendingDowngrade'->>'effectiveAt')::timestamptz <= $1`,
    [now.toISOString()],
  );
  let applied = 0;
  for (const row of rows) {
    const sub = await stripe.subscriptions.retrieve(row.subscriptionId);
    const next = sub.metadata.fluxor_next_price;
    const item = sub.items.data[0];
    if (!next || !item || item.price.id === next) continue;
    await stripe.subscriptions.update(sub.id, {
      items: [{ id: item.id, price: next }],
      proration_behavior: "none",
      metadata: { fluxor_next_price: "" },
    });
    applied++;
  }
  return applied;
}

/** The Customer Portal (payment method, invoices, tax ids, billing contacts) for the account's customer. */
export async function portalUrl(account: BillingAccount, returnUrl: string): Promise<string> {
  const stripe = requireStripe();
  if (!account.stripeCustomerId) throw new Error("no Stripe customer yet");
  const session = await stripe.billingPortal.sessions.create({ customer: account.stripeCustomerId, return_url: returnUrl });
  return session.url;
}

export type StripeAction = "pause" | "resume" | "cancel" | "withdraw_cancel";

/** Pause collection, resume, cancel at the period's end (the merchant keeps what was paid for), or take that back. */
export async function stripeSubscriptionAction(account: BillingAccount, action: StripeAction): Promise<void> {
  const stripe = requireStripe();
  const id = account.state?.provider === "stripe" ? account.state.subscriptionId : null;
  if (!id) throw new Error("no Stripe subscription");
  const params: Stripe.SubscriptionUpdateParams =
    action === "pause"
      ? { pause_collection: { behavior: "void" } }
      : action === "resume"
        ? { pause_collection: "" }
        : { cancel_at_period_end: action === "cancel" };
  await stripe.subscriptions.update(id, params);
}

/** The customer's invoices, newest first (at most `limit`, read page by page), with their PDFs (Stripe's own documents). */
export async function stripeInvoices(account: BillingAccount, limit = 24): Promise<InvoiceRow[]> {
  const stripe = stripeClient();
  if (!stripe || !account.stripeCustomerId) return [];
  const invoices = await stripe.invoices
    .list({ customer: account.stripeCustomerId, limit: Math.min(limit, 100) })
    .autoPagingToArray({ limit });
  return invoices.map(stripeInvoiceRow);
}

/**
 * What Stripe holds for the account's customer: billing email, name, address and tax ids. Null while the account has
 * no customer (Fluxor creates it for the first Checkout) or once the customer was deleted at Stripe.
 */
export async function stripeBillingDetails(account: BillingAccount): Promise<BillingDetails | null> {
  const stripe = stripeClient();
  if (!stripe || !account.stripeCustomerId) return null;
  const customer = await stripe.customers.retrieve(account.stripeCustomerId);
  if (customer.deleted) return null;
  const taxIds = await stripe.customers.listTaxIds(customer.id, { limit: 100 });
  return billingDetails(customer, taxIds.data);
}

/** The next invoice's amount and date (Stripe's preview, prorations included). */
export async function stripeUpcoming(account: BillingAccount): Promise<{ at: string; amountCents: number } | null> {
  const stripe = stripeClient();
  const id = account.state?.provider === "stripe" ? account.state.subscriptionId : null;
  if (!stripe || !id || !account.stripeCustomerId) return null;
  try {
    const preview = await stripe.invoices.createPreview({ customer: account.stripeCustomerId, subscription: id });
    const at = preview.next_payment_attempt ?? preview.period_end;
    return { at: new Date(at * 1000).toISOString(), amountCents: preview.amount_due };
  } catch (error) {
    // A cancelled or paused subscription has no upcoming invoice.
    if (error instanceof Stripe.errors.StripeInvalidRequestError) return null;
    throw error;
  }
}

export type WebhookOutcome = { status: 200 | 400 | 401; body: string };

/**
 * POST /webhooks/stripe: the signature is checked on the raw body (`constructEvent`, 5-minute tolerance); a
 * forged, unsigned or stale event is 401 and changes nothing. A verified event is normalised and appended to its
 * account's ledger (a redelivery stores nothing new). Events of customers Fluxor does not know are acknowledged.
 */
export async function receiveStripeWebhook(request: Request): Promise<WebhookOutcome> {
  const secret = process.env.STRIPE_WEBHOOK_SECRET;
  const signature = request.headers.get("stripe-signature");
  const raw = await request.text();
  if (!secret || !signature) {
    await audit({ event: "webhook_rejected", outcome: "failure", detail: { topic: "stripe", reason: "unsigned" } });
    return { status: 401, body: "unsigned" };
  }
  let event: Stripe.Event;
  try {
    event = Stripe.webhooks.constructEvent(raw, signature, secret);
  } catch {
    await audit({ event: "webhook_rejected", outcome: "failure", detail: { topic: "stripe", reason: "bad signature" } });
    return { status: 401, body: "invalid signature" };
  }
  // Signed by Stripe, but read only once its envelope has the expected shape and every string can be stored.
  const envelope = StripeEnvelope.safeParse(event);
  if (!envelope.success || !storableJson(event)) {
    await audit({ event: "webhook_rejected", outcome: "failure", detail: { topic: "stripe", reason: "not a Stripe event" } });
    return { status: 400, body: "not a Stripe event" };
  }
  const owner = eventOwner(envelope.data);
  const account = await findAccount(owner);
  if (!account) return { status: 200, body: "unknown account" };
  if (event.type === "checkout.session.completed" && owner.customerId) {
    await pool().query(
      `UPDATE "BillingAccount" SET "stripeCustomerId" = coalesce("stripeCustomerId", $2), "updatedAt" = now() WHERE id = $1`,
      [account.id, owner.customerId],
    );
  }
  let events: BillingEventInput[];
  try {
    events = stripeEvents(event);
  } catch {
    return { status: 400, body: "unreadable event" };
  }
  if (events.length > 0) await inTransaction((tx) => recordEvents(tx, account.id, events));
  return { status: 200, body: "ok" };
}

async function findAccount(owner: { accountId: string | null; customerId: string | null }): Promise<BillingAccount | null> {
  if (owner.accountId && /^[0-9a-f-]{36}$/.test(owner.accountId)) {
    const byId = await accountById(owner.accountId);
    if (byId) return byId;
  }
  if (!owner.customerId) return null;
  const { rows } = await pool().query<{ id: string }>(`SELECT id FROM "BillingAccount" WHERE "stripeCustomerId" = $1`, [owner.customerId]);
  return rows[0] ? accountById(rows[0].id) : null;
}
