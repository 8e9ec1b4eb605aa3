/**
 * A circuit breaker per shop, stored in Postgres (ApiCircuit) so every worker process sees the same
 * state: closed → open after `threshold` consecutive failures → half-open after `coolDownMs` (one
 * caller gets to try) → closed on success, open again on failure.
 *
 * The defaults (5 failures, 60 s) can be set per deployment with FLUXOR_CIRCUIT_FAILURES and
 * FLUXOR_CIRCUIT_COOLDOWN_SECONDS; the fault tests shorten them so that a real outage of the Shopify
 * stand-in opens and closes the real breaker in seconds (docs/decisions/0022).
 */
import { z } from "zod";
import type { Queryable } from "../db/pool.server";

export class CircuitOpenError extends Error {
  constructor(
    readonly shopId: string,
    readonly retryInMs: number,
  ) {
    super(`circuit open for shop ${shopId}: Shopify kept failing; next try in ${Math.ceil(retryInMs / 1000)} s`);
    this.name = "CircuitOpenError";
  }
}

export interface CircuitBreaker {
  before(): Promise<void>;
  success(): Promise<void>;
  failure(error: string): Promise<void>;
}

export interface CircuitOptions {
  threshold?: number;
  coolDownMs?: number;
  now?: () => Date;
}

const PositiveInteger = z.coerce.number().int().positive();

/** A positive whole number from the environment, or the default when unset or not one. */
function fromEnv(name: string, fallback: number): number {
  const parsed = PositiveInteger.safeParse(process.env[name]);
  return parsed.success ? parsed.data : fallback;
}

/** Consecutive failed requests (each after its own retries) that open the circuit. */
function circuitThreshold(): number {
  return fromEnv("FLUXOR_CIRCUIT_FAILURES", 5);
}

/** How long an open circuit refuses calls before one caller may try again. */
function circuitCoolDownMs(): number {
  return fromEnv("FLUXOR_CIRCUIT_COOLDOWN_SECONDS", 60) * 1000;
}

export function postgresCircuit(db: Queryable, shopId: string, options: CircuitOptions = {}): CircuitBreaker {
  const threshold = options.threshold ?? circuitThreshold();
  const coolDownMs = options.coolDownMs ?? circuitCoolDownMs();
  const now = options.now ?? (() => new Date());
  return {
    async before() {
      const { rows } = await db.query<{ state: string; openedAt: Date | null; updatedAt: Date }>(
        `SELECT state, "openedAt", "updatedAt" FROM "ApiCircuit" WHERE "shopId" = $1`,
        [shopId],
      );
      const row = rows[0];
      if (!row || row.state === "closed") return;
      const elapsed = now().getTime() - (row.openedAt?.getTime() ?? 0);
      if (row.state === "open" && elapsed < coolDownMs) throw new CircuitOpenError(shopId, coolDownMs - elapsed);
      if (row.state === "open") {
        // Half-open: exactly one caller wins the transition and tries.
        const won = await db.query(`UPDATE "ApiCircuit" SET state = 'half_open', "updatedAt" = $2 WHERE "shopId" = $1 AND state = 'open'`, [
          shopId,
          now(),
        ]);
        if (won.rowCount === 1) return;
      } else if (now().getTime() - row.updatedAt.getTime() >= coolDownMs) {
        // A trial that never reported back (its worker was killed, or it ended in an error that says nothing about
        // Shopify's health, such as a revoked token) would keep the circuit half-open for good: after a cool-down,
        // one caller takes the trial over.
        const won = await db.query(
          `UPDATE "ApiCircuit" SET "updatedAt" = $2 WHERE "shopId" = $1 AND state = 'half_open' AND "updatedAt" = $3`,
          [shopId, now(), row.updatedAt],
        );
        if (won.rowCount === 1) return;
      }
      // half_open and someone else is trying: wait for their outcome.
      throw new CircuitOpenError(shopId, Math.max(1000, coolDownMs / 10));
    },
    async success() {
      await db.query(
        `UPDATE "ApiCircuit" SET state = 'closed', "consecutiveFailures" = 0, "openedAt" = NULL, "updatedAt" = $2
          WHERE "shopId" = $1 AND (state <> 'closed' OR "consecutiveFailures" <> 0)`,
        [shopId, now()],
      );
    },
    async failure(error: string) {
      await db.query(
        `INSERT INTO "ApiCircuit" ("shopId", state, "consecutiveFailures", "openedAt", "lastError", "updatedAt")
         VALUES ($1, CASE WHEN $3::int <= 1 THEN 'open' ELSE 'closed' END, 1, CASE WHEN $3::int <= 1 THEN $2::timestamptz END, $4, $2)
         ON CONFLICT ("shopId") DO UPDATE SET
           "consecutiveFailures" = "ApiCircuit"."consecutiveFailures" + 1,
           state = CASE WHEN "ApiCircuit".state = 'half_open' OR "ApiCircuit"."consecutiveFailures" + 1 >= $3 THEN 'open' ELSE "ApiCircuit".state END,
           "openedAt" = CASE WHEN "ApiCircuit".state = 'half_open' OR "ApiCircuit"."consecutiveFailures" + 1 >= $3 THEN $2 ELSE "ApiCircuit"."openedAt" END,
           "lastError" = $4, "updatedAt" = $2`,
        [shopId, now(), threshold, error.slice(0, 500)],
      );
    },
  };
}
