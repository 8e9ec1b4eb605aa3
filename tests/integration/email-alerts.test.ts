/**
 * Email alerts end to end against real PostgreSQL and the Resend stand-in (the real `resend` SDK over HTTP):
 * a published forecast run → alert episodes and notifications → an immediate alert email with RFC 8058
 * headers, sent once however often it is evaluated or retried; the digest of a period sent once; a crash
 * after Resend accepted, an outage and rate limits lose nothing and send nothing twice; 422 is final;
 * suppression (one-click unsubscribe, bounces, complaints); signed webhooks (forged and replayed ones
 * change nothing; late ones never move a message back); the preference page's token.
 */
import { randomBytes } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type * as Digest from "../../app/alerts/digest.server";
import type * as Preferences from "../../app/alerts/preferences.server";
import type * as AlertRun from "../../app/alerts/run.server";
import type * as AlertSettings from "../../app/alerts/settings.server";
import type * as Pool from "../../app/db/pool.server";
import type * as Log from "../../app/email/log.server";
import type * as Send from "../../app/email/send.server";
import type * as Webhook from "../../app/email/webhook.server";
import type * as ForecastRun from "../../app/forecasts/run.server";
import type * as ForecastJobs from "../../app/jobs/contracts/forecasts";
import { newWebhookSecret, startResendStandIn, type ResendStandIn } from "../mocks/resend";
import { createTestDatabase, sql } from "../support/db";
import { drainForecastJobs, JOBS_OF, seedShop, type SeededShop } from "../support/forecast-seed";
import { waitFor } from "../support/wait";

process.env.FORECAST_BATCH_SIZE = "200";
process.env.FORECAST_AUGURS = "0";
process.env.FORECAST_THREADS = "0";
process.env.SHOPIFY_API_KEY = "fluxor-test-key";
process.env.SHOPIFY_API_SECRET = "fluxor-test-secret-" + randomBytes(8).toString("hex");
process.env.SHOPIFY_APP_URL = "https://fluxor.test";
process.env.FLUXOR_ENCRYPTION_KEYS = `t1:${randomBytes(32).toString("base64")}`;
process.env.RESEND_API_KEY = "re_test_key";
process.env.FLUXOR_EMAIL_FROM = "Fluxor <alerts@fluxor.test>";
process.env.RESEND_WEBHOOK_SECRET = newWebhookSecret();

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let resend: ResendStandIn;
let receiver: http.Server;
let webhookUrl: string;
let pool: typeof Pool;
let forecastRun: typeof ForecastRun;
let forecastJobs: typeof ForecastJobs;
let alertRun: typeof AlertRun;
let digest: typeof Digest;
let settings: typeof AlertSettings;
let preferences: typeof Preferences;
let log: typeof Log;
let send: typeof Send;
let webhook: typeof Webhook;
let A: SeededShop;
let B: SeededShop;
const OWNER = "owner@a-shop.test";
/** The variant made an out-of-stock best seller: 20 a day for a year, nothing in the last 30 days, 0 available. */
let bestSeller: string;

async function runForecast(shopId: string): Promise<string> {
  await forecastRun.startRun(shopId, "manual");
  await drainForecastJobs(db.url, {
    [forecastJobs.forecastBatchJob.name]: async (p) => {
      await forecastRun.runBatch(forecastJobs.forecastBatchJob.payload.parse(p));
    },
  });
  const [run] = await sql<{ id: string; status: string }>(
    db.url,
    `SELECT id, status FROM "ForecastRun" WHERE "shopId" = $1 ORDER BY "startedAt" DESC LIMIT 1`,
    [shopId],
  );
  expect(run?.status).toBe("completed");
  return run!.id;
}

/** Runs the queued email sends in order; a send that throws (to be retried) stays queued once more. */
async function drainSends(): Promise<{ sent: number; retries: number }> {
  let sent = 0;
  let retries = 0;
  for (let guard = 0; guard < 1000; guard++) {
    const jobs = await sql<{ id: string; payload: { messageId: string } }>(db.url, JOBS_OF("email.send"));
    const job = jobs[0];
    if (!job) break;
    await sql(db.url, `DELETE FROM graphile_worker._private_jobs WHERE id = $1`, [job.id]);
    try {
      if ((await send.sendMessage(job.payload.messageId)) === "sent") sent++;
    } catch (error) {
      expect(error).toBeInstanceOf(send.RetryLater);
      retries++;
      await sql(db.url, `SELECT graphile_worker.add_job('email.send', $1::json, queue_name => 'email')`, [JSON.stringify(job.payload)]);
    }
  }
  return { sent, retries };
}

beforeAll(async () => {
  db = await createTestDatabase();
  receiver = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const headers = new Headers();
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers.set(k, v);
      void webhook
        .receiveResendWebhook(new Request("http://receiver/webhooks/resend", { method: "POST", headers, body: Buffer.concat(chunks) }))
        .then((out) => res.writeHead(out.status).end(out.body))
        .catch(() => res.writeHead(500).end());
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  webhookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/`;
  resend = await startResendStandIn({
    webhook: { url: webhookUrl, secret: process.env.RESEND_WEBHOOK_SECRET! },
    webhookRetryDelaysMs: [50, 100, 200],
    rateLimit: false,
  });
  process.env.RESEND_BASE_URL = resend.url;
  pool = await import("../../app/db/pool.server");
  forecastRun = await import("../../app/forecasts/run.server");
  forecastJobs = await import("../../app/jobs/contracts/forecasts");
  alertRun = await import("../../app/alerts/run.server");
  digest = await import("../../app/alerts/digest.server");
  settings = await import("../../app/alerts/settings.server");
  preferences = await import("../../app/alerts/preferences.server");
  log = await import("../../app/email/log.server");
  send = await import("../../app/email/send.server");
  webhook = await import("../../app/email/webhook.server");

  A = await seedShop(db.url, { domain: "a-shop.myshopify.com", products: 8, variantsPerProduct: 2, days: 400, seed: 3 });
  B = await seedShop(db.url, { domain: "b-shop.myshopify.com", products: 4, variantsPerProduct: 2, days: 200, seed: 4 });
  await sql(db.url, `UPDATE "Shop" SET email = $2, "adminLocale" = 'fr' WHERE id = $1`, [A.shopId, OWNER]);
  await sql(db.url, `UPDATE "Shop" SET email = 'owner@b-shop.test' WHERE id = $1`, [B.shopId]);
  bestSeller = A.variantIds[0]!;
  await sql(db.url, `DELETE FROM "DailyDemand" WHERE "shopId" = $1 AND "variantId" = $2`, [A.shopId, bestSeller]);
  await sql(
    db.url,
    `INSERT INTO "DailyDemand" ("shopId", "variantId", "locationId", day, units, revenue, "inStock")
     SELECT $1, $2, 1001, $3::date - g, 20, 200, NULL FROM generate_series(30, 400) g`,
    [A.shopId, bestSeller, A.yesterday],
  );
  await sql(
    db.url,
    `UPDATE "InventoryLevel" SET available = 0 WHERE "shopId" = $1 AND "inventoryItemId" = (SELECT "inventoryItemId" FROM "ProductVariant" WHERE "shopId" = $1 AND id = $2)`,
    [A.shopId, bestSeller],
  );
  // No quiet hours, so the alert may go at whatever hour the test runs; only out-of-stock alerts are immediate.
  for (const shop of [A, B]) {
    const saved = await settings.saveAlertSettings(shop.shopId, shop.domain, {
      quietHours: null,
      rules: [
        { id: "oos", type: "out_of_stock" },
        { id: "soon", type: "stockout_predicted", withinDays: 30, frequency: "daily" },
      ],
    });
    expect(saved.ok).toBe(true);
  }
}, 120_000);

afterAll(async () => {
  await resend?.close();
  await new Promise((resolve) => receiver?.close(resolve));
  await pool?.closePool();
  await (await import("../../app/db/prisma.server")).disconnectPrisma();
  await db?.drop();
});

describe("an out-of-stock best seller", () => {
  let runId: string;

  it("gets one immediate alert in the merchant's language, with one-click unsubscribe headers and a text part", async () => {
    runId = await runForecast(A.shopId);
    const evaluations = await sql<{ payload: { shopId: string; runId: string } }>(db.url, JOBS_OF("alerts.evaluate"));
    expect(evaluations.map((j) => j.payload)).toContainEqual({ shopId: A.shopId, runId });
    const summary = await alertRun.evaluateRun(A.shopId, runId);
    expect(summary.outcome).toBe("evaluated");
    expect(summary.emails).toBe(1);
    expect(await drainSends()).toEqual({ sent: 1, retries: 0 });

    const [message] = resend.messages();
    expect(message?.to).toEqual([OWNER]);
    expect(message?.subject).toMatch(/rupture|stock/i);
    expect(message?.headers?.["List-Unsubscribe"]).toMatch(/^<https:\/\/fluxor\.test\/email\/unsubscribe\/[\w-]+\.[\w-]+>$/);
    expect(message?.headers?.["List-Unsubscribe-Post"]).toBe("List-Unsubscribe=One-Click");
    expect(message?.text).toContain("Product 1");
    expect(message?.html).toContain('lang="fr"');
    const [logged] = await sql<{ status: string; providerId: string; kind: string }>(
      db.url,
      `SELECT status, "providerId", kind FROM "EmailMessage" WHERE "shopId" = $1`,
      [A.shopId],
    );
    expect(logged?.kind).toBe("alert");
    expect(logged?.providerId).toBe(message?.id);
    // Resend's email.sent and email.delivered webhooks arrive, signed, and move the log forward.
    await waitFor(
      async () =>
        (await sql<{ status: string }>(db.url, `SELECT status FROM "EmailMessage" WHERE "shopId" = $1`, [A.shopId]))[0]?.status ===
        "delivered",
      "delivered",
    );
  });

  it("is not emailed again when the same run is evaluated again", async () => {
    const again = await alertRun.evaluateRun(A.shopId, runId);
    expect(again).toMatchObject({ outcome: "evaluated", notifications: 0, emails: 0 });
    expect(await drainSends()).toEqual({ sent: 0, retries: 0 });
    expect(resend.messages()).toHaveLength(1);
    const episodes = await sql<{ state: string; type: string }>(
      db.url,
      `SELECT state, type FROM "AlertEpisode" WHERE "shopId" = $1 AND "variantId" = $2`,
      [A.shopId, bestSeller],
    );
    expect(episodes).toContainEqual({ state: "open", type: "out_of_stock" });
  });

  it("keeps tenants apart: shop B's run emails only shop B's owner, about shop B's variants", async () => {
    const runB = await runForecast(B.shopId);
    await alertRun.evaluateRun(B.shopId, runB);
    await drainSends();
    const ofB = await sql<{ recipient: string; content: { shop: { domain: string } } }>(
      db.url,
      `SELECT recipient, content FROM "EmailMessage" WHERE "shopId" = $1`,
      [B.shopId],
    );
    for (const m of ofB) {
      expect(m.recipient).toBe("owner@b-shop.test");
      expect(m.content.shop.domain).toBe(B.domain);
    }
    const episodesOfB = await sql<{ n: number }>(
      db.url,
      `SELECT count(*)::int AS n FROM "AlertEpisode" WHERE "shopId" = $1 AND key LIKE $2`,
      [B.shopId, `${A.shopId}%`],
    );
    expect(episodesOfB[0]?.n).toBe(0);
  });
});

describe("the daily digest", () => {
  it("goes once per period at the shop's local hour, with everything recorded before it", async () => {
    const pending = await sql<{ n: number }>(
      db.url,
      `SELECT count(*)::int AS n FROM "AlertNotification" WHERE "shopId" = $1 AND frequency = 'daily' AND "emailedAt" IS NULL`,
      [A.shopId],
    );
    expect(pending[0]!.n).toBeGreaterThan(0);
    // 08:00 in London tomorrow (the default delivery hour), whatever the season.
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    const due = new Date(`${tomorrow}T09:30:00Z`);
    await digest.queueDueDigests(due);
    const jobs = await sql<{ payload: { shopId: string; kind: "daily"; periodKey: string; dueAt: string } }>(
      db.url,
      JOBS_OF("alerts.digest"),
    );
    const mine = jobs.find((j) => j.payload.shopId === A.shopId && j.payload.kind === "daily");
    expect(mine?.payload.periodKey).toBe(`daily:${tomorrow}`);
    const before = resend.messages().length;
    expect(await digest.sendDigest(A.shopId, "daily", mine!.payload.periodKey, new Date(mine!.payload.dueAt))).toBe(1);
    expect(await digest.sendDigest(A.shopId, "daily", mine!.payload.periodKey, new Date(mine!.payload.dueAt))).toBe(0);
    await drainSends();
    const digests = resend.messages().slice(before);
    expect(digests).toHaveLength(resend.messages().length - before);
    expect(digests.filter((m) => m.to.includes(OWNER))).toHaveLength(1);
    const left = await sql<{ n: number }>(
      db.url,
      `SELECT count(*)::int AS n FROM "AlertNotification" WHERE "shopId" = $1 AND frequency = 'daily' AND "emailedAt" IS NULL`,
      [A.shopId],
    );
    expect(left[0]!.n).toBe(0);
  });
});

async function queueTest(key: string, recipient = OWNER): Promise<string> {
  const { emailFixture } = await import("../../app/email/fixtures");
  const content = { ...emailFixture("test"), recipient };
  const queued = await log.queueMessage(pool.pool(), {
    shopId: A.shopId,
    kind: "test",
    alertType: null,
    templateVersion: "test@1",
    recipient,
    idempotencyKey: key,
    priority: 30,
    content,
  });
  return queued.id;
}

describe("sending through failures", () => {
  it("delivers once when the answer to an accepted send is lost (the retry reuses the idempotency key)", async () => {
    const before = resend.messages().length;
    const id = await queueTest(`test:lost-answer:${randomBytes(4).toString("hex")}`);
    // Without webhooks, so that the retry (not an early email.sent event) is what finds the email.
    resend.setWebhook(undefined);
    try {
      resend.faults.loseNextResponses(1);
      expect(await drainSends()).toEqual({ sent: 1, retries: 1 });
    } finally {
      resend.setWebhook({ url: webhookUrl, secret: process.env.RESEND_WEBHOOK_SECRET! });
    }
    expect(resend.messages()).toHaveLength(before + 1);
    const [row] = await sql<{ providerId: string }>(db.url, `SELECT "providerId" FROM "EmailMessage" WHERE id = $1`, [id]);
    expect(row?.providerId).toBe(resend.messages().at(-1)?.id);
  });

  it("retries through an outage (500, 503, 429) and sends once when it recovers", async () => {
    const before = resend.messages().length;
    const id = await queueTest(`test:outage:${randomBytes(4).toString("hex")}`);
    resend.faults.failNext(1, 500);
    resend.faults.failNext(1, 503);
    resend.faults.failNext(1, 429);
    const drained = await drainSends();
    expect(drained.sent).toBe(1);
    expect(drained.retries).toBeGreaterThanOrEqual(1);
    expect(resend.messages()).toHaveLength(before + 1);
    const [row] = await sql<{ status: string; attempts: number }>(db.url, `SELECT status, attempts FROM "EmailMessage" WHERE id = $1`, [
      id,
    ]);
    expect(row?.attempts).toBe(drained.retries + 1);
  });

  it("queues a cause once: the same idempotency key logs one message", async () => {
    const key = `test:dup:${randomBytes(4).toString("hex")}`;
    const first = await queueTest(key);
    const second = await queueTest(key);
    expect(second).toBe(first);
    expect(await drainSends()).toEqual({ sent: 1, retries: 0 });
  });

  it("treats a refusal as final (a sender domain Resend has not verified: 403 validation_error): failed, not retried", async () => {
    const before = resend.messages().length;
    const id = await queueTest(`test:refused:${randomBytes(4).toString("hex")}`);
    process.env.FLUXOR_EMAIL_FROM = "Fluxor <alerts@not-verified.test>";
    try {
      expect(await drainSends()).toEqual({ sent: 0, retries: 0 });
    } finally {
      process.env.FLUXOR_EMAIL_FROM = "Fluxor <alerts@fluxor.test>";
    }
    const [row] = await sql<{ status: string; error: string }>(db.url, `SELECT status, error FROM "EmailMessage" WHERE id = $1`, [id]);
    expect(row?.status).toBe("failed");
    expect(row?.error).toMatch(/validation_error/);
    expect(resend.messages()).toHaveLength(before);
  });

  it("refuses content that no longer validates without calling Resend", async () => {
    const before = resend.messages().length;
    const id = await queueTest(`test:invalid:${randomBytes(4).toString("hex")}`, "not-an-address@");
    expect(await drainSends()).toEqual({ sent: 0, retries: 0 });
    const [row] = await sql<{ status: string; error: string }>(db.url, `SELECT status, error FROM "EmailMessage" WHERE id = $1`, [id]);
    expect(row?.status).toBe("failed");
    expect(row?.error).toMatch(/invalid_content/);
    expect(resend.messages()).toHaveLength(before);
  });
});

describe("suppression and unsubscribe", () => {
  it("one-click unsubscribe (a valid token) stops the next email; a tampered token changes nothing", async () => {
    const links = (await import("../../app/email/signed-links.server")).recipientLinks(A.shopId, "reader@a-shop.test");
    const token = links.unsubscribe.split("/").pop()!;
    const tampered = `${token.slice(0, -3)}${token.endsWith("AAA") ? "BBB" : "AAA"}`;
    expect(await preferences.oneClickUnsubscribe(tampered)).toMatchObject({ ok: false, status: 400 });
    expect(await log.isSuppressed(pool.pool(), A.shopId, "reader@a-shop.test")).toBeNull();
    expect(await preferences.oneClickUnsubscribe(token)).toEqual({ ok: true });
    expect(await preferences.oneClickUnsubscribe(token)).toEqual({ ok: true });
    const before = resend.messages().length;
    const id = await queueTest(`test:unsub:${randomBytes(4).toString("hex")}`, "reader@a-shop.test");
    await drainSends();
    expect(resend.messages()).toHaveLength(before);
    const [row] = await sql<{ status: string }>(db.url, `SELECT status FROM "EmailMessage" WHERE id = $1`, [id]);
    expect(row?.status).toBe("suppressed");
  });

  it("the preference page turns single topics off for the recipient", async () => {
    const token = (await import("../../app/email/signed-links.server")).recipientLinks(A.shopId, OWNER).unsubscribe.split("/").pop()!;
    const saved = await preferences.savePreferences(token, { subscribed: "on", topics: ["out_of_stock", "weekly_summary"] });
    expect(saved).toMatchObject({ ok: true, stoppedAll: false, topics: ["out_of_stock", "weekly_summary"] });
    const stored = await settings.readAlertSettings(A.shopId);
    expect(stored.recipients.find((r) => r.email === OWNER)?.disabledTypes).toEqual([
      "stockout_predicted",
      "reorder_point",
      "low_stock",
      "dead_stock",
      "forecast_failed",
    ]);
  });
});

describe("Resend's webhooks", () => {
  it("a bounce suppresses the address; a forged, a replayed and a late event change nothing", async () => {
    const id = await queueTest(`test:bounce:${randomBytes(4).toString("hex")}`, "bouncy@a-shop.test");
    await drainSends();
    const [row] = await sql<{ providerId: string }>(db.url, `SELECT "providerId" FROM "EmailMessage" WHERE id = $1`, [id]);
    await resend.webhooks.idle();
    const status = async () => (await sql<{ status: string }>(db.url, `SELECT status FROM "EmailMessage" WHERE id = $1`, [id]))[0]?.status;
    expect(await status()).toBe("delivered");

    const forged = await resend.deliverEvent(row!.providerId, "email.bounced", { secret: newWebhookSecret() });
    expect(forged.status).toBe(401);
    const stale = await resend.deliverEvent(row!.providerId, "email.bounced", { timestamp: new Date(Date.now() - 3_600_000) });
    expect(stale.status).toBe(401);
    expect(await status()).toBe("delivered");
    expect(await log.isSuppressed(pool.pool(), A.shopId, "bouncy@a-shop.test")).toBeNull();

    const bounce = await resend.deliverEvent(row!.providerId, "email.bounced");
    expect(bounce.status).toBe(200);
    expect(await status()).toBe("bounced");
    expect(await log.isSuppressed(pool.pool(), A.shopId, "bouncy@a-shop.test")).toBe("bounce");
    const events = async () =>
      (await sql<{ n: number }>(db.url, `SELECT count(*)::int AS n FROM "EmailEvent" WHERE "messageId" = $1`, [id]))[0]!.n;
    const counted = await events();
    await resend.webhooks.replay(bounce);
    expect(await events()).toBe(counted);
    // A delivery report that arrives after the bounce does not move the message back.
    await resend.deliverEvent(row!.providerId, "email.delivered");
    expect(await status()).toBe("bounced");
    // An open is a timestamp of its own.
    await resend.deliverEvent(row!.providerId, "email.opened");
    const [opened] = await sql<{ openedAt: Date | null }>(db.url, `SELECT "openedAt" FROM "EmailMessage" WHERE id = $1`, [id]);
    expect(opened?.openedAt).not.toBeNull();
  });

  it("a request without a signature gets 401", async () => {
    const out = await webhook.receiveResendWebhook(
      new Request("http://x/webhooks/resend", { method: "POST", body: JSON.stringify({ type: "email.bounced" }) }),
    );
    expect(out.status).toBe(401);
  });
});

describe("digests at scale", () => {
  async function queueDigests(n: number, tag: string): Promise<void> {
    const { emailFixture } = await import("../../app/email/fixtures");
    for (let i = 0; i < n; i++) {
      const recipient = `reader-${tag}-${i}@a-shop.test`;
      await log.queueMessage(pool.pool(), {
        shopId: A.shopId,
        kind: "digest",
        alertType: null,
        templateVersion: "digest@1",
        recipient,
        idempotencyKey: `digest:${A.shopId}:daily:${tag}:${recipient}`,
        priority: 10,
        content: { ...emailFixture("digest"), recipient },
      });
    }
  }

  it("go out in batches of up to 100 (one request each), and a lost answer resends the same batch once", async () => {
    const before = resend.messages().length;
    await queueDigests(120, randomBytes(3).toString("hex"));
    resend.setWebhook(undefined);
    try {
      resend.faults.loseNextResponses(1);
      const drained = await drainSends();
      expect(drained.retries).toBe(1);
    } finally {
      resend.setWebhook({ url: webhookUrl, secret: process.env.RESEND_WEBHOOK_SECRET! });
    }
    const sent = resend.messages().slice(before);
    expect(sent).toHaveLength(120);
    expect(sent.every((m) => m.batch)).toBe(true);
    expect(new Set(sent.map((m) => m.to[0])).size).toBe(120);
    const keys = await sql<{ batchKey: string; n: number }>(
      db.url,
      `SELECT "batchKey", count(*)::int AS n FROM "EmailMessage" WHERE kind = 'digest' AND recipient LIKE 'reader-%' AND status <> 'queued' GROUP BY 1 ORDER BY 2 DESC`,
    );
    expect(keys.map((k) => k.n)).toEqual([100, 20]);
  });
});
