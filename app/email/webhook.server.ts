/**
 * Resend's webhooks (POST /webhooks/resend): Standard Webhooks signatures (svix-id, svix-timestamp,
 * svix-signature) verified with the SDK's `webhooks.verify`, which also refuses a timestamp more than
 * five minutes off (a replay of an old delivery). A verified event updates the email log once (the
 * svix-id is the event's key, so a redelivery changes nothing), and bounces and complaints add the
 * address to the shop's suppression list. Unsigned or forged requests get 401 and change nothing.
 */
import { z } from "zod";
import { UserText } from "../api/params";
import { inTransaction } from "../db/pool.server";
import { recordEvent, suppress, type EmailEventType } from "./log.server";
import { emailSettings, resend } from "./resend.server";

const EVENT_TYPES: Record<string, EmailEventType> = {
  "email.sent": "sent",
  "email.delivered": "delivered",
  "email.delivery_delayed": "delayed",
  "email.bounced": "bounced",
  "email.complained": "complained",
  "email.opened": "opened",
  "email.clicked": "clicked",
};

const ResendEvent = z.object({
  type: z.string().min(1).max(100),
  created_at: z.iso.datetime({ offset: true }),
  data: z
    .object({
      /** Compared with the stored provider ids: UserText, so that a NUL is a 400, not a failed query. */
      email_id: UserText.min(1).max(200),
      /** Resend echoes the tags of the send: `{ name: value }` (older payloads: `[{ name, value }]`). */
      tags: z.union([z.record(z.string(), z.string()), z.array(z.object({ name: z.string(), value: z.string() }))]).optional(),
    })
    .loose(),
});

/** Our message id from the event's tags (set by app/email/send.server.ts), for an event that outruns the send's own write. */
function taggedMessageId(tags: z.infer<typeof ResendEvent>["data"]["tags"]): string | null {
  const value = Array.isArray(tags) ? tags.find((tag) => tag.name === "message")?.value : tags?.message;
  return value && z.uuid().safeParse(value).success ? value : null;
}

const MAX_BODY_BYTES = 256 * 1024;

export type WebhookOutcome = { status: number; body: string };

export async function receiveResendWebhook(request: Request): Promise<WebhookOutcome> {
  const settings = emailSettings();
  if (!settings?.webhookSecret) return { status: 503, body: "email webhooks are not configured" };
  if (Number(request.headers.get("content-length") ?? 0) > MAX_BODY_BYTES) return { status: 413, body: "payload too large" };
  const payload = await request.text();
  if (payload.length > MAX_BODY_BYTES) return { status: 413, body: "payload too large" };
  const id = request.headers.get("svix-id") ?? request.headers.get("webhook-id");
  const timestamp = request.headers.get("svix-timestamp") ?? request.headers.get("webhook-timestamp");
  const signature = request.headers.get("svix-signature") ?? request.headers.get("webhook-signature");
  if (!id || !timestamp || !signature) return { status: 401, body: "missing signature headers" };
  let verified: unknown;
  try {
    verified = resend(settings).webhooks.verify({ payload, headers: { id, timestamp, signature }, webhookSecret: settings.webhookSecret });
  } catch {
    return { status: 401, body: "invalid signature" };
  }
  const event = ResendEvent.safeParse(verified);
  if (!event.success) return { status: 400, body: "not a Resend email event" };
  const type = EVENT_TYPES[event.data.type];
  // Other event types (contacts, domains) are not ours to track: acknowledged, nothing changes.
  if (!type) return { status: 200, body: "ignored" };
  const at = new Date(event.data.created_at);
  const applied = await inTransaction(async (tx) => {
    const { rows } = await tx.query<{ id: string; shopId: string; recipient: string }>(
      `SELECT id, "shopId", recipient FROM "EmailMessage"
        WHERE "providerId" = $1 OR (id = $2::uuid AND "providerId" IS NULL)
        ORDER BY "providerId" IS NULL LIMIT 1 FOR UPDATE`,
      [event.data.data.email_id, taggedMessageId(event.data.data.tags)],
    );
    const message = rows[0];
    if (!message) return "unknown";
    await tx.query(`UPDATE "EmailMessage" SET "providerId" = $2 WHERE id = $1 AND "providerId" IS NULL`, [
      message.id,
      event.data.data.email_id,
    ]);
    const fresh = await recordEvent(tx, { eventId: `resend:${id}`, shopId: message.shopId, messageId: message.id, type, at });
    if (!fresh) return "duplicate";
    if (type === "bounced") await suppress(tx, message.shopId, message.recipient, "bounce");
    if (type === "complained") await suppress(tx, message.shopId, message.recipient, "complaint");
    return "applied";
  });
  return { status: 200, body: applied };
}
