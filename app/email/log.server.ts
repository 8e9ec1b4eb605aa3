/**
 * The email log (EmailMessage, EmailEvent, EmailSuppression; prisma/schema/alerts.prisma), in SQL on the
 * pool. A message is created once per idempotency key, in the same transaction as its send job, so a
 * cause processed twice (a retried job, a duplicate run) logs and sends one email.
 *
 * Status moves forward only: queued → sent → delayed → delivered, and bounced / complained / failed /
 * suppressed end it. A late or replayed event never moves a message back (Resend's webhooks arrive out
 * of order); opens and clicks are timestamps of their own.
 */
import type { Queryable } from "../db/pool.server";
import { addJob } from "../jobs/queue.server";
import { emailSendJob } from "../jobs/contracts/email";
import { EMAIL_EVENTS_COUNTER } from "./metrics.server";

/**
 * `billing`: dunning and trial-ending emails (app/billing/notices.server.ts). Transactional: an unsubscribe from
 * alerts does not stop them, hard bounces and complaints do (send.server.ts).
 */
export const EMAIL_KINDS = ["alert", "digest", "summary", "confirm", "test", "operator", "billing"] as const;
export type EmailKind = (typeof EMAIL_KINDS)[number];

export const EMAIL_STATUSES = ["queued", "sent", "delayed", "delivered", "bounced", "complained", "failed", "suppressed"] as const;
export type EmailStatus = (typeof EMAIL_STATUSES)[number];

export const EVENT_TYPES = [...EMAIL_STATUSES, "opened", "clicked"] as const;
export type EmailEventType = (typeof EVENT_TYPES)[number];

/** How far along a status is; an event applies only when it moves the message forward. */
const RANK: Record<EmailStatus, number> = {
  queued: 0,
  sent: 1,
  delayed: 2,
  delivered: 3,
  failed: 4,
  suppressed: 4,
  bounced: 5,
  complained: 6,
};

export function statusAfter(current: EmailStatus, event: EmailEventType): EmailStatus {
  if (event === "opened" || event === "clicked") return current;
  return RANK[event] > RANK[current] ? event : current;
}

/** Messages and events are kept this long (the `email.prune` job). */
export const RETENTION_DAYS = 90;

export interface NewMessage {
  shopId: string;
  kind: EmailKind;
  alertType: string | null;
  templateVersion: string;
  recipient: string;
  idempotencyKey: string;
  priority: number;
  /** What the template renders (validated by app/email/model.ts when the message is sent). */
  content: unknown;
  /** Hold the send until then (quiet hours, a digest's hour). */
  sendAt?: Date;
}

/**
 * Logs a message and queues its send, once per idempotency key: returns its id, and whether it is new.
 * Call it inside the transaction that records the cause, so both commit or neither does.
 */
export async function queueMessage(db: Queryable, m: NewMessage): Promise<{ id: string; created: boolean }> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO "EmailMessage" (id, "shopId", kind, "alertType", "templateVersion", recipient, "idempotencyKey", priority, status, content)
     VALUES (gen_random_uuid(), $1, $2, $3, $4, lower($5), $6, $7, 'queued', $8::jsonb)
     ON CONFLICT ("idempotencyKey") DO NOTHING
     RETURNING id`,
    [m.shopId, m.kind, m.alertType, m.templateVersion, m.recipient, m.idempotencyKey, m.priority, JSON.stringify(m.content)],
  );
  const id = rows[0]?.id;
  if (!id) {
    const existing = await db.query<{ id: string }>(`SELECT id FROM "EmailMessage" WHERE "idempotencyKey" = $1`, [m.idempotencyKey]);
    return { id: existing.rows[0]!.id, created: false };
  }
  await recordEvent(db, { eventId: `queued:${id}`, shopId: m.shopId, messageId: id, type: "queued", at: new Date() });
  await addJob(db, emailSendJob, { messageId: id, priority: m.priority }, { runAt: m.sendAt });
  return { id, created: true };
}

export interface StoredMessage {
  id: string;
  shopId: string;
  kind: EmailKind;
  alertType: string | null;
  templateVersion: string;
  recipient: string;
  idempotencyKey: string;
  status: EmailStatus;
  content: unknown;
  providerId: string | null;
  batchKey: string | null;
  attempts: number;
}

export async function loadMessage(db: Queryable, id: string): Promise<StoredMessage | null> {
  const { rows } = await db.query<StoredMessage>(
    `SELECT id, "shopId", kind, "alertType", "templateVersion", recipient, "idempotencyKey", status, content, "providerId", "batchKey", attempts
       FROM "EmailMessage" WHERE id = $1`,
    [id],
  );
  return rows[0] ?? null;
}

export interface EventInput {
  /** Unique per event: Resend's webhook id (svix-id), or ours (`<type>:<messageId>`). */
  eventId: string;
  shopId: string;
  messageId: string;
  type: EmailEventType;
  at: Date;
  detail?: Record<string, string | number | boolean | null>;
}

/**
 * The event as `fluxor_email_events_total` names it: our own "sent" (Resend's API accepted the email) is
 * "accepted", so that it is not confused with Resend's `email.sent` webhook, which is recorded as "sent" too.
 */
function counterEvent(e: EventInput): string {
  return e.type === "sent" && e.eventId === `sent:${e.messageId}` ? "accepted" : e.type;
}

/**
 * Records an event once (a replayed webhook is a no-op), counts it (`fluxor_email_events_total`) and moves the
 * message's status forward. Returns false when the event was already recorded.
 */
export async function recordEvent(db: Queryable, e: EventInput): Promise<boolean> {
  // The event and its count in `fluxor_email_events_total` (app/email/metrics.server.ts) in one statement: both
  // or neither, and a replayed event (its id already recorded) inserts nothing, so it counts nothing.
  const inserted = await db.query<{ n: number }>(
    `WITH event AS (
       INSERT INTO "EmailEvent" ("eventId", "shopId", "messageId", type, "occurredAt", detail)
       VALUES ($1, $2, $3, $4, $5, $6::jsonb) ON CONFLICT ("eventId") DO NOTHING
       RETURNING "messageId"
     ), counted AS (
       INSERT INTO "MetricCounter" (name, labels, value)
       SELECT $7, jsonb_build_object('event', $8::text, 'type', coalesce(m."alertType", m.kind, 'unknown')), 1
         FROM event LEFT JOIN "EmailMessage" m ON m.id = event."messageId"
     )
     SELECT count(*)::int AS n FROM event`,
    [e.eventId, e.shopId, e.messageId, e.type, e.at, JSON.stringify(e.detail ?? {}), EMAIL_EVENTS_COUNTER, counterEvent(e)],
  );
  if ((inserted.rows[0]?.n ?? 0) === 0) return false;
  if (e.type === "opened" || e.type === "clicked") {
    const column = e.type === "opened" ? `"openedAt"` : `"clickedAt"`;
    await db.query(
      `UPDATE "EmailMessage" SET ${column} = LEAST(coalesce(${column}, $3), $3), "updatedAt" = now() WHERE id = $1 AND "shopId" = $2`,
      [e.messageId, e.shopId, e.at],
    );
    return true;
  }
  const behind = EMAIL_STATUSES.filter((status) => RANK[status] < RANK[e.type as EmailStatus]);
  await db.query(
    `UPDATE "EmailMessage" SET status = $3, "updatedAt" = now(),
            "sentAt" = CASE WHEN $3 = 'sent' THEN coalesce("sentAt", $4) ELSE "sentAt" END
      WHERE id = $1 AND "shopId" = $2 AND status = ANY($5::text[])`,
    [e.messageId, e.shopId, e.type, e.at, behind],
  );
  return true;
}

/** Why this shop must not email this address (bounce, complaint, unsubscribe), or null. */
export async function isSuppressed(db: Queryable, shopId: string, email: string): Promise<string | null> {
  const { rows } = await db.query<{ reason: string }>(`SELECT reason FROM "EmailSuppression" WHERE "shopId" = $1 AND email = lower($2)`, [
    shopId,
    email,
  ]);
  return rows[0]?.reason ?? null;
}

export type SuppressionReason = "bounce" | "complaint" | "unsubscribe";

/** Adds a suppression; idempotent, and a bounce or complaint is never downgraded to an unsubscribe. */
export async function suppress(db: Queryable, shopId: string, email: string, reason: SuppressionReason): Promise<boolean> {
  const { rowCount } = await db.query(
    `INSERT INTO "EmailSuppression" ("shopId", email, reason) VALUES ($1, lower($2), $3)
     ON CONFLICT ("shopId", email) DO UPDATE SET reason = excluded.reason, "createdAt" = now()
       WHERE "EmailSuppression".reason = 'unsubscribe' AND excluded.reason <> 'unsubscribe'`,
    [shopId, email, reason],
  );
  return (rowCount ?? 0) > 0;
}

/** Lifts an unsubscribe (the recipient turning emails back on). Bounces and complaints stay. */
export async function unsuppress(db: Queryable, shopId: string, email: string): Promise<void> {
  await db.query(`DELETE FROM "EmailSuppression" WHERE "shopId" = $1 AND email = lower($2) AND reason = 'unsubscribe'`, [shopId, email]);
}

/**
 * Deletes messages and events past the retention (all shops: the log's own housekeeping). Their counts in
 * `fluxor_email_events_total` stay: the counter is not derived from these rows.
 */
export async function pruneLog(db: Queryable, now: Date = new Date()): Promise<{ messages: number; events: number }> {
  const cutoff = new Date(now.getTime() - RETENTION_DAYS * 86_400_000);
  const events = await db.query(`DELETE FROM "EmailEvent" WHERE "occurredAt" < $1`, [cutoff]);
  const messages = await db.query(`DELETE FROM "EmailMessage" WHERE "createdAt" < $1`, [cutoff]);
  return { messages: messages.rowCount ?? 0, events: events.rowCount ?? 0 };
}
