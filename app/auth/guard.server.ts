/**
 * Guards for the authentication endpoints: rate limiting per client IP (in Postgres) and an audit
 * entry for every refused attempt. A refused request changes nothing else.
 */
import { audit, type AuditEvent } from "./audit.server";
import { AUTH_ATTEMPTS, hit } from "./rate-limit.server";

/**
 * Counts one authentication attempt of `ip`. Past 10 an hour it records the refusal and returns the
 * headers of a 429 answer (Retry-After) for the route to send; otherwise undefined.
 */
export async function limitAuthAttempts(ip: string, path: string): Promise<{ "Retry-After": string } | undefined> {
  const decision = await hit(`auth:ip:${ip}`, AUTH_ATTEMPTS);
  if (decision.allowed) return undefined;
  await audit({ event: "rate_limited", outcome: "failure", ip, detail: { path, retryAfterSeconds: decision.retryAfterSeconds } });
  return { "Retry-After": String(decision.retryAfterSeconds) };
}

/**
 * Runs a library authentication call and records an audit entry when it refuses the request
 * (a thrown 4xx Response: bad HMAC, bad state, bad shop…). Redirects and successes pass through untouched.
 */
export async function auditRefusals<T>(
  context: { event: AuditEvent; ip: string; shopDomain?: string | null; detail?: Record<string, string> },
  run: () => Promise<T>,
): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof Response && error.status >= 400 && error.status < 500) {
      await audit({
        event: context.event,
        outcome: "failure",
        ip: context.ip,
        shopDomain: null,
        detail: { ...context.detail, status: error.status, claimedShop: context.shopDomain ?? null },
      });
    }
    throw error;
  }
}
