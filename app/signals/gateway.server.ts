/**
 * The gateway at rest: validated answers cached in Postgres (`SignalCache`, keyed by endpoint, coarse scope — a 0.1°
 * cell and time zone, or a series id — and the days asked), with `fetchedAt` and an expiry (none for immutable data),
 * in front of ./gateway.ts's call with its per-endpoint circuit (./gateway-circuit.server.ts).
 *
 * A cached value is parsed again with the request's schema on the way out; one that no longer parses is fetched
 * again. Writing an entry also drops the expired entries of the same endpoint and scope. Only validated answers are
 * stored, never an error, and never the URL (which may carry an API key).
 */
import type { Queryable } from "../db/pool.server";
import type { CircuitConfig } from "./gateway-circuit";
import { circuitConfigFromEnv, postgresBreaker } from "./gateway-circuit.server";
import { DEFAULT_GATEWAY_OPTIONS, callEndpoint, type EndpointRequest, type GatewayOptions, type GatewayOutcome } from "./gateway";

export interface CacheKey {
  scope: string;
  fromDay: string;
  toDay: string;
  /** null: never expires. */
  ttlMs: number | null;
}

export interface GatewayDeps {
  db: Queryable;
  now: () => Date;
  options: GatewayOptions;
  circuit: CircuitConfig;
}

export function gatewayDeps(db: Queryable, overrides: Partial<Omit<GatewayDeps, "db">> = {}): GatewayDeps {
  return {
    db,
    now: overrides.now ?? (() => new Date()),
    options: overrides.options ?? DEFAULT_GATEWAY_OPTIONS,
    circuit: overrides.circuit ?? circuitConfigFromEnv(),
  };
}

/** One call through the circuit, without the cache (the settings page's connection test). */
export function callUncached<T>(request: EndpointRequest<T>, deps: GatewayDeps): Promise<GatewayOutcome<T>> {
  return callEndpoint(request, postgresBreaker(request.endpoint, deps.circuit, deps.now), deps.options);
}

export async function cachedCall<T>(request: EndpointRequest<T>, key: CacheKey, deps: GatewayDeps): Promise<GatewayOutcome<T>> {
  const { rows } = await deps.db.query<{ value: unknown }>(
    `SELECT value FROM "SignalCache"
      WHERE endpoint = $1 AND scope = $2 AND "fromDay" = $3::date AND "toDay" = $4::date AND ("expiresAt" IS NULL OR "expiresAt" > $5)`,
    [request.endpoint, key.scope, key.fromDay, key.toDay, deps.now()],
  );
  if (rows[0]) {
    const parsed = request.schema.safeParse(rows[0].value);
    if (parsed.success) return { ok: true, data: parsed.data };
  }
  const outcome = await callUncached(request, deps);
  if (outcome.ok) {
    const fetchedAt = deps.now();
    const expiresAt = key.ttlMs === null ? null : new Date(fetchedAt.getTime() + key.ttlMs);
    await deps.db.query(
      `INSERT INTO "SignalCache" (endpoint, scope, "fromDay", "toDay", value, "fetchedAt", "expiresAt")
       VALUES ($1, $2, $3::date, $4::date, $5::jsonb, $6, $7)
       ON CONFLICT (endpoint, scope, "fromDay", "toDay") DO UPDATE
         SET value = excluded.value, "fetchedAt" = excluded."fetchedAt", "expiresAt" = excluded."expiresAt"`,
      [request.endpoint, key.scope, key.fromDay, key.toDay, JSON.stringify(outcome.data), fetchedAt, expiresAt],
    );
    await deps.db.query(`DELETE FROM "SignalCache" WHERE endpoint = $1 AND scope = $2 AND "expiresAt" <= $3`, [
      request.endpoint,
      key.scope,
      fetchedAt,
    ]);
  }
  return outcome;
}
