/**
 * The operator console against real PostgreSQL and the real app (Remix build + Express): nine billing accounts
 * on both rails written the way the app writes them (`openAccount`, `recordEvents`), the read models' figures
 * (MRR, committed MRR in trial, movements, churn, trial conversion, recognised and deferred revenue, the dunning
 * queue, webhook counts and lag), and the routes: 404 with no operators configured, a redirect to sign-in without a session, CSRF, 429 after
 * too many attempts per IP and per operator, 200 once signed in, the CSV export, sign-out, and the audit trail.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type * as LedgerServer from "../../app/billing/ledger.server";
import type { BillingEventInput } from "../../app/billing/ledger";
import type { Interval, PlanId } from "../../app/billing/plans";
import type * as Pool from "../../app/db/pool.server";
import type * as Revenue from "../../app/ops/revenue.server";
import type * as Dunning from "../../app/ops/dunning.server";
import type * as Webhooks from "../../app/ops/webhooks.server";
import { createTestDatabase, sql } from "../support/db";
import { BROWSER_HEADERS, DEMO_OPERATOR, startStack, type Stack } from "../demo/stack";

/** The instant the figures are computed at (a Monday in June); the routes use the real clock. */
const NOW = new Date("2026-06-15T12:00:00Z");

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let stack: Stack;
let pool: typeof Pool;
let ledger: typeof LedgerServer;
let revenue: typeof Revenue;
let dunning: typeof Dunning;
let webhooks: typeof Webhooks;
const ids: Record<"A" | "B" | "C" | "D" | "E" | "F" | "G" | "H" | "I", string> = {
  A: "",
  B: "",
  C: "",
  D: "",
  E: "",
  F: "",
  G: "",
  H: "",
  I: "",
};
const shops: Record<string, string> = {};

let counter = 0;
const id = () => `evt_ops_${++counter}`;
type Provider = "shopify" | "stripe";
const activated = (
  provider: Provider,
  sub: string,
  at: string,
  plan: PlanId,
  priceCents: number,
  interval: Interval,
  trialEndsAt: string | null,
): BillingEventInput => ({
  type: "activated" as const,
  provider,
  providerEventId: id(),
  subscriptionId: sub,
  occurredAt: at,
  plan,
  interval,
  priceCents,
  currentPeriodStart: at,
  currentPeriodEnd: at.replace(/^2026/, "2027"),
  trialEndsAt,
});
const invoice = (
  provider: Provider,
  sub: string,
  invoiceId: string,
  amountCents: number,
  periodStart: string,
  periodEnd: string,
): BillingEventInput => ({
  type: "invoice_paid" as const,
  provider,
  providerEventId: id(),
  subscriptionId: sub,
  invoiceId,
  amountCents,
  periodStart,
  periodEnd,
  occurredAt: periodStart,
});

async function account(key: keyof typeof ids, domain: string, rail: "shopify" | "stripe", openedAt: string, events: BillingEventInput[]) {
  const [shop] = await sql<{ id: string }>(
    db.url,
    `INSERT INTO "Shop" (id, domain, "updatedAt") VALUES (gen_random_uuid(), $1, now()) RETURNING id`,
    [domain],
  );
  shops[key] = shop!.id;
  const opened = await ledger.openAccount(pool.pool(), { id: shop!.id, domain }, new Date(openedAt));
  await sql(db.url, `UPDATE "BillingAccount" SET rail = $2 WHERE id = $1`, [opened.id, rail]);
  if (events.length) await ledger.recordEvents(pool.pool(), opened.id, events as BillingEventInput[], NOW);
  ids[key] = opened.id;
}

beforeAll(async () => {
  db = await createTestDatabase();
  stack = await startStack({ inlineWorker: false });
  pool = await import("../../app/db/pool.server");
  ledger = await import("../../app/billing/ledger.server");
  revenue = await import("../../app/ops/revenue.server");
  dunning = await import("../../app/ops/dunning.server");
  webhooks = await import("../../app/ops/webhooks.server");

  // A (Shopify): trial from 1 Jan, Starter from the trial's end (15 Jan), one invoice paid.
  await account("A", "a-ops.myshopify.com", "shopify", "2026-01-01T00:00:00Z", [
    activated("shopify", "gid://shopify/AppSubscription/1", "2026-01-10T00:00:00Z", "starter", 2900, "monthly", "2026-01-15T00:00:00Z"),
    invoice("shopify", "gid://shopify/AppSubscription/1", "shopify-charge-1", 2900, "2026-01-15T00:00:00Z", "2026-02-15T00:00:00Z"),
  ]);
  // B (Shopify): Pro from 15 Feb, Enterprise from 10 April (expansion), payment failed on 10 June (grace to 17 June).
  await account("B", "b-ops.myshopify.com", "shopify", "2026-02-01T00:00:00Z", [
    activated("shopify", "gid://shopify/AppSubscription/2", "2026-02-05T00:00:00Z", "pro", 7900, "monthly", "2026-02-15T00:00:00Z"),
    {
      type: "plan_changed",
      provider: "shopify",
      providerEventId: id(),
      subscriptionId: "gid://shopify/AppSubscription/2",
      occurredAt: "2026-04-10T00:00:00Z",
      plan: "enterprise",
      interval: "monthly",
      priceCents: 19900,
      currentPeriodStart: "2026-04-10T00:00:00Z",
      currentPeriodEnd: "2026-05-10T00:00:00Z",
    },
    {
      type: "payment_failed",
      provider: "shopify",
      providerEventId: id(),
      subscriptionId: "gid://shopify/AppSubscription/2",
      occurredAt: "2026-06-10T00:00:00Z",
      invoiceId: null,
      amountCents: 19900,
    },
  ]);
  // C (Stripe): Pro annual from the trial's end (15 March), paid upfront.
  await account("C", "c-ops.myshopify.com", "stripe", "2026-03-01T00:00:00Z", [
    activated("stripe", "sub_ops_c", "2026-03-10T00:00:00Z", "pro", 79000, "annual", "2026-03-15T00:00:00Z"),
    invoice("stripe", "sub_ops_c", "in_ops_c1", 79000, "2026-03-15T00:00:00Z", "2027-03-15T00:00:00Z"),
  ]);
  // D (Stripe): Starter from 15 Feb, cancelled on 20 May.
  await account("D", "d-ops.myshopify.com", "stripe", "2026-02-01T00:00:00Z", [
    activated("stripe", "sub_ops_d", "2026-02-10T00:00:00Z", "starter", 2900, "monthly", "2026-02-15T00:00:00Z"),
    { type: "cancelled", provider: "stripe", providerEventId: id(), subscriptionId: "sub_ops_d", occurredAt: "2026-05-20T00:00:00Z" },
  ]);
  // E (Shopify): a trial from 20 May that ended on 3 June without a plan.
  await account("E", "e-ops.myshopify.com", "shopify", "2026-05-20T00:00:00Z", []);
  // F (Shopify): in its trial to 22 June, Pro monthly approved on 10 June (Shopify's trialDays: the days left).
  await account("F", "f-ops.myshopify.com", "shopify", "2026-06-08T00:00:00Z", [
    activated("shopify", "gid://shopify/AppSubscription/6", "2026-06-10T00:00:00Z", "pro", 7900, "monthly", "2026-06-22T00:00:00Z"),
  ]);
  // G (Stripe): in its trial to 19 June, Starter annual paid for through Checkout on 6 June (Stripe trialing).
  await account("G", "g-ops.myshopify.com", "stripe", "2026-06-05T00:00:00Z", [
    activated("stripe", "sub_ops_g", "2026-06-06T00:00:00Z", "starter", 29000, "annual", "2026-06-19T00:00:00Z"),
  ]);
  // H (Shopify): in its trial to 26 June, no plan chosen.
  await account("H", "h-ops.myshopify.com", "shopify", "2026-06-12T00:00:00Z", []);
  // I (Stripe): in its trial to 24 June, a Checkout for Pro not paid for (Stripe incomplete): no plan chosen yet.
  await account("I", "i-ops.myshopify.com", "stripe", "2026-06-10T00:00:00Z", [
    {
      type: "subscription_created",
      provider: "stripe",
      providerEventId: id(),
      subscriptionId: "sub_ops_i",
      occurredAt: "2026-06-11T00:00:00Z",
      plan: "pro",
      interval: "monthly",
      priceCents: 7900,
    },
  ]);

  // B's first dunning email, queued by the lead's dunning job with its key.
  await sql(
    db.url,
    `INSERT INTO "EmailMessage" (id, "shopId", kind, "templateVersion", recipient, "idempotencyKey", priority, status, content, "createdAt", "sentAt")
     VALUES (gen_random_uuid(), $1, 'billing', 'dunning@1', 'owner@b-ops.test', $2, 0, 'delivered', '{}'::jsonb, '2026-06-10T01:00:00Z', '2026-06-10T01:00:05Z')`,
    [shops.B, `dunning:${ids.B}:payment_failed`],
  );
}, 180_000);

afterAll(async () => {
  await stack?.close();
  await db?.drop();
});

describe("the overview's read model", () => {
  it("gives MRR and ARR now, both rails and each (annual ÷ 12)", async () => {
    const o = await revenue.loadOverview(NOW);
    expect(o.invalidEvents).toBe(0);
    expect(o.accounts).toEqual({ all: 9, shopify: 5, stripe: 4 });
    expect(o.recurring.shopify).toEqual({ mrrCents: 2900 + 19900, arrCents: 12 * 22800, payingAccounts: 2 });
    expect(o.recurring.stripe).toEqual({ mrrCents: 6583, arrCents: 12 * 6583, payingAccounts: 1 });
    expect(o.recurring.all.mrrCents).toBe(29383);
  });

  it("gives committed MRR in trial: F's and G's chosen plans, not H's trial without one nor I's unpaid Checkout", async () => {
    const o = await revenue.loadOverview(NOW);
    expect(o.committed.shopify).toEqual({ mrrCents: 7900, accounts: 1, firstPaysAt: "2026-06-22T00:00:00.000Z" });
    // Annual: 29 000 ÷ 12, half-even.
    expect(o.committed.stripe).toEqual({ mrrCents: 2417, accounts: 1, firstPaysAt: "2026-06-19T00:00:00.000Z" });
    expect(o.committed.all).toEqual({ mrrCents: 7900 + 2417, accounts: 2, firstPaysAt: "2026-06-19T00:00:00.000Z" });
    // Once G's trial has ended its plan is MRR, no longer committed; once F's has, nothing is left.
    const later = await revenue.loadOverview(new Date("2026-06-20T00:00:00Z"));
    expect(later.committed.all).toEqual({ mrrCents: 7900, accounts: 1, firstPaysAt: "2026-06-22T00:00:00.000Z" });
    expect(later.recurring.stripe.mrrCents).toBe(6583 + 2417);
    expect((await revenue.loadOverview(new Date("2026-06-23T00:00:00Z"))).committed.all).toEqual({
      mrrCents: 0,
      accounts: 0,
      firstPaysAt: null,
    });
  });

  it("gives the months' movements, logo churn and trial conversion", async () => {
    const o = await revenue.loadOverview(NOW);
    const month = (m: string) => o.months.all.find((row) => row.month === m)!;
    expect(o.months.all.map((m) => m.month).slice(-6)).toEqual(["2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06"]);
    expect(month("2026-01")).toMatchObject({ startCents: 0, newCents: 2900, endCents: 2900 });
    expect(month("2026-01").trialConversion).toEqual({ numerator: 1, denominator: 1, rate: 1 });
    expect(month("2026-02")).toMatchObject({ newCents: 7900 + 2900, endCents: 2900 + 7900 + 2900 });
    expect(month("2026-02").trialConversion).toEqual({ numerator: 2, denominator: 2, rate: 1 });
    expect(o.months.stripe.find((m) => m.month === "2026-03")).toMatchObject({ newCents: 6583 });
    expect(month("2026-04")).toMatchObject({ expansionCents: 12000, contractionCents: 0 });
    expect(month("2026-05")).toMatchObject({ churnedCents: 2900 });
    expect(month("2026-05").logoChurn).toEqual({ numerator: 1, denominator: 4, rate: 0.25 });
    expect(month("2026-06").trialConversion).toEqual({ numerator: 0, denominator: 1, rate: 0 });
    // The last 30 days (from 16 May): E's trial ended unconverted; D stopped paying, B still pays in its grace period.
    expect(o.trialConversion.all).toEqual({ numerator: 0, denominator: 1, rate: 0 });
    expect(o.logoChurn.all).toEqual({ numerator: 1, denominator: 4, rate: 0.25 });
    expect(o.logoChurn.stripe).toEqual({ numerator: 1, denominator: 2, rate: 0.5 });
  });

  it("counts accounts by status and paying accounts by plan", async () => {
    const o = await revenue.loadOverview(NOW);
    const status = Object.fromEntries(o.byStatus.map((s) => [s.status, s.accounts]));
    expect(status).toEqual({
      active: { all: 2, shopify: 1, stripe: 1 },
      trialing: { all: 4, shopify: 2, stripe: 2 },
      past_due: { all: 1, shopify: 1, stripe: 0 },
      cancelled: { all: 1, shopify: 0, stripe: 1 },
      expired: { all: 1, shopify: 1, stripe: 0 },
    });
    expect(o.byPlan.map((p) => [p.plan, p.accounts.all, p.mrrCents.all])).toEqual([
      ["starter", 1, 2900],
      ["pro", 1, 6583],
      ["enterprise", 1, 19900],
    ]);
  });
});

describe("revenue recognition", () => {
  it("recognises each invoice day by day and defers the rest at month end", async () => {
    const report = await revenue.loadRecognition(12, NOW);
    const month = (m: string) => report.rows.find((row) => row.month === m)!;
    // A: 2 900 over 31 days (93 a day, the last day 110): 17 days in January, 14 in February.
    expect(month("2026-01").recognizedCents).toEqual({ all: 17 * 93, shopify: 17 * 93, stripe: 0 });
    expect(month("2026-01").deferredCents).toEqual({ all: 2900 - 17 * 93, shopify: 2900 - 17 * 93, stripe: 0 });
    expect(month("2026-02").recognizedCents.shopify).toBe(2900 - 17 * 93);
    // C: 79 000 over 365 days (216 a day): 17 days in March, the rest deferred.
    expect(month("2026-03").recognizedCents).toEqual({ all: 17 * 216, shopify: 0, stripe: 17 * 216 });
    expect(month("2026-03").deferredCents.stripe).toBe(79000 - 17 * 216);
    expect(month("2026-04").recognizedCents.stripe).toBe(30 * 216);
  });

  it("exports the same table as CSV", async () => {
    const lines = [];
    for await (const line of revenue.recognitionCsv(12, NOW)) lines.push(line);
    const [header, ...rows] = lines.join("").trim().split("\r\n");
    expect(header).toBe(
      "month,recognized_usd,deferred_usd,recognized_shopify_usd,deferred_shopify_usd,recognized_stripe_usd,deferred_stripe_usd",
    );
    expect(rows).toHaveLength(12);
    expect(rows.find((r) => r.startsWith("2026-03,"))).toBe(`2026-03,36.72,753.28,0.00,0.00,36.72,753.28`);
  });
});

describe("the dunning queue", () => {
  it("lists B, past due for 5 days with grace to 17 June and its first email sent; not the others", async () => {
    const queue = await dunning.loadDunningQueue(NOW);
    expect(queue.rows).toHaveLength(1);
    expect(queue.rows[0]).toMatchObject({
      accountId: ids.B,
      shopDomain: "b-ops.myshopify.com",
      rail: "shopify",
      plan: "enterprise",
      status: "past_due",
      delinquentSince: "2026-06-10T00:00:00.000Z",
      daysSinceFailure: 5,
      graceEndsAt: "2026-06-17T00:00:00.000Z",
      emails: [{ step: "payment_failed", status: "delivered", queuedAt: "2026-06-10T01:00:00.000Z", sentAt: "2026-06-10T01:00:05.000Z" }],
      overdueSteps: ["reminder"],
      nextStep: { step: "read_only", dueAt: "2026-06-17T00:00:00.000Z" },
    });
    // After the grace period: read-only, still in the queue.
    const later = await dunning.loadDunningQueue(new Date("2026-06-20T00:00:00Z"));
    expect(later.rows.map((r) => [r.accountId, r.status])).toEqual([[ids.B, "read_only"]]);
  });
});

describe("billing webhook monitoring", () => {
  it("counts provider events and billing refusals in 24 h and 7 days, with the lag of each provider", async () => {
    // A week of its own, after everything above was recorded: rows written with their recording time.
    const at = new Date(Date.now() + 30 * 86_400_000);
    const recorded = (hoursAgo: number) => new Date(at.getTime() - hoursAgo * 3_600_000);
    const lagged = [
      ["shopify", 1, 2],
      ["shopify", 2, 4],
      ["shopify", 30, 6],
      ["shopify", 50, 600],
      ["stripe", 3, 1],
    ] as const;
    for (const [provider, hoursAgo, lagSeconds] of lagged) {
      const recordedAt = recorded(hoursAgo);
      const occurredAt = new Date(recordedAt.getTime() - lagSeconds * 1000).toISOString();
      const payload =
        provider === "shopify"
          ? {
              type: "usage_recorded",
              provider,
              providerEventId: id(),
              subscriptionId: "gid://shopify/AppSubscription/1",
              occurredAt,
              amountCents: 0,
              variants: 0,
            }
          : {
              type: "payment_succeeded",
              provider,
              providerEventId: id(),
              subscriptionId: "sub_ops_c",
              occurredAt,
              invoiceId: null,
              amountCents: 0,
            };
      await sql(
        db.url,
        `INSERT INTO "BillingEvent" ("accountId", provider, "providerEventId", type, "occurredAt", "recordedAt", payload) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [
          provider === "shopify" ? ids.A : ids.C,
          provider,
          payload.providerEventId,
          payload.type,
          occurredAt,
          recordedAt,
          JSON.stringify(payload),
        ],
      );
    }
    const refusals = [
      [2, { topic: "app_subscriptions/update", status: 401 }],
      [40, { topic: "app_subscriptions/update", status: 400, reason: "payload failed validation" }],
      [5, { topic: "", path: "/webhooks/stripe", status: 400, reason: "bad signature" }],
      [1, { topic: "orders/create", status: 401 }],
    ] as const;
    for (const [hoursAgo, detail] of refusals) {
      await sql(db.url, `INSERT INTO "AuditLog" (event, outcome, detail, "createdAt") VALUES ('webhook_rejected', 'failure', $1, $2)`, [
        JSON.stringify(detail),
        recorded(hoursAgo),
      ]);
    }

    const health = await webhooks.loadWebhookHealth(at);
    expect(health.received).toEqual({ shopify: { last24h: 2, last7d: 4 }, stripe: { last24h: 1, last7d: 1 } });
    expect(health.failed).toEqual({ shopify: { last24h: 1, last7d: 2 }, stripe: { last24h: 1, last7d: 1 } });
    expect(health.lag.shopify).toMatchObject({ events: 4, p50Seconds: 5, maxSeconds: 600 });
    expect(health.lag.shopify.p95Seconds).toBeCloseTo(6 + 0.85 * 594, 6);
    expect(health.lag.stripe).toMatchObject({ events: 1, p50Seconds: 1, p95Seconds: 1, maxSeconds: 1 });
    expect(health.lastErrors.map((e) => [e.provider, e.topic, e.status])).toEqual([
      ["shopify", "app_subscriptions/update", 401],
      ["stripe", "", 400],
      ["shopify", "app_subscriptions/update", 400],
    ]);
  });
});

// ---- The routes ------------------------------------------------------------------------------------------------

const cookiesOf = (response: Response) => response.headers.getSetCookie().map((c) => c.split(";")[0]!);

async function get(path: string, init: { cookie?: string; ip?: string } = {}) {
  return fetch(`${stack.opsUrl.replace(/\/ops$/, "")}${path}`, {
    redirect: "manual",
    headers: { ...BROWSER_HEADERS, ...(init.cookie ? { Cookie: init.cookie } : {}), ...(init.ip ? { "X-Forwarded-For": init.ip } : {}) },
  });
}

/** The sign-in form's data and its nonce cookie. */
async function loginForm(ip: string) {
  const response = await get("/ops/login?_data=routes%2Fops.login", { ip });
  expect(response.status).toBe(200);
  const data = (await response.json()) as { csrf: string };
  return { csrf: data.csrf, cookie: cookiesOf(response).join("; ") };
}

async function postLogin(ip: string, user: string, password: string, form?: { csrf: string; cookie: string }) {
  const { csrf, cookie } = form ?? (await loginForm(ip));
  return fetch(`${stack.opsUrl}/login`, {
    method: "POST",
    redirect: "manual",
    headers: { ...BROWSER_HEADERS, "Content-Type": "application/x-www-form-urlencoded", Cookie: cookie, "X-Forwarded-For": ip },
    body: new URLSearchParams({ user, password, csrf, next: "/ops" }),
  });
}

const auditRows = (event: string) =>
  sql<{ event: string; outcome: string; ip: string | null; detail: Record<string, unknown> }>(
    db.url,
    `SELECT * FROM "AuditLog" WHERE event = $1 ORDER BY id`,
    [event],
  );

function expectSecurityHeaders(response: Response) {
  expect(response.headers.get("x-frame-options")).toBe("DENY");
  expect(response.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
  expect(response.headers.get("cache-control")).toBe("no-store");
}

describe("the console's routes", () => {
  it("answer 404 everywhere when no operator is configured", async () => {
    const saved = process.env.FLUXOR_OPS_USERS;
    delete process.env.FLUXOR_OPS_USERS;
    try {
      for (const path of ["/ops", "/ops/login", "/ops/revenue", "/ops/revenue.csv", "/ops/dunning", "/ops/webhooks"]) {
        const response = await get(path);
        expect(response.status, path).toBe(404);
        expect(await response.text()).not.toContain("Fluxor operations");
      }
      const post = await postLogin("192.0.2.1", DEMO_OPERATOR.user, DEMO_OPERATOR.password, { csrf: "x", cookie: "" });
      expect(post.status).toBe(404);
    } finally {
      process.env.FLUXOR_OPS_USERS = saved;
    }
  });

  it("redirect to sign-in without a session, with the security headers", async () => {
    for (const path of ["/ops", "/ops/revenue?months=24", "/ops/revenue.csv", "/ops/dunning", "/ops/webhooks"]) {
      const response = await get(path);
      expect(response.status, path).toBe(302);
      expect(response.headers.get("location")).toBe(`/ops/login?next=${encodeURIComponent(path)}`);
      expectSecurityHeaders(response);
    }
    const page = await get("/ops/login");
    expect(page.status).toBe(200);
    expectSecurityHeaders(page);
    expect(await page.text()).toContain('name="csrf"');
    // A shop parameter would make the Shopify library allow the admin to frame the page: it is dropped.
    const framed = await get("/ops/login?shop=evil.myshopify.com");
    expect(framed.status).toBe(302);
    expect(framed.headers.get("location")).toBe("/ops/login");
  });

  it("refuse a sign-in without the CSRF token of the form's cookie", async () => {
    const { csrf } = await loginForm("192.0.2.10");
    const other = await loginForm("192.0.2.10");
    const response = await postLogin("192.0.2.10", DEMO_OPERATOR.user, DEMO_OPERATOR.password, { csrf, cookie: other.cookie });
    expect(response.status).toBe(403);
    expect(cookiesOf(response).some((c) => c.startsWith("fluxor-ops="))).toBe(false);
    expect((await auditRows("ops_login_failed")).at(-1)?.detail).toMatchObject({ reason: "csrf", user: "operator" });
  });

  it("sign in with the right password: 302 with a signed session cookie, then 200, the CSV export and sign-out, all audited", async () => {
    const response = await postLogin("198.51.100.1", DEMO_OPERATOR.user, DEMO_OPERATOR.password);
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe("/ops");
    const session = response.headers.getSetCookie().find((c) => c.startsWith("fluxor-ops="))!;
    expect(session).toMatch(/HttpOnly/);
    expect(session).toMatch(/SameSite=Strict/);
    expect(session).toMatch(/Max-Age=28800/);
    const cookie = session.split(";")[0]!;

    const overview = await get("/ops", { cookie });
    expect(overview.status).toBe(200);
    expectSecurityHeaders(overview);
    const html = await overview.text();
    // Now (after B's grace period ended and F's and G's trials): A's Starter, C's annual Pro, F's Pro, G's annual Starter.
    expect(html).toContain("$198.00");
    // No trial is running any more: the committed card says so.
    expect(html).toContain("No trial has chosen a plan yet.");
    for (const path of ["/ops/revenue", "/ops/dunning", "/ops/webhooks"]) expect((await get(path, { cookie })).status, path).toBe(200);

    const csv = await get("/ops/revenue.csv?months=24", { cookie, ip: "198.51.100.1" });
    expect(csv.status).toBe(200);
    expect(csv.headers.get("content-type")).toContain("text/csv");
    expectSecurityHeaders(csv);
    expect((await csv.text()).split("\r\n").filter(Boolean)).toHaveLength(25);
    expect((await auditRows("ops_export")).map((r) => r.detail)).toEqual([{ user: "operator", report: "revenue_recognition", months: 24 }]);

    const data = (await (await get("/ops?_data=routes%2Fops", { cookie })).json()) as { operator: { csrf: string } };
    const logout = await fetch(`${stack.opsUrl}/logout`, {
      method: "POST",
      redirect: "manual",
      headers: { ...BROWSER_HEADERS, "Content-Type": "application/x-www-form-urlencoded", Cookie: cookie },
      body: new URLSearchParams({ csrf: data.operator.csrf }),
    });
    expect(logout.status).toBe(302);
    expect(logout.headers.get("location")).toBe("/ops/login");
    expect(logout.headers.getSetCookie().find((c) => c.startsWith("fluxor-ops="))).toMatch(/Max-Age=0/);

    expect((await auditRows("ops_login")).map((r) => [r.outcome, r.ip, r.detail.user])).toEqual([["success", "198.51.100.1", "operator"]]);
    expect((await auditRows("ops_logout")).map((r) => r.detail.user)).toEqual(["operator"]);
  });

  it("answer 429 after too many attempts from one IP, and audit them without the password or an unknown name", async () => {
    const ip = "203.0.113.7";
    for (let attempt = 1; attempt <= 10; attempt++) {
      const response = await postLogin(ip, "my-password-typed-as-name", `wrong password ${attempt}`);
      expect(response.status, `attempt ${attempt}`).toBe(401);
    }
    const blocked = await postLogin(ip, DEMO_OPERATOR.user, DEMO_OPERATOR.password);
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(cookiesOf(blocked).some((c) => c.startsWith("fluxor-ops="))).toBe(false);
    const failures = (await auditRows("ops_login_failed")).filter((r) => r.ip === ip);
    expect(failures).toHaveLength(10);
    expect(failures.every((r) => r.detail.user === null && r.detail.reason === "bad_credentials")).toBe(true);
    expect((await auditRows("rate_limited")).some((r) => r.ip === ip && r.detail.scope === "ip")).toBe(true);
    const everything = JSON.stringify(await sql(db.url, `SELECT * FROM "AuditLog"`));
    expect(everything).not.toContain("wrong password");
    expect(everything).not.toContain("my-password-typed-as-name");
    expect(everything).not.toContain(DEMO_OPERATOR.password);
  });

  it("answer 429 after too many attempts on one operator from many IPs, even with the right password", async () => {
    // One attempt was the successful sign-in above; the per-operator limit is 20 an hour.
    for (let attempt = 1; attempt <= 19; attempt++) {
      const response = await postLogin(`192.0.2.${100 + attempt}`, DEMO_OPERATOR.user, "not the password");
      expect(response.status, `attempt ${attempt}`).toBe(401);
    }
    const blocked = await postLogin("192.0.2.200", DEMO_OPERATOR.user, DEMO_OPERATOR.password);
    expect(blocked.status).toBe(429);
    expect((await auditRows("rate_limited")).some((r) => r.detail.scope === "user")).toBe(true);
  });
});
