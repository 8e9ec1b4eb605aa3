/** What the sync status page, /healthz and /metrics show. Every per-shop read filters on the shop. */
import { pool, type Queryable } from "../db/pool.server";
import { byLabel, prometheusText as writePrometheus, single } from "../metrics/prometheus";
import { shopByDomain } from "../shops/lookup.server";
import { PHASES, type PhaseState } from "./initial-sync.server";

export interface SyncStatus {
  run: {
    id: string;
    status: string;
    phase: string;
    allOrders: boolean;
    ordersFrom: string | null;
    startedAt: string;
    finishedAt: string | null;
    phases: { name: string; state: string; rows: number; total: number | null; progress: number; rowsPerSecond: number | null }[];
    errors: { at: string; phase: string; message: string }[];
  } | null;
  counts: { products: number; variants: number; locations: number; levels: number; orders: number; demandRows: number };
  webhooks: {
    id: string;
    topic: string;
    status: string;
    receivedAt: string;
    processedAt: string | null;
    attempts: number;
    lastError: string | null;
  }[];
  deadLetters: { id: string; topic: string; status: string; receivedAt: string; attempts: number; lastError: string | null }[];
  lastReconcile: { finishedAt: string | null; status: string; repairs: unknown } | null;
}

export async function loadSyncStatus(domain: string, db: Queryable = pool()): Promise<SyncStatus | null> {
  const shopId = (await shopByDomain(db, domain))?.id;
  if (!shopId) return null;
  const [run, counts, webhooks, dead, reconcile] = await Promise.all([
    db.query<{
      id: string;
      status: string;
      phase: string;
      allOrders: boolean;
      ordersFrom: Date | null;
      startedAt: Date;
      finishedAt: Date | null;
      phases: Record<string, PhaseState>;
      errors: { at: string; phase: string; message: string }[];
    }>(
      `SELECT id, status, phase, "allOrders", "ordersFrom", "startedAt", "finishedAt", phases, errors FROM "SyncRun"
        WHERE "shopId" = $1 AND kind = 'initial' ORDER BY "startedAt" DESC LIMIT 1`,
      [shopId],
    ),
    db.query<Record<string, string>>(
      `SELECT (SELECT count(*) FROM "Product" WHERE "shopId" = $1 AND "deletedAt" IS NULL)::text AS products,
              (SELECT count(*) FROM "ProductVariant" WHERE "shopId" = $1 AND "deletedAt" IS NULL)::text AS variants,
              (SELECT count(*) FROM "Location" WHERE "shopId" = $1)::text AS locations,
              (SELECT count(*) FROM "InventoryLevel" WHERE "shopId" = $1)::text AS levels,
              (SELECT count(*) FROM "Order" WHERE "shopId" = $1)::text AS orders,
              (SELECT count(*) FROM "DailyDemand" WHERE "shopId" = $1)::text AS "demandRows"`,
      [shopId],
    ),
    db.query<{
      id: string;
      topic: string;
      status: string;
      receivedAt: Date;
      processedAt: Date | null;
      attempts: number;
      lastError: string | null;
    }>(
      `SELECT id::text, topic, status, "receivedAt", "processedAt", attempts, "lastError" FROM "WebhookEvent"
        WHERE "shopId" = $1 ORDER BY "receivedAt" DESC, id DESC LIMIT 25`,
      [shopId],
    ),
    db.query<{ id: string; topic: string; status: string; receivedAt: Date; attempts: number; lastError: string | null }>(
      `SELECT id::text, topic, status, "receivedAt", attempts, "lastError" FROM "WebhookEvent"
        WHERE "shopId" = $1 AND status IN ('failed', 'dead') ORDER BY "receivedAt" DESC LIMIT 50`,
      [shopId],
    ),
    db.query<{ finishedAt: Date | null; status: string; repairs: unknown }>(
      `SELECT "finishedAt", status, repairs FROM "SyncRun" WHERE "shopId" = $1 AND kind = 'reconcile' ORDER BY "startedAt" DESC LIMIT 1`,
      [shopId],
    ),
  ]);
  const r = run.rows[0];
  const c = counts.rows[0] ?? {};
  return {
    run: r
      ? {
          id: r.id,
          status: r.status,
          phase: r.phase,
          allOrders: r.allOrders,
          ordersFrom: r.ordersFrom?.toISOString() ?? null,
          startedAt: r.startedAt.toISOString(),
          finishedAt: r.finishedAt?.toISOString() ?? null,
          phases: PHASES.map((name) => {
            const p = r.phases[name] ?? { state: "waiting", rows: 0 };
            const total = p.total ?? null;
            const progress =
              p.state === "done" ? 100 : total ? Math.min(99, Math.round((p.rows / total) * 100)) : p.state === "running" ? 5 : 0;
            return { name, state: p.state, rows: p.rows, total, progress, rowsPerSecond: p.rowsPerSecond ?? null };
          }),
          errors: r.errors.slice(-10).reverse(),
        }
      : null,
    counts: {
      products: Number(c.products ?? 0),
      variants: Number(c.variants ?? 0),
      locations: Number(c.locations ?? 0),
      levels: Number(c.levels ?? 0),
      orders: Number(c.orders ?? 0),
      demandRows: Number(c.demandRows ?? 0),
    },
    webhooks: webhooks.rows.map((w) => ({
      ...w,
      receivedAt: w.receivedAt.toISOString(),
      processedAt: w.processedAt?.toISOString() ?? null,
    })),
    deadLetters: dead.rows.map((w) => ({ ...w, receivedAt: w.receivedAt.toISOString() })),
    lastReconcile: reconcile.rows[0]
      ? {
          finishedAt: reconcile.rows[0].finishedAt?.toISOString() ?? null,
          status: reconcile.rows[0].status,
          repairs: reconcile.rows[0].repairs,
        }
      : null,
  };
}

/** The overview's sync card: indexed single-row reads only (the row counts are in the overview's cache). */
export interface SyncSummary {
  /** "running" | "completed" | "failed" | … of the latest initial sync; null before one started. */
  status: string | null;
  /** When the store was last fully in step: the last reconciliation, else the initial sync's end. */
  finishedAt: string | null;
  failedWebhooks: number;
}

export async function loadSyncSummary(db: Queryable, shopId: string): Promise<SyncSummary> {
  const { rows } = await db.query<{ status: string | null; finishedAt: Date | null; failed: number }>(
    `SELECT (SELECT status FROM "SyncRun" WHERE "shopId" = $1 AND kind = 'initial' ORDER BY "startedAt" DESC LIMIT 1) AS status,
            coalesce((SELECT "finishedAt" FROM "SyncRun" WHERE "shopId" = $1 AND kind = 'reconcile' ORDER BY "startedAt" DESC LIMIT 1),
                     (SELECT "finishedAt" FROM "SyncRun" WHERE "shopId" = $1 AND kind = 'initial' ORDER BY "startedAt" DESC LIMIT 1)) AS "finishedAt",
            (SELECT count(*) FROM "WebhookEvent" WHERE "shopId" = $1 AND status IN ('failed', 'dead'))::int AS failed`,
    [shopId],
  );
  const row = rows[0];
  return { status: row?.status ?? null, finishedAt: row?.finishedAt?.toISOString() ?? null, failedWebhooks: row?.failed ?? 0 };
}

/** Synced orders and live variants of a shop (full counts: the overview caches them). */
export async function countSyncedRows(db: Queryable, shopId: string): Promise<{ orders: number; variants: number }> {
  const { rows } = await db.query<{ orders: number; variants: number }>(
    `SELECT (SELECT count(*) FROM "Order" WHERE "shopId" = $1)::int AS orders,
            (SELECT count(*) FROM "ProductVariant" WHERE "shopId" = $1 AND "deletedAt" IS NULL)::int AS variants`,
    [shopId],
  );
  return { orders: rows[0]?.orders ?? 0, variants: rows[0]?.variants ?? 0 };
}

/** Process-wide health figures (no shop data): /healthz and /metrics. */
export interface SyncHealth {
  queueLagSeconds: number;
  jobsWaiting: number;
  jobsDead: number;
  webhookLagSeconds: number;
  webhooksPending: number;
  webhooksDead: number;
  webhooksTotal: Record<string, number>;
  lastSyncAt: string | null;
  runsRunning: number;
}

export async function loadSyncHealth(db: Queryable = pool()): Promise<SyncHealth> {
  const queue = await db
    .query<{ lag: number | null; waiting: string; dead: string }>(
      `SELECT extract(epoch FROM now() - min(run_at) FILTER (WHERE locked_at IS NULL AND attempts < max_attempts AND run_at <= now()))::float AS lag,
              count(*) FILTER (WHERE attempts < max_attempts)::text AS waiting,
              count(*) FILTER (WHERE attempts >= max_attempts)::text AS dead
         FROM graphile_worker.jobs`,
    )
    .catch(() => ({ rows: [{ lag: 0, waiting: "0", dead: "0" }] }));
  const hooks = await db.query<{ lag: number | null; pending: string; dead: string }>(
    `SELECT extract(epoch FROM now() - min("receivedAt") FILTER (WHERE status IN ('received', 'failed')))::float AS lag,
            count(*) FILTER (WHERE status IN ('received', 'failed'))::text AS pending,
            count(*) FILTER (WHERE status = 'dead')::text AS dead
       FROM "WebhookEvent"`,
  );
  const byStatus = await db.query<{ status: string; n: string }>(`SELECT status, count(*)::text AS n FROM "WebhookEvent" GROUP BY status`);
  const runs = await db.query<{ last: Date | null; running: string }>(
    `SELECT max("finishedAt") FILTER (WHERE status = 'completed') AS last, count(*) FILTER (WHERE status = 'running')::text AS running FROM "SyncRun"`,
  );
  const q = queue.rows[0];
  const h = hooks.rows[0];
  return {
    queueLagSeconds: Math.max(0, q?.lag ?? 0),
    jobsWaiting: Number(q?.waiting ?? 0),
    jobsDead: Number(q?.dead ?? 0),
    webhookLagSeconds: Math.max(0, h?.lag ?? 0),
    webhooksPending: Number(h?.pending ?? 0),
    webhooksDead: Number(h?.dead ?? 0),
    webhooksTotal: Object.fromEntries(byStatus.rows.map((r) => [r.status, Number(r.n)])),
    lastSyncAt: runs.rows[0]?.last?.toISOString() ?? null,
    runsRunning: Number(runs.rows[0]?.running ?? 0),
  };
}

/** Prometheus text exposition (version 0.0.4), written by app/metrics/prometheus.ts. */
export function prometheusText(health: SyncHealth, databaseUp: boolean): string {
  return writePrometheus([
    single("fluxor_database_up", "1 when the database answers", "gauge", databaseUp ? 1 : 0),
    single("fluxor_job_queue_lag_seconds", "Age of the oldest runnable job not yet picked up", "gauge", health.queueLagSeconds),
    single("fluxor_jobs_waiting", "Jobs queued or retrying", "gauge", health.jobsWaiting),
    single("fluxor_jobs_dead", "Jobs that used all their attempts", "gauge", health.jobsDead),
    single("fluxor_webhook_lag_seconds", "Age of the oldest webhook event not yet processed", "gauge", health.webhookLagSeconds),
    byLabel("fluxor_webhook_events", "Stored webhook events by status", "gauge", "status", health.webhooksTotal),
    single("fluxor_sync_runs_running", "Initial syncs and reconciliations running", "gauge", health.runsRunning),
    single(
      "fluxor_last_sync_timestamp_seconds",
      "When a sync or reconciliation last completed",
      "gauge",
      health.lastSyncAt ? Date.parse(health.lastSyncAt) / 1000 : 0,
    ),
  ]);
}
