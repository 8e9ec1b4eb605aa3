/**
 * Billing webhooks, monitored: provider events recorded in the ledger (received), billing webhooks refused
 * (failed: `webhook_rejected` audit entries of a billing topic), in the last 24 hours and 7 days, and the lag of
 * each provider's events: `recordedAt − occurredAt` of the ledger rows of the last 7 days (p50, p95, max).
 *
 * CROSS-TENANT BY DESIGN (decision 0046): all providers' events of all accounts. Called only by the operator
 * routes behind `requireOperator`.
 *
 * A refused delivery is a billing one when its audited `topic` is a Shopify billing topic (`app_subscriptions/…`,
 * `app_purchases_one_time/…`), a Stripe event type (`invoice.…`, `customer.subscription.…`, `checkout.session.…`,
 * `payment_intent.…`, `charge.…`, or anything starting `stripe`), or its `path` is `/webhooks/stripe…`.
 */
import { pool, type Queryable } from "../db/pool.server";

export const WEBHOOK_PROVIDERS = ["shopify", "stripe"] as const;
export type WebhookProvider = (typeof WEBHOOK_PROVIDERS)[number];

const SHOPIFY_TOPICS = ["app_subscriptions/%", "app_purchases_one_time/%"];
const STRIPE_TOPICS = ["stripe%", "invoice.%", "customer.subscription.%", "checkout.session.%", "payment_intent.%", "charge.%"];
const BILLING_REJECTION = `event = 'webhook_rejected'
  AND (coalesce(detail->>'topic', '') LIKE ANY ($2::text[]) OR coalesce(detail->>'path', '') LIKE '/webhooks/stripe%')`;

export interface Counts {
  last24h: number;
  last7d: number;
}

export interface Lag {
  events: number;
  p50Seconds: number | null;
  p95Seconds: number | null;
  maxSeconds: number | null;
}

export interface Rejection {
  at: string;
  provider: WebhookProvider;
  topic: string;
  status: number | null;
  reason: string | null;
  shopDomain: string | null;
}

export interface WebhookHealth {
  asOf: string;
  received: Record<WebhookProvider, Counts>;
  failed: Record<WebhookProvider, Counts>;
  lag: Record<WebhookProvider, Lag>;
  lastErrors: Rejection[];
}

const providerOfTopic = (topic: string, path: string): WebhookProvider =>
  topic.startsWith("app_") && !path.startsWith("/webhooks/stripe") ? "shopify" : "stripe";

const num = (value: string | number | null) => (value === null ? null : Number(value));

export async function loadWebhookHealth(now: Date = new Date(), db: Queryable = pool()): Promise<WebhookHealth> {
  const weekAgo = new Date(now.getTime() - 7 * 86_400_000);
  const dayAgo = new Date(now.getTime() - 86_400_000);
  const received = await db.query<{
    provider: WebhookProvider;
    day: string;
    week: string;
    p50: number | null;
    p95: number | null;
    max: number | null;
  }>(
    `SELECT provider,
            count(*) FILTER (WHERE "recordedAt" > $2) AS day,
            count(*) AS week,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM "recordedAt" - "occurredAt")) AS p50,
            percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM "recordedAt" - "occurredAt")) AS p95,
            max(extract(epoch FROM "recordedAt" - "occurredAt")) AS max
       FROM "BillingEvent"
      WHERE provider = ANY($3::text[]) AND "recordedAt" > $1 AND "recordedAt" <= $4
      GROUP BY provider`,
    [weekAgo, dayAgo, WEBHOOK_PROVIDERS, now],
  );
  const rejected = await db.query<{
    createdAt: Date;
    topic: string | null;
    path: string | null;
    status: string | null;
    reason: string | null;
    shop: string | null;
  }>(
    `SELECT "createdAt", detail->>'topic' AS topic, detail->>'path' AS path, detail->>'status' AS status, detail->>'reason' AS reason,
            coalesce("shopDomain", detail->>'claimedShop') AS shop
       FROM "AuditLog"
      WHERE "createdAt" > $1 AND "createdAt" <= $3 AND ${BILLING_REJECTION}
      ORDER BY "createdAt" DESC, id DESC`,
    [weekAgo, [...SHOPIFY_TOPICS, ...STRIPE_TOPICS], now],
  );

  const zero = (): Counts => ({ last24h: 0, last7d: 0 });
  const health: WebhookHealth = {
    asOf: now.toISOString(),
    received: { shopify: zero(), stripe: zero() },
    failed: { shopify: zero(), stripe: zero() },
    lag: {
      shopify: { events: 0, p50Seconds: null, p95Seconds: null, maxSeconds: null },
      stripe: { events: 0, p50Seconds: null, p95Seconds: null, maxSeconds: null },
    },
    lastErrors: [],
  };
  for (const row of received.rows) {
    health.received[row.provider] = { last24h: Number(row.day), last7d: Number(row.week) };
    health.lag[row.provider] = { events: Number(row.week), p50Seconds: num(row.p50), p95Seconds: num(row.p95), maxSeconds: num(row.max) };
  }
  for (const row of rejected.rows) {
    const provider = providerOfTopic(row.topic ?? "", row.path ?? "");
    health.failed[provider].last7d += 1;
    if (row.createdAt > dayAgo) health.failed[provider].last24h += 1;
    if (health.lastErrors.length < 20) {
      health.lastErrors.push({
        at: row.createdAt.toISOString(),
        provider,
        topic: row.topic ?? "",
        status: row.status === null || Number.isNaN(Number(row.status)) ? null : Number(row.status),
        reason: row.reason,
        shopDomain: row.shop,
      });
    }
  }
  return health;
}
