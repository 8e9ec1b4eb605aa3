/**
 * Email events as Prometheus counters (`fluxor_email_events_total{event, type}`), against real PostgreSQL and the
 * Resend stand-in (the real SDK over HTTP, signed webhooks back): the counters rise with each event of the log —
 * queued, accepted, Resend's sent and delivered, opened, suppressed, failed — per alert type or email kind; a webhook
 * delivered twice (same event id) counts once; the 90-day pruning of the log and the compaction of the counters'
 * ledger never lower them, and an increment not yet committed when the ledger is folded is kept.
 */
import { randomBytes } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type * as Pool from "../../app/db/pool.server";
import type * as Log from "../../app/email/log.server";
import type * as Metrics from "../../app/email/metrics.server";
import type * as Send from "../../app/email/send.server";
import type * as Webhook from "../../app/email/webhook.server";
import type * as Counters from "../../app/metrics/counters.server";
import { newWebhookSecret, startResendStandIn, type ResendStandIn } from "../mocks/resend";
import { createTestDatabase, sql } from "../support/db";
import { seedShop, type SeededShop } from "../support/forecast-seed";

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
let pool: typeof Pool;
let log: typeof Log;
let send: typeof Send;
let webhook: typeof Webhook;
let metrics: typeof Metrics;
let counters: typeof Counters;
let shop: SeededShop;
const OWNER = "owner@metrics-shop.test";

/** The counter's value per `event/type`, as /metrics shows it. */
async function counted(): Promise<Record<string, number>> {
  const text = metrics.emailPrometheusText(await metrics.loadEmailHealth(pool.pool()));
  const values: Record<string, number> = {};
  for (const match of text.matchAll(/^fluxor_email_events_total\{event="(\w+)",type="(\w+)"\} (\d+)$/gm))
    values[`${match[1]}/${match[2]}`] = Number(match[3]);
  return values;
}

async function queue(kind: "alert" | "test", recipient = OWNER): Promise<string> {
  const { emailFixture } = await import("../../app/email/fixtures");
  const template = kind === "alert" ? "out_of_stock" : "test";
  const queued = await log.queueMessage(pool.pool(), {
    shopId: shop.shopId,
    kind,
    alertType: kind === "alert" ? "out_of_stock" : null,
    templateVersion: `${template}@1`,
    recipient,
    idempotencyKey: `${kind}:metrics:${randomBytes(4).toString("hex")}:${recipient}`,
    priority: 0,
    content: { ...emailFixture(template), recipient },
  });
  return queued.id;
}

async function providerIdOf(id: string): Promise<string> {
  const [row] = await sql<{ providerId: string }>(db.url, `SELECT "providerId" FROM "EmailMessage" WHERE id = $1`, [id]);
  return row!.providerId;
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
  resend = await startResendStandIn({
    webhook: { url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/`, secret: process.env.RESEND_WEBHOOK_SECRET! },
    webhookRetryDelaysMs: [50, 100, 200],
    rateLimit: false,
  });
  process.env.RESEND_BASE_URL = resend.url;
  pool = await import("../../app/db/pool.server");
  log = await import("../../app/email/log.server");
  send = await import("../../app/email/send.server");
  webhook = await import("../../app/email/webhook.server");
  metrics = await import("../../app/email/metrics.server");
  counters = await import("../../app/metrics/counters.server");
  shop = await seedShop(db.url, { domain: "metrics-shop.myshopify.com", products: 2, variantsPerProduct: 1, days: 30, seed: 7 });
  await sql(db.url, `UPDATE "Shop" SET email = $2 WHERE id = $1`, [shop.shopId, OWNER]);
}, 120_000);

afterAll(async () => {
  await resend?.close();
  await new Promise((resolve) => receiver?.close(resolve));
  await pool?.closePool();
  await (await import("../../app/db/prisma.server")).disconnectPrisma();
  await db?.drop();
});

describe("fluxor_email_events_total", () => {
  let alertId: string;

  it("is a counter, and rises with each event of the log, per alert type or email kind", async () => {
    expect(await counted()).toEqual({});
    const text = metrics.emailPrometheusText(await metrics.loadEmailHealth(pool.pool()));
    expect(text).toContain("# TYPE fluxor_email_events_total counter");
    expect(text).not.toContain("fluxor_email_events_24h");

    alertId = await queue("alert");
    const testId = await queue("test");
    expect(await counted()).toEqual({ "queued/out_of_stock": 1, "queued/test": 1 });

    expect(await send.sendMessage(alertId)).toBe("sent");
    expect(await send.sendMessage(testId)).toBe("sent");
    // Resend's email.sent and email.delivered webhooks, signed, through the app's receiver.
    await resend.webhooks.idle();
    expect(await counted()).toEqual({
      "queued/out_of_stock": 1,
      "queued/test": 1,
      "accepted/out_of_stock": 1,
      "accepted/test": 1,
      "sent/out_of_stock": 1,
      "sent/test": 1,
      "delivered/out_of_stock": 1,
      "delivered/test": 1,
    });
  });

  it("counts a webhook delivered twice (the same event id) once, and every new open", async () => {
    const open = await resend.deliverEvent(await providerIdOf(alertId), "email.opened");
    expect(open.status).toBe(200);
    expect((await counted())["opened/out_of_stock"]).toBe(1);
    const replayed = await resend.webhooks.replay(open);
    expect(replayed.status).toBe(200);
    expect((await counted())["opened/out_of_stock"]).toBe(1);
    // A second open is a second event (its own id).
    await resend.deliverEvent(await providerIdOf(alertId), "email.opened");
    expect((await counted())["opened/out_of_stock"]).toBe(2);
  });

  it("counts suppressed and failed sends", async () => {
    await log.suppress(pool.pool(), shop.shopId, "gone@metrics-shop.test", "unsubscribe");
    const suppressed = await queue("alert", "gone@metrics-shop.test");
    expect(await send.sendMessage(suppressed)).toBe("suppressed");
    const invalid = await queue("test", "not-an-address@");
    expect(await send.sendMessage(invalid)).toBe("failed");
    const values = await counted();
    expect(values["suppressed/out_of_stock"]).toBe(1);
    expect(values["failed/test"]).toBe(1);
    expect(values["queued/out_of_stock"]).toBe(2);
    expect(values["queued/test"]).toBe(2);
  });

  it("never goes down: not when the log is pruned, nor when the ledger is folded", async () => {
    const before = await counted();
    const pruned = await log.pruneLog(pool.pool(), new Date(Date.now() + (log.RETENTION_DAYS + 1) * 86_400_000));
    expect(pruned.messages).toBeGreaterThanOrEqual(4);
    expect((await sql<{ n: number }>(db.url, `SELECT count(*)::int AS n FROM "EmailEvent"`))[0]!.n).toBe(0);
    expect(await counted()).toEqual(before);

    const rows = async () => (await sql<{ n: number }>(db.url, `SELECT count(*)::int AS n FROM "MetricCounter"`))[0]!.n;
    expect(await rows()).toBeGreaterThan(Object.keys(before).length);
    expect(await counters.compactCounters()).toBeGreaterThan(Object.keys(before).length);
    expect(await rows()).toBe(Object.keys(before).length);
    expect(await counted()).toEqual(before);
    // Folding again changes nothing.
    await counters.compactCounters();
    expect(await counted()).toEqual(before);
  });

  it("keeps an increment that was not yet committed when the ledger was folded", async () => {
    const before = await counted();
    const client = await pool.pool().connect();
    try {
      await client.query("BEGIN");
      await counters.incrementCounter(client, metrics.EMAIL_EVENTS_COUNTER, { event: "clicked", type: "out_of_stock" });
      await counters.compactCounters();
      expect(await counted()).toEqual(before);
      await client.query("COMMIT");
    } finally {
      client.release();
    }
    expect(await counted()).toEqual({ ...before, "clicked/out_of_stock": 1 });
    await counters.compactCounters();
    expect(await counted()).toEqual({ ...before, "clicked/out_of_stock": 1 });
  });

  it("refuses to go down or by a fraction", async () => {
    await expect(counters.incrementCounter(pool.pool(), "fluxor_test_total", {}, -1)).rejects.toThrow(RangeError);
    await expect(counters.incrementCounter(pool.pool(), "fluxor_test_total", {}, 0.5)).rejects.toThrow(RangeError);
  });
});
