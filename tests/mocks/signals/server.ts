/**
 * The local stand-in for Fluxor's external signal sources (dev/test only; see README.md): one HTTP server answering
 * Open-Meteo's forecast, archive and geocoding endpoints and FRED's series observations, in their real shapes, with
 * data derived from a seed (./generate.ts), and switchable faults per endpoint.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { geocode, seriesKind, seriesValue, unit, weatherOn, type DailyWeather } from "./generate";

export type StandInEndpoint = "forecast" | "archive" | "geocoding" | "fred";

export type BadDataMode = "gaps" | "implausible" | "stale" | "malformed_json" | "wrong_shape";

export type SignalsFault = (
  | { kind: "outage"; mode: "503" | "timeout" | "reset" }
  | { kind: "rate_limit"; retryAfterSeconds: number }
  | { kind: "bad_data"; mode: BadDataMode }
) & {
  /** Only the next `times` requests (then the fault clears itself); absent: until cleared. */
  times?: number;
};

export interface SignalsStandInOptions {
  port?: number;
  seed?: number;
  /** What "now" is for the forecast window, the archive's lag and the latest published month. */
  clock?: () => Date;
  /** FRED keys accepted; absent: any 32 lower-case letters and digits. */
  apiKeys?: readonly string[];
}

export interface RecordedRequest {
  endpoint: StandInEndpoint;
  /** Path and query as received. */
  url: string;
  query: Record<string, string>;
}

export interface SignalsStandIn {
  url: string;
  /** The environment that points the app at this stand-in. */
  env: Record<"OPEN_METEO_FORECAST_URL" | "OPEN_METEO_ARCHIVE_URL" | "OPEN_METEO_GEOCODING_URL" | "FRED_API_URL", string>;
  setFault(endpoint: StandInEndpoint, fault: SignalsFault | undefined): void;
  clearFaults(): void;
  requests(endpoint?: StandInEndpoint): RecordedRequest[];
  clearRequests(): void;
  close(): Promise<void>;
}

const UNITS: Record<keyof DailyWeather, string> = {
  temperature_2m_max: "°C",
  temperature_2m_min: "°C",
  temperature_2m_mean: "°C",
  precipitation_sum: "mm",
};
/** Reanalysis days reach the archive this many days late. */
const ARCHIVE_DELAY_DAYS = 5;
const MAX_PAST_DAYS = 92;
const MAX_FORECAST_DAYS = 16;

function isoDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}
function addDays(day: string, n: number): string {
  return isoDay(new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000));
}
function validDay(day: string | undefined): day is string {
  return !!day && /^\d{4}-\d{2}-\d{2}$/.test(day) && isoDay(new Date(`${day}T00:00:00Z`)) === day;
}
function validTimezone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
function offsetSeconds(tz: string, at: Date): number {
  const local = new Date(at.toLocaleString("en-US", { timeZone: tz }));
  const utc = new Date(at.toLocaleString("en-US", { timeZone: "UTC" }));
  return Math.round((local.getTime() - utc.getTime()) / 1000);
}
function todayIn(tz: string, at: Date): string {
  return new Intl.DateTimeFormat("en-CA", { timeZone: tz, year: "numeric", month: "2-digit", day: "2-digit" }).format(at);
}

class BadRequest extends Error {}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers });
  res.end(JSON.stringify(body));
}

export async function startSignalsStandIn(options: SignalsStandInOptions = {}): Promise<SignalsStandIn> {
  const seed = options.seed ?? 17;
  const clock = options.clock ?? (() => new Date());
  const faults = new Map<StandInEndpoint, SignalsFault>();
  const log: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  const hanging = new Set<ServerResponse>();

  const takeFault = (endpoint: StandInEndpoint): SignalsFault | undefined => {
    const fault = faults.get(endpoint);
    if (fault?.times !== undefined) {
      if (fault.times <= 1) faults.delete(endpoint);
      else faults.set(endpoint, { ...fault, times: fault.times - 1 });
    }
    return fault;
  };

  // ---- Open-Meteo ------------------------------------------------------------------------------------------------

  function weatherAnswer(endpoint: "forecast" | "archive", q: URLSearchParams, bad: BadDataMode | undefined) {
    const latitude = Number(q.get("latitude"));
    const longitude = Number(q.get("longitude"));
    if (!q.has("latitude") || !Number.isFinite(latitude) || latitude < -90 || latitude > 90) {
      throw new BadRequest("Latitude must be in range of -90 to 90°. Given: " + q.get("latitude"));
    }
    if (!q.has("longitude") || !Number.isFinite(longitude) || longitude < -180 || longitude > 180) {
      throw new BadRequest("Longitude must be in range of -180 to 180°. Given: " + q.get("longitude"));
    }
    const variables = (q.get("daily") ?? "").split(",").filter(Boolean);
    for (const v of variables)
      if (!(v in UNITS)) throw new BadRequest(`Cannot initialize ForecastVariableDaily from invalid String value ${v} for key daily`);
    const requestedTz = q.get("timezone") ?? "GMT";
    const timezone = requestedTz === "auto" ? "GMT" : requestedTz;
    if (!validTimezone(timezone)) throw new BadRequest(`Invalid timezone`);
    if (variables.length > 0 && !q.has("timezone")) throw new BadRequest("Timezone is required");
    const now = clock();
    const today = todayIn(timezone, now);
    let start = q.get("start_date") ?? undefined;
    let end = q.get("end_date") ?? undefined;
    if (endpoint === "archive") {
      if (!validDay(start) || !validDay(end)) throw new BadRequest("Parameter 'start_date' and 'end_date' are required");
    } else if (!start && !end) {
      const days = Number(q.get("forecast_days") ?? 7);
      const past = Number(q.get("past_days") ?? 0);
      if (!Number.isInteger(days) || days < 0 || days > MAX_FORECAST_DAYS)
        throw new BadRequest("Forecast days is invalid. Allowed range 0 to 16.");
      start = addDays(today, -past);
      end = addDays(today, days - 1);
    }
    if (!validDay(start) || !validDay(end)) throw new BadRequest("Invalid date");
    if (end < start) throw new BadRequest(`End-date must be larger or equal than start-date`);
    if (endpoint === "forecast") {
      const earliest = addDays(today, -MAX_PAST_DAYS);
      const latest = addDays(today, MAX_FORECAST_DAYS - 1);
      if (start < earliest || end > latest) {
        throw new BadRequest(`Parameter 'start_date' is out of allowed range from ${earliest} to ${latest}`);
      }
    }
    const lastArchived = addDays(today, -ARCHIVE_DELAY_DAYS);
    const time: string[] = [];
    for (let day = start; day <= end; day = addDays(day, 1)) time.push(day);
    const rows: (DailyWeather | null)[] = time.map((day) =>
      endpoint === "archive" && day > lastArchived ? null : weatherOn(seed, latitude, longitude, day),
    );
    const daily: Record<string, unknown[]> = { time };
    for (const v of variables) daily[v] = rows.map((r) => (r ? r[v as keyof DailyWeather] : null));
    const n = time.length;
    if (bad === "gaps")
      for (let i = Math.floor(n / 3); i < Math.min(n, Math.floor(n / 3) + 6); i++) for (const v of variables) daily[v]![i] = null;
    if (bad === "implausible" && n > 0 && daily.temperature_2m_mean) daily.temperature_2m_mean[Math.floor(n / 2)] = 85.3;
    if (bad === "stale") for (let i = Math.max(0, n - 10); i < n; i++) for (const v of variables) daily[v]![i] = null;
    const units: Record<string, string> = { time: "iso8601" };
    for (const v of variables) units[v] = bad === "wrong_shape" ? "°F" : UNITS[v as keyof typeof UNITS];
    return {
      latitude: Number(latitude.toFixed(2)),
      longitude: Number(longitude.toFixed(2)),
      generationtime_ms: 0.05,
      utc_offset_seconds: offsetSeconds(timezone, now),
      timezone,
      timezone_abbreviation: timezone === "GMT" ? "GMT" : "",
      elevation: 38,
      daily_units: units,
      daily: bad === "wrong_shape" ? { ...daily, time: time.join(",") } : daily,
    };
  }

  function geocodingAnswer(q: URLSearchParams) {
    const name = q.get("name") ?? "";
    const countryCode = q.get("countryCode") ?? undefined;
    const found = geocode(seed, name, countryCode);
    if (!found) return { generationtime_ms: 0.2 };
    return {
      results: [
        {
          id: Math.floor(unit(seed, found.name) * 1e7),
          name: found.name,
          latitude: found.latitude,
          longitude: found.longitude,
          elevation: 40,
          feature_code: "PPLA",
          country_code: found.countryCode,
          timezone: "GMT",
          population: 100_000,
        },
      ],
      generationtime_ms: 0.2,
    };
  }

  // ---- FRED -------------------------------------------------------------------------------------------------------

  function fredAnswer(q: URLSearchParams, bad: BadDataMode | undefined) {
    const apiKey = q.get("api_key");
    if (!apiKey) return { status: 400, body: { error_code: 400, error_message: "Bad Request.  Variable api_key has not been set." } };
    const accepted = options.apiKeys ? options.apiKeys.includes(apiKey) : /^[a-z0-9]{32}$/.test(apiKey);
    if (!accepted) {
      return { status: 400, body: { error_code: 400, error_message: "Bad Request.  The value for variable api_key is not registered." } };
    }
    if ((q.get("file_type") ?? "xml") !== "json") {
      return { status: 400, body: { error_code: 400, error_message: "Bad Request.  This stand-in answers file_type=json only." } };
    }
    const seriesId = q.get("series_id") ?? "";
    const kind = seriesKind(seriesId);
    if (!kind) return { status: 400, body: { error_code: 400, error_message: "Bad Request.  The series does not exist." } };
    const start = q.get("observation_start") ?? "1776-07-04";
    const end = q.get("observation_end") ?? "9999-12-31";
    if (!validDay(start) || !validDay(end)) {
      return { status: 400, body: { error_code: 400, error_message: "Bad Request.  Variable observation_start is not a valid date." } };
    }
    const now = clock();
    const today = isoDay(now);
    // The latest published month: last month from the 15th on, the month before until then (stale: half a year back).
    const back = (now.getUTCDate() >= 15 ? 1 : 2) + (bad === "stale" ? 6 : 0);
    const latest = isoDay(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - back, 1)));
    const from = start > "2000-01-01" ? start : "2000-01-01";
    const months: string[] = [];
    for (
      let m = `${from.slice(0, 7)}-01`;
      m <= latest && m <= end;
      m = isoDay(new Date(Date.UTC(Number(m.slice(0, 4)), Number(m.slice(5, 7)), 1)))
    ) {
      if (m >= start) months.push(m);
    }
    let observations: { realtime_start: string; realtime_end: string; date: string; value: string | number }[] = months.map((date) => ({
      realtime_start: today,
      realtime_end: today,
      date,
      value: seriesValue(seed, seriesId, kind, date).toFixed(3),
    }));
    const n = observations.length;
    if (bad === "gaps") for (let i = Math.floor(n / 3); i < Math.min(n, Math.floor(n / 3) + 4); i++) observations[i]!.value = ".";
    if (bad === "implausible" && n > 0) observations[Math.floor(n / 2)]!.value = "-5.000";
    if (bad === "wrong_shape") observations = observations.map((o) => ({ ...o, value: Number(o.value) }));
    const sortOrder = q.get("sort_order") === "desc" ? "desc" : "asc";
    if (sortOrder === "desc") observations.reverse();
    const offset = Number(q.get("offset") ?? 0) || 0;
    const limit = Math.min(100_000, Number(q.get("limit") ?? 100_000) || 100_000);
    return {
      status: 200,
      body: {
        realtime_start: today,
        realtime_end: today,
        observation_start: start,
        observation_end: end,
        units: "lin",
        output_type: 1,
        file_type: "json",
        order_by: "observation_date",
        sort_order: sortOrder,
        count: n,
        offset,
        limit,
        observations: observations.slice(offset, offset + limit),
      },
    };
  }

  // ---- Routing and faults -----------------------------------------------------------------------------------------

  const ROUTES: Record<string, StandInEndpoint> = {
    "/v1/forecast": "forecast",
    "/v1/archive": "archive",
    "/v1/search": "geocoding",
    "/fred/series/observations": "fred",
  };

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? "/", "http://stand-in");
    const endpoint = ROUTES[url.pathname];
    if (!endpoint || req.method !== "GET") {
      json(res, 404, { error: true, reason: "Not Found" });
      return;
    }
    log.push({ endpoint, url: req.url ?? "", query: Object.fromEntries(url.searchParams) });
    const fault = takeFault(endpoint);
    if (fault?.kind === "outage") {
      if (fault.mode === "reset") {
        req.socket.destroy();
        return;
      }
      if (fault.mode === "timeout") {
        hanging.add(res);
        res.on("close", () => hanging.delete(res));
        return;
      }
      res.writeHead(503, { "content-type": "text/html" });
      res.end("<html><body><h1>503 Service Unavailable</h1></body></html>");
      return;
    }
    if (fault?.kind === "rate_limit") {
      const headers = { "retry-after": String(fault.retryAfterSeconds) };
      if (endpoint === "fred") json(res, 429, { error_code: 429, error_message: "Too Many Requests.  Exceeded Rate Limit" }, headers);
      else json(res, 429, { error: true, reason: "Minutely API request limit exceeded. Please try again in one minute." }, headers);
      return;
    }
    const bad = fault?.kind === "bad_data" ? fault.mode : undefined;
    if (bad === "malformed_json") {
      res.writeHead(200, { "content-type": "application/json; charset=utf-8" });
      res.end('{"latitude":52.5,"daily":{"time":["2026-');
      return;
    }
    try {
      if (endpoint === "fred") {
        const answer = fredAnswer(url.searchParams, bad);
        json(res, answer.status, answer.body);
      } else if (endpoint === "geocoding") {
        json(res, 200, geocodingAnswer(url.searchParams));
      } else {
        json(res, 200, weatherAnswer(endpoint, url.searchParams, bad));
      }
    } catch (error) {
      if (error instanceof BadRequest) json(res, 400, { error: true, reason: error.message });
      else json(res, 500, { error: true, reason: error instanceof Error ? error.message : String(error) });
    }
  }

  const server = createServer(handle);
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("signals stand-in: no port");
  const base = `http://127.0.0.1:${address.port}`;

  return {
    url: base,
    env: {
      OPEN_METEO_FORECAST_URL: `${base}/v1/forecast`,
      OPEN_METEO_ARCHIVE_URL: `${base}/v1/archive`,
      OPEN_METEO_GEOCODING_URL: `${base}/v1/search`,
      FRED_API_URL: `${base}/fred`,
    },
    setFault: (endpoint, fault) => (fault ? faults.set(endpoint, fault) : faults.delete(endpoint)),
    clearFaults: () => faults.clear(),
    requests: (endpoint) => log.filter((r) => !endpoint || r.endpoint === endpoint),
    clearRequests: () => {
      log.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hanging) res.destroy();
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
