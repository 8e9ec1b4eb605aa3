/**
 * What `POST /emails` and `POST /emails/batch` accept, with Resend's answers for what they refuse: a missing
 * field is 422 `missing_required_field` ("Missing `to` field."), a malformed one 422 `validation_error` ("Invalid
 * `to` field. …"), an attachment without content or path 422 `invalid_attachment`.
 */
import { ApiError } from "./errors";

export interface Tag {
  name: string;
  value: string;
}

export interface AttachmentInfo {
  filename: string | null;
  content_type: string | null;
  /** Bytes of the base64 content; null for an attachment given by `path`. */
  size: number | null;
}

/** An email as the API accepted it (the body's snake_case fields, addresses as given). */
export interface EmailInput {
  from: string;
  to: string[];
  cc: string[];
  bcc: string[];
  reply_to: string[];
  subject: string;
  html: string | null;
  text: string | null;
  headers: Record<string, string>;
  tags: Tag[];
  attachments: AttachmentInfo[];
}

const MAX_RECIPIENTS = 50;
const LOCAL_PART = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const DOMAIN = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
const NAMED = /^\s*(?:"([^"]*)"|([^<>"]*?))\s*<([^<>\s]+)>\s*$/;
const TAG_PART = /^[A-Za-z0-9_-]{1,256}$/;

/** `email@example.com` or `Name <email@example.com>` → the bare address; undefined if it is neither. */
export function addressOf(value: string): string | undefined {
  const named = NAMED.exec(value);
  const address = named ? (named[3] ?? "") : value.trim();
  const at = address.lastIndexOf("@");
  if (at <= 0 || address.length > 320) return undefined;
  const local = address.slice(0, at);
  const domain = address.slice(at + 1);
  return local.length <= 64 && LOCAL_PART.test(local) && DOMAIN.test(domain) ? address : undefined;
}

export function domainOf(address: string): string {
  return address.slice(address.lastIndexOf("@") + 1).toLowerCase();
}

const invalid = (message: string) => new ApiError(422, "validation_error", message);
const missing = (field: string) => new ApiError(422, "missing_required_field", `Missing \`${field}\` field.`);
const badAddress = (field: string) =>
  invalid(
    `Invalid \`${field}\` field. The email address needs to follow the \`email@example.com\` or \`Name <email@example.com>\` format.`,
  );

function addressList(field: string, value: unknown, required: boolean): string[] {
  if (value === undefined || value === null) {
    if (required) throw missing(field);
    return [];
  }
  const list = typeof value === "string" ? [value] : value;
  if (!Array.isArray(list) || list.some((entry) => typeof entry !== "string")) throw badAddress(field);
  const addresses = list as string[];
  if (required && addresses.length === 0) throw missing(field);
  if (field === "to" && addresses.length > MAX_RECIPIENTS)
    throw invalid(`Invalid \`to\` field. The maximum number of recipients is ${MAX_RECIPIENTS}.`);
  if (addresses.some((address) => addressOf(address) === undefined)) throw badAddress(field);
  return addresses;
}

function optionalString(field: string, value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== "string") throw invalid(`Invalid \`${field}\` field. Expected a string.`);
  return value;
}

function headerMap(value: unknown): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== "object" || Array.isArray(value)) throw invalid("Invalid `headers` field. Expected an object.");
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.some(([, header]) => typeof header !== "string")) throw invalid("Invalid `headers` field. Header values must be strings.");
  return Object.fromEntries(entries) as Record<string, string>;
}

function tagList(value: unknown): Tag[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw invalid("Invalid `tags` field. Expected an array.");
  return value.map((tag: unknown) => {
    const { name, value: tagValue } = (tag ?? {}) as { name?: unknown; value?: unknown };
    if (typeof name !== "string" || typeof tagValue !== "string" || !TAG_PART.test(name) || !TAG_PART.test(tagValue))
      throw invalid(
        "Invalid `tags` field. Tag names and values can only contain ASCII letters (a–z, A–Z), numbers (0–9), underscores (_), or dashes (-), and up to 256 characters.",
      );
    return { name, value: tagValue };
  });
}

function attachmentList(value: unknown): AttachmentInfo[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw invalid("Invalid `attachments` field. Expected an array.");
  return value.map((entry: unknown) => {
    const { content, path, filename, content_type } = (entry ?? {}) as Record<string, unknown>;
    if (typeof content !== "string" && typeof path !== "string")
      throw new ApiError(422, "invalid_attachment", "Attachment must have either a `content` or `path`.");
    return {
      filename: typeof filename === "string" ? filename : null,
      content_type: typeof content_type === "string" ? content_type : null,
      size: typeof content === "string" ? Buffer.byteLength(content, "base64") : null,
    };
  });
}

/** One email of `POST /emails` (or one element of a batch); throws an ApiError with Resend's answer. */
export function parseEmail(body: unknown, endpoint: "emails" | "batch"): EmailInput {
  if (!body || typeof body !== "object" || Array.isArray(body)) throw invalid("The request body must be a JSON object.");
  const fields = body as Record<string, unknown>;
  if (fields.template !== undefined)
    throw invalid("`template` is not imitated by the local Resend stand-in (tests/mocks/resend/README.md).");
  if (fields.scheduled_at !== undefined) {
    if (endpoint === "batch") throw invalid("The batch endpoint does not support `scheduled_at`.");
    throw invalid("`scheduled_at` is not imitated by the local Resend stand-in (tests/mocks/resend/README.md).");
  }
  if (endpoint === "batch" && fields.attachments !== undefined) throw invalid("The batch endpoint does not support `attachments`.");

  if (fields.from === undefined || fields.from === null || fields.from === "") throw missing("from");
  if (typeof fields.from !== "string" || addressOf(fields.from) === undefined) throw badAddress("from");
  const to = addressList("to", fields.to, true);
  if (fields.subject === undefined || fields.subject === null || fields.subject === "") throw missing("subject");
  const subject = optionalString("subject", fields.subject) ?? "";
  const html = optionalString("html", fields.html);
  const text = optionalString("text", fields.text);
  if (!html && !text) throw missing("html` or `text");
  return {
    from: fields.from,
    to,
    cc: addressList("cc", fields.cc, false),
    bcc: addressList("bcc", fields.bcc, false),
    reply_to: addressList("reply_to", fields.reply_to, false),
    subject,
    html,
    text,
    headers: headerMap(fields.headers),
    tags: tagList(fields.tags),
    attachments: attachmentList(fields.attachments),
  };
}
