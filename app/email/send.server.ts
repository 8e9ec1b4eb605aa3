/**
 * Sends logged messages (the `email.send` job). Each message is checked first (shop installed, address
 * not suppressed, content still valid, the recipient's hourly limit), its stored content rendered, and
 * Resend called with an idempotency key, so a job that crashed after Resend accepted the email, or a
 * retry, never delivers twice.
 *
 * Alerts go one by one (`POST /emails`). Digests and weekly summaries go in batches of up to 100
 * (`POST /emails/batch`, one request against Resend's 2 requests/s): the first of their jobs to run
 * claims up to 100 queued ones under a batch key, committed before the request, so a retry resends the
 * same emails under the same key (`batch:<key>`). Every send goes through the one `email` queue, so they
 * are serialised across workers, and paced to Resend's limit by a Postgres rate-limit bucket.
 *
 * Outcomes: sent, suppressed, failed (refused for good, e.g. 422, or invalid content), deferred (the
 * recipient's hourly limit), or an error thrown for Graphile Worker to retry with exponential back-off
 * (429, 5xx, network): during an outage nothing is lost, and the queue drains when it recovers.
 */
import { createHash, randomUUID } from "node:crypto";
import { hit, type RateLimitRule } from "../auth/rate-limit.server";
import { inTransaction, pool, type Queryable } from "../db/pool.server";
import { emailSendJob } from "../jobs/contracts/email";
import { addJob } from "../jobs/queue.server";
import { shopById } from "../shops/lookup.server";
import { isSuppressed, loadMessage, recordEvent, type StoredMessage } from "./log.server";
import { EmailContent } from "./model";
import { renderEmail } from "./render.server";
import { emailSettings, sendBatch, sendEmail, type EmailSettings, type OutgoingEmail } from "./resend.server";

/** At most this many emails to one address of one shop per hour (alerts are grouped, so this is a guard). */
export const RECIPIENT_LIMIT: RateLimitRule = { limit: 12, windowSeconds: 3600 };
/** Resend's default API rate limit: 2 requests per second per team. */
export const PROVIDER_LIMIT: RateLimitRule = { limit: 2, windowSeconds: 1 };
/** Resend's batch endpoint takes at most 100 emails. */
export const BATCH_SIZE = 100;
/** The kinds sent in batches: many shops' digests fall due at the same hour. */
const BATCHED_KINDS = ["digest", "summary"];

export class RetryLater extends Error {
  constructor(
    message: string,
    readonly retryAfterSeconds: number | null,
  ) {
    super(message);
    this.name = "RetryLater";
  }
}

/** Waits for a slot under the provider's limit. */
export async function providerSlot(): Promise<void> {
  for (;;) {
    const decision = await hit("email:provider", PROVIDER_LIMIT);
    if (decision.allowed) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function settle(db: Queryable, m: StoredMessage, type: "failed" | "suppressed", detail: Record<string, string>): Promise<void> {
  await db.query(`UPDATE "EmailMessage" SET error = $3 WHERE id = $1 AND "shopId" = $2`, [
    m.id,
    m.shopId,
    Object.values(detail).join(": "),
  ]);
  await recordEvent(db, { eventId: `${type}:${m.id}`, shopId: m.shopId, messageId: m.id, type, at: new Date(), detail });
}

async function markSent(db: Queryable, m: StoredMessage, providerId: string): Promise<void> {
  await db.query(`UPDATE "EmailMessage" SET "providerId" = $2, error = NULL WHERE id = $1`, [m.id, providerId]);
  await recordEvent(db, { eventId: `sent:${m.id}`, shopId: m.shopId, messageId: m.id, type: "sent", at: new Date() });
}

type Prepared = { ok: true; email: OutgoingEmail } | { ok: false; outcome: "suppressed" | "failed" };

/** The checks before a send, and the email to send; a message that may not go is settled here. */
async function prepare(db: Queryable, m: StoredMessage, settings: EmailSettings): Promise<Prepared> {
  const shop = await shopById(db, m.shopId);
  if (!shop || !shop.installed) {
    await settle(db, m, "failed", { reason: "shop_uninstalled" });
    return { ok: false, outcome: "failed" };
  }
  const suppressed = await isSuppressed(db, m.shopId, m.recipient);
  // A billing notice (a failed payment, the trial's end) must reach the merchant: unsubscribing from alerts
  // does not stop it. A hard bounce or a complaint does: the address cannot, or will not, receive mail.
  if (suppressed && !(m.kind === "billing" && suppressed === "unsubscribe")) {
    await settle(db, m, "suppressed", { reason: suppressed });
    return { ok: false, outcome: "suppressed" };
  }
  const content = EmailContent.safeParse(m.content);
  if (!content.success) {
    await settle(db, m, "failed", { reason: "invalid_content", message: content.error.message.slice(0, 500) });
    return { ok: false, outcome: "failed" };
  }
  const rendered = await renderEmail(content.data);
  const headers: Record<string, string> = { "X-Entity-Ref-ID": m.id };
  // Billing emails (dunning, trial ending) carry no `links`, so no List-Unsubscribe: they are transactional.
  if ("links" in content.data && m.kind !== "billing") {
    // RFC 8058 one-click unsubscribe (and RFC 2369's header it extends).
    headers["List-Unsubscribe"] = `<${content.data.links.unsubscribeUrl}>`;
    headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click";
  }
  await db.query(`UPDATE "EmailMessage" SET attempts = attempts + 1, subject = $2, "updatedAt" = now() WHERE id = $1`, [
    m.id,
    rendered.subject,
  ]);
  return {
    ok: true,
    email: {
      from: `${content.data.branding.senderName.replace(/["<>]/g, "")} <${addressOf(settings.from)}>`,
      to: m.recipient,
      subject: rendered.subject,
      html: rendered.html,
      text: rendered.text,
      headers,
      tags: [
        { name: "message", value: m.id },
        { name: "kind", value: m.kind },
        { name: "template", value: m.templateVersion.replace(/[^A-Za-z0-9_-]/g, "_") },
      ],
    },
  };
}

export type SendOutcome = "sent" | "already" | "suppressed" | "failed" | "deferred" | "gone";

export async function sendMessage(messageId: string, settings: EmailSettings | null = emailSettings()): Promise<SendOutcome> {
  const db = pool();
  const message = await loadMessage(db, messageId);
  if (!message) return "gone";
  if (message.status !== "queued") return "already";
  if (!settings) {
    await settle(db, message, "failed", { reason: "email_not_configured" });
    return "failed";
  }
  if (BATCHED_KINDS.includes(message.kind)) return sendInBatch(message, settings);
  const shop = await shopById(db, message.shopId);
  // The key starts with the shop's, so the shop's erasure removes it.
  const quota = shop ? await hit(`shop:${shop.domain}:email:${message.recipient}`, RECIPIENT_LIMIT) : ({ allowed: true } as const);
  if (!quota.allowed) {
    const runAt = new Date(Date.now() + quota.retryAfterSeconds * 1000);
    await addJob(db, emailSendJob, { messageId: message.id, priority: 30 }, { runAt });
    return "deferred";
  }
  const prepared = await prepare(db, message, settings);
  if (!prepared.ok) return prepared.outcome;
  await providerSlot();
  const result = await sendEmail(settings, prepared.email, message.idempotencyKey);
  if (result.ok) {
    await markSent(db, message, result.providerId);
    return "sent";
  }
  if (result.retry) {
    await db.query(`UPDATE "EmailMessage" SET error = $2 WHERE id = $1`, [
      message.id,
      `${result.status ?? "no answer"} ${result.code}: ${result.message}`,
    ]);
    throw new RetryLater(`email ${message.id}: ${result.status ?? "no answer"} ${result.code}`, result.retryAfterSeconds);
  }
  await settle(db, message, "failed", { reason: result.code, message: result.message.slice(0, 500) });
  return "failed";
}

/**
 * Claims up to BATCH_SIZE queued digests and summaries (this one first) under one batch key, committed
 * before anything is sent; a message already claimed keeps its batch.
 */
async function claimBatch(message: StoredMessage): Promise<string> {
  if (message.batchKey) return message.batchKey;
  return inTransaction(async (tx) => {
    const { rows } = await tx.query<{ batchKey: string | null }>(`SELECT "batchKey" FROM "EmailMessage" WHERE id = $1 FOR UPDATE`, [
      message.id,
    ]);
    const existing = rows[0]?.batchKey;
    if (existing) return existing;
    const key = randomUUID();
    await tx.query(`UPDATE "EmailMessage" SET "batchKey" = $1 WHERE id = $2`, [key, message.id]);
    await tx.query(
      `UPDATE "EmailMessage" SET "batchKey" = $1 WHERE id IN (
         SELECT id FROM "EmailMessage" WHERE status = 'queued' AND "batchKey" IS NULL AND kind = ANY($2::text[])
          ORDER BY priority, "createdAt", id LIMIT $3 FOR UPDATE SKIP LOCKED)`,
      [key, BATCHED_KINDS, BATCH_SIZE - 1],
    );
    return key;
  });
}

async function sendInBatch(message: StoredMessage, settings: EmailSettings): Promise<SendOutcome> {
  const db = pool();
  const key = await claimBatch(message);
  const { rows: ids } = await db.query<{ id: string }>(
    `SELECT id FROM "EmailMessage" WHERE "batchKey" = $1 AND status = 'queued' ORDER BY priority, "createdAt", id`,
    [key],
  );
  const members: { message: StoredMessage; email: OutgoingEmail }[] = [];
  let own: SendOutcome = "already";
  for (const { id } of ids) {
    const m = await loadMessage(db, id);
    if (!m || m.status !== "queued") continue;
    const prepared = await prepare(db, m, settings);
    if (prepared.ok) members.push({ message: m, email: prepared.email });
    else if (m.id === message.id) own = prepared.outcome;
  }
  if (members.length === 0) return own;
  await providerSlot();
  const result = await sendBatch(
    settings,
    members.map((m) => m.email),
    // The same members under the same key: a retry after a lost answer is delivered once. (Should a member
    // have been suppressed in between, the set differs and so does the key.)
    `batch:${key}:${createHash("sha256")
      .update(members.map((m) => m.message.id).join(","))
      .digest("base64url")
      .slice(0, 16)}`,
  );
  if (result.ok) {
    for (const [i, member] of members.entries()) {
      const providerId = result.providerIds[i];
      if (providerId) await markSent(db, member.message, providerId);
    }
    return members.some((m) => m.message.id === message.id) ? "sent" : own;
  }
  const detail = `${result.status ?? "no answer"} ${result.code}: ${result.message}`;
  if (result.retry) {
    await db.query(`UPDATE "EmailMessage" SET error = $2 WHERE "batchKey" = $1 AND status = 'queued'`, [key, detail]);
    throw new RetryLater(`email batch ${key}: ${result.status ?? "no answer"} ${result.code}`, result.retryAfterSeconds);
  }
  for (const member of members) await settle(db, member.message, "failed", { reason: result.code, message: result.message.slice(0, 500) });
  return "failed";
}

/** "Fluxor <alerts@x>" → "alerts@x"; a bare address stays. */
export function addressOf(from: string): string {
  const match = /<([^>]+)>/.exec(from);
  return (match?.[1] ?? from).trim();
}
