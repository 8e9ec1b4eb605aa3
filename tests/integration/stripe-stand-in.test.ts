/**
 * The local Stripe stand-in, exercised by the REAL `stripe` SDK (23.x) over HTTP: the wire format (form bodies,
 * lists, errors, idempotency keys, API keys and versions), products, prices, coupons and promotion codes, customers
 * with tax ids, hosted Checkout driven by POSTing its form as a browser would (test cards, 3-D Secure, promotion
 * codes, tax), the portal, subscriptions (prorations, interval changes, cancellation, pausing), invoices (previews,
 * hosted page, real PDFs), test clocks (trials, renewals, failed payments and retries), webhooks verified with
 * `stripe.webhooks.constructEvent`, and injected faults. No database is needed.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { PDFDocument } from "pdf-lib";
import Stripe from "stripe";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { newWebhookSecret, startStripeStandIn, type StripeStandIn } from "../mocks/stripe";

const KEY = "sk_test_fluxor_stand_in_tests";
const SECRET = newWebhookSecret();
const DAY = 86_400;
/** 2026-01-01T00:00:00Z: test clocks start here. */
const JAN_1 = Date.UTC(2026, 0, 1) / 1000;

let now = Date.now();
let standIn: StripeStandIn;
let stripe: Stripe;
let receiver: Server;

interface Received {
  status: number;
  event?: Stripe.Event;
  error?: string;
}
const received: Received[] = [];
/** How many more verified deliveries the receiver answers with 500. */
let failDeliveries = 0;

const verifiedEvents = () => received.flatMap((r) => (r.event && r.status === 200 ? [r.event] : []));
const eventsOf = (type: string, objectId?: string) =>
  verifiedEvents().filter((e) => e.type === type && (!objectId || (e.data.object as { id?: string }).id === objectId));

beforeAll(async () => {
  const verifier = new Stripe(KEY);
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const entry: Received = { status: 200 };
      try {
        entry.event = verifier.webhooks.constructEvent(
          Buffer.concat(chunks).toString("utf8"),
          String(req.headers["stripe-signature"]),
          SECRET,
        );
        if (failDeliveries > 0) {
          failDeliveries -= 1;
          entry.status = 500;
        }
      } catch (error) {
        entry.status = 400;
        entry.error = (error as Error).message;
      }
      received.push(entry);
      res.writeHead(entry.status).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  standIn = await startStripeStandIn({
    webhook: { url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks/stripe`, secret: SECRET },
    webhookRetryDelaysMs: [5, 10, 20],
    clock: () => now,
  });
  stripe = new Stripe(KEY, { ...standIn.sdkConfig, maxNetworkRetries: 0 });
});

afterAll(async () => {
  await standIn?.close();
  await new Promise<void>((resolve) => receiver.close(() => resolve()));
});

beforeEach(() => standIn.faults.clear());

// ------------------------------------------------------------------------------------------------ helpers

async function catalog(suffix: string) {
  const product = await stripe.products.create({ name: `Fluxor ${suffix}` });
  const price = (unit_amount: number, interval: "month" | "year", lookup_key?: string) =>
    stripe.prices.create({
      product: product.id,
      currency: "usd",
      unit_amount,
      recurring: { interval },
      lookup_key,
      tax_behavior: "exclusive",
    });
  return { product, price };
}

/** A customer on a fresh test clock (Jan 1 2026) with a card attached as the default payment method. */
async function clockCustomer(pm = "pm_card_visa", address: Stripe.AddressParam = { country: "US", postal_code: "10001" }) {
  const clock = await stripe.testHelpers.testClocks.create({ frozen_time: JAN_1, name: "test" });
  const customer = await stripe.customers.create({ email: "owner@shop.test", test_clock: clock.id, address });
  const method = await stripe.paymentMethods.attach(pm, { customer: customer.id });
  await stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: method.id } });
  return { clock, customer, method };
}

async function advance(clockId: string, to: number) {
  const started = await stripe.testHelpers.testClocks.advance(clockId, { frozen_time: to });
  expect(started.status).toBe("advancing");
  await standIn.clocksReady();
  const ready = await stripe.testHelpers.testClocks.retrieve(clockId);
  expect(ready).toMatchObject({ status: "ready", frozen_time: to });
  await standIn.webhooks.idle();
}

/** POSTs a hosted form as a browser would (no redirects followed). */
async function postForm(url: string, form: Record<string, string>) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(form).toString(),
    redirect: "manual",
  });
  return { status: response.status, location: response.headers.get("location"), html: await response.text() };
}

const card = (number: string, extra: Record<string, string> = {}) => ({
  action: "pay",
  email: "owner@hollow-oak.test",
  cardNumber: number,
  cardExpiry: "12 / 34",
  cardCvc: "123",
  billingName: "Hollow Oak Gifts",
  billingCountry: "US",
  billingPostalCode: "10001",
  ...extra,
});

async function session(params: Partial<Stripe.Checkout.SessionCreateParams> & { price: string }) {
  const { price, ...rest } = params;
  return stripe.checkout.sessions.create({
    mode: "subscription",
    line_items: [{ price, quantity: 1 }],
    success_url: "https://app.fluxor.test/billing/success?session_id={CHECKOUT_SESSION_ID}",
    cancel_url: "https://app.fluxor.test/billing",
    ...rest,
  });
}

const caught = async (work: Promise<unknown>) =>
  work.then(
    () => {
      throw new Error("expected a Stripe error");
    },
    (error: unknown) => error as Stripe.errors.StripeError,
  );

// ------------------------------------------------------------------------------------------------ wire

describe("wire format", () => {
  it("authenticates with sk_test keys, refuses missing, live and publishable keys, and accepts any Stripe-Version", async () => {
    const cases: [string, string][] = [
      ["sk_live_abcdefghijklmnop1234", "Invalid API Key provided: sk_live_"],
      ["pk_test_abcdefghijklmnop1234", "publishable API key"],
      ["nonsense", "Invalid API Key provided"],
    ];
    for (const [key, message] of cases) {
      const error = await caught(new Stripe(key, { ...standIn.sdkConfig, maxNetworkRetries: 0 }).customers.list());
      expect(error).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
      expect(error).toMatchObject({ statusCode: 401, type: "StripeAuthenticationError", message: expect.stringContaining(message) });
    }
    const bare = await fetch(`${standIn.url}/v1/customers`);
    expect(bare.status).toBe(401);
    expect(((await bare.json()) as { error: { message: string } }).error.message).toContain("You did not provide an API key");

    const pinnedOlder = new Stripe(KEY, { ...standIn.sdkConfig, apiVersion: "2025-03-31.basil" as Stripe.LatestApiVersion });
    const customer = await pinnedOlder.customers.create({ email: "version@shop.test" });
    expect(customer.lastResponse.apiVersion).toBe("2025-03-31.basil");
    expect(customer.lastResponse.requestId).toMatch(/^req_/);
    expect(customer.id).toMatch(/^cus_\w{14}$/);
  });

  it("decodes bracketed form parameters (nested hashes, indexed arrays, expand[]) and answers objects with `object`", async () => {
    const { product, price } = await catalog("Wire");
    const monthly = await price(2900, "month", "wire_monthly");
    const raw = await fetch(`${standIn.url}/v1/customers`, {
      method: "POST",
      headers: { authorization: `Bearer ${KEY}`, "content-type": "application/x-www-form-urlencoded" },
      body: "email=raw%40shop.test&metadata[shop]=hollow-oak.myshopify.com&address[country]=GB&tax_id_data[0][type]=gb_vat&tax_id_data[0][value]=GB123456789&expand[]=tax",
    });
    expect(raw.status).toBe(200);
    const created = (await raw.json()) as Record<string, unknown>;
    expect(created).toMatchObject({
      object: "customer",
      email: "raw@shop.test",
      metadata: { shop: "hollow-oak.myshopify.com" },
      address: { country: "GB" },
      tax: { automatic_tax: "supported", location: { country: "GB", source: "billing_address" } },
    });
    const listed = await stripe.prices.list({ lookup_keys: ["wire_monthly"], expand: ["data.product"] });
    expect(listed).toMatchObject({ object: "list", has_more: false, url: "/v1/prices" });
    expect(listed.data.map((p) => p.id)).toEqual([monthly.id]);
    expect((listed.data[0]?.product as Stripe.Product).name).toBe(product.name);
    expect(monthly.unit_amount_decimal?.toString()).toBe("2900");
  });

  it("answers Stripe's errors: 404 resource_missing, 400 parameter_missing / parameter_unknown / invalid integer, unknown URLs", async () => {
    const missing = await caught(stripe.customers.retrieve("cus_nope"));
    expect(missing).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    // SDK 23.2 prefixes the request id to the message: "[req_…] No such customer: 'cus_nope'".
    expect(missing).toMatchObject({
      statusCode: 404,
      code: "resource_missing",
      param: "id",
      message: expect.stringContaining("No such customer: 'cus_nope'"),
    });
    expect(missing.raw).toMatchObject({ message: "No such customer: 'cus_nope'", doc_url: expect.stringContaining("resource-missing") });

    const noCurrency = await caught(stripe.prices.create({ unit_amount: 100, product_data: { name: "x" } } as Stripe.PriceCreateParams));
    expect(noCurrency).toMatchObject({ statusCode: 400, code: "parameter_missing", param: "currency" });

    const unknown = await caught(stripe.customers.create({ emial: "typo@shop.test" } as Stripe.CustomerCreateParams));
    expect(unknown).toMatchObject({
      statusCode: 400,
      code: "parameter_unknown",
      param: "emial",
      message: expect.stringMatching(/Received unknown parameter: emial$/),
    });

    const unimitated = await caught(stripe.customers.create({ shipping: { name: "x", address: { line1: "1" } } }));
    expect(unimitated).toMatchObject({
      code: "parameter_unknown",
      param: "shipping",
      message: expect.stringContaining("does not imitate"),
    });

    const integer = await fetch(`${standIn.url}/v1/customers?limit=ten`, { headers: { authorization: `Bearer ${KEY}` } });
    expect(await integer.json()).toMatchObject({
      error: { type: "invalid_request_error", code: "parameter_invalid_integer", param: "limit" },
    });

    const url = await fetch(`${standIn.url}/v1/charges/ch_1`, { headers: { authorization: `Bearer ${KEY}` } });
    expect(url.status).toBe(404);
    expect(((await url.json()) as { error: { message: string } }).error.message).toContain(
      "Unrecognized request URL (GET: /v1/charges/ch_1)",
    );
  });

  it("paginates lists newest first with limit / starting_after / ending_before, and the SDK's auto-pagination", async () => {
    const email = `page-${Date.now()}@shop.test`;
    const ids: string[] = [];
    for (let i = 0; i < 5; i += 1) ids.push((await stripe.customers.create({ email })).id);
    const first = await stripe.customers.list({ email, limit: 2 });
    expect(first.data.map((c) => c.id)).toEqual([ids[4], ids[3]]);
    expect(first.has_more).toBe(true);
    const second = await stripe.customers.list({ email, limit: 2, starting_after: ids[3] });
    expect(second.data.map((c) => c.id)).toEqual([ids[2], ids[1]]);
    const back = await stripe.customers.list({ email, limit: 2, ending_before: ids[2] });
    expect(back.data.map((c) => c.id)).toEqual([ids[4], ids[3]]);
    const all = await stripe.customers.list({ email, limit: 2 }).autoPagingToArray({ limit: 10 });
    expect(all.map((c) => c.id)).toEqual([...ids].reverse());
    const bad = await caught(stripe.customers.list({ limit: 101 }));
    expect(bad).toMatchObject({ statusCode: 400, param: "limit" });
  });
});

describe("idempotency keys", () => {
  it("replays the same answer for the same key and parameters; other parameters are a 400 idempotency_error", async () => {
    const first = await stripe.customers.create({ email: "idem@shop.test" }, { idempotencyKey: "create-idem-1" });
    const again = await stripe.customers.create({ email: "idem@shop.test" }, { idempotencyKey: "create-idem-1" });
    expect(again.id).toBe(first.id);
    expect(again.lastResponse.headers["idempotent-replayed"]).toBe("true");
    expect(again.lastResponse.headers["original-request"]).toBe(first.lastResponse.requestId);
    expect((await stripe.customers.list({ email: "idem@shop.test" })).data).toHaveLength(1);

    const other = await caught(stripe.customers.create({ email: "other@shop.test" }, { idempotencyKey: "create-idem-1" }));
    expect(other).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
    expect(other).toMatchObject({ statusCode: 400, rawType: "idempotency_error", message: expect.stringContaining("same parameters") });
    const otherEndpoint = await caught(stripe.products.create({ name: "x" }, { idempotencyKey: "create-idem-1" }));
    expect(otherEndpoint).toMatchObject({
      statusCode: 400,
      rawType: "idempotency_error",
      message: expect.stringContaining("same endpoint"),
    });

    // A request refused for its parameters does not keep its key.
    await caught(stripe.customers.create({ emial: "x" } as Stripe.CustomerCreateParams, { idempotencyKey: "create-idem-2" }));
    const retried = await stripe.customers.create({ email: "fixed@shop.test" }, { idempotencyKey: "create-idem-2" });
    expect(retried.email).toBe("fixed@shop.test");
  });

  it("makes the SDK's retry after a lost answer safe: the POST ran once and the retry gets the replay", async () => {
    standIn.faults.dropNextResponses(1);
    const email = `lost-${Date.now()}@shop.test`;
    const customer = await stripe.customers.create({ email });
    expect(customer.lastResponse.headers["idempotent-replayed"]).toBe("true");
    expect((await stripe.customers.list({ email })).data.map((c) => c.id)).toEqual([customer.id]);
  });
});

describe("faults", () => {
  it("answers 500s for N calls (the SDK retries them) and 429 rate_limit errors with Stripe-Should-Retry", async () => {
    const patient = new Stripe(KEY, { ...standIn.sdkConfig, maxNetworkRetries: 2 });
    standIn.faults.failNext(2, { status: 500 });
    const survived = await patient.customers.create({ email: "retry@shop.test" });
    expect(survived.id).toMatch(/^cus_/);

    standIn.faults.failNext(1, { status: 429 });
    const limited = await caught(stripe.customers.list());
    expect(limited).toBeInstanceOf(Stripe.errors.StripeRateLimitError);
    expect(limited).toMatchObject({ statusCode: 429, code: "rate_limit" });

    standIn.faults.failNext(1, { status: 429, shouldRetry: true });
    const retried = await patient.customers.list({ limit: 1 });
    expect(retried.object).toBe("list");

    standIn.faults.failNext(3, { status: 500, shouldRetry: false });
    const noRetry = await caught(patient.customers.list());
    expect(noRetry).toBeInstanceOf(Stripe.errors.StripeAPIError);
    expect(noRetry.headers?.["stripe-should-retry"]).toBe("false");
  });

  it("is unavailable (503) for a period on its clock: a provider outage", async () => {
    standIn.faults.outage(60_000);
    const down = await caught(stripe.products.list());
    expect(down).toMatchObject({ statusCode: 503, type: "StripeAPIError" });
    now += 61_000;
    expect((await stripe.products.list()).object).toBe("list");
  });
});

// ------------------------------------------------------------------------------------------------ catalog

describe("products, prices, coupons, promotion codes, tax ids", () => {
  it("prices monthly and annual plans by lookup key, moving a key with transfer_lookup_key", async () => {
    const { price } = await catalog("Lookup");
    const old = await price(1900, "month", `starter_${now}`);
    const clash = await caught(price(2100, "month", `starter_${now}`));
    expect(clash).toMatchObject({ statusCode: 400, param: "lookup_key", message: expect.stringContaining("already uses that lookup key") });
    const product = old.product as string;
    const moved = await stripe.prices.create({
      product,
      currency: "usd",
      unit_amount: 2100,
      recurring: { interval: "month" },
      lookup_key: `starter_${now}`,
      transfer_lookup_key: true,
    });
    const annual = await price(21000, "year", `starter_annual_${now}`);
    const listed = await stripe.prices.list({ lookup_keys: [`starter_${now}`, `starter_annual_${now}`] });
    expect(listed.data.map((p) => [p.id, p.recurring?.interval])).toEqual([
      [annual.id, "year"],
      [moved.id, "month"],
    ]);
    expect((await stripe.prices.retrieve(old.id)).lookup_key).toBeNull();
  });

  it("creates coupons (percent or amount off; once, repeating, forever) and promotion codes with restrictions", async () => {
    const percent = await stripe.coupons.create({ percent_off: 20, duration: "repeating", duration_in_months: 3, name: "Launch" });
    expect(percent).toMatchObject({ object: "coupon", percent_off: 20, duration: "repeating", duration_in_months: 3, valid: true });
    expect(percent.id).toMatch(/^[A-Z0-9]{8}$/);
    const amount = await stripe.coupons.create({ id: `FIVE_${now}`, amount_off: 500, currency: "usd", duration: "once" });
    expect(amount).toMatchObject({ id: `FIVE_${now}`, amount_off: 500, currency: "usd" });
    expect(await caught(stripe.coupons.create({ amount_off: 500, duration: "once" }))).toMatchObject({ param: "currency" });
    expect(await caught(stripe.coupons.create({ percent_off: 10, duration: "repeating" }))).toMatchObject({ param: "duration_in_months" });

    const promo = await stripe.promotionCodes.create({
      promotion: { type: "coupon", coupon: percent.id },
      code: `LAUNCH${now}`,
      max_redemptions: 1,
      restrictions: { first_time_transaction: true },
    });
    expect(promo).toMatchObject({
      object: "promotion_code",
      code: `LAUNCH${now}`,
      promotion: { type: "coupon", coupon: percent.id },
      active: true,
    });
    expect(promo.id).toMatch(/^promo_/);
    const dup = await caught(stripe.promotionCodes.create({ promotion: { type: "coupon", coupon: percent.id }, code: `launch${now}` }));
    expect(dup).toMatchObject({ statusCode: 400, param: "code" });
    expect((await stripe.promotionCodes.list({ code: `LAUNCH${now}` })).data.map((p) => p.id)).toEqual([promo.id]);
  });

  it("validates VAT / GST tax ids per type and reports their verification", async () => {
    const customer = await stripe.customers.create({
      email: "vat@shop.test",
      tax_id_data: [
        { type: "eu_vat", value: "DE123456789" },
        { type: "au_abn", value: "12345678912" },
      ],
    });
    const ids = await stripe.customers.listTaxIds(customer.id);
    expect(ids.data.map((t) => [t.type, t.country, t.verification?.status]).sort()).toEqual([
      ["au_abn", "AU", "verified"],
      ["eu_vat", "DE", "verified"],
    ]);
    const gb = await stripe.customers.createTaxId(customer.id, { type: "gb_vat", value: "GB111111111" });
    expect(gb).toMatchObject({
      object: "tax_id",
      country: "GB",
      verification: { status: "unverified" },
      owner: { type: "customer", customer: customer.id },
    });
    for (const [type, value] of [
      ["eu_vat", "DE12"],
      ["gb_vat", "123456789"],
      ["au_abn", "1234"],
    ] as const) {
      const error = await caught(stripe.customers.createTaxId(customer.id, { type, value }));
      expect(error).toMatchObject({ statusCode: 400, code: "tax_id_invalid", param: "value" });
    }
    const badType = await caught(
      stripe.customers.createTaxId(customer.id, { type: "xx_vat" as Stripe.CustomerCreateTaxIdParams.Type, value: "1" }),
    );
    expect(badType).toMatchObject({ param: "type" });
    await stripe.customers.deleteTaxId(customer.id, gb.id);
    await standIn.webhooks.idle();
    expect(eventsOf("customer.tax_id.created").filter((e) => (e.data.object as Stripe.TaxId).customer === customer.id)).toHaveLength(3);
    expect(eventsOf("customer.tax_id.deleted", gb.id)).toHaveLength(1);
  });
});

// ------------------------------------------------------------------------------------------------ checkout

describe("hosted Checkout", () => {
  it("serves the card form; 4242 4242 4242 4242 subscribes and redirects to success_url with the session id", async () => {
    const { price } = await catalog("Checkout");
    const monthly = await price(2900, "month");
    const created = await session({
      price: monthly.id,
      client_reference_id: "shop_42",
      metadata: { shop: "hollow-oak" },
      subscription_data: { metadata: { plan: "pro" } },
    });
    expect(created).toMatchObject({
      object: "checkout.session",
      mode: "subscription",
      status: "open",
      payment_status: "unpaid",
      client_reference_id: "shop_42",
    });
    expect(created.id).toMatch(/^cs_test_\w{58}$/);
    const page = await fetch(created.url ?? "");
    const html = await page.text();
    expect(page.status).toBe(200);
    for (const field of [
      'name="cardNumber"',
      'name="cardExpiry"',
      'name="cardCvc"',
      'name="billingCountry"',
      'href="https://app.fluxor.test/billing"',
    ])
      expect(html).toContain(field);
    expect(html).toContain("$29.00");

    const paid = await postForm(created.url ?? "", card("4242 4242 4242 4242"));
    expect(paid.status).toBe(303);
    expect(paid.location).toBe(`https://app.fluxor.test/billing/success?session_id=${created.id}`);

    const done = await stripe.checkout.sessions.retrieve(created.id, { expand: ["subscription", "line_items"] });
    expect(done).toMatchObject({
      status: "complete",
      payment_status: "paid",
      amount_total: 2900,
      url: null,
      customer_details: { email: "owner@hollow-oak.test" },
    });
    expect(done.line_items?.data[0]).toMatchObject({ object: "item", amount_total: 2900, quantity: 1 });
    const sub = done.subscription as Stripe.Subscription;
    expect(sub).toMatchObject({
      object: "subscription",
      status: "active",
      metadata: { plan: "pro" },
      collection_method: "charge_automatically",
    });
    expect(sub.id).toMatch(/^sub_/);
    expect(sub.items.data[0]).toMatchObject({
      object: "subscription_item",
      price: { id: monthly.id },
      current_period_start: expect.any(Number),
    });
    expect(sub.items.data[0]?.id).toMatch(/^si_/);
    expect("current_period_end" in sub).toBe(false);
    const pm = await stripe.paymentMethods.retrieve(sub.default_payment_method as string);
    expect(pm).toMatchObject({
      object: "payment_method",
      type: "card",
      card: { brand: "visa", last4: "4242", exp_month: 12, exp_year: 2034 },
    });

    await standIn.webhooks.idle();
    const order = verifiedEvents()
      .filter((e) => ["customer.subscription.created", "invoice.paid", "checkout.session.completed"].includes(e.type))
      .filter((e) => JSON.stringify(e.data.object).includes(sub.id))
      .map((e) => e.type);
    expect(order).toEqual(["customer.subscription.created", "invoice.paid", "checkout.session.completed"]);
    const completed = eventsOf("checkout.session.completed", created.id)[0];
    expect(completed?.data.object).toMatchObject({
      client_reference_id: "shop_42",
      metadata: { shop: "hollow-oak" },
      subscription: sub.id,
    });

    const again = await fetch(created.url ?? "");
    expect(again.status).toBe(200);
    expect(await again.text()).toContain("complete");
  });

  it("refuses bad cards as Checkout does: an invalid number, a declined card, a live card in test mode", async () => {
    const { price } = await catalog("Declines");
    const monthly = await price(2900, "month");
    const created = await session({ price: monthly.id });
    const invalid = await postForm(created.url ?? "", card("4242 4242 4242 4241"));
    expect(invalid.status).toBe(400);
    expect(invalid.html).toContain("Your card number is invalid.");
    const declined = await postForm(created.url ?? "", card("4000 0000 0000 0002"));
    expect(declined.status).toBe(402);
    expect(declined.html).toContain("Your card was declined.");
    const funds = await postForm(created.url ?? "", card("4000000000009995"));
    expect(funds.html).toContain("Your card has insufficient funds.");
    const live = await postForm(created.url ?? "", card("4111 1111 1111 1111"));
    expect(live.status).toBe(402);
    expect(live.html).toContain("non test (live) card");
    const chargeFails = await postForm(created.url ?? "", card("4000 0000 0000 0341"));
    expect(chargeFails.status).toBe(402);
    const expired = await postForm(created.url ?? "", card("4242424242424242", { cardExpiry: "01 / 20" }));
    expect(expired.html).toContain("expiration year is in the past");
    expect((await stripe.checkout.sessions.retrieve(created.id)).status).toBe("open");
  });

  it("asks for 3-D Secure with 4000 0027 6000 3184: Fail goes back to the form, Complete subscribes", async () => {
    const { price } = await catalog("3DS");
    const monthly = await price(2900, "month");
    const created = await session({ price: monthly.id });
    const first = await postForm(created.url ?? "", card("4000 0027 6000 3184"));
    expect(first.status).toBe(303);
    const challengeUrl = new URL(first.location ?? "", standIn.url).toString();
    expect(challengeUrl).toMatch(/\/3ds$/);
    const challenge = await (await fetch(challengeUrl)).text();
    expect(challenge).toContain("3D Secure 2 Test Page");
    expect(challenge).toContain("Complete authentication");
    const failed = await postForm(challengeUrl, { result: "fail" });
    expect(failed.status).toBe(402);
    expect(failed.html).toContain("We are unable to authenticate your payment method.");
    expect((await stripe.checkout.sessions.retrieve(created.id)).status).toBe("open");

    await postForm(created.url ?? "", card("4000 0027 6000 3184"));
    const completed = await postForm(challengeUrl, { result: "complete" });
    expect(completed.status).toBe(303);
    expect(completed.location).toContain(created.id);
    const done = await stripe.checkout.sessions.retrieve(created.id, { expand: ["subscription"] });
    expect((done.subscription as Stripe.Subscription).status).toBe("active");
  });

  it("starts a 14-day trial with a $0 invoice; the card is optional with payment_method_collection: if_required", async () => {
    const { price } = await catalog("Trial");
    const monthly = await price(2900, "month");
    const created = await session({ price: monthly.id, subscription_data: { trial_period_days: 14 } });
    expect(await (await fetch(created.url ?? "")).text()).toContain("14 days free");
    const result = await standIn.checkout.complete(created.id, { card: "4000 0000 0000 0341" });
    expect(result.error).toBeNull();
    const done = await stripe.checkout.sessions.retrieve(created.id, { expand: ["subscription.latest_invoice"] });
    expect(done).toMatchObject({ payment_status: "no_payment_required", amount_total: 0 });
    const sub = done.subscription as Stripe.Subscription;
    expect(sub.status).toBe("trialing");
    expect((sub.trial_end ?? 0) - (sub.trial_start ?? 0)).toBe(14 * DAY);
    expect(sub.latest_invoice).toMatchObject({ status: "paid", total: 0, amount_due: 0, billing_reason: "subscription_create" });

    const noCard = await session({
      price: monthly.id,
      subscription_data: { trial_period_days: 7 },
      payment_method_collection: "if_required",
    });
    const trialOnly = await postForm(noCard.url ?? "", { action: "pay", email: "nocard@shop.test" });
    expect(trialOnly.status).toBe(303);
    const noCardSub = (await stripe.checkout.sessions.retrieve(noCard.id, { expand: ["subscription"] }))
      .subscription as Stripe.Subscription;
    expect(noCardSub).toMatchObject({ status: "trialing", default_payment_method: null });
    const needsCard = await session({ price: monthly.id, subscription_data: { trial_period_days: 7 } });
    expect((await postForm(needsCard.url ?? "", { action: "pay", email: "nocard@shop.test" })).html).toContain(
      "Your card number is incomplete.",
    );
  });

  it("applies promotion codes when allow_promotion_codes is set, and discounts the first invoice", async () => {
    const { price } = await catalog("Promo");
    const monthly = await price(2900, "month");
    const coupon = await stripe.coupons.create({ percent_off: 20, duration: "repeating", duration_in_months: 3 });
    const code = `SAVE${now}`;
    const promo = await stripe.promotionCodes.create({ promotion: { type: "coupon", coupon: coupon.id }, code, max_redemptions: 1 });
    const created = await session({ price: monthly.id, allow_promotion_codes: true });
    const wrong = await postForm(created.url ?? "", { action: "apply_promo", promotionCode: "NOPE" });
    expect(wrong.status).toBe(400);
    expect(wrong.html).toContain("This code is invalid.");
    const applied = await postForm(created.url ?? "", { action: "apply_promo", promotionCode: code.toLowerCase() });
    expect(applied.status).toBe(303);
    expect(await (await fetch(created.url ?? "")).text()).toContain("$23.20");
    expect((await postForm(created.url ?? "", card("4242424242424242"))).status).toBe(303);
    const done = await stripe.checkout.sessions.retrieve(created.id, { expand: ["subscription.latest_invoice"] });
    expect(done).toMatchObject({ amount_subtotal: 2900, amount_total: 2320, total_details: { amount_discount: 580 } });
    const sub = done.subscription as Stripe.Subscription;
    const discount = await standIn.get(sub.discounts[0] as string);
    expect(discount).toMatchObject({ object: "discount", promotion_code: promo.id, source: { type: "coupon", coupon: { id: coupon.id } } });
    expect((discount?.end as number) - (discount?.start as number)).toBeGreaterThan(89 * DAY);
    expect(await stripe.promotionCodes.retrieve(promo.id)).toMatchObject({ times_redeemed: 1 });
    const used = await session({ price: monthly.id, allow_promotion_codes: true });
    expect((await postForm(used.url ?? "", { action: "apply_promo", promotionCode: code })).html).toContain("not valid for this purchase");
  });

  it("computes tax from the billing country (GB VAT 20 %), reverse-charges EU businesses with a VAT id, collects tax ids", async () => {
    const { price } = await catalog("Tax");
    const monthly = await price(2900, "month");
    const gb = await session({ price: monthly.id, automatic_tax: { enabled: true } });
    await standIn.checkout.complete(gb.id, { country: "GB", postalCode: "SW1A 1AA" });
    const gbInvoice = (await stripe.checkout.sessions.retrieve(gb.id, { expand: ["invoice"] })).invoice as Stripe.Invoice;
    expect(gbInvoice).toMatchObject({
      subtotal: 2900,
      total: 3480,
      total_excluding_tax: 2900,
      automatic_tax: { enabled: true, status: "complete" },
    });
    expect(gbInvoice.total_taxes?.[0]).toMatchObject({ amount: 580, taxability_reason: "standard_rated", taxable_amount: 2900 });
    const rate = await fetch(`${standIn.url}/v1/tax_rates/${gbInvoice.total_taxes?.[0]?.tax_rate_details?.tax_rate}`, {
      headers: { authorization: `Bearer ${KEY}` },
    });
    expect(await rate.json()).toMatchObject({ object: "tax_rate", country: "GB", percentage: 20, display_name: "VAT" });

    const de = await session({ price: monthly.id, automatic_tax: { enabled: true }, tax_id_collection: { enabled: true } });
    const badId = await standIn.checkout.complete(de.id, {
      country: "DE",
      businessName: "Eiche GmbH",
      taxId: { type: "eu_vat", value: "DE12" },
    });
    expect(badId.error).toContain("Invalid tax ID");
    await standIn.checkout.complete(de.id, { country: "DE", businessName: "Eiche GmbH", taxId: { type: "eu_vat", value: "DE123456789" } });
    const deSession = await stripe.checkout.sessions.retrieve(de.id, { expand: ["invoice"] });
    expect(deSession.customer_details).toMatchObject({ business_name: "Eiche GmbH", tax_ids: [{ type: "eu_vat", value: "DE123456789" }] });
    const deInvoice = deSession.invoice as Stripe.Invoice;
    expect(deInvoice).toMatchObject({ total: 2900, customer_tax_ids: [{ type: "eu_vat", value: "DE123456789" }] });
    expect(deInvoice.total_taxes?.[0]).toMatchObject({ amount: 0, taxability_reason: "reverse_charge" });

    const existing = await stripe.customers.create({ email: "noaddress@shop.test" });
    const refused = await caught(session({ price: monthly.id, customer: existing.id, automatic_tax: { enabled: true } }));
    expect(refused).toMatchObject({ statusCode: 400, message: expect.stringContaining("customer_update[address]") });
    const idRefused = await caught(
      session({ price: monthly.id, customer: existing.id, tax_id_collection: { enabled: true }, customer_update: { address: "auto" } }),
    );
    expect(idRefused.message).toContain("customer_update[name]");
  });

  it("expires sessions (on request or after expires_at) and refuses modes it does not imitate", async () => {
    const { price } = await catalog("Expire");
    const monthly = await price(2900, "month");
    const created = await session({ price: monthly.id, expires_at: Math.floor(now / 1000) + 1800 });
    const expired = await stripe.checkout.sessions.expire(created.id);
    expect(expired).toMatchObject({ status: "expired", url: null });
    expect((await fetch(created.url ?? "")).status).toBe(410);
    const later = await session({ price: monthly.id, expires_at: Math.floor(now / 1000) + 1800 });
    now += 1801_000;
    expect((await stripe.checkout.sessions.retrieve(later.id)).status).toBe("expired");
    const payment = await caught(stripe.checkout.sessions.create({ mode: "payment", line_items: [{ price: monthly.id, quantity: 1 }] }));
    expect(payment).toMatchObject({ param: "mode", message: expect.stringContaining("subscription") });
    const oneTime = await stripe.prices.create({ product: monthly.product as string, currency: "usd", unit_amount: 500 });
    expect(await caught(session({ price: oneTime.id }))).toMatchObject({ param: "line_items[0][price]" });
  });
});

// ------------------------------------------------------------------------------------------------ subscriptions

describe("subscriptions, prorations and previews", () => {
  it("prorates an upgrade by the second (create_prorations): the preview, then the next invoice", async () => {
    const { price } = await catalog("Prorate");
    const starter = await price(1000, "month");
    const pro = await price(2900, "month");
    const { clock, customer } = await clockCustomer();
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: starter.id }] });
    expect(sub).toMatchObject({ status: "active", start_date: JAN_1, billing_cycle_anchor: JAN_1, test_clock: clock.id });
    expect(sub.items.data[0]).toMatchObject({ current_period_start: JAN_1, current_period_end: JAN_1 + 31 * DAY });

    await advance(clock.id, JAN_1 + 10 * DAY);
    const item = sub.items.data[0]?.id ?? "";
    const remaining = 21 / 31;
    const credit = -Math.round(1000 * remaining);
    const charge = Math.round(2900 * remaining);
    expect([credit, charge]).toEqual([-677, 1965]);
    const preview = await stripe.invoices.createPreview({
      customer: customer.id,
      subscription: sub.id,
      subscription_details: { items: [{ id: item, price: pro.id }], proration_date: JAN_1 + 10 * DAY },
    });
    expect(preview.id).toMatch(/^upcoming_in_/);
    expect(preview.lines.data.map((l) => [l.amount, l.parent?.subscription_item_details?.proration])).toEqual([
      [credit, true],
      [charge, true],
      [2900, false],
    ]);
    expect(preview).toMatchObject({
      total: credit + charge + 2900,
      parent: { subscription_details: { subscription_proration_date: JAN_1 + 10 * DAY } },
    });
    expect(preview.lines.data[0]?.description).toBe("Unused time on Fluxor Prorate after 11 Jan 2026");

    const updated = await stripe.subscriptions.update(sub.id, { items: [{ id: item, price: pro.id }], proration_date: JAN_1 + 10 * DAY });
    expect(updated.items.data[0]).toMatchObject({ id: item, price: { id: pro.id } });
    await standIn.webhooks.idle();
    const change = eventsOf("customer.subscription.updated", sub.id).at(-1);
    expect(change?.data.previous_attributes).toHaveProperty("items");

    await advance(clock.id, JAN_1 + 31 * DAY + 2 * 3600);
    const renewal = await stripe.invoices.retrieve((await stripe.subscriptions.retrieve(sub.id)).latest_invoice as string);
    expect(renewal).toMatchObject({
      status: "paid",
      billing_reason: "subscription_cycle",
      total: credit + charge + 2900,
      amount_paid: credit + charge + 2900,
    });
    expect(renewal.number).toMatch(/^[A-Z0-9]+-0002$/);
  });

  it("invoices prorations at once with always_invoice, skips them with none, and credits a downgrade to the balance", async () => {
    const { price } = await catalog("Always");
    const starter = await price(1000, "month");
    const pro = await price(2900, "month");
    const { clock, customer } = await clockCustomer();
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: starter.id }] });
    const item = sub.items.data[0]?.id ?? "";
    await advance(clock.id, JAN_1 + 10 * DAY);
    const up = await stripe.subscriptions.update(sub.id, {
      items: [{ id: item, price: pro.id }],
      proration_behavior: "always_invoice",
      expand: ["latest_invoice"],
    });
    expect(up.latest_invoice).toMatchObject({ billing_reason: "subscription_update", status: "paid", total: 1965 - 677 });
    const down = await stripe.subscriptions.update(sub.id, {
      items: [{ id: item, price: starter.id }],
      proration_behavior: "always_invoice",
      expand: ["latest_invoice"],
    });
    const credit = down.latest_invoice as Stripe.Invoice;
    expect(credit).toMatchObject({ total: 677 - 1965, amount_due: 0, status: "paid", ending_balance: 677 - 1965 });
    expect((await stripe.customers.retrieve(customer.id)) as Stripe.Customer).toMatchObject({ balance: 677 - 1965 });
    const none = await stripe.subscriptions.update(sub.id, {
      items: [{ id: item, price: pro.id }],
      proration_behavior: "none",
      expand: ["latest_invoice"],
    });
    expect((none.latest_invoice as Stripe.Invoice).id).toBe(credit.id);
    const next = await stripe.invoices.createPreview({ customer: customer.id, subscription: sub.id });
    expect(next.lines.data.map((l) => l.amount)).toEqual([2900]);
    expect(next).toMatchObject({ starting_balance: 677 - 1965, amount_due: 2900 + 677 - 1965 });
  });

  it("moves monthly to annual at once: credit for unused time, a full year, a new billing cycle anchor", async () => {
    const { price } = await catalog("Annual");
    const starter = await price(1000, "month");
    const annual = await price(10000, "year");
    const { clock, customer } = await clockCustomer();
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: starter.id }] });
    await advance(clock.id, JAN_1 + 10 * DAY);
    const moved = await stripe.subscriptions.update(sub.id, {
      items: [{ id: sub.items.data[0]?.id ?? "", price: annual.id }],
      expand: ["latest_invoice"],
    });
    expect(moved).toMatchObject({ billing_cycle_anchor: JAN_1 + 10 * DAY });
    expect(moved.items.data[0]).toMatchObject({ current_period_start: JAN_1 + 10 * DAY, current_period_end: Date.UTC(2027, 0, 11) / 1000 });
    expect((moved.latest_invoice as Stripe.Invoice).lines.data.map((l) => l.amount)).toEqual([-677, 10000]);
    expect(moved.latest_invoice).toMatchObject({ status: "paid", total: 9323 });
    await advance(clock.id, JAN_1 + 10 * DAY + 73 * DAY);
    const reanchored = await stripe.subscriptions.update(sub.id, {
      billing_cycle_anchor: { type: "now" },
      proration_behavior: "none",
      expand: ["latest_invoice"],
    });
    expect(reanchored).toMatchObject({ billing_cycle_anchor: JAN_1 + 83 * DAY });
    expect((reanchored.latest_invoice as Stripe.Invoice).lines.data.map((l) => l.amount)).toEqual([10000]);
  });

  it("cancels at period end or at once, and refuses further changes to a canceled subscription", async () => {
    const { price } = await catalog("Cancel");
    const monthly = await price(1000, "month");
    const { clock, customer } = await clockCustomer();
    const atEnd = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: monthly.id }] });
    const scheduled = await stripe.subscriptions.update(atEnd.id, {
      cancel_at_period_end: true,
      cancellation_details: { feedback: "too_expensive" },
    });
    expect(scheduled).toMatchObject({ status: "active", cancel_at_period_end: true, cancel_at: JAN_1 + 31 * DAY, canceled_at: JAN_1 });
    expect(await caught(stripe.invoices.createPreview({ customer: customer.id, subscription: atEnd.id }))).toMatchObject({
      statusCode: 404,
      code: "invoice_upcoming_none",
    });
    await advance(clock.id, JAN_1 + 31 * DAY + 60);
    expect(await stripe.subscriptions.retrieve(atEnd.id)).toMatchObject({ status: "canceled", ended_at: JAN_1 + 31 * DAY });
    expect(eventsOf("customer.subscription.deleted", atEnd.id)).toHaveLength(1);
    expect((await stripe.invoices.list({ subscription: atEnd.id })).data).toHaveLength(1);

    const now2 = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: monthly.id }] });
    const canceled = await stripe.subscriptions.cancel(now2.id, { prorate: true, invoice_now: true });
    expect(canceled).toMatchObject({ status: "canceled", cancellation_details: { reason: "cancellation_requested" } });
    const refused = await caught(stripe.subscriptions.update(now2.id, { cancel_at_period_end: true }));
    expect(refused).toMatchObject({ code: "invalid_canceled_subscription_fields" });
    expect((await stripe.subscriptions.list({ customer: customer.id })).data).toHaveLength(0);
    expect((await stripe.subscriptions.list({ customer: customer.id, status: "canceled" })).data).toHaveLength(2);
  });

  it("pauses collection (void: renewals are voided) until resumes_at, and pauses / resumes the subscription itself", async () => {
    const { price } = await catalog("Pause");
    const monthly = await price(1000, "month");
    const { clock, customer } = await clockCustomer();
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: monthly.id }] });
    const paused = await stripe.subscriptions.update(sub.id, { pause_collection: { behavior: "void", resumes_at: JAN_1 + 40 * DAY } });
    expect(paused).toMatchObject({ status: "active", pause_collection: { behavior: "void", resumes_at: JAN_1 + 40 * DAY } });
    await advance(clock.id, JAN_1 + 31 * DAY + 2 * 3600);
    const voided = await stripe.invoices.retrieve((await stripe.subscriptions.retrieve(sub.id)).latest_invoice as string);
    expect(voided).toMatchObject({ status: "void", billing_reason: "subscription_cycle" });
    await advance(clock.id, JAN_1 + 41 * DAY);
    expect((await stripe.subscriptions.retrieve(sub.id)).pause_collection).toBeNull();
    await advance(clock.id, JAN_1 + 59 * DAY + 2 * 3600);
    const collected = await stripe.invoices.retrieve((await stripe.subscriptions.retrieve(sub.id)).latest_invoice as string);
    expect(collected).toMatchObject({ status: "paid", amount_paid: 1000 });

    const stopped = await stripe.subscriptions.pause(sub.id);
    expect(stopped.status).toBe("paused");
    const resumed = await stripe.subscriptions.resume(sub.id, { billing_cycle_anchor: { type: "now" }, expand: ["latest_invoice"] });
    expect(resumed).toMatchObject({ status: "active", billing_cycle_anchor: JAN_1 + 59 * DAY + 2 * 3600 });
    expect(resumed.latest_invoice).toMatchObject({ status: "paid", total: 1000 });
    await standIn.webhooks.idle();
    expect(eventsOf("customer.subscription.paused", sub.id)).toHaveLength(1);
    expect(eventsOf("customer.subscription.resumed", sub.id)).toHaveLength(1);
  });
});

// ------------------------------------------------------------------------------------------------ time

describe("test clocks: trials, renewals, failed payments", () => {
  it("ends a trial: trial_will_end 3 days before, then an invoice an hour later, charged", async () => {
    const { price } = await catalog("Clock trial");
    const monthly = await price(2900, "month");
    const { clock, customer } = await clockCustomer();
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: monthly.id }], trial_period_days: 14 });
    expect(sub).toMatchObject({ status: "trialing", trial_end: JAN_1 + 14 * DAY });
    await advance(clock.id, JAN_1 + 11 * DAY + 60);
    expect(eventsOf("customer.subscription.trial_will_end", sub.id)).toHaveLength(1);
    await advance(clock.id, JAN_1 + 14 * DAY + 60);
    const active = await stripe.subscriptions.retrieve(sub.id, { expand: ["latest_invoice"] });
    expect(active.status).toBe("active");
    expect(active.latest_invoice).toMatchObject({
      status: "draft",
      automatically_finalizes_at: JAN_1 + 14 * DAY + 3600,
      hosted_invoice_url: null,
    });
    await advance(clock.id, JAN_1 + 14 * DAY + 3600 + 60);
    const invoice = await stripe.invoices.retrieve((active.latest_invoice as Stripe.Invoice).id);
    expect(invoice).toMatchObject({ status: "paid", amount_paid: 2900, period_start: JAN_1, period_end: JAN_1 + 14 * DAY });
    expect(invoice.lines.data[0]?.period).toEqual({ start: JAN_1 + 14 * DAY, end: Date.UTC(2026, 1, 15) / 1000 });
    const refused = await caught(stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: JAN_1 + 200 * DAY }));
    expect(refused).toMatchObject({ statusCode: 400, param: "frozen_time" });
  });

  it("renewal with 4000 0000 0000 0341 fails: past_due, smart retries at 3, 5 and 7 days, then canceled", async () => {
    const { price } = await catalog("Dunning");
    const monthly = await price(2900, "month");
    const { clock, customer } = await clockCustomer("pm_card_chargeCustomerFail");
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: monthly.id }], trial_period_days: 7 });
    const failedAt = JAN_1 + 7 * DAY + 3600;
    await advance(clock.id, failedAt + 60);
    const pastDue = await stripe.subscriptions.retrieve(sub.id, { expand: ["latest_invoice"] });
    expect(pastDue.status).toBe("past_due");
    expect(pastDue.latest_invoice).toMatchObject({ status: "open", attempt_count: 1, next_payment_attempt: failedAt + 3 * DAY });
    expect(
      eventsOf("invoice.payment_failed").filter(
        (e) => (e.data.object as Stripe.Invoice).id === (pastDue.latest_invoice as Stripe.Invoice).id,
      ),
    ).toHaveLength(1);
    expect((await stripe.customers.retrieve(customer.id)) as Stripe.Customer).toMatchObject({ delinquent: true });

    await advance(clock.id, failedAt + 5 * DAY + 60);
    expect(await stripe.invoices.retrieve((pastDue.latest_invoice as Stripe.Invoice).id)).toMatchObject({
      attempt_count: 3,
      next_payment_attempt: failedAt + 7 * DAY,
    });
    await advance(clock.id, failedAt + 7 * DAY + 60);
    const ended = await stripe.subscriptions.retrieve(sub.id);
    expect(ended).toMatchObject({ status: "canceled", cancellation_details: { reason: "payment_failed" } });
    expect(await stripe.invoices.retrieve((pastDue.latest_invoice as Stripe.Invoice).id)).toMatchObject({
      status: "open",
      attempt_count: 4,
      next_payment_attempt: null,
    });
    expect(eventsOf("customer.subscription.deleted", sub.id)).toHaveLength(1);
  });

  it("renewal with 4000 0027 6000 3184 needs the customer: payment_action_required, paid on the hosted invoice page after 3-D Secure", async () => {
    const { price } = await catalog("Action");
    const monthly = await price(2900, "month");
    const { clock, customer } = await clockCustomer("pm_card_authenticationRequired");
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: monthly.id }], trial_period_days: 7 });
    await advance(clock.id, JAN_1 + 7 * DAY + 2 * 3600);
    const open = await stripe.invoices.retrieve((await stripe.subscriptions.retrieve(sub.id)).latest_invoice as string);
    expect(open.status).toBe("open");
    expect(eventsOf("invoice.payment_action_required").some((e) => (e.data.object as Stripe.Invoice).id === open.id)).toBe(true);
    const pay = await caught(stripe.invoices.pay(open.id));
    expect(pay).toMatchObject({ statusCode: 402, code: "invoice_payment_intent_requires_action" });

    const page = await fetch(open.hosted_invoice_url ?? "");
    expect(await page.text()).toContain("$29.00");
    const submitted = await postForm(open.hosted_invoice_url ?? "", {
      cardNumber: "4000002760003184",
      cardExpiry: "12/34",
      cardCvc: "123",
    });
    expect(submitted.location).toMatch(/\/3ds$/);
    const done = await postForm(new URL(submitted.location ?? "", standIn.url).toString(), { result: "complete" });
    expect(done.status).toBe(303);
    expect(await stripe.invoices.retrieve(open.id)).toMatchObject({ status: "paid", amount_paid: 2900 });
    expect((await stripe.subscriptions.retrieve(sub.id)).status).toBe("active");
  });
});

// ------------------------------------------------------------------------------------------------ portal, invoices

describe("customer portal and invoices", () => {
  it("lists invoices, updates the card (paying what is due), cancels and renews, manages tax ids", async () => {
    const { price } = await catalog("Portal");
    const monthly = await price(2900, "month");
    const { clock, customer } = await clockCustomer("pm_card_chargeCustomerFail");
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: monthly.id }], trial_period_days: 3 });
    await advance(clock.id, JAN_1 + 3 * DAY + 2 * 3600);
    expect((await stripe.subscriptions.retrieve(sub.id)).status).toBe("past_due");

    const portal = await stripe.billingPortal.sessions.create({ customer: customer.id, return_url: "https://app.fluxor.test/billing" });
    expect(portal).toMatchObject({
      object: "billing_portal.session",
      customer: customer.id,
      return_url: "https://app.fluxor.test/billing",
    });
    expect(portal.id).toMatch(/^bps_/);
    const page = await (await fetch(portal.url)).text();
    expect(page).toContain("past_due");
    expect(page).toContain('data-testid="invoice-pdf"');
    expect(page).toContain("visa •••• 0341");

    const declined = await postForm(portal.url, {
      action: "update_card",
      cardNumber: "4000000000000002",
      cardExpiry: "12 / 34",
      cardCvc: "123",
    });
    expect(declined.status).toBe(402);
    expect(declined.html).toContain("Your card was declined.");
    const updated = await postForm(portal.url, {
      action: "update_card",
      cardNumber: "4242424242424242",
      cardExpiry: "12 / 34",
      cardCvc: "123",
    });
    expect(updated.status).toBe(303);
    expect(await (await fetch(portal.url)).text()).toContain("outstanding invoice was paid");
    const healed = await stripe.subscriptions.retrieve(sub.id, { expand: ["default_payment_method", "latest_invoice"] });
    expect(healed).toMatchObject({
      status: "active",
      latest_invoice: { status: "paid" },
      default_payment_method: { card: { last4: "4242" } },
    });

    await postForm(portal.url, { action: "cancel", subscription: sub.id });
    expect(await stripe.subscriptions.retrieve(sub.id)).toMatchObject({ cancel_at_period_end: true });
    await postForm(portal.url, { action: "renew", subscription: sub.id });
    expect(await stripe.subscriptions.retrieve(sub.id)).toMatchObject({ cancel_at_period_end: false });

    const badTax = await postForm(portal.url, { action: "add_tax_id", taxIdType: "gb_vat", taxIdValue: "GB12" });
    expect(badTax.html).toContain("Invalid value for gb_vat");
    await postForm(portal.url, { action: "add_tax_id", taxIdType: "gb_vat", taxIdValue: "GB123456789" });
    expect((await stripe.customers.listTaxIds(customer.id)).data.map((t) => t.value)).toEqual(["GB123456789"]);
    await postForm(portal.url, {
      action: "update_billing",
      email: "new@shop.test",
      name: "Hollow Oak Ltd",
      country: "GB",
      postalCode: "SW1A 1AA",
    });
    expect((await stripe.customers.retrieve(customer.id)) as Stripe.Customer).toMatchObject({
      email: "new@shop.test",
      address: { country: "GB" },
    });
    await standIn.webhooks.idle();
    expect(eventsOf("customer.updated", customer.id).some((e) => e.data.previous_attributes && "email" in e.data.previous_attributes)).toBe(
      true,
    );
  });

  it("pays an open invoice through the API with another card; resume_on_payment_success stays paused when the card fails", async () => {
    const { price } = await catalog("Pay");
    const monthly = await price(2900, "month");
    const { clock, customer } = await clockCustomer("pm_card_chargeCustomerFail");
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: monthly.id }], trial_period_days: 2 });
    await advance(clock.id, JAN_1 + 2 * DAY + 2 * 3600);
    const open = (await stripe.subscriptions.retrieve(sub.id)).latest_invoice as string;
    const declined = await caught(stripe.invoices.pay(open));
    expect(declined).toBeInstanceOf(Stripe.errors.StripeCardError);
    expect(declined).toMatchObject({ statusCode: 402, code: "card_declined", decline_code: "generic_decline" });
    expect(await stripe.invoices.pay(open, { payment_method: "pm_card_visa" })).toMatchObject({ status: "paid", amount_paid: 2900 });
    expect((await stripe.subscriptions.retrieve(sub.id)).status).toBe("active");
    expect((await stripe.subscriptions.pause(sub.id)).status).toBe("paused");
    const stillPaused = await stripe.subscriptions.resume(sub.id, {
      payment_behavior: "resume_on_payment_success",
      expand: ["latest_invoice"],
    });
    expect(stillPaused).toMatchObject({ status: "paused", latest_invoice: { status: "void" } });
  });

  it("serves each finalized invoice as a real PDF, and lists invoices by customer and status", async () => {
    const { price } = await catalog("PDF £");
    const monthly = await price(2900, "month");
    const created = await session({ price: monthly.id, automatic_tax: { enabled: true } });
    await standIn.checkout.complete(created.id, { country: "GB", postalCode: "SW1A 1AA", name: "Zoë Ünal 🌳 東京" });
    const invoice = (await stripe.checkout.sessions.retrieve(created.id, { expand: ["invoice"] })).invoice as Stripe.Invoice;
    expect(invoice.invoice_pdf).toMatch(/\/invoice\/in_\w+\/pdf$/);
    const response = await fetch(invoice.invoice_pdf ?? "");
    expect(response.headers.get("content-type")).toBe("application/pdf");
    const bytes = new Uint8Array(await response.arrayBuffer());
    expect(Buffer.from(bytes.slice(0, 5)).toString()).toBe("%PDF-");
    const pdf = await PDFDocument.load(bytes);
    expect(pdf.getPageCount()).toBe(1);
    expect(pdf.getTitle()).toBe(`Invoice ${invoice.number}`);
    const listed = await stripe.invoices.list({ customer: invoice.customer as string, status: "paid" });
    expect(listed.data.map((i) => i.id)).toEqual([invoice.id]);
    expect((await fetch(`${standIn.url}/invoice/in_missing/pdf`)).status).toBe(404);
  });
});

// ------------------------------------------------------------------------------------------------ webhooks

describe("webhooks and events", () => {
  it("signs events as Stripe does (constructEvent accepts them), retries non-2xx with backoff, logs attempts", async () => {
    await standIn.webhooks.idle();
    failDeliveries = 2;
    const customer = await stripe.customers.create({ email: "hooks@shop.test" });
    await standIn.webhooks.idle();
    const event = (await stripe.events.list({ type: "customer.created", limit: 1 })).data[0];
    expect(event).toMatchObject({
      object: "event",
      type: "customer.created",
      data: { object: { id: customer.id } },
      pending_webhooks: 0,
      api_version: standIn.apiVersion,
    });
    expect(event?.request?.id).toMatch(/^req_/);
    expect(event?.id).toMatch(/^evt_/);
    const attempts = standIn.webhooks.attempts().filter((a) => a.eventId === event?.id);
    expect(attempts.map((a) => [a.attempt, a.status, a.kind])).toEqual([
      [1, 500, "delivery"],
      [2, 500, "retry"],
      [3, 200, "retry"],
    ]);
    expect(await stripe.events.retrieve(event?.id ?? "")).toMatchObject({ id: event?.id });

    const { body, headers } = standIn.webhooks.signed(event?.id ?? "");
    expect(headers["stripe-signature"]).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    const expected = stripe.webhooks.generateTestHeaderString({
      payload: body,
      secret: SECRET,
      timestamp: Number(/t=(\d+)/.exec(headers["stripe-signature"] ?? "")?.[1]),
    });
    expect(headers["stripe-signature"]).toBe(expected);
  });

  it("delivers an event twice, a batch shuffled, replays one, and sends forged or stale ones the receiver refuses", async () => {
    const before = received.length;
    standIn.webhooks.duplicateNext(1);
    const dup = await stripe.customers.create({ email: "dup@shop.test" });
    await standIn.webhooks.idle();
    expect(eventsOf("customer.created", dup.id)).toHaveLength(2);
    expect(new Set(eventsOf("customer.created", dup.id).map((e) => e.id)).size).toBe(1);

    standIn.webhooks.hold();
    const batch: string[] = [];
    for (let i = 0; i < 6; i += 1) batch.push((await stripe.customers.create({ email: `batch${i}@shop.test` })).id);
    expect(eventsOf("customer.created", batch[0])).toHaveLength(0);
    const order = await standIn.webhooks.release({ shuffle: true });
    expect(order).toHaveLength(6);
    for (const id of batch) expect(eventsOf("customer.created", id)).toHaveLength(1);

    const replayId = eventsOf("customer.created", batch[0])[0]?.id ?? "";
    expect(await standIn.webhooks.replay(replayId)).toBe(200);
    expect(await standIn.webhooks.replay(replayId, { secret: newWebhookSecret() })).toBe(400);
    expect(await standIn.webhooks.replay(replayId, { timestamp: new Date(Date.now() - 3_600_000) })).toBe(400);
    const refused = received.slice(before).filter((r) => r.status === 400);
    expect(refused.map((r) => r.error)).toEqual([expect.stringContaining("signature"), expect.stringContaining("tolerance")]);

    const filtered = await stripe.events.list({ types: ["customer.created", "customer.updated"], limit: 3 });
    expect(filtered.data.every((e) => e.type === "customer.created" || e.type === "customer.updated")).toBe(true);
    const wildcard = await stripe.events.list({ type: "customer.*", limit: 5 });
    expect(wildcard.data.every((e) => e.type.startsWith("customer."))).toBe(true);
  });

  it("reports previous_attributes on updates and the request's idempotency key on events", async () => {
    const customer = await stripe.customers.create({ email: "prev@shop.test", name: "Before" });
    await stripe.customers.update(customer.id, { name: "After", metadata: { plan: "pro" } }, { idempotencyKey: "update-prev-1" });
    await standIn.webhooks.idle();
    const update = eventsOf("customer.updated", customer.id)[0];
    expect(update?.data.previous_attributes).toEqual({ name: "Before", metadata: {} });
    expect(update?.request).toMatchObject({ idempotency_key: "update-prev-1" });
  });
});
