import { describe, expect, it } from "vitest";
import {
  backoffDelay,
  createAdminClient,
  ShopifyGraphqlError,
  throttleWaitMs,
  type Transport,
} from "../../../app/sync/admin-client.server";
import type { CircuitBreaker } from "../../../app/sync/circuit.server";

const status = (available: number) => ({ maximumAvailable: 1000, currentlyAvailable: available, restoreRate: 50 });
const ok = (available: number, cost = 10) => ({
  status: 200,
  body: {
    data: { ok: true },
    extensions: { cost: { requestedQueryCost: cost, actualQueryCost: cost, throttleStatus: status(available) } },
  },
});
const throttled = (available: number, cost: number) => ({
  status: 200,
  body: {
    errors: [{ message: "Throttled", extensions: { code: "THROTTLED" } }],
    extensions: { cost: { requestedQueryCost: cost, actualQueryCost: null, throttleStatus: status(available) } },
  },
});

function script(answers: (ReturnType<typeof ok> | Error | { status: number; body: unknown })[]): Transport & { calls: number } {
  const call = async () => {
    transport.calls++;
    const next = answers.shift();
    if (!next) throw new Error("no more answers");
    if (next instanceof Error) throw next;
    return next;
  };
  const transport = Object.assign(call, { calls: 0 }) as Transport & { calls: number };
  return transport;
}

function recordingBreaker() {
  const events: string[] = [];
  const breaker: CircuitBreaker = {
    before: async () => void events.push("before"),
    success: async () => void events.push("success"),
    failure: async (e) => void events.push(`failure:${e}`),
  };
  return { breaker, events };
}

describe("throttle-aware Admin client", () => {
  it("waits out THROTTLED for the time the bucket needs to restore the requested cost, then succeeds", async () => {
    const sleeps: number[] = [];
    const transport = script([throttled(100, 600), ok(400)]);
    const client = createAdminClient({ transport, sleep: async (ms) => void sleeps.push(ms), random: () => 0 });
    expect(await client.request("{ x }")).toEqual({ ok: true });
    expect(transport.calls).toBe(2);
    // (600 - 100) points at 50/s = 10 s
    expect(sleeps[0]).toBe(10_000);
  });

  it("slows down before a call when the bucket is low", async () => {
    const sleeps: number[] = [];
    const transport = script([ok(20, 50), ok(900, 50)]);
    const client = createAdminClient({ transport, sleep: async (ms) => void sleeps.push(ms), random: () => 0 });
    await client.request("{ a }");
    expect(sleeps).toEqual([]);
    await client.request("{ b }");
    // needs 50 + 10 % of 1000 = 150 points, has 20: 130 / 50 per s = 2.6 s
    expect(sleeps).toEqual([2600]);
  });

  it("retries 5xx and network errors with jittered exponential back-off, and reports success to the breaker", async () => {
    const sleeps: number[] = [];
    const { breaker, events } = recordingBreaker();
    const transport = script([{ status: 502, body: null }, new Error("ECONNRESET"), ok(900)]);
    const client = createAdminClient({
      transport,
      breaker,
      sleep: async (ms) => void sleeps.push(ms),
      random: () => 0.5,
      baseDelayMs: 100,
    });
    expect(await client.request("{ x }")).toEqual({ ok: true });
    expect(sleeps).toEqual([backoffDelay(1, 100, 30_000, () => 0.5), backoffDelay(2, 100, 30_000, () => 0.5)]);
    expect(events).toEqual(["before", "success"]);
  });

  it("gives up after maxAttempts and records a failure with the breaker", async () => {
    const { breaker, events } = recordingBreaker();
    const transport = script([
      { status: 503, body: null },
      { status: 503, body: null },
      { status: 503, body: null },
    ]);
    const client = createAdminClient({ transport, breaker, sleep: async () => {}, maxAttempts: 3 });
    await expect(client.request("{ x }")).rejects.toBeInstanceOf(ShopifyGraphqlError);
    expect(events).toEqual(["before", "failure:HTTP 503"]);
  });

  it("does not retry GraphQL errors that are not throttling", async () => {
    const transport = script([{ status: 200, body: { errors: [{ message: "Field 'nope' doesn't exist" }] } }]);
    const client = createAdminClient({ transport, sleep: async () => {} });
    await expect(client.request("{ nope }")).rejects.toThrow(/doesn't exist/);
    expect(transport.calls).toBe(1);
  });

  it("computes waits and back-off bounds", () => {
    expect(throttleWaitMs(status(0), 100)).toBe(2000);
    expect(throttleWaitMs(status(500), 100)).toBe(0);
    for (let attempt = 0; attempt < 10; attempt++) {
      const delay = backoffDelay(attempt, 500, 30_000, Math.random);
      expect(delay).toBeGreaterThanOrEqual(Math.min(30_000, 500 * 2 ** attempt) / 4 - 1);
      expect(delay).toBeLessThanOrEqual(Math.min(30_000, 500 * 2 ** attempt));
    }
  });
});
