/**
 * The API gateway's call to one external endpoint (docs/decisions/0057-signal-gateway.md): ask the endpoint's circuit
 * breaker, then GET with a timeout per attempt; retry with full-jitter exponential back-off on 429 (waiting at least
 * its Retry-After), 5xx, timeouts and network errors only; validate the JSON with zod. Never throws for the source's
 * trouble: the outcome says what happened, in words safe to show (never the URL, which may carry an API key).
 *
 * - `unavailable`: circuit open, or every attempt failed (the circuit counts one failure), or a Retry-After longer than
 *   we wait;
 * - `rejected`: the source refused the request (another 4xx: a bad key, a bad parameter); the source is up, so the
 *   circuit counts a success;
 * - `bad_data`: it answered 2xx with something that is not JSON or not of the expected shape.
 *
 * I/O comes in through `GatewayOptions` (fetch, sleep, random), so the rules are unit-tested without a network.
 */
import type { z } from "zod";
import type { Admission } from "./gateway-circuit";
import type { EndpointId } from "./sources";

export interface Breaker {
  admit(): Promise<Admission>;
  success(): Promise<void>;
  failure(error: string): Promise<void>;
}

export interface GatewayOptions {
  /** Per attempt, headers and body. */
  timeoutMs: number;
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** A 429 asking to wait longer than this ends the call (and counts as a failure) instead of waiting. */
  maxRetryAfterMs: number;
  /** Answers larger than this are bad data. */
  maxBodyBytes: number;
  fetch: typeof fetch;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
}

export const DEFAULT_GATEWAY_OPTIONS: GatewayOptions = {
  timeoutMs: 10_000,
  attempts: 3,
  baseDelayMs: 500,
  maxDelayMs: 8_000,
  maxRetryAfterMs: 30_000,
  maxBodyBytes: 5_000_000,
  fetch: (input, init) => fetch(input, init),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: Math.random,
};

export type GatewayOutcome<T> = { ok: true; data: T } | { ok: false; kind: "unavailable" | "rejected" | "bad_data"; reason: string };

export interface EndpointRequest<T> {
  endpoint: EndpointId;
  url: URL;
  schema: z.ZodType<T>;
}

/** Seconds or an HTTP date, as milliseconds from `now`; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now: number): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Full jitter: a random wait up to base·2^(attempt−1), capped. */
export function backoffMs(attempt: number, options: Pick<GatewayOptions, "baseDelayMs" | "maxDelayMs" | "random">): number {
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (attempt - 1));
  return Math.floor(options.random() * ceiling);
}

/** What an error body says: Open-Meteo's `{ error: true, reason }`, FRED's `{ error_code, error_message }`. */
function refusalReason(status: number, body: string): string {
  try {
    const parsed: unknown = JSON.parse(body);
    if (parsed && typeof parsed === "object") {
      const record = parsed as Record<string, unknown>;
      const message = record.reason ?? record.error_message ?? record.message;
      if (typeof message === "string") return `HTTP ${status}: ${message.slice(0, 300)}`;
    }
  } catch {
    // Not JSON: the status says enough.
  }
  return `HTTP ${status}`;
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.map(String).join(".") || "(root)"}: ${issue.message}`)
    .join("; ");
}

type Attempt<T> = { done: GatewayOutcome<T> } | { retry: string; waitAtLeastMs?: number; giveUp?: boolean };

async function attempt<T>(request: EndpointRequest<T>, options: GatewayOptions): Promise<Attempt<T>> {
  let response: Response;
  let body: string;
  try {
    response = await options.fetch(request.url, {
      headers: { accept: "application/json" },
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    body = await response.text();
  } catch (error) {
    const name = error instanceof Error ? error.name : "";
    if (name === "TimeoutError" || name === "AbortError") return { retry: `no answer within ${options.timeoutMs} ms` };
    const cause =
      error instanceof Error && error.cause instanceof Error ? error.cause.message : error instanceof Error ? error.message : String(error);
    return { retry: `connection failed (${cause.slice(0, 200)})` };
  }
  if (response.status === 429) {
    const wait = retryAfterMs(response.headers.get("retry-after"), Date.now());
    const giveUp = wait !== undefined && wait > options.maxRetryAfterMs;
    return {
      retry: `rate limited (HTTP 429${wait !== undefined ? `, retry after ${Math.ceil(wait / 1000)} s` : ""})`,
      waitAtLeastMs: wait,
      giveUp,
    };
  }
  if (response.status >= 500) return { retry: `HTTP ${response.status}` };
  if (response.status < 200 || response.status >= 300) {
    return { done: { ok: false, kind: "rejected", reason: refusalReason(response.status, body) } };
  }
  if (body.length > options.maxBodyBytes)
    return { done: { ok: false, kind: "bad_data", reason: `answer larger than ${options.maxBodyBytes} bytes` } };
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { done: { ok: false, kind: "bad_data", reason: "answer is not JSON" } };
  }
  const parsed = request.schema.safeParse(json);
  if (!parsed.success) return { done: { ok: false, kind: "bad_data", reason: `unexpected answer: ${describeIssues(parsed.error)}` } };
  return { done: { ok: true, data: parsed.data } };
}

export async function callEndpoint<T>(request: EndpointRequest<T>, breaker: Breaker, options: GatewayOptions): Promise<GatewayOutcome<T>> {
  const admission = await breaker.admit();
  if (!admission.allowed) {
    return {
      ok: false,
      kind: "unavailable",
      reason: `${request.endpoint} kept failing: circuit open, next try in ${Math.ceil(admission.retryInMs / 1000)} s`,
    };
  }
  let lastError = "no attempt made";
  for (let n = 1; n <= options.attempts; n++) {
    const result = await attempt(request, options);
    if ("done" in result) {
      await breaker.success();
      return result.done;
    }
    lastError = result.retry;
    if (result.giveUp || n === options.attempts) break;
    await options.sleep(Math.max(backoffMs(n, options), result.waitAtLeastMs ?? 0));
  }
  await breaker.failure(lastError);
  return { ok: false, kind: "unavailable", reason: `${request.endpoint}: ${lastError}` };
}
