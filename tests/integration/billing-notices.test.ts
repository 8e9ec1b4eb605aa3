/**
 * Billing notices against real PostgreSQL (app/billing/notices.server.ts): billing state written through the
 * ledger (`openAccount` + `recordEvents`), then the dunning series of a failed payment — day 0 `payment_failed`,
 * day 3 `reminder`, day 7 `read_only` — queued once each however often the tick runs, stopped by a settled
 * payment, started afresh by a later failure; the trial-ending email 3 days before a trial with no plan ends.
 * The sends go through the Resend stand-in: no List-Unsubscribe header, an unsubscribe from alerts does not stop
 * a billing notice, a hard bounce does.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type * as Ledger from "../../app/billing/ledger.server";
import type * as Notices from "../../app/billing/notices.server";
import type * as Pool from "../../app/db/pool.server";
import type * as Log from "../../app/email/log.server";
import type * as Send from "../../app/email/send.server";
import { startResendStandIn, type ResendStandIn } from "../mocks/resend";
import { createTestDatabase, sql } from "../support/db";
import { JOBS_OF } from "../support/forecast-seed";

process.env.SHOPIFY_API_KEY = "fluxor-test-key";
process.env.SHOPIFY_API_SECRET = "fluxor-test-secret-" + randomBytes(8).toString("hex");
process.env.SHOPIFY_APP_URL = "https://fluxor.test";
process.env.SHOPIFY_ADMIN_URL = "https://admin.shopify.test";
process.env.FLUXOR_ENCRYPTION_KEYS = `t1:${randomBytes(32).toString("base64")}`;
process.env.RESEND_API_KEY = "re_test_key";
process.env.FLUXOR_EMAIL_FROM = "Fluxor <alerts@fluxor.test>";

const DAY = 86_400_000;
/** The failure of the first series. */
const F = new Date("2026-03-02T09:30:00.000Z");
const at = (days: number, hours = 0) => new Date(F.getTime() + days * DAY + hours * 3_600_000);

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let resend: ResendStandIn;
let pool: typeof Pool;
let ledger: typeof Ledger;
let notices: typeof Notices;
let log: typeof Log;
let send: typeof Send;

interface Seeded {
  shopId: string;
  domain: string;
  accountId: string;
}
/** A (Shopify rail, frozen; French from the admin), B (Stripe rail, past due; Spanish from its settings), C (no email), D (a stale failure). */
const S: Record<"A" | "B" | "C" | "D" | "T" | "U", Seeded> = {} as never;

async function createShop(domain: string, email: string | null, adminLocale: string | null, installedAt: Date): Promise<Seeded> {
  const [shop] = await sql<{ id: string }>(
    db.url,
    `INSERT INTO "Shop" (id, domain, name, email, "adminLocale", "ianaTimezone", "countryCode", "currencyCode", "updatedAt", "shopInfoSyncedAt")
     VALUES (gen_random_uuid(), $1, $2, $3, $4, 'Europe/Paris', 'FR', 'EUR', now(), now()) RETURNING id`,
    [domain, `Shop ${domain.split(".")[0]}`, email, adminLocale],
  );
  const account = await ledger.openAccount(pool.pool(), { id: shop!.id, domain }, installedAt);
  return { shopId: shop!.id, domain, accountId: account.id };
}

/** A paid Pro subscription from 20 days before the failure. */
async function subscribe(s: Seeded, provider: "shopify" | "stripe", subscriptionId: string): Promise<void> {
  const start = new Date(F.getTime() - 20 * DAY).toISOString();
  await ledger.recordEvents(
    pool.pool(),
    s.accountId,
    [
      {
        type: "activated",
        provider,
        providerEventId: `${subscriptionId}:activated`,
        occurredAt: start,
        subscriptionId,
        plan: "pro",
        interval: "monthly",
        priceCents: 7900,
        currentPeriodStart: start,
        currentPeriodEnd: new Date(F.getTime() + 10 * DAY).toISOString(),
        trialEndsAt: null,
      },
    ],
    new Date(start),
  );
}

async function messages(accountId: string) {
  return sql<{
    id: string;
    kind: string;
    templateVersion: string;
    recipient: string;
    idempotencyKey: string;
    priority: number;
    content: Record<string, unknown> & { shop: { locale: string }; branding: { accentColor: string | null } };
  }>(
    db.url,
    `SELECT id, kind, "templateVersion", recipient, "idempotencyKey", priority, content FROM "EmailMessage" WHERE "idempotencyKey" LIKE $1 ORDER BY "createdAt", id`,
    [`%:${accountId}%`],
  );
}

const steps = async (accountId: string) => (await messages(accountId)).map((m) => m.content.step);

beforeAll(async () => {
  db = await createTestDatabase();
  resend = await startResendStandIn({ rateLimit: false });
  process.env.RESEND_BASE_URL = resend.url;
  pool = await import("../../app/db/pool.server");
  ledger = await import("../../app/billing/ledger.server");
  notices = await import("../../app/billing/notices.server");
  log = await import("../../app/email/log.server");
  send = await import("../../app/email/send.server");

  const installed = new Date(F.getTime() - 40 * DAY);
  S.A = await createShop("notice-a.myshopify.com", "owner@notice-a.test", "fr", installed);
  S.B = await createShop("notice-b.myshopify.com", "owner@notice-b.test", "fr", installed);
  S.C = await createShop("notice-c.myshopify.com", null, null, installed);
  S.D = await createShop("notice-d.myshopify.com", "owner@notice-d.test", null, installed);
  await sql(db.url, `UPDATE "BillingAccount" SET rail = 'stripe', "stripeCustomerId" = 'cus_B' WHERE id = $1`, [S.B.accountId]);
  // B's alert settings choose Spanish and a brand colour: billing notices follow them, as the alerts do.
  await sql(db.url, `INSERT INTO "AlertSettings" ("shopId", config) VALUES ($1, $2::jsonb)`, [
    S.B.shopId,
    JSON.stringify({ locale: "es", branding: { senderName: "Tienda B", accentColor: "#AA2200" } }),
  ]);
  await subscribe(S.A, "shopify", "gid://shopify/AppSubscription/1");
  await subscribe(S.B, "stripe", "sub_B");
  await subscribe(S.C, "shopify", "gid://shopify/AppSubscription/3");
  await subscribe(S.D, "shopify", "gid://shopify/AppSubscription/4");
  const fail = (s: Seeded, events: Parameters<typeof ledger.recordEvents>[2], when = F) =>
    ledger.recordEvents(pool.pool(), s.accountId, events, new Date(when.getTime() + 60_000));
  const base = { occurredAt: F.toISOString() };
  await fail(S.A, [
    { ...base, type: "frozen", provider: "shopify", providerEventId: "A:frozen", subscriptionId: "gid://shopify/AppSubscription/1" },
  ]);
  await fail(S.B, [
    {
      ...base,
      type: "payment_failed",
      provider: "stripe",
      providerEventId: "evt_B1",
      subscriptionId: "sub_B",
      invoiceId: "in_B1",
      amountCents: 7900,
    },
  ]);
  await fail(S.C, [
    { ...base, type: "frozen", provider: "shopify", providerEventId: "C:frozen", subscriptionId: "gid://shopify/AppSubscription/3" },
  ]);
  // D failed 20 days before the first tick ever saw it.
  const old = new Date(F.getTime() - 20 * DAY);
  await fail(
    S.D,
    [
      {
        occurredAt: old.toISOString(),
        type: "frozen",
        provider: "shopify",
        providerEventId: "D:frozen",
        subscriptionId: "gid://shopify/AppSubscription/4",
      },
    ],
    old,
  );

  // Trials: T ends in 2 days with no plan (gets the notice), U in 5 days (not yet).
  S.T = await createShop("notice-t.myshopify.com", "owner@notice-t.test", "es", new Date(F.getTime() - 12 * DAY));
  S.U = await createShop("notice-u.myshopify.com", "owner@notice-u.test", null, new Date(F.getTime() - 9 * DAY));
}, 120_000);

afterAll(async () => {
  await resend?.close();
  await pool?.closePool();
  await (await import("../../app/db/prisma.server")).disconnectPrisma();
  await db?.drop();
});

describe("dunning emails", () => {
  it("day 0 queues payment_failed once per delinquent account, in the shop's language, with the rail's CTA", async () => {
    const options = {
      stripeActionUrl: (account: Notices.NoticeAccount) => `https://fluxor.test/billing/portal?customer=${account.stripeCustomerId}`,
    };
    const counts = await notices.queueDunningEmails(pool.pool(), at(0, 1), options);
    // A and B queued; C has no owner address; D's read_only step is stale.
    expect(counts).toEqual({ due: 4, queued: 2, skipped: 2 });

    const [a] = await messages(S.A.accountId);
    expect(a).toMatchObject({
      kind: "billing",
      templateVersion: "dunning@1",
      recipient: "owner@notice-a.test",
      idempotencyKey: `dunning:${S.A.accountId}:${F.toISOString()}:payment_failed`,
      priority: 0,
    });
    expect(a!.content).toMatchObject({
      template: "dunning",
      step: "payment_failed",
      rail: "shopify",
      planName: "Pro",
      amountDue: null,
      failedAt: F.toISOString(),
      graceEndsAt: at(7).toISOString(),
      actionUrl: "https://admin.shopify.test/store/notice-a/settings/billing",
      billingUrl: "https://admin.shopify.test/store/notice-a/apps/fluxor-test-key/app/billing",
      shop: { locale: "fr", domain: "notice-a.myshopify.com", timezone: "Europe/Paris", currency: "EUR" },
    });
    expect(a!.content).not.toHaveProperty("links");

    const [b] = await messages(S.B.accountId);
    expect(b!.content).toMatchObject({
      step: "payment_failed",
      rail: "stripe",
      amountDue: { amount: 79, currency: "USD" },
      actionUrl: "https://fluxor.test/billing/portal?customer=cus_B",
      shop: { locale: "es" },
      branding: { senderName: "Tienda B", accentColor: "#aa2200" },
    });
    expect(await messages(S.C.accountId)).toEqual([]);
    expect(await messages(S.D.accountId)).toEqual([]);
    const jobs = await sql<{ payload: { messageId: string } }>(db.url, JOBS_OF("email.send"));
    expect(jobs.map((j) => j.payload.messageId)).toEqual(expect.arrayContaining([a!.id, b!.id]));
  });

  it("a re-run queues nothing more", async () => {
    expect(await notices.queueDunningEmails(pool.pool(), at(0, 2))).toEqual({ due: 4, queued: 0, skipped: 2 });
    expect(await notices.queueDunningEmails(pool.pool(), at(2, 23))).toMatchObject({ queued: 0 });
    expect(await steps(S.A.accountId)).toEqual(["payment_failed"]);
  });

  it("day 3 queues the reminder, once", async () => {
    expect(await notices.queueDunningEmails(pool.pool(), at(3, 1))).toMatchObject({ queued: 2 });
    expect(await notices.queueDunningEmails(pool.pool(), at(3, 5))).toMatchObject({ queued: 0 });
    expect(await steps(S.A.accountId)).toEqual(["payment_failed", "reminder"]);
    expect(await steps(S.B.accountId)).toEqual(["payment_failed", "reminder"]);
    const [, reminder] = await messages(S.B.accountId);
    expect(reminder!.idempotencyKey).toBe(`dunning:${S.B.accountId}:${F.toISOString()}:reminder`);
  });

  it("a settled payment stops the series; day 7 makes the unpaid shop read-only and says so, once", async () => {
    await ledger.recordEvents(
      pool.pool(),
      S.B.accountId,
      [
        {
          type: "payment_succeeded",
          provider: "stripe",
          providerEventId: "evt_B2",
          occurredAt: at(4).toISOString(),
          subscriptionId: "sub_B",
          invoiceId: "in_B1",
          amountCents: 7900,
        },
      ],
      at(4, 1),
    );
    expect(await notices.queueDunningEmails(pool.pool(), at(7, 1))).toMatchObject({ queued: 1 });
    expect(await notices.queueDunningEmails(pool.pool(), at(8))).toMatchObject({ queued: 0 });
    expect(await steps(S.A.accountId)).toEqual(["payment_failed", "reminder", "read_only"]);
    expect(await steps(S.B.accountId)).toEqual(["payment_failed", "reminder"]);
    // Long after, still unpaid: told once, not again.
    expect(await notices.queueDunningEmails(pool.pool(), at(40))).toMatchObject({ queued: 0 });
    expect(await steps(S.A.accountId)).toHaveLength(3);
  });

  it("a second failure later gets its own series", async () => {
    const again = at(10);
    await ledger.recordEvents(
      pool.pool(),
      S.B.accountId,
      [
        {
          type: "payment_failed",
          provider: "stripe",
          providerEventId: "evt_B3",
          occurredAt: again.toISOString(),
          subscriptionId: "sub_B",
          invoiceId: "in_B2",
          amountCents: 9900,
        },
      ],
      new Date(again.getTime() + 60_000),
    );
    expect(await notices.queueDunningEmails(pool.pool(), new Date(again.getTime() + 3_600_000))).toMatchObject({ queued: 1 });
    const series = await messages(S.B.accountId);
    expect(series.map((m) => m.content.step)).toEqual(["payment_failed", "reminder", "payment_failed"]);
    expect(series[2]!.idempotencyKey).toBe(`dunning:${S.B.accountId}:${again.toISOString()}:payment_failed`);
    expect(series[2]!.content).toMatchObject({ amountDue: { amount: 99, currency: "USD" } });
  });
});

describe("trial ending email", () => {
  it("queues one trial_ending for a trial that ends in 2 days with no plan, and nothing twice", async () => {
    const counts = await notices.queueTrialEndingEmails(pool.pool(), F);
    expect(counts).toEqual({ due: 1, queued: 1, skipped: 0 });
    const [t] = await messages(S.T.accountId);
    expect(t).toMatchObject({
      kind: "billing",
      templateVersion: "trial_ending@1",
      recipient: "owner@notice-t.test",
      idempotencyKey: `trial_ending:${S.T.accountId}`,
      priority: 0,
    });
    expect(t!.content).toMatchObject({
      template: "trial_ending",
      trialEndsAt: at(2).toISOString(),
      trialPlanName: "Pro",
      startingPrice: { amount: 29, currency: "USD" },
      actionUrl: "https://admin.shopify.test/store/notice-t/apps/fluxor-test-key/app/billing",
      shop: { locale: "es" },
    });
    expect(await notices.queueTrialEndingEmails(pool.pool(), at(1))).toEqual({ due: 1, queued: 0, skipped: 0 });
    expect(await messages(S.U.accountId)).toEqual([]);
    // U's turn comes 3 days before its end; after the end, nothing.
    expect(await notices.queueTrialEndingEmails(pool.pool(), at(2, 1))).toMatchObject({ queued: 1 });
    expect(await notices.queueTrialEndingEmails(pool.pool(), at(6))).toEqual({ due: 0, queued: 0, skipped: 0 });
    expect(await messages(S.U.accountId)).toHaveLength(1);
  });
});

describe("sending billing notices", () => {
  async function sendAll(accountId: string): Promise<string[]> {
    const outcomes: string[] = [];
    for (const m of await messages(accountId)) outcomes.push(await send.sendMessage(m.id));
    return outcomes;
  }

  it("go without List-Unsubscribe, in the shop's language, with the CTA", async () => {
    expect(await sendAll(S.A.accountId)).toEqual(["sent", "sent", "sent"]);
    const sent = resend.messages().filter((m) => m.to.includes("owner@notice-a.test"));
    expect(sent).toHaveLength(3);
    for (const m of sent) {
      expect(m.headers?.["List-Unsubscribe"]).toBeUndefined();
      expect(m.headers?.["List-Unsubscribe-Post"]).toBeUndefined();
      expect(m.html).toContain('lang="fr"');
      expect(m.html).toContain('href="https://admin.shopify.test/store/notice-a/settings/billing"');
      expect(m.text).not.toContain("/email/unsubscribe/");
    }
    expect(sent.map((m) => m.subject)).toEqual([
      expect.stringMatching(/^Le paiement de Fluxor a échoué : accès complet jusqu'au 9 mars 2026$/u),
      expect.stringMatching(/^Rappel : plus que 4 jours/u),
      "Fluxor est désormais en lecture seule pour Shop notice-a : rien n'a été supprimé",
    ]);
  });

  it("reach an address that unsubscribed from alerts, but not one that hard-bounced", async () => {
    await log.suppress(pool.pool(), S.B.shopId, "owner@notice-b.test", "unsubscribe");
    const [first, second, third] = await messages(S.B.accountId);
    expect(await send.sendMessage(first!.id)).toBe("sent");
    await log.suppress(pool.pool(), S.B.shopId, "owner@notice-b.test", "bounce");
    expect(await send.sendMessage(second!.id)).toBe("suppressed");
    await log.suppress(pool.pool(), S.T.shopId, "owner@notice-t.test", "complaint");
    const [trial] = await messages(S.T.accountId);
    expect(await send.sendMessage(trial!.id)).toBe("suppressed");
    expect(third).toBeDefined();
    const sent = resend.messages().filter((m) => m.to.includes("owner@notice-b.test"));
    expect(sent).toHaveLength(1);
    expect(sent[0]!.subject).toMatch(/^El pago de Fluxor ha fallado/);
  });
});
