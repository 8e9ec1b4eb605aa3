/** Email delivery in Prometheus text: events of the last 24 hours by type, the send backlog, suppressions. */
import { pool, type Queryable } from "../db/pool.server";

export interface EmailHealth {
  /** Events of the last 24 hours by type (queued, sent, delivered, bounced, opened, …). */
  events24h: Record<string, number>;
  /** Messages waiting to be sent, and the age of the oldest in seconds. */
  queued: number;
  oldestQueuedSeconds: number;
  suppressions: Record<string, number>;
}

export const EMPTY_EMAIL_HEALTH: EmailHealth = { events24h: {}, queued: 0, oldestQueuedSeconds: 0, suppressions: {} };

export async function loadEmailHealth(db: Queryable = pool()): Promise<EmailHealth> {
  const [events, queued, suppressed] = await Promise.all([
    db.query<{ type: string; n: number }>(
      `SELECT type, count(*)::int AS n FROM "EmailEvent" WHERE "occurredAt" > now() - interval '24 hours' GROUP BY type`,
    ),
    db.query<{ n: number; oldest: number | null }>(
      `SELECT count(*)::int AS n, extract(epoch FROM now() - min("createdAt"))::float8 AS oldest FROM "EmailMessage" WHERE status = 'queued'`,
    ),
    db.query<{ reason: string; n: number }>(`SELECT reason, count(*)::int AS n FROM "EmailSuppression" GROUP BY reason`),
  ]);
  return {
    events24h: Object.fromEntries(events.rows.map((r) => [r.type, r.n])),
    queued: queued.rows[0]?.n ?? 0,
    oldestQueuedSeconds: queued.rows[0]?.oldest ?? 0,
    suppressions: Object.fromEntries(suppressed.rows.map((r) => [r.reason, r.n])),
  };
}

export function emailPrometheusText(h: EmailHealth): string {
  const lines: string[] = [];
  const gauge = (name: string, help: string, samples: [Record<string, string>, number][]) => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`);
    for (const [labels, value] of samples) {
      const l = Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/["\\\n]/g, "_")}"`);
      lines.push(`${name}${l.length ? `{${l.join(",")}}` : ""} ${Number.isFinite(value) ? value : 0}`);
    }
  };
  gauge(
    "fluxor_email_events_24h",
    "Email events of the last 24 hours by type (queued, sent, delivered, delayed, bounced, complained, opened, clicked, failed, suppressed)",
    Object.entries(h.events24h).map(([type, n]) => [{ type }, n]),
  );
  gauge("fluxor_email_queued", "Emails waiting to be sent", [[{}, h.queued]]);
  gauge("fluxor_email_oldest_queued_seconds", "Age of the oldest email waiting to be sent", [[{}, h.oldestQueuedSeconds]]);
  gauge(
    "fluxor_email_suppressions",
    "Suppressed addresses by reason (bounce, complaint, unsubscribe)",
    Object.entries(h.suppressions).map(([reason, n]) => [{ reason }, n]),
  );
  return `${lines.join("\n")}\n`;
}
