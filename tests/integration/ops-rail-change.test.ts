/**
 * An operator moves a shop between the billing rails from /ops/accounts, against real PostgreSQL and the real app
 * (Remix build + Express, the Stripe stand-in): a shop in its trial without a plan moves to Stripe (one
 * `rail_changed` ledger event, the rail column, an audit row with the operator's name, no second trial), and its
 * billing page then sends the merchant to Stripe Checkout, where the plan keeps what was left of the trial; the
 * same confirmation posted twice records one event; a shop with an active Shopify subscription is refused with
 * that reason and nothing changes; the env list is not applied again to an existing account; without the CSRF
 * token the form is 403, and without an operator session it redirects to sign-in.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type * as LedgerServer from "../../app/billing/ledger.server";
import type * as Page from "../../app/billing/page.server";
import type * as Pool from "../../app/db/pool.server";
import type { Shop } from "../../app/shops/lookup.server";
import { createTestDatabase, sql } from "../support/db";
import { BROWSER_HEADERS, DEMO_OPERATOR, startStack, type Stack } from "../demo/stack";

const DAY = 86_400_000;
/** In its trial (opened 2 days ago), no plan chosen: may move. */
const TRIAL_SHOP = "trial-mover.myshopify.com";
/** An active Shopify subscription: may not move. */
const ACTIVE_SHOP = "active-shopify.myshopify.com";
/** Listed in FLUXOR_STRIPE_RAIL_SHOPS (a direct contract), moved back to Shopify. */
const LISTED_SHOP = "listed-contract.myshopify.com";
process.env.FLUXOR_STRIPE_RAIL_SHOPS = LISTED_SHOP;

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let stack: Stack;
let pool: typeof Pool;
let ledger: typeof LedgerServer;
let page: typeof Page;
const shops: Record<string, Shop> = {};
const accounts: Record<string, string> = {};
let cookie = "";
let csrf = "";

async function addShop(domain: string, openedAt: Date): Promise<string> {
  const [row] = await sql<{ id: string }>(
    db.url,
    `INSERT INTO "Shop" (id, domain, name, email, "updatedAt") VALUES (gen_random_uuid(), $1, $1, $2, now()) RETURNING id`,
    [domain, `owner@${domain}`],
  );
  const { shopById } = await import("../../app/shops/lookup.server");
  shops[domain] = (await shopById(pool.pool(), row!.id))!;
  const opened = await pool.inTransaction((tx) => ledger.openAccount(tx, shops[domain]!, openedAt));
  accounts[domain] = opened.id;
  return opened.id;
}

const ledgerRows = (domain: string) =>
  sql<{ provider: string; providerEventId: string; type: string; payload: Record<string, unknown> }>(
    db.url,
    `SELECT provider, "providerEventId", type, payload FROM "BillingEvent" WHERE "accountId" = $1 ORDER BY seq`,
    [accounts[domain]],
  );
const railOf = async (domain: string) =>
  (await sql<{ rail: string }>(db.url, `SELECT rail FROM "BillingAccount" WHERE id = $1`, [accounts[domain]]))[0]!.rail;
const audits = (domain: string) =>
  sql<{ outcome: string; ip: string | null; detail: Record<string, unknown> }>(
    db.url,
    `SELECT outcome, ip, detail FROM "AuditLog" WHERE event = 'billing_change' AND "shopDomain" = $1 ORDER BY id`,
    [domain],
  );

const base = () => stack.opsUrl.replace(/\/ops$/, "");

function get(path: string, withCookie = cookie) {
  return fetch(`${base()}${path}`, { redirect: "manual", headers: { ...BROWSER_HEADERS, ...(withCookie ? { Cookie: withCookie } : {}) } });
}

/** The move form as the review step posts it (`fields` replace or drop its fields). */
function postMove(
  fields: Record<string, string | null>,
  options: { cookie?: string; data?: boolean; headers?: Record<string, string> } = {},
) {
  const form = new URLSearchParams();
  for (const [name, value] of Object.entries({ csrf, ...fields })) if (value !== null) form.set(name, value);
  const withCookie = options.cookie ?? cookie;
  return fetch(`${stack.opsUrl}/accounts${options.data ? "?_data=routes%2Fops.accounts" : ""}`, {
    method: "POST",
    redirect: "manual",
    headers: {
      ...BROWSER_HEADERS,
      "Content-Type": "application/x-www-form-urlencoded",
      ...(withCookie ? { Cookie: withCookie } : {}),
      "X-Forwarded-For": "198.51.100.20",
      ...options.headers,
    },
    body: form,
  });
}

async function signIn(): Promise<void> {
  const form = await get("/ops/login?_data=routes%2Fops.login", "");
  const { csrf: loginCsrf } = (await form.json()) as { csrf: string };
  const nonce = form.headers.getSetCookie().map((c) => c.split(";")[0]!);
  const response = await fetch(`${stack.opsUrl}/login`, {
    method: "POST",
    redirect: "manual",
    headers: { ...BROWSER_HEADERS, "Content-Type": "application/x-www-form-urlencoded", Cookie: nonce.join("; ") },
    body: new URLSearchParams({ user: DEMO_OPERATOR.user, password: DEMO_OPERATOR.password, csrf: loginCsrf, next: "/ops/accounts" }),
  });
  expect(response.status).toBe(302);
  cookie = response.headers
    .getSetCookie()
    .find((c) => c.startsWith("fluxor-ops="))!
    .split(";")[0]!;
  const data = (await (await get("/ops/accounts?_data=routes%2Fops.accounts")).json()) as { csrf: string };
  csrf = data.csrf;
}

beforeAll(async () => {
  db = await createTestDatabase();
  stack = await startStack({ inlineWorker: false });
  pool = await import("../../app/db/pool.server");
  ledger = await import("../../app/billing/ledger.server");
  page = await import("../../app/billing/page.server");
  const now = Date.now();
  await addShop(TRIAL_SHOP, new Date(now - 2 * DAY));
  const active = await addShop(ACTIVE_SHOP, new Date(now - 40 * DAY));
  const at = new Date(now - 10 * DAY).toISOString();
  await ledger.recordEvents(pool.pool(), active, [
    {
      type: "activated",
      provider: "shopify",
      providerEventId: "ops-rail-active-1",
      subscriptionId: "gid://shopify/AppSubscription/901",
      occurredAt: at,
      plan: "pro",
      interval: "monthly",
      priceCents: 7900,
      currentPeriodStart: at,
      currentPeriodEnd: new Date(now + 20 * DAY).toISOString(),
      trialEndsAt: null,
    },
  ]);
  await addShop(LISTED_SHOP, new Date(now - DAY));
  await signIn();
}, 180_000);

afterAll(async () => {
  await stack?.close();
  await db?.drop();
});

interface View {
  rows: { accountId: string; shopDomain: string; rail: string; status: string | null; plan: string | null }[];
  review: { to: string; change: Record<string, unknown> } | null;
}

describe("the accounts page", () => {
  it("redirects to sign-in without an operator session, and the move changes nothing", async () => {
    const page = await get("/ops/accounts?q=trial", "");
    expect(page.status).toBe(302);
    expect(page.headers.get("location")).toBe(`/ops/login?next=${encodeURIComponent("/ops/accounts?q=trial")}`);
    const post = await postMove({ accountId: accounts[TRIAL_SHOP]!, to: "stripe" }, { cookie: "" });
    expect(post.status).toBe(302);
    expect(post.headers.get("location")).toBe(`/ops/login?next=${encodeURIComponent("/ops/accounts")}`);
    expect(await railOf(TRIAL_SHOP)).toBe("shopify");
  });

  it("refuses the form without the session's CSRF token (403), or from a cross-site page, and changes nothing", async () => {
    const move = { accountId: accounts[TRIAL_SHOP]!, to: "stripe" };
    expect((await postMove({ ...move, csrf: null })).status).toBe(403);
    expect((await postMove({ ...move, csrf: "A".repeat(43) })).status).toBe(403);
    expect((await postMove(move, { headers: { "Sec-Fetch-Site": "cross-site" } })).status).toBe(403);
    expect(await railOf(TRIAL_SHOP)).toBe("shopify");
    expect((await ledgerRows(TRIAL_SHOP)).map((e) => e.type)).toEqual(["trial_started"]);
    expect(await audits(TRIAL_SHOP)).toEqual([]);
  });

  it("lists the accounts with their rail, status and plan, searched by domain, in the console's navigation", async () => {
    const all = (await (await get("/ops/accounts?_data=routes%2Fops.accounts")).json()) as View;
    expect(all.rows.map((r) => [r.shopDomain, r.rail, r.status, r.plan])).toEqual([
      [ACTIVE_SHOP, "shopify", "active", "pro"],
      [LISTED_SHOP, "stripe", "trialing", null],
      [TRIAL_SHOP, "shopify", "trialing", null],
    ]);
    const found = (await (await get("/ops/accounts?_data=routes%2Fops.accounts&q=TRIAL-mover")).json()) as View;
    expect(found.rows.map((r) => r.shopDomain)).toEqual([TRIAL_SHOP]);
    const html = await (await get("/ops/accounts?q=trial")).text();
    expect(html).toContain('href="/ops/accounts"');
    expect(html).toContain(TRIAL_SHOP);
    expect(html).toContain("Move to Stripe");
  });

  it("reviews a move before it is made: allowed for the trial, refused with the reason for the active subscription", async () => {
    const trial = (await (await get(`/ops/accounts?_data=routes%2Fops.accounts&move=${accounts[TRIAL_SHOP]}`)).json()) as View;
    expect(trial.review).toEqual(expect.objectContaining({ to: "stripe", change: { allowed: true, from: "shopify", to: "stripe" } }));
    const active = (await (await get(`/ops/accounts?_data=routes%2Fops.accounts&move=${accounts[ACTIVE_SHOP]}`)).json()) as View;
    expect(active.review?.change).toEqual({
      allowed: false,
      reason: "live_subscription",
      provider: "shopify",
      status: "active",
      plan: "pro",
    });
    const html = await (await get(`/ops/accounts?move=${accounts[ACTIVE_SHOP]}`)).text();
    expect(html).toContain('data-testid="ops-accounts-refused"');
    expect(html).toContain("It has a live Shopify subscription: active, plan Pro.");
    expect(html).not.toContain('data-testid="ops-accounts-confirm"');
  });
});

describe("moving a shop in its trial to Stripe", () => {
  it("records one rail_changed event, the rail column and an audit row; the trial is not given again", async () => {
    const [before] = await sql<{ trialStartedAt: Date; state: Record<string, unknown> }>(
      db.url,
      `SELECT "trialStartedAt", state FROM "BillingAccount" WHERE id = $1`,
      [accounts[TRIAL_SHOP]],
    );
    const response = await postMove({ accountId: accounts[TRIAL_SHOP]!, to: "stripe" });
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe(`/ops/accounts?q=${encodeURIComponent(TRIAL_SHOP)}&moved=${accounts[TRIAL_SHOP]}`);
    expect(await railOf(TRIAL_SHOP)).toBe("stripe");

    const events = await ledgerRows(TRIAL_SHOP);
    expect(events.map((e) => [e.provider, e.type])).toEqual([
      ["fluxor", "trial_started"],
      ["fluxor", "rail_changed"],
    ]);
    expect(events[1]!.payload).toMatchObject({ from: "shopify", to: "stripe" });
    const [after] = await sql<{ trialStartedAt: Date; state: Record<string, unknown> }>(
      db.url,
      `SELECT "trialStartedAt", state FROM "BillingAccount" WHERE id = $1`,
      [accounts[TRIAL_SHOP]],
    );
    expect(after!.trialStartedAt).toEqual(before!.trialStartedAt);
    expect(after!.state).toEqual(before!.state);

    expect(await audits(TRIAL_SHOP)).toEqual([
      {
        outcome: "success",
        ip: "198.51.100.20",
        detail: { action: "rail_change", user: DEMO_OPERATOR.user, accountId: accounts[TRIAL_SHOP], from: "shopify", to: "stripe" },
      },
    ]);
    const html = await (await get(response.headers.get("location")!)).text();
    expect(html).toContain('data-testid="ops-accounts-moved"');
  });

  it("the same confirmation posted again records nothing more", async () => {
    const again = await postMove({ accountId: accounts[TRIAL_SHOP]!, to: "stripe" });
    expect(again.status).toBe(302);
    expect((await ledgerRows(TRIAL_SHOP)).filter((e) => e.type === "rail_changed")).toHaveLength(1);
    expect(await audits(TRIAL_SHOP)).toHaveLength(1);
  });

  it("its billing page now sends the merchant to Stripe Checkout, and the plan keeps the trial's end", async () => {
    const shop = shops[TRIAL_SHOP]!;
    expect((await page.loadBillingPage(shop)).rail).toBe("stripe");
    const shopifyCalls: string[] = [];
    const refuse = (what: string) => () => {
      shopifyCalls.push(what);
      return Promise.reject(new Error(`no Shopify ${what} on the Stripe rail`));
    };
    const form = new FormData();
    for (const [name, value] of Object.entries({ intent: "choose", plan: "pro", interval: "monthly" })) form.set(name, value);
    const chosen = await page.billingAction(
      {
        shop,
        admin: { graphql: refuse("graphql") },
        billing: { request: refuse("request"), cancel: refuse("cancel") },
        returnUrl: "https://admin.test/app/billing",
      },
      form,
    );
    expect(shopifyCalls).toEqual([]);
    expect(chosen).toMatchObject({ ok: true, message: "redirect" });
    const url = "redirectTo" in chosen ? chosen.redirectTo : "";
    expect(url.startsWith(stack.stripe.url)).toBe(true);

    const sessionId = /cs_test_[A-Za-z0-9]+/.exec(url)?.[0];
    const done = await stack.stripe.checkout.complete(sessionId!, { card: "4242 4242 4242 4242" });
    expect(done.error).toBeNull();
    await stack.stripe.webhooks.idle();
    const account = await ledger.accountById(accounts[TRIAL_SHOP]!);
    expect(account?.state).toMatchObject({ provider: "stripe", plan: "pro", status: "trialing" });
    // Stripe's trial_end is the trial's end (in whole seconds): the days left, not a new 14-day trial.
    const trialEnd = Date.parse(account!.trialStartedAt!) + 14 * DAY;
    expect(Math.abs(Date.parse(account!.state!.trialEndsAt!) - trialEnd)).toBeLessThan(1000);
    expect((await ledgerRows(TRIAL_SHOP)).filter((e) => e.type === "trial_started" && e.provider === "fluxor")).toHaveLength(1);
  });

  it("is then refused a move back while its Stripe plan is live", async () => {
    const response = await postMove({ accountId: accounts[TRIAL_SHOP]!, to: "shopify" }, { data: true });
    expect(response.status).toBe(409);
    expect(await response.json()).toMatchObject({
      error: "refused",
      refusal: { reason: "live_subscription", provider: "stripe", status: "trialing" },
    });
    expect(await railOf(TRIAL_SHOP)).toBe("stripe");
  });
});

describe("a shop with an active Shopify subscription", () => {
  it("is refused with the reason; nothing changes but a refusal in the audit log", async () => {
    const events = await ledgerRows(ACTIVE_SHOP);
    const response = await postMove({ accountId: accounts[ACTIVE_SHOP]!, to: "stripe" }, { data: true });
    expect(response.status).toBe(409);
    expect(await response.json()).toEqual({
      error: "refused",
      shopDomain: ACTIVE_SHOP,
      to: "stripe",
      refusal: { allowed: false, reason: "live_subscription", provider: "shopify", status: "active", plan: "pro" },
    });
    const page = await postMove({ accountId: accounts[ACTIVE_SHOP]!, to: "stripe" });
    expect(page.status).toBe(409);
    expect(await page.text()).toContain('data-testid="ops-accounts-error"');

    expect(await railOf(ACTIVE_SHOP)).toBe("shopify");
    expect(await ledgerRows(ACTIVE_SHOP)).toEqual(events);
    const audited = await audits(ACTIVE_SHOP);
    expect(audited.map((a) => a.outcome)).toEqual(["failure", "failure"]);
    expect(audited[0]!.detail).toMatchObject({ user: DEMO_OPERATOR.user, reason: "live_subscription", status: "active", to: "stripe" });
  });

  it("an unknown account or a malformed form changes nothing", async () => {
    expect((await postMove({ accountId: "00000000-0000-4000-8000-000000000000", to: "stripe" })).status).toBe(404);
    expect((await postMove({ accountId: accounts[ACTIVE_SHOP]!, to: "paypal" })).status).toBe(400);
    expect(await railOf(ACTIVE_SHOP)).toBe("shopify");
  });
});

describe("the env list and an existing account", () => {
  it("moves a listed direct contract back to Shopify, and opening the account again does not re-apply the list", async () => {
    expect(await railOf(LISTED_SHOP)).toBe("stripe");
    expect((await postMove({ accountId: accounts[LISTED_SHOP]!, to: "shopify" })).status).toBe(302);
    expect(await railOf(LISTED_SHOP)).toBe("shopify");
    // What every install and billing page does (`openAccount` is idempotent): the account keeps its last rail.
    const reopened = await pool.inTransaction((tx) => ledger.openAccount(tx, shops[LISTED_SHOP]!));
    expect(reopened.rail).toBe("shopify");
    expect((await ledgerRows(LISTED_SHOP)).map((e) => e.type)).toEqual(["trial_started", "rail_changed"]);
  });
});
