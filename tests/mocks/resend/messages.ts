/**
 * Accepted emails and their events: what `GET /emails/:id` answers, what the webhooks carry (Resend's event
 * payloads: `{ type, created_at, data: { email_id, from, to, subject, created_at, … } }`, plus `bounce` or `click`),
 * and what the inbox shows.
 */
import type { GetEmailResponseSuccess, WebhookEventPayload } from "resend";
import type { EmailInput } from "./validation";

export const EMAIL_EVENT_TYPES = [
  "email.sent",
  "email.delivered",
  "email.delivery_delayed",
  "email.bounced",
  "email.complained",
  "email.opened",
  "email.clicked",
] as const;
export type EmailEventType = (typeof EMAIL_EVENT_TYPES)[number];

export const isEmailEventType = (value: unknown): value is EmailEventType =>
  typeof value === "string" && (EMAIL_EVENT_TYPES as readonly string[]).includes(value);

export type LastEvent = GetEmailResponseSuccess["last_event"];

export interface StoredMessage extends EmailInput {
  id: string;
  /** The SMTP Message-ID Resend reports. */
  message_id: string;
  created_at: string;
  last_event: LastEvent;
  /** Every event Resend produced for it, oldest first (forged or replayed webhooks are not events). */
  events: { type: EmailEventType; at: string }[];
  idempotency_key: string | null;
  /** Sent through `POST /emails/batch`. */
  batch: boolean;
}

/** Details of a bounce or a click, over the stand-in's defaults. */
export interface EventDetails {
  bounce?: { message?: string; subType?: string; type?: string };
  click?: { link?: string; ipAddress?: string; userAgent?: string };
}

const lastEventOf = (type: EmailEventType) => type.slice("email.".length) as LastEvent;

export function recordEvent(message: StoredMessage, type: EmailEventType, at: string): void {
  message.events.push({ type, at });
  message.last_event = lastEventOf(type);
}

/**
 * The events Resend produces on its own after accepting a message. Resend's test addresses behave as in Resend:
 * `bounced@resend.dev` bounces, `complained@resend.dev` is delivered and then marked as spam (labels such as
 * `bounced+alert-1@resend.dev` too); any other address is delivered.
 */
export function automaticEvents(message: StoredMessage): EmailEventType[] {
  const test = (kind: string) => message.to.some((entry) => new RegExp(`(^|<)${kind}(\\+[^@]*)?@resend\\.dev>?$`, "i").test(entry.trim()));
  if (test("bounced")) return ["email.sent", "email.bounced"];
  if (test("complained")) return ["email.sent", "email.delivered", "email.complained"];
  return ["email.sent", "email.delivered"];
}

export function emailView(message: StoredMessage): GetEmailResponseSuccess {
  return {
    object: "email",
    id: message.id,
    message_id: message.message_id,
    to: message.to,
    from: message.from,
    created_at: message.created_at,
    subject: message.subject,
    html: message.html,
    text: message.text,
    bcc: message.bcc.length ? message.bcc : null,
    cc: message.cc.length ? message.cc : null,
    reply_to: message.reply_to.length ? message.reply_to : null,
    last_event: message.last_event,
    scheduled_at: null,
    tags: message.tags,
  };
}

function firstLink(html: string | null): string {
  return /href\s*=\s*["'](https?:\/\/[^"']+)["']/i.exec(html ?? "")?.[1]?.replace(/&amp;/g, "&") ?? "https://example.com/";
}

export function eventPayload(type: EmailEventType, message: StoredMessage, at: string, details: EventDetails = {}): WebhookEventPayload {
  const data = {
    email_id: message.id,
    message_id: message.message_id,
    created_at: message.created_at,
    from: message.from,
    to: message.to,
    subject: message.subject,
    ...(message.tags.length ? { tags: Object.fromEntries(message.tags.map((tag) => [tag.name, tag.value])) } : {}),
  };
  switch (type) {
    case "email.bounced":
      return {
        type,
        created_at: at,
        data: {
          ...data,
          bounce: {
            message: "The recipient's email provider sent a hard bounce message: the mailbox does not exist.",
            subType: "General",
            type: "Permanent",
            ...details.bounce,
          },
        },
      };
    case "email.clicked":
      return {
        type,
        created_at: at,
        data: {
          ...data,
          click: {
            ipAddress: "203.0.113.24",
            link: firstLink(message.html),
            timestamp: at,
            userAgent: "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
            ...details.click,
          },
        },
      };
    default:
      return { type, created_at: at, data };
  }
}

/** A message as `GET <inbox>/api/messages` lists it. */
export function inboxView(message: StoredMessage) {
  return {
    id: message.id,
    from: message.from,
    to: message.to,
    cc: message.cc,
    bcc: message.bcc,
    reply_to: message.reply_to,
    subject: message.subject,
    html: message.html,
    text: message.text,
    headers: message.headers,
    tags: message.tags,
    attachments: message.attachments,
    created_at: message.created_at,
    last_event: message.last_event,
    events: message.events,
  };
}
