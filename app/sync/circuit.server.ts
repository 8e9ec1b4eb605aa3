/**
 * A circuit breaker per shop, stored in Postgres (ApiCircuit) so every worker process sees the same
 * state: closed → open after `threshold` consecutive failures → half-open after `coolDownMs` (one
 * caller gets to try) → closed on success, open again on failure.
 */
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

export function postgresCircuit(db: Queryable, shopId: string, options: CircuitOptions = {}): CircuitBreaker {
  const threshold = options.threshold ?? 5;
  const coolDownMs = options.coolDownMs ?? 60_000;
  const now = options.now ?? (() => new Date());
  return {
    async before() {
      const { rows } = await db.query<{ state: string; openedAt: Date | null }>(
        `SELECT state, "openedAt" FROM "ApiCircuit" WHERE "shopId" = $1`,
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
