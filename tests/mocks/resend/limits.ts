/**
 * Resend's two request guards, on the stand-in's clock:
 * - the rate limit (default 2 requests per second; Resend counts per team, the stand-in per API key): a fixed
 *   one-second window opened by the first request, with the IETF draft headers Resend sends
 *   (`ratelimit-limit`, `ratelimit-remaining`, `ratelimit-reset`, and `retry-after` on a 429);
 * - idempotency keys (`POST /emails`, `POST /emails/batch`): a key names one request for 24 hours. The same key
 *   with the same body answers what the first request answered, without sending again; with another body it is
 *   409 `invalid_idempotent_request`; while the first is still being handled, 409 `concurrent_idempotent_requests`.
 *   Only a request that sent something keeps its key: after a refusal or a failure the key can be used again.
 */
import { createHash } from "node:crypto";

export interface RateDecision {
  allowed: boolean;
  headers: Record<string, string>;
}

export class RateLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(
    private readonly perSecond: number,
    private readonly now: () => number,
  ) {}

  take(key: string): RateDecision {
    const now = this.now();
    let window = this.windows.get(key);
    if (!window || now >= window.start + 1000) {
      window = { start: now, count: 0 };
      this.windows.set(key, window);
    }
    const reset = String(Math.max(1, Math.ceil((window.start + 1000 - now) / 1000)));
    const headers: Record<string, string> = { "ratelimit-limit": String(this.perSecond), "ratelimit-reset": reset };
    if (window.count >= this.perSecond)
      return { allowed: false, headers: { ...headers, "ratelimit-remaining": "0", "retry-after": reset } };
    window.count += 1;
    return { allowed: true, headers: { ...headers, "ratelimit-remaining": String(this.perSecond - window.count) } };
  }
}

const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

export type IdempotencyCheck =
  { kind: "new" } | { kind: "replay"; status: number; body: unknown } | { kind: "mismatch" } | { kind: "in-progress" };

interface KeyRecord {
  fingerprint: string;
  expiresAt: number;
  answer?: { status: number; body: unknown };
}

/** JSON with sorted keys: the same request body, however its keys were ordered, has one fingerprint. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object")
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`)
      .join(",")}}`;
  return JSON.stringify(value) ?? "null";
}

export function requestFingerprint(path: string, body: unknown): string {
  return createHash("sha256")
    .update(`${path}\n${canonical(body)}`)
    .digest("hex");
}

export class IdempotencyKeys {
  private readonly records = new Map<string, KeyRecord>();

  constructor(private readonly now: () => number) {}

  /** Reserves `key` for this request, or says why not. `scope` separates API keys (teams). */
  begin(scope: string, key: string, fingerprint: string): IdempotencyCheck {
    const id = `${scope}\n${key}`;
    const record = this.records.get(id);
    if (record && record.expiresAt > this.now()) {
      if (record.fingerprint !== fingerprint) return { kind: "mismatch" };
      return record.answer ? { kind: "replay", ...record.answer } : { kind: "in-progress" };
    }
    this.records.set(id, { fingerprint, expiresAt: this.now() + IDEMPOTENCY_TTL_MS });
    return { kind: "new" };
  }

  /** The request sent its email(s): later requests with the key get this answer. */
  complete(scope: string, key: string, status: number, body: unknown): void {
    const record = this.records.get(`${scope}\n${key}`);
    if (record) record.answer = { status, body };
  }

  /** The request was refused or failed: the key is free again. */
  release(scope: string, key: string): void {
    this.records.delete(`${scope}\n${key}`);
  }
}
