/**
 * Idempotency keys as Stripe keeps them (https://docs.stripe.com/api/idempotent_requests): for POST requests, per
 * API key, for 24 hours. The same key with the same endpoint and parameters answers the first answer again (status
 * and body, with `Idempotent-Replayed: true`); other parameters or another endpoint: 400 `idempotency_error`;
 * while the first is still running: 409 `idempotency_key_in_use`. Only a request that began executing keeps its
 * key: after a 400/404 refusal (bad parameters) or an injected fault the key can be used again. Keys are at most
 * 255 characters.
 */
import { createHash } from "node:crypto";
import { StripeApiError, invalidRequest } from "./errors";
import { canonical } from "./form";

const TTL_MS = 24 * 60 * 60 * 1000;

export interface StoredAnswer {
  status: number;
  body: unknown;
  requestId: string;
}

export type IdempotencyCheck = { kind: "new" } | { kind: "replay"; answer: StoredAnswer };

interface KeyRecord {
  endpoint: string;
  fingerprint: string;
  expiresAt: number;
  answer?: StoredAnswer;
}

export function fingerprint(params: unknown): string {
  return createHash("sha256").update(canonical(params)).digest("hex");
}

export class IdempotencyKeys {
  private readonly records = new Map<string, KeyRecord>();

  constructor(private readonly now: () => number) {}

  begin(scope: string, key: string, endpoint: string, params: unknown): IdempotencyCheck {
    if (key.length > 255)
      throw invalidRequest("Invalid idempotency key: must be at most 255 characters long.", undefined, "idempotency_key_invalid");
    const id = `${scope}\n${key}`;
    const record = this.records.get(id);
    const print = fingerprint(params);
    if (record && record.expiresAt > this.now()) {
      if (record.endpoint !== endpoint)
        throw new StripeApiError(
          400,
          "idempotency_error",
          `Keys for idempotent requests can only be used for the same endpoint they were first used for ('${record.endpoint}' vs '${endpoint}'). Try using a key other than '${key}' if you meant to execute a different request.`,
        );
      if (record.fingerprint !== print)
        throw new StripeApiError(
          400,
          "idempotency_error",
          `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
        );
      if (!record.answer)
        throw new StripeApiError(
          409,
          "invalid_request_error",
          `There is currently another in-progress request using this Idempotent Key (that probably means you submitted twice, and the other request is still going through): ${key}. Please try again later.`,
          { code: "idempotency_key_in_use" },
        );
      return { kind: "replay", answer: record.answer };
    }
    this.records.set(id, { endpoint, fingerprint: print, expiresAt: this.now() + TTL_MS });
    return { kind: "new" };
  }

  complete(scope: string, key: string, answer: StoredAnswer): void {
    const record = this.records.get(`${scope}\n${key}`);
    if (record) record.answer = answer;
  }

  release(scope: string, key: string): void {
    this.records.delete(`${scope}\n${key}`);
  }
}
