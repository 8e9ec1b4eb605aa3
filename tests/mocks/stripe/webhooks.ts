/**
 * Webhook delivery as Stripe does it: a JSON POST of the event with
 * `Stripe-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body" keyed with the whole whsec_… secret>`,
 * what `stripe.webhooks.constructEvent(body, header, secret)` accepts. The timestamp is the real time of the attempt
 * (as Stripe's; the SDK's tolerance is 5 minutes), not the stand-in's clock.
 *
 * Events go out in the order they happened, one first attempt after another. A non-2xx answer, a network error or
 * no answer within 10 s is retried with the same event and a fresh signature (Stripe's test mode: three retries,
 * over hours; here the delays are milliseconds), then given up. Every attempt is recorded.
 *
 * For tests: `hold()` keeps events back until `release({ shuffle })` sends them (in a shuffled order);
 * `duplicateNext(n)` sends the next n events twice; `replay(event)` sends one again, optionally forged or stale.
 */
import { createHmac } from "node:crypto";
import { randomBase62 } from "./ids";

export interface WebhookTarget {
  url: string;
  /** `whsec_…`, as the dashboard (or `stripe listen`) shows it. */
  secret: string;
}

/** Retry delays in ms: Stripe test mode's three retries, minutes read as milliseconds. */
export const DEFAULT_RETRY_DELAYS_MS = [60, 600, 3_600];

export interface QueuedEvent {
  id: string;
  type: string;
  /** The JSON body, exactly as posted (pretty-printed like Stripe's). */
  body: string;
}

export interface WebhookAttempt {
  eventId: string;
  type: string;
  attempt: number;
  /** 0 = network error or timeout. */
  status: number;
  at: string;
  kind: "delivery" | "retry" | "duplicate" | "replay";
}

export interface SignOptions {
  /** Sign with another secret (a forged event). */
  secret?: string;
  /** Sign as of this time (a stale event the receiver must refuse). */
  timestamp?: Date;
}

export function newWebhookSecret(): string {
  return `whsec_${randomBase62(32)}`;
}

/** `t=…,v1=…` exactly as Stripe computes it (and as `generateTestHeaderString` does). */
export function signatureHeader(body: string, secret: string, timestampSeconds: number): string {
  const v1 = createHmac("sha256", secret).update(`${timestampSeconds}.${body}`, "utf8").digest("hex");
  return `t=${timestampSeconds},v1=${v1}`;
}

export class WebhookDispatcher {
  private target: WebhookTarget | undefined;
  private readonly log: WebhookAttempt[] = [];
  private readonly queue: { event: QueuedEvent; kind: WebhookAttempt["kind"] }[] = [];
  private held: QueuedEvent[] | undefined;
  private duplicates = 0;
  private pumping = false;
  private pending = 0;
  private waiters: (() => void)[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;

  constructor(
    private readonly options: {
      target?: WebhookTarget;
      retryDelaysMs: number[];
      now: () => number;
      log?: (line: string) => void;
      /** Called after an attempt that the receiver took (2xx). */
      onDelivered?: (eventId: string) => void;
    },
  ) {
    this.target = options.target;
  }

  setTarget(target: WebhookTarget | undefined): void {
    this.target = target;
  }

  get configured(): boolean {
    return this.target !== undefined;
  }

  headers(event: QueuedEvent, options: SignOptions = {}): Record<string, string> {
    const secret = options.secret ?? this.target?.secret;
    if (!secret) throw new Error("no webhook is configured: pass `webhook` to startStripeStandIn or call setWebhook");
    const timestamp = Math.floor((options.timestamp?.getTime() ?? Date.now()) / 1000);
    return {
      "content-type": "application/json; charset=utf-8",
      "user-agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
      "cache-control": "no-cache",
      "stripe-signature": signatureHeader(event.body, secret, timestamp),
    };
  }

  /** A new event: delivered after the ones before it (or held). */
  enqueue(event: QueuedEvent): void {
    if (!this.target || this.closed) return;
    if (this.held) {
      this.held.push(event);
      return;
    }
    this.queue.push({ event, kind: "delivery" });
    if (this.duplicates > 0) {
      this.duplicates -= 1;
      this.queue.push({ event, kind: "duplicate" });
    }
    this.pump();
  }

  /** Keeps the next events back until `release`. */
  hold(): void {
    this.held ??= [];
  }

  /** Sends the held events, in order or shuffled; resolves when each has had its first attempt. */
  async release(options: { shuffle?: boolean } = {}): Promise<string[]> {
    const events = this.held ?? [];
    this.held = undefined;
    if (options.shuffle)
      for (let i = events.length - 1; i > 0; i -= 1) {
        const j = Math.floor(Math.random() * (i + 1));
        [events[i], events[j]] = [events[j] as QueuedEvent, events[i] as QueuedEvent];
      }
    for (const event of events) this.enqueue(event);
    await this.idle();
    return events.map((event) => event.id);
  }

  /** The next `count` events are each delivered twice (Stripe may deliver an event more than once). */
  duplicateNext(count = 1): void {
    this.duplicates += count;
  }

  /** One more attempt of an event, now (no retries): a resend, or with `secret`/`timestamp` a forged or stale one. */
  async replay(event: QueuedEvent, options: SignOptions = {}): Promise<number> {
    this.pending += 1;
    try {
      return await this.attempt(event, 1, "replay", options);
    } finally {
      this.done();
    }
  }

  attempts(): WebhookAttempt[] {
    return [...this.log];
  }

  /** Resolves when nothing is queued, in flight or waiting for a retry. */
  idle(): Promise<void> {
    return this.pending === 0 && this.queue.length === 0 ? Promise.resolve() : new Promise((resolve) => this.waiters.push(resolve));
  }

  close(): void {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.queue.length = 0;
    this.pending = 0;
    this.settle();
  }

  private pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    this.pending += 1;
    const run = async () => {
      for (let next = this.queue.shift(); next && !this.closed; next = this.queue.shift()) {
        const { event, kind } = next;
        const status = await this.attempt(event, 1, kind);
        if (!ok(status) && kind === "delivery") this.scheduleRetry(event, 2);
      }
    };
    void run().finally(() => {
      this.pumping = false;
      this.done();
    });
  }

  private scheduleRetry(event: QueuedEvent, attempt: number): void {
    const delay = this.options.retryDelaysMs[attempt - 2];
    if (delay === undefined || this.closed) return;
    this.pending += 1;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      const run = async () => {
        const status = await this.attempt(event, attempt, "retry");
        if (!ok(status)) this.scheduleRetry(event, attempt + 1);
      };
      void run().finally(() => this.done());
    }, delay);
    this.timers.add(timer);
  }

  private async attempt(event: QueuedEvent, attempt: number, kind: WebhookAttempt["kind"], sign: SignOptions = {}): Promise<number> {
    const url = this.target?.url;
    let status = 0;
    if (url) {
      try {
        const response = await fetch(url, {
          method: "POST",
          headers: this.headers(event, sign),
          body: event.body,
          signal: AbortSignal.timeout(10_000),
        });
        await response.arrayBuffer();
        status = response.status;
      } catch {
        status = 0;
      }
    }
    this.log.push({ eventId: event.id, type: event.type, attempt, status, at: new Date(this.options.now()).toISOString(), kind });
    this.options.log?.(`stripe webhook ${event.type} ${event.id} ${kind} #${attempt} → ${status || "no answer"}`);
    if (ok(status) && kind !== "replay") this.options.onDelivered?.(event.id);
    return status;
  }

  private done(): void {
    this.pending = Math.max(0, this.pending - 1);
    this.settle();
  }

  private settle(): void {
    if (this.pending > 0 || this.queue.length > 0) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }
}

const ok = (status: number) => status >= 200 && status < 300;
