/**
 * Email delivery for /metrics (Prometheus text, app/metrics/prometheus.ts):
 *
 * - `fluxor_email_events_total{event, type}`: a counter of the email log's events, raised in the statement that
 *   records each event (app/email/log.server.ts `recordEvent`), so it never goes down, not even when the 90-day
 *   pruning deletes the events, and a replayed webhook (same event id) counts once. `event`: queued, accepted (Resend's
 *   API took it), sent (Resend's `email.sent`), delivered, delayed, bounced, complained, opened and clicked (every
 *   open and click Resend reports), failed, suppressed. `type`: the alert type of alert and forecast-failure emails
 *   (out_of_stock, …, forecast_failed), else the kind (digest, summary, confirm, test).
 * - gauges of now: emails waiting to be sent and the age of the oldest, suppressed addresses by reason.
 */
import { pool, type Queryable } from "../db/pool.server";
import { readCounters, samplesOf, type CounterSeries } from "../metrics/counters.server";
import { byLabel, prometheusText, single } from "../metrics/prometheus";

/** The counter `recordEvent` raises, and the name it is exposed under. */
export const EMAIL_EVENTS_COUNTER = "fluxor_email_events_total";

export interface EmailHealth {
  /** `fluxor_email_events_total`'s series. */
  events: CounterSeries[];
  /** Messages waiting to be sent, and the age of the oldest in seconds. */
  queued: number;
  oldestQueuedSeconds: number;
  suppressions: Record<string, number>;
}

export const EMPTY_EMAIL_HEALTH: EmailHealth = { events: [], queued: 0, oldestQueuedSeconds: 0, suppressions: {} };

export async function loadEmailHealth(db: Queryable = pool()): Promise<EmailHealth> {
  const [events, queued, suppressed] = await Promise.all([
    readCounters([EMAIL_EVENTS_COUNTER], db),
    db.query<{ n: number; oldest: number | null }>(
      `SELECT count(*)::int AS n, extract(epoch FROM now() - min("createdAt"))::float8 AS oldest FROM "EmailMessage" WHERE status = 'queued'`,
    ),
    db.query<{ reason: string; n: number }>(`SELECT reason, count(*)::int AS n FROM "EmailSuppression" GROUP BY reason`),
  ]);
  return {
    events,
    queued: queued.rows[0]?.n ?? 0,
    oldestQueuedSeconds: queued.rows[0]?.oldest ?? 0,
    suppressions: Object.fromEntries(suppressed.rows.map((r) => [r.reason, r.n])),
  };
}

export function emailPrometheusText(h: EmailHealth): string {
  return prometheusText([
    {
      name: EMAIL_EVENTS_COUNTER,
      help: "Email events by event (queued, accepted, sent, delivered, delayed, bounced, complained, opened, clicked, failed, suppressed) and alert type or email kind",
      type: "counter",
      samples: samplesOf(h.events, EMAIL_EVENTS_COUNTER),
    },
    single("fluxor_email_queued", "Emails waiting to be sent", "gauge", h.queued),
    single("fluxor_email_oldest_queued_seconds", "Age of the oldest email waiting to be sent", "gauge", h.oldestQueuedSeconds),
    byLabel(
      "fluxor_email_suppressions",
      "Suppressed addresses by reason (bounce, complaint, unsubscribe)",
      "gauge",
      "reason",
      h.suppressions,
    ),
  ]);
}
