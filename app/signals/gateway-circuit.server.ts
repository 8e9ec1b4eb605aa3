/**
 * The endpoint circuits at rest (`SignalCircuit`, one row per external endpoint, shared by every shop and process):
 * each decision reads the row under `FOR UPDATE`, applies the pure transition of ./gateway-circuit.ts and writes the
 * result, so exactly one caller wins a half-open trial. Numbers: FLUXOR_SIGNAL_CIRCUIT_FAILURES consecutive failed calls
 * (default 3) open it for FLUXOR_SIGNAL_CIRCUIT_COOLDOWN_SECONDS (default 300).
 */
import { z } from "zod";
import { inTransaction, type Queryable } from "../db/pool.server";
import { admit, afterFailure, afterSuccess, closedCircuit, type Admission, type CircuitConfig, type CircuitState } from "./gateway-circuit";
import type { Breaker } from "./gateway";
import type { EndpointId } from "./sources";

const PositiveInteger = z.coerce.number().int().positive();

function fromEnv(name: string, fallback: number): number {
  const parsed = PositiveInteger.safeParse(process.env[name]);
  return parsed.success ? parsed.data : fallback;
}

export function circuitConfigFromEnv(): CircuitConfig {
  return {
    threshold: fromEnv("FLUXOR_SIGNAL_CIRCUIT_FAILURES", 3),
    coolDownMs: fromEnv("FLUXOR_SIGNAL_CIRCUIT_COOLDOWN_SECONDS", 300) * 1000,
  };
}

const PHASES = new Set(["closed", "open", "half_open"]);

async function locked(db: Queryable, endpoint: EndpointId, now: Date): Promise<CircuitState> {
  await db.query(`INSERT INTO "SignalCircuit" (endpoint, "updatedAt") VALUES ($1, $2) ON CONFLICT (endpoint) DO NOTHING`, [endpoint, now]);
  const { rows } = await db.query<{ state: string; consecutiveFailures: number; openedAt: Date | null; updatedAt: Date }>(
    `SELECT state, "consecutiveFailures", "openedAt", "updatedAt" FROM "SignalCircuit" WHERE endpoint = $1 FOR UPDATE`,
    [endpoint],
  );
  const row = rows[0];
  if (!row || !PHASES.has(row.state)) return closedCircuit(now);
  return { ...row, state: row.state as CircuitState["state"] };
}

async function store(db: Queryable, endpoint: EndpointId, state: CircuitState, lastError: string | null): Promise<void> {
  await db.query(
    `UPDATE "SignalCircuit" SET state = $2, "consecutiveFailures" = $3, "openedAt" = $4, "updatedAt" = $5,
            "lastError" = COALESCE($6, "lastError")
      WHERE endpoint = $1`,
    [endpoint, state.state, state.consecutiveFailures, state.openedAt, state.updatedAt, lastError?.slice(0, 500) ?? null],
  );
}

export function postgresBreaker(endpoint: EndpointId, config: CircuitConfig, now: () => Date = () => new Date()): Breaker {
  return {
    admit: () =>
      inTransaction(async (tx): Promise<Admission> => {
        const at = now();
        const current = await locked(tx, endpoint, at);
        const { admission, next } = admit(current, at, config);
        if (next !== current) await store(tx, endpoint, next, null);
        return admission;
      }),
    success: () =>
      inTransaction(async (tx) => {
        const at = now();
        const current = await locked(tx, endpoint, at);
        if (current.state !== "closed" || current.consecutiveFailures !== 0) await store(tx, endpoint, afterSuccess(current, at), null);
      }),
    failure: (error: string) =>
      inTransaction(async (tx) => {
        const at = now();
        await store(tx, endpoint, afterFailure(await locked(tx, endpoint, at), at, config), error);
      }),
  };
}
