/**
 * Webhook delivery as Shopify does it: POST to the app URL + the subscription's uri (shopify.app.toml)
 * with `X-Shopify-Topic`, `-Hmac-Sha256` (base64 HMAC-SHA256 of the raw body with the app secret),
 * `-Shop-Domain`, `-API-Version`, `-Webhook-Id`, `-Event-Id`, `-Triggered-At`.
 *
 * Two ways in:
 * - `deliver()`: one webhook now (or `times` times with the same ids), awaited: for tests that check a
 *   response.
 * - `emit()`: what store changes use. Queued and sent in the background, at least once: a non-2xx answer
 *   or a network error is retried with exponential back-off (same webhook id), and the delivery mode can
 *   send some webhooks twice and hold some back so that later ones overtake them. Every attempt is
 *   recorded (`attempts()`, `stats()`); `idle()` waits until nothing is queued or being retried.
 */
import { randomUUID } from "node:crypto";
import type { AppConfig } from "./config";
import { webhookHmac } from "./crypto";
import { prng } from "./store/demo-store";

export interface DeliverOptions {
  /** Reuse a webhook id (Shopify's retries and duplicates carry the same X-Shopify-Webhook-Id). */
  webhookId?: string;
  eventId?: string;
  apiVersion?: string;
  /** Deliver this many times with the same ids; default 1. */
  times?: number;
  /** Sign with another secret (forged webhooks). */
  secret?: string;
  /** Send this body instead of JSON.stringify(payload), signed as the payload (tampered bodies). */
  rawBody?: string;
  /** Another subscription uri. */
  uri?: string;
  triggeredAt?: Date;
}

export interface DeliveryResult {
  status: number;
  latencyMs: number;
  webhookId: string;
  eventId: string;
  /** One entry per delivery. */
  deliveries: { status: number; latencyMs: number }[];
}

export interface DeliveryMode {
  /** Share of webhooks delivered a second time (same ids). */
  duplicateRate?: number;
  /** Share of webhooks held back so that later ones overtake them. */
  reorderRate?: number;
  /** How long a held-back webhook waits at most (ms); default 300. */
  maxHoldMs?: number;
  /** Attempts per webhook before giving up (Shopify: 8 retries over 4 hours); default 8. */
  maxAttempts?: number;
  /** First retry after this many ms, doubling each time (Shopify: minutes; tests: ms); default 100. */
  retryBaseMs?: number;
  /** Deterministic choices; default 1. */
  seed?: number;
}

export interface DeliveryAttempt {
  webhookId: string;
  eventId: string;
  topic: string;
  shop: string;
  attempt: number;
  /** 0 = network error or timeout. */
  status: number;
  at: string;
  latencyMs: number;
  duplicate: boolean;
  reordered: boolean;
  error?: string;
}

export interface WebhookStats {
  emitted: number;
  attempts: number;
  delivered: number;
  retried: number;
  duplicates: number;
  reordered: number;
  failed: number;
  pending: number;
  byTopic: Record<string, { emitted: number; attempts: number; delivered: number }>;
}

function target(app: AppConfig, uri: string): string {
  // Like Shopify: a relative uri is appended to the app URL; an absolute one is used as is.
  return /^https?:\/\//.test(uri) ? uri : `${app.appUrl.replace(/\/$/, "")}${uri.startsWith("/") ? uri : `/${uri}`}`;
}

async function post(
  url: string,
  body: string,
  headers: Record<string, string>,
): Promise<{ status: number; latencyMs: number; error?: string }> {
  const started = performance.now();
  try {
    const response = await fetch(url, { method: "POST", body, headers, redirect: "manual", signal: AbortSignal.timeout(5000) });
    await response.arrayBuffer();
    return { status: response.status, latencyMs: performance.now() - started };
  } catch (error) {
    return { status: 0, latencyMs: performance.now() - started, error: error instanceof Error ? error.message : String(error) };
  }
}

export class WebhookDispatcher {
  private mode: Required<DeliveryMode>;
  private random: () => number;
  private readonly log: DeliveryAttempt[] = [];
  private readonly counts = { emitted: 0, delivered: 0, retried: 0, duplicates: 0, reordered: 0, failed: 0 };
  private readonly byTopic: WebhookStats["byTopic"] = {};
  private pending = 0;
  private waiters: (() => void)[] = [];
  private timers = new Set<NodeJS.Timeout>();
  private closed = false;

  constructor(
    private readonly app: AppConfig,
    mode: DeliveryMode = {},
  ) {
    this.mode = WebhookDispatcher.fill(mode);
    this.random = prng(this.mode.seed);
  }

  private static fill(mode: DeliveryMode): Required<DeliveryMode> {
    return {
      duplicateRate: mode.duplicateRate ?? 0,
      reorderRate: mode.reorderRate ?? 0,
      maxHoldMs: mode.maxHoldMs ?? 300,
      maxAttempts: mode.maxAttempts ?? 8,
      retryBaseMs: mode.retryBaseMs ?? 100,
      seed: mode.seed ?? 1,
    };
  }

  /** Changes the delivery mode (e.g. `{ duplicateRate: 0.2, reorderRate: 0.2 }` for at-least-once chaos). */
  setMode(mode: DeliveryMode): void {
    this.mode = WebhookDispatcher.fill(mode);
    this.random = prng(this.mode.seed);
  }

  subscribes(topic: string): boolean {
    return this.app.subscriptions.some((subscription) => subscription.topic === topic);
  }

  private headers(topic: string, shop: string, signedBody: string, ids: { webhookId: string; eventId: string }, options: DeliverOptions) {
    return {
      "Content-Type": "application/json",
      "User-Agent": "Shopify-Captain-Hook",
      "X-Shopify-Topic": topic,
      "X-Shopify-Hmac-Sha256": webhookHmac(options.secret ?? this.app.apiSecret, signedBody),
      "X-Shopify-Shop-Domain": shop,
      "X-Shopify-API-Version": options.apiVersion ?? this.app.apiVersion,
      "X-Shopify-Webhook-Id": ids.webhookId,
      "X-Shopify-Event-Id": ids.eventId,
      "X-Shopify-Triggered-At": (options.triggeredAt ?? new Date()).toISOString(),
    };
  }

  private record(attempt: DeliveryAttempt): void {
    this.log.push(attempt);
    const topic = (this.byTopic[attempt.topic] ??= { emitted: 0, attempts: 0, delivered: 0 });
    topic.attempts++;
    if (attempt.status >= 200 && attempt.status < 300) topic.delivered++;
  }

  /** Delivers now (`times` times with the same ids) and returns the app's answers. */
  async deliver(shop: string, topic: string, payload: unknown, options: DeliverOptions = {}): Promise<DeliveryResult> {
    const uri = options.uri ?? this.app.subscriptions.find((subscription) => subscription.topic === topic)?.uri;
    if (!uri) throw new Error(`the app subscribes to no ${topic} webhook (shopify.app.toml)`);
    const signedBody = JSON.stringify(payload);
    const body = options.rawBody ?? signedBody;
    const ids = { webhookId: options.webhookId ?? randomUUID(), eventId: options.eventId ?? randomUUID() };
    const headers = this.headers(topic, shop, signedBody, ids, options);
    const deliveries: { status: number; latencyMs: number }[] = [];
    for (let i = 0; i < (options.times ?? 1); i++) {
      const result = await post(target(this.app, uri), body, headers);
      this.record({
        ...ids,
        topic,
        shop,
        attempt: i + 1,
        status: result.status,
        at: new Date().toISOString(),
        latencyMs: result.latencyMs,
        duplicate: i > 0,
        reordered: false,
        error: result.error,
      });
      deliveries.push({ status: result.status, latencyMs: result.latencyMs });
    }
    const last = deliveries.at(-1) ?? { status: 0, latencyMs: 0 };
    return { ...last, ...ids, deliveries };
  }

  /** Queues a webhook for a store change (only if the app subscribes to the topic). */
  emit(shop: string, topic: string, payload: unknown): void {
    if (this.closed || !this.subscribes(topic)) return;
    const uri = this.app.subscriptions.find((subscription) => subscription.topic === topic)?.uri as string;
    const body = JSON.stringify(payload);
    const ids = { webhookId: randomUUID(), eventId: randomUUID() };
    const headers = this.headers(topic, shop, body, ids, {});
    this.counts.emitted++;
    (this.byTopic[topic] ??= { emitted: 0, attempts: 0, delivered: 0 }).emitted++;
    const hold = this.random() < this.mode.reorderRate ? 1 + Math.floor(this.random() * this.mode.maxHoldMs) : 0;
    const duplicate = this.random() < this.mode.duplicateRate;
    if (hold) this.counts.reordered++;
    if (duplicate) this.counts.duplicates++;
    const send = (attempt: number, isDuplicate: boolean, delay: number) => {
      this.pending++;
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        void post(target(this.app, uri), body, headers).then((result) => {
          this.record({
            ...ids,
            topic,
            shop,
            attempt,
            status: result.status,
            at: new Date().toISOString(),
            latencyMs: result.latencyMs,
            duplicate: isDuplicate,
            reordered: hold > 0,
            error: result.error,
          });
          const ok = result.status >= 200 && result.status < 300;
          if (ok && !isDuplicate) this.counts.delivered++;
          if (!ok && !this.closed) {
            if (attempt < this.mode.maxAttempts) {
              this.counts.retried++;
              send(attempt + 1, isDuplicate, this.mode.retryBaseMs * 2 ** (attempt - 1));
            } else if (!isDuplicate) this.counts.failed++;
          }
          this.settle();
        });
      }, delay);
      this.timers.add(timer);
    };
    send(1, false, hold);
    if (duplicate) send(1, true, hold + 5 + Math.floor(this.random() * 50));
  }

  private settle(): void {
    this.pending--;
    if (this.pending === 0) for (const resolve of this.waiters.splice(0)) resolve();
  }

  /** Resolves when no webhook is queued, in flight or waiting for a retry. */
  idle(): Promise<void> {
    return this.pending === 0 ? Promise.resolve() : new Promise((resolve) => this.waiters.push(resolve));
  }

  attempts(): DeliveryAttempt[] {
    return [...this.log];
  }

  stats(): WebhookStats {
    return { ...this.counts, attempts: this.log.length, pending: this.pending, byTopic: structuredClone(this.byTopic) };
  }

  close(): void {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.pending = 0;
    for (const resolve of this.waiters.splice(0)) resolve();
  }
}
