/**
 * The one Resend client (the real SDK: `RESEND_BASE_URL` points it at a local stand-in in the demo and
 * the tests, tests/mocks/resend). Settings come from the environment:
 *
 *   RESEND_API_KEY          the API key (re_…); without it nothing is sent and messages fail as "not configured"
 *   RESEND_WEBHOOK_SECRET   the signing secret of the webhook endpoint (whsec_…), for /webhooks/resend
 *   FLUXOR_EMAIL_FROM       the sender, e.g. "Fluxor <alerts@mail.fluxor.app>" (its domain verified at Resend)
 *   RESEND_DOMAIN_ID        optional: the sending domain whose SPF/DKIM/DMARC status the operator sees
 */
import { Resend } from "resend";

export interface EmailSettings {
  apiKey: string;
  from: string;
  webhookSecret: string | null;
  domainId: string | null;
}

export function emailSettings(env: NodeJS.ProcessEnv = process.env): EmailSettings | null {
  const apiKey = env.RESEND_API_KEY?.trim();
  if (!apiKey) return null;
  return {
    apiKey,
    from: env.FLUXOR_EMAIL_FROM?.trim() || "Fluxor <alerts@fluxor.app>",
    webhookSecret: env.RESEND_WEBHOOK_SECRET?.trim() || null,
    domainId: env.RESEND_DOMAIN_ID?.trim() || null,
  };
}

let client: { key: string; resend: Resend } | undefined;

export function resend(settings: EmailSettings): Resend {
  if (client?.key !== settings.apiKey) client = { key: settings.apiKey, resend: new Resend(settings.apiKey) };
  return client.resend;
}

export interface OutgoingEmail {
  from: string;
  to: string;
  subject: string;
  html: string;
  text: string;
  headers: Record<string, string>;
  tags: { name: string; value: string }[];
}

/** Why a request did not go through; `retry`: Resend may accept the same request later (429, 5xx, network). */
export interface SendFailure {
  ok: false;
  retry: boolean;
  status: number | null;
  code: string;
  message: string;
  retryAfterSeconds: number | null;
}

export type SendResult = { ok: true; providerId: string } | SendFailure;
export type BatchResult = { ok: true; providerIds: string[] } | SendFailure;

/** Errors worth retrying: rate limits, the provider's own failures, and no answer at all. */
export function retryable(status: number | null, code: string): boolean {
  if (status === null) return true;
  if (status === 429 || status >= 500) return true;
  return code === "concurrent_idempotent_requests";
}

function failure(
  error: { statusCode: number | null; name: string; message: string } | null,
  headers: Record<string, string> | null,
): SendFailure {
  const status = error?.statusCode ?? null;
  const code = error?.name ?? "application_error";
  const value = headers?.["retry-after"];
  const seconds = value === undefined ? NaN : Number(value);
  return {
    ok: false,
    retry: retryable(status, code),
    status,
    code,
    message: error?.message ?? "no answer",
    retryAfterSeconds: Number.isFinite(seconds) && seconds >= 0 ? seconds : null,
  };
}

/** One `POST /emails` with Resend's Idempotency-Key: the same key and body within 24 h sends once. */
export async function sendEmail(settings: EmailSettings, email: OutgoingEmail, idempotencyKey: string): Promise<SendResult> {
  const { data, error, headers } = await resend(settings).emails.send(email, { idempotencyKey });
  return error || !data ? failure(error, headers) : { ok: true, providerId: data.id };
}

/** `POST /emails/batch` (≤ 100 emails, one request against the rate limit), with one Idempotency-Key. */
export async function sendBatch(settings: EmailSettings, emails: readonly OutgoingEmail[], idempotencyKey: string): Promise<BatchResult> {
  if (emails.length === 0) return { ok: true, providerIds: [] };
  if (emails.length > 100) throw new Error("a batch holds at most 100 emails");
  const { data, error, headers } = await resend(settings).batch.send([...emails], { idempotencyKey });
  return error || !data ? failure(error, headers) : { ok: true, providerIds: data.data.map((d) => d.id) };
}
