import { pingDatabase } from "../db/health.server";
import { loadSyncHealth } from "../sync/status.server";

/**
 * Liveness and readiness: 200 when the database answers, 503 otherwise. Also reports the job queue's lag,
 * the webhook backlog's lag and when a sync last completed (no shop data).
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
