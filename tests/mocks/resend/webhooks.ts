/**
 * Webhook delivery as Resend does it (through Svix, by the Standard Webhooks scheme): a JSON POST with
 * `svix-id` (the same on every retry of one event), `svix-timestamp` (seconds, of this attempt) and
 * `svix-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, keyed with the base64 part of the
 * `whsec_…` secret; what `resend.webhooks.verify` (the `standardwebhooks` package) accepts.
 *
 * A non-2xx answer or a network error is retried on Svix's schedule (immediately, 5 s, 5 min, 30 min, 2 h, 5 h,
 * 10 h, 10 h), scaled from seconds to milliseconds by default; then the event is given up. Every attempt is
 * recorded; `idle()` waits until nothing is in flight or waiting for a retry.
 */
import { createHmac, randomBytes } from "node:crypto";
import type { WebhookEventPayload } from "resend";

export interface WebhookTarget {
  url: string;
  /** `whsec_` + base64 key, as Resend shows it. */
  secret: string;
}

/** Svix's retry schedule in seconds, read as milliseconds: the whole schedule takes ~100 s instead of ~28 h. */
export const DEFAULT_RETRY_DELAYS_MS = [5, 300, 1_800, 7_200, 18_000, 36_000, 36_000];

export interface SignedEvent {
  type: WebhookEventPayload["type"];
  webhookId: string;
  /** `svix-timestamp`, in seconds. */
  timestamp: number;
  body: string;
  headers: Record<string, string>;
}

export interface EventDelivery extends SignedEvent {
  /** The answer to the first attempt; 0 = network error or timeout; null = no webhook configured. */
  status: number | null;
}

export interface WebhookAttempt {
  webhookId: string;
  type: string;
  attempt: number;
  /** 0 = network error or timeout. */
  status: number;
  at: string;
}

export interface SignOptions {
  /** Sign with this secret instead of the configured one (a forged webhook). */
  secret?: string;
  /** Sign as of this time (an old one is a replay the receiver must refuse). */
  timestamp?: Date;
  /** Reuse a webhook id (a duplicate the receiver must recognise). */
  webhookId?: string;
}

export function newWebhookSecret(): string {
  return `whsec_${randomBytes(24).toString("base64")}`;
}

function keyOf(secret: string): Buffer {
  const key = Buffer.from(secret.startsWith("whsec_") ? secret.slice("whsec_".length) : secret, "base64");
  if (key.length === 0) throw new Error("a webhook secret must be whsec_ followed by a base64 key");
  return key;
}

export function signWebhook(secret: string, webhookId: string, timestamp: number, body: string): string {
  return `v1,${createHmac("sha256", keyOf(secret)).update(`${webhookId}.${timestamp}.${body}`).digest("base64")}`;
}

const newWebhookId = () => `msg_${randomBytes(20).toString("base64url")}`;

export class WebhookDispatcher {
  private target: WebhookTarget | undefined;
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;
  private readonly log: WebhookAttempt[] = [];
  private pending = 0;
  private waiters: (() => void)[] = [];

  constructor(
    private readonly options: {
      target?: WebhookTarget;
      retryDelaysMs: number[];
      now: () => number;
      log?: (line: string) => void;
    },
  ) {
    this.setTarget(options.target);
  }

  setTarget(target: WebhookTarget | undefined): void {
    if (target) keyOf(target.secret);
    this.target = target;
  }

  get configured(): boolean {
    return this.target !== undefined;
  }

  sign(payload: WebhookEventPayload, options: SignOptions = {}): SignedEvent {
    const secret = options.secret ?? this.target?.secret;
    if (!secret) throw new Error("no webhook is configured: pass `webhook` to startResendStandIn or call setWebhook");
    const webhookId = options.webhookId ?? newWebhookId();
    const timestamp = Math.floor((options.timestamp?.getTime() ?? this.options.now()) / 1000);
    const body = JSON.stringify(payload);
    return {
      type: payload.type,
      webhookId,
      timestamp,
      body,
      headers: {
        "content-type": "application/json",
        "user-agent": "Svix-Webhooks (Fluxor Resend stand-in)",
        "svix-id": webhookId,
        "svix-timestamp": String(timestamp),
        "svix-signature": signWebhook(secret, webhookId, timestamp, body),
      },
    };
  }

  /**
   * Delivers a genuine event: the first attempt now (its answer is returned), then retries in the background
   * while the receiver does not answer 2xx, each re-signed with the time of the attempt.
   */
  async emit(payload: WebhookEventPayload): Promise<EventDelivery> {
    if (!this.target) return { ...this.unsigned(payload), status: null };
    const first = this.sign(payload);
    this.pending += 1;
    try {
      const status = await this.attempt(first, 1);
      if (!ok(status)) this.scheduleRetry(payload, first.webhookId, 2);
      return { ...first, status };
    } finally {
      this.done();
    }
  }

  /** Genuine events of one message, in the background: each one's first attempt after the previous one's. */
  emitInOrder(payloads: WebhookEventPayload[]): void {
    if (!this.target) return;
    this.pending += 1;
    const run = async () => {
      for (const payload of payloads) await this.emit(payload);
    };
    void run().finally(() => this.done());
  }

  /** One attempt with exactly these headers and body (forged, replayed or duplicated webhooks); no retries. */
  async send(event: SignedEvent): Promise<EventDelivery> {
    return { ...event, status: await this.track(this.attempt(event, 1)) };
  }

  attempts(): WebhookAttempt[] {
    return [...this.log];
  }

  /** Resolves when no delivery is in flight or waiting for a retry. */
  idle(): Promise<void> {
    return this.pending === 0 ? Promise.resolve() : new Promise((resolve) => this.waiters.push(resolve));
  }

  close(): void {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.pending = 0;
    this.settle();
  }

  private unsigned(payload: WebhookEventPayload): SignedEvent {
    return {
      type: payload.type,
      webhookId: "",
      timestamp: Math.floor(this.options.now() / 1000),
      body: JSON.stringify(payload),
      headers: {},
    };
  }

  private scheduleRetry(payload: WebhookEventPayload, webhookId: string, attempt: number): void {
    const delay = this.options.retryDelaysMs[attempt - 2];
    if (delay === undefined || this.closed) return;
    this.pending += 1;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      const target = this.target;
      const run = async () => {
        if (!target) return;
        const status = await this.attempt(this.sign(payload, { webhookId }), attempt);
        if (!ok(status)) this.scheduleRetry(payload, webhookId, attempt + 1);
      };
      void run().finally(() => this.done());
    }, delay);
    this.timers.add(timer);
  }

  private async attempt(event: SignedEvent, attempt: number): Promise<number> {
    const url = this.target?.url;
    let status = 0;
    if (url) {
      try {
        const response = await fetch(url, {
          method: "POST",
          headers: event.headers,
          body: event.body,
          signal: AbortSignal.timeout(10_000),
        });
        await response.arrayBuffer();
        status = response.status;
      } catch {
        status = 0;
      }
    }
    this.log.push({ webhookId: event.webhookId, type: event.type, attempt, status, at: new Date(this.options.now()).toISOString() });
    this.options.log?.(`webhook ${event.type} ${event.webhookId} attempt ${attempt} → ${status || "no answer"}`);
    return status;
  }

  private async track<T>(work: Promise<T>): Promise<T> {
    this.pending += 1;
    try {
      return await work;
    } finally {
      this.done();
    }
  }

  private done(): void {
    this.pending = Math.max(0, this.pending - 1);
    this.settle();
  }

  private settle(): void {
    if (this.pending > 0) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }
}

const ok = (status: number) => status >= 200 && status < 300;
