/**
 * The throttle-aware Admin GraphQL client the sync jobs use (docs/decisions/0022-throttling-and-circuit-breaker.md):
 *
 * - reads `extensions.cost.throttleStatus` of every answer and waits before the next call when the
 *   bucket is low; on `THROTTLED` (HTTP 200 with that error code) it waits until the requested cost is
 *   restored and tries again — throttling is never counted as a failure;
 * - retries HTTP 429/5xx and network errors with jittered exponential back-off;
 * - consults the shop's circuit breaker (in Postgres, shared by all workers) before calling, and
 *   records the outcome after: when Shopify keeps failing, calls stop for a cool-down.
 *
 * Transport is injectable (tests); in production it POSTs to https://{shop}/admin/api/2025-10/graphql.json
 * with the shop's offline token (the demo and tests redirect that host to the local stand-in).
 */
import { CircuitOpenError, type CircuitBreaker } from "./circuit.server";

export const SYNC_API_VERSION = "2025-10";

export interface ThrottleStatus {
  maximumAvailable: number;
  currentlyAvailable: number;
  restoreRate: number;
}

export interface GraphqlResponseBody {
  data?: unknown;
  errors?: { message: string; extensions?: { code?: string } }[] | Record<string, unknown>;
  extensions?: { cost?: { requestedQueryCost?: number; actualQueryCost?: number | null; throttleStatus?: ThrottleStatus } };
}

export type Transport = (
  query: string,
  variables: Record<string, unknown>,
) => Promise<{ status: number; body: unknown; retryAfter?: number }>;

export class ShopifyGraphqlError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly status?: number,
  ) {
    super(message);
    this.name = "ShopifyGraphqlError";
  }
}

export interface ClientOptions {
  transport: Transport;
  breaker?: CircuitBreaker;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** Attempts for 5xx/network failures (throttling does not count). */
  maxAttempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Keep this share of the bucket free for others (e.g. the app's UI requests). */
  reserveRatio?: number;
  /** Give up waiting out THROTTLED after this many tries. */
  maxThrottleWaits?: number;
  onThrottle?: (waitMs: number) => void;
}

export interface AdminClient {
  request<T = unknown>(query: string, variables?: Record<string, unknown>): Promise<T>;
  readonly lastThrottle: ThrottleStatus | undefined;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Exponential back-off with full jitter: uniform in [0, min(max, base·2^attempt)], at least 1/4 of it. */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random: () => number): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** attempt);
  return Math.round(ceiling / 4 + random() * (ceiling * 0.75));
}

/** How long to wait so that `cost` points are available again. */
export function throttleWaitMs(status: ThrottleStatus, cost: number): number {
  const missing = Math.max(0, cost - status.currentlyAvailable);
  return Math.ceil((missing / Math.max(1, status.restoreRate)) * 1000);
}

function errorList(body: GraphqlResponseBody): { message: string; code?: string }[] {
  if (!body.errors) return [];
  if (Array.isArray(body.errors)) return body.errors.map((e) => ({ message: e.message, code: e.extensions?.code }));
  return [{ message: JSON.stringify(body.errors) }];
}

export function createAdminClient(options: ClientOptions): AdminClient {
  const sleep = options.sleep ?? defaultSleep;
  const random = options.random ?? Math.random;
  const maxAttempts = options.maxAttempts ?? 6;
  const baseDelayMs = options.baseDelayMs ?? 500;
  const maxDelayMs = options.maxDelayMs ?? 30_000;
  const reserveRatio = options.reserveRatio ?? 0.1;
  const maxThrottleWaits = options.maxThrottleWaits ?? 50;
  let lastThrottle: ThrottleStatus | undefined;
  let lastCost = 50;

  async function waitForBucket(): Promise<void> {
    if (!lastThrottle) return;
    const want = lastCost + lastThrottle.maximumAvailable * reserveRatio;
    if (lastThrottle.currentlyAvailable >= want) return;
    const wait = throttleWaitMs(lastThrottle, want);
    if (wait > 0) {
      options.onThrottle?.(wait);
      await sleep(wait);
      // Assume the bucket refilled as promised; the next answer corrects the estimate.
      lastThrottle = { ...lastThrottle, currentlyAvailable: Math.min(lastThrottle.maximumAvailable, want) };
    }
  }

  async function request<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
    await options.breaker?.before();
    let failures = 0;
    let throttles = 0;
    for (;;) {
      await waitForBucket();
      let status: number;
      let raw: unknown;
      let retryAfter: number | undefined;
      try {
        ({ status, body: raw, retryAfter } = await options.transport(query, variables));
      } catch (error) {
        failures++;
        if (failures >= maxAttempts) {
          await options.breaker?.failure(String(error));
          throw new ShopifyGraphqlError(`Shopify unreachable: ${String(error)}`, true);
        }
        await sleep(backoffDelay(failures, baseDelayMs, maxDelayMs, random));
        continue;
      }
      if (status === 429 || status >= 500) {
        failures++;
        if (failures >= maxAttempts) {
          await options.breaker?.failure(`HTTP ${status}`);
          throw new ShopifyGraphqlError(`Shopify answered HTTP ${status}`, true, status);
        }
        const delay = retryAfter ? retryAfter * 1000 : backoffDelay(failures, baseDelayMs, maxDelayMs, random);
        await sleep(delay);
        continue;
      }
      const body = (raw ?? {}) as GraphqlResponseBody;
      const cost = body.extensions?.cost;
      if (cost?.throttleStatus) lastThrottle = cost.throttleStatus;
      if (cost?.requestedQueryCost) lastCost = cost.requestedQueryCost;
      const errors = errorList(body);
      if (errors.some((e) => e.code === "THROTTLED")) {
        throttles++;
        if (throttles > maxThrottleWaits) throw new ShopifyGraphqlError("still throttled after waiting", true);
        const wait = lastThrottle ? throttleWaitMs(lastThrottle, cost?.requestedQueryCost ?? lastCost) : 1000;
        const jittered = Math.max(wait, 250) + Math.round(random() * 250);
        options.onThrottle?.(jittered);
        await sleep(jittered);
        if (lastThrottle) lastThrottle = { ...lastThrottle, currentlyAvailable: cost?.requestedQueryCost ?? lastCost };
        continue;
      }
      if (status === 401 || status === 403) {
        // Not Shopify failing: our token is gone (uninstalled). Do not open the circuit for it.
        throw new ShopifyGraphqlError(`Shopify refused the token: HTTP ${status}`, false, status);
      }
      if (status >= 400) throw new ShopifyGraphqlError(`Shopify answered HTTP ${status}`, false, status);
      if (errors.length > 0 && body.data == null) {
        throw new ShopifyGraphqlError(`GraphQL errors: ${errors.map((e) => e.message).join("; ")}`, false, status);
      }
      await options.breaker?.success();
      return body.data as T;
    }
  }

  return {
    request,
    get lastThrottle() {
      return lastThrottle;
    },
  };
}

/** The production transport: the shop's offline token, a plain fetch (no SDK retries: we do our own). */
/**
 * How long one Admin API call may take before it counts as a network failure (retried, then a breaker failure).
 * Shopify answers a GraphQL call in well under a second; without a limit a hung call held its job for Node's
 * default of about five minutes.
 */
const REQUEST_TIMEOUT_MS = 30_000;

export function fetchTransport(shop: string, accessToken: string, fetchImpl: typeof fetch = fetch): Transport {
  const url = `https://${shop}/admin/api/${SYNC_API_VERSION}/graphql.json`;
  return async (query, variables) => {
    const response = await fetchImpl(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-Shopify-Access-Token": accessToken },
      body: JSON.stringify({ query, variables }),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const retryAfter = Number(response.headers.get("retry-after")) || undefined;
    const text = await response.text();
    let body: unknown = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = null;
    }
    return { status: response.status, body, retryAfter };
  };
}

export { CircuitOpenError };
