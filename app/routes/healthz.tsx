import { pingDatabase } from "../db/health.server";
import { loadSyncHealth } from "../sync/status.server";

/**
 * Liveness and readiness: 200 when the database answers within 2 s, 503 otherwise. No shop data; never cached.
 *
 * - 503: `{ ok: false, database: { ok: false } }`.
 * - 200: `{ ok: true, database: { ok: true, latencyMs }, queue, webhooks, sync }`:
 *   - `queue.lagSeconds`: age of the oldest job that is due and not yet taken (0 when none); `queue.waiting`: jobs
 *     queued or retrying; `queue.dead`: jobs that used all their attempts;
 *   - `webhooks.lagSeconds`: age of the oldest stored webhook not yet applied (received or failed); `webhooks.pending`:
 *     those events; `webhooks.dead`: events whose retries ran out (the sync page replays them);
 *   - `sync.lastCompletedAt`: when an initial sync or a reconciliation last completed (ISO 8601, null before any);
 *     `sync.running`: syncs and reconciliations running now.
 *   When the database answers but these figures cannot be read, `{ ok: true, database, sync: { ok: false } }`.
 * Tested by tests/integration/reconcile-replay-health.test.ts (the figures) and fault-postgres-restart.test.ts (down).
 */
export const loader = async () => {
  const started = Date.now();
  const headers = { "Cache-Control": "no-store" };
  if (!(await pingDatabase())) return Response.json({ ok: false, database: { ok: false } }, { status: 503, headers });
  const database = { ok: true, latencyMs: Date.now() - started };
  try {
    const health = await loadSyncHealth();
    return Response.json(
      {
        ok: true,
        database,
        queue: { lagSeconds: health.queueLagSeconds, waiting: health.jobsWaiting, dead: health.jobsDead },
        webhooks: { lagSeconds: health.webhookLagSeconds, pending: health.webhooksPending, dead: health.webhooksDead },
        sync: { lastCompletedAt: health.lastSyncAt, running: health.runsRunning },
      },
      { headers },
    );
  } catch {
    return Response.json({ ok: true, database, sync: { ok: false } }, { headers });
  }
};
