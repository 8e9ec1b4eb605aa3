/**
 * The signals gateway without a network (app/signals/gateway.ts, gateway-circuit.ts): the circuit opens after
 * consecutive failures, refuses while open, lets one trial through after the cool-down (half-open) and closes on its
 * success or opens again on its failure; retries only 429, 5xx, timeouts and network errors, honouring Retry-After;
 * zod rejects answers of the wrong shape; the endpoints' weather and FRED schemas hold their real shapes.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  afterFailure,
  afterSuccess,
  admit,
  closedCircuit,
  type CircuitConfig,
  type CircuitState,
} from "../../../app/signals/gateway-circuit";
import { backoffMs, callEndpoint, retryAfterMs, type Breaker, type GatewayOptions } from "../../../app/signals/gateway";
import { FredObservations, defaultSeries, planIndicator } from "../../../app/signals/indicators";
import { OpenMeteoDaily, planWeather } from "../../../app/signals/weather";
import { endpointUrl, SignalSettingsInput } from "../../../app/signals/sources";

const config: CircuitConfig = { threshold: 3, coolDownMs: 60_000 };
const t0 = new Date("2026-06-01T00:00:00Z");
const at = (ms: number) => new Date(t0.getTime() + ms);

/** The pure machine behind a Map, as the Postgres store runs it under a row lock. */
function memoryBreaker(clock: () => Date): Breaker & { state(): CircuitState } {
  let state = closedCircuit(clock());
  return {
    state: () => state,
    admit: async () => {
      const { admission, next } = admit(state, clock(), config);
      state = next;
      return admission;
    },
    success: async () => {
      state = afterSuccess(state, clock());
    },
    failure: async () => {
      state = afterFailure(state, clock(), config);
    },
  };
}

describe("circuit", () => {
  it("opens after the threshold, refuses while open, half-opens after the cool-down and closes on success", () => {
    let s = closedCircuit(t0);
    s = afterFailure(s, at(1), config);
    s = afterFailure(s, at(2), config);
    expect(s.state).toBe("closed");
    expect(admit(s, at(3), config).admission).toEqual({ allowed: true });
    s = afterFailure(s, at(3), config);
    expect(s).toMatchObject({ state: "open", consecutiveFailures: 3, openedAt: at(3) });
    expect(admit(s, at(10_003), config).admission).toEqual({ allowed: false, retryInMs: 50_000 });
    const trial = admit(s, at(60_003), config);
    expect(trial.admission).toEqual({ allowed: true });
    expect(trial.next.state).toBe("half_open");
    // A second caller during the trial is refused.
    expect(admit(trial.next, at(60_004), config).admission).toMatchObject({ allowed: false });
    expect(afterSuccess(trial.next, at(60_005))).toEqual(closedCircuit(at(60_005)));
  });

  it("opens again when the trial fails, and hands an abandoned trial to the next caller after a cool-down", () => {
    const open = afterFailure(afterFailure(afterFailure(closedCircuit(t0), t0, config), t0, config), t0, config);
    const trial = admit(open, at(60_000), config).next;
    const reopened = afterFailure(trial, at(60_001), config);
    expect(reopened).toMatchObject({ state: "open", openedAt: at(60_001) });
    expect(admit(trial, at(119_999), config).admission).toMatchObject({ allowed: false });
    expect(admit(trial, at(120_000), config)).toMatchObject({
      admission: { allowed: true },
      next: { state: "half_open", updatedAt: at(120_000) },
    });
  });

  it("a success resets the count of consecutive failures", () => {
    const s = afterSuccess(afterFailure(afterFailure(closedCircuit(t0), t0, config), t0, config), t0);
    expect(afterFailure(s, t0, config)).toMatchObject({ state: "closed", consecutiveFailures: 1 });
  });
});

const Answer = z.object({ value: z.number() });

function options(responses: (Response | Error)[], record: { sleeps: number[]; calls: number }): GatewayOptions {
  return {
    timeoutMs: 1000,
    attempts: 3,
    baseDelayMs: 100,
    maxDelayMs: 1000,
    maxRetryAfterMs: 5000,
    maxBodyBytes: 10_000,
    fetch: async () => {
      const next = responses[record.calls++] ?? new Error("no more answers");
      if (next instanceof Error) throw next;
      return next;
    },
    sleep: async (ms) => {
      record.sleeps.push(ms);
    },
    random: () => 0.5,
  };
}

const ok = (body: unknown) => new Response(JSON.stringify(body), { status: 200 });
const request = {
  endpoint: "fred" as const,
  url: new URL("http://source.test/x?api_key=secretsecretsecretsecretsecret12"),
  schema: Answer,
};

describe("callEndpoint", () => {
  it("retries 5xx and network errors with back-off, then succeeds", async () => {
    const record = { sleeps: [] as number[], calls: 0 };
    const breaker = memoryBreaker(() => t0);
    const outcome = await callEndpoint(
      request,
      breaker,
      options([new Response("", { status: 503 }), new TypeError("fetch failed"), ok({ value: 1 })], record),
    );
    expect(outcome).toEqual({ ok: true, data: { value: 1 } });
    expect(record).toEqual({ calls: 3, sleeps: [50, 100] });
    expect(breaker.state().consecutiveFailures).toBe(0);
  });

  it("counts one failure after the last attempt, and the reason never shows the URL", async () => {
    const record = { sleeps: [] as number[], calls: 0 };
    const breaker = memoryBreaker(() => t0);
    const outcome = await callEndpoint(
      request,
      breaker,
      options(
        [500, 502, 504].map((s) => new Response("", { status: s })),
        record,
      ),
    );
    expect(outcome).toEqual({ ok: false, kind: "unavailable", reason: "fred: HTTP 504" });
    expect(record.calls).toBe(3);
    expect(breaker.state().consecutiveFailures).toBe(1);
  });

  it("treats a timeout as retryable", async () => {
    const record = { sleeps: [] as number[], calls: 0 };
    const timeout = new DOMException("The operation was aborted due to timeout", "TimeoutError");
    const outcome = await callEndpoint(
      request,
      memoryBreaker(() => t0),
      options([timeout, timeout, timeout], record),
    );
    expect(outcome).toEqual({ ok: false, kind: "unavailable", reason: "fred: no answer within 1000 ms" });
  });

  it("waits at least Retry-After on 429, and gives up at once when it asks for too long", async () => {
    const record = { sleeps: [] as number[], calls: 0 };
    const limited = (s: number) => new Response("{}", { status: 429, headers: { "retry-after": String(s) } });
    expect(
      await callEndpoint(
        request,
        memoryBreaker(() => t0),
        options([limited(2), ok({ value: 2 })], record),
      ),
    ).toEqual({ ok: true, data: { value: 2 } });
    expect(record.sleeps).toEqual([2000]);
    const second = { sleeps: [] as number[], calls: 0 };
    const breaker = memoryBreaker(() => t0);
    const outcome = await callEndpoint(request, breaker, options([limited(120)], second));
    expect(outcome).toMatchObject({ ok: false, kind: "unavailable", reason: "fred: rate limited (HTTP 429, retry after 120 s)" });
    expect(second.calls).toBe(1);
    expect(breaker.state().consecutiveFailures).toBe(1);
  });

  it("does not retry another 4xx: the source refused, and it is up", async () => {
    const record = { sleeps: [] as number[], calls: 0 };
    const breaker = memoryBreaker(() => t0);
    const refused = new Response(
      JSON.stringify({ error_code: 400, error_message: "Bad Request.  The value for variable api_key is not registered." }),
      { status: 400 },
    );
    expect(await callEndpoint(request, breaker, options([refused], record))).toEqual({
      ok: false,
      kind: "rejected",
      reason: "HTTP 400: Bad Request.  The value for variable api_key is not registered.",
    });
    expect(record.calls).toBe(1);
    expect(breaker.state().consecutiveFailures).toBe(0);
    const openMeteo = new Response(JSON.stringify({ error: true, reason: "Latitude must be in range of -90 to 90°." }), { status: 400 });
    expect(await callEndpoint(request, breaker, options([openMeteo], { sleeps: [], calls: 0 }))).toMatchObject({
      reason: "HTTP 400: Latitude must be in range of -90 to 90°.",
    });
  });

  it("rejects malformed JSON and the wrong shape as bad data, without retrying", async () => {
    const record = { sleeps: [] as number[], calls: 0 };
    expect(
      await callEndpoint(
        request,
        memoryBreaker(() => t0),
        options([new Response('{"value":', { status: 200 })], record),
      ),
    ).toEqual({
      ok: false,
      kind: "bad_data",
      reason: "answer is not JSON",
    });
    expect(
      await callEndpoint(
        request,
        memoryBreaker(() => t0),
        options([ok({ value: "1" })], { sleeps: [], calls: 0 }),
      ),
    ).toMatchObject({
      ok: false,
      kind: "bad_data",
      reason: expect.stringMatching(/^unexpected answer: value: /),
    });
    expect(record.calls).toBe(1);
  });

  it("refuses without a request while the circuit is open, then lets one trial through", async () => {
    let now = t0;
    const breaker = memoryBreaker(() => now);
    const failing = () =>
      options(
        [500, 500, 500].map((s) => new Response("", { status: s })),
        { sleeps: [], calls: 0 },
      );
    for (let i = 0; i < 3; i++) await callEndpoint(request, breaker, failing());
    expect(breaker.state().state).toBe("open");
    const record = { sleeps: [] as number[], calls: 0 };
    expect(await callEndpoint(request, breaker, options([ok({ value: 3 })], record))).toEqual({
      ok: false,
      kind: "unavailable",
      reason: "fred kept failing: circuit open, next try in 60 s",
    });
    expect(record.calls).toBe(0);
    now = at(60_000);
    expect(await callEndpoint(request, breaker, options([ok({ value: 3 })], record))).toEqual({ ok: true, data: { value: 3 } });
    expect(breaker.state().state).toBe("closed");
  });

  it("reads Retry-After as seconds or a date, and backs off with full jitter under a cap", () => {
    expect(retryAfterMs("7", 0)).toBe(7000);
    expect(retryAfterMs(new Date(10_000).toUTCString(), 0)).toBe(10_000);
    expect(retryAfterMs("soon", 0)).toBeUndefined();
    const o = { baseDelayMs: 500, maxDelayMs: 8000, random: () => 0.999 };
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffMs(n, o))).toEqual([499, 999, 1998, 3996, 7992, 7992]);
  });
});

describe("shapes and plans", () => {
  const daily = {
    latitude: 52.52,
    longitude: 13.419998,
    generationtime_ms: 0.1,
    utc_offset_seconds: 3600,
    timezone: "Europe/Berlin",
    timezone_abbreviation: "CET",
    elevation: 38,
    daily_units: {
      time: "iso8601",
      temperature_2m_max: "°C",
      temperature_2m_min: "°C",
      temperature_2m_mean: "°C",
      precipitation_sum: "mm",
    },
    daily: {
      time: ["2026-01-01", "2026-01-02"],
      temperature_2m_max: [3.1, null],
      temperature_2m_min: [-1.2, 0],
      temperature_2m_mean: [1, 0.5],
      precipitation_sum: [0, 2.4],
    },
  };

  it("accepts Open-Meteo's daily answer and rejects Fahrenheit and ragged arrays", () => {
    expect(OpenMeteoDaily.safeParse(daily).success).toBe(true);
    expect(OpenMeteoDaily.safeParse({ ...daily, daily_units: { ...daily.daily_units, temperature_2m_max: "°F" } }).success).toBe(false);
    expect(OpenMeteoDaily.safeParse({ ...daily, daily: { ...daily.daily, precipitation_sum: [0] } }).success).toBe(false);
    expect(OpenMeteoDaily.safeParse({ error: true, reason: "x" }).success).toBe(false);
  });

  it("accepts FRED's observations with '.' for a missing value, and rejects numbers", () => {
    const answer = {
      observation_start: "2026-01-01",
      observation_end: "2026-12-31",
      units: "lin",
      count: 2,
      observations: [
        { date: "2026-01-01", value: "310.326" },
        { date: "2026-02-01", value: "." },
      ],
    };
    expect(FredObservations.safeParse(answer).success).toBe(true);
    expect(FredObservations.safeParse({ ...answer, observations: [{ date: "2026-01-01", value: 310.3 }] }).success).toBe(false);
  });

  it("plans archive years and one forecast window, and stops at the horizon", () => {
    expect(planWeather("2025-03-01", "2026-07-31", "2026-06-10")).toEqual({
      requests: [
        { endpoint: "open_meteo_archive", fromDay: "2025-01-01", toDay: "2025-12-31", ttlMs: null },
        { endpoint: "open_meteo_archive", fromDay: "2026-01-01", toDay: "2026-06-03", ttlMs: 86_400_000 },
        { endpoint: "open_meteo_forecast", fromDay: "2026-06-04", toDay: "2026-06-25", ttlMs: 3 * 3_600_000 },
      ],
      through: "2026-06-25",
    });
    expect(planWeather("2026-07-01", "2026-07-31", "2026-06-10")).toBeUndefined();
    expect(planIndicator("2026-02-10", "2026-06-10", "2026-06-10").map((r) => r.fromDay)).toEqual(["2025-01-01", "2026-01-01"]);
  });

  it("names FRED series per country, and reads base URLs from the environment", () => {
    expect(defaultSeries("US")).toEqual({ cpi: "CPIAUCSL", consumer_confidence: "UMCSENT" });
    expect(defaultSeries("DE")).toEqual({ cpi: "CPALTT01DEM661N", consumer_confidence: "CSCICP03DEM665S" });
    expect(defaultSeries("ZZ")).toBeUndefined();
    expect(endpointUrl("fred", {})).toBe("https://api.stlouisfed.org/fred");
    expect(endpointUrl("fred", { FRED_API_URL: "http://127.0.0.1:9/fred/" })).toBe("http://127.0.0.1:9/fred");
    expect(endpointUrl("open_meteo_forecast", { OPEN_METEO_FORECAST_URL: "javascript:alert(1)" })).toBe(
      "https://api.open-meteo.com/v1/forecast",
    );
  });

  it("rounds entered coordinates to 0.1° before they are stored", () => {
    const parsed = SignalSettingsInput.parse({
      weather: { enabled: true, location: { kind: "coordinates", latitude: 52.5243, longitude: 13.4105 }, productTypes: ["Sun cream"] },
      indicators: { enabled: false, productTypes: [], countryCode: null, cpiSeries: null, confidenceSeries: null },
    });
    expect(parsed.weather.location).toEqual({ kind: "coordinates", latitude: 52.5, longitude: 13.4 });
  });
});
