/**
 * The security audit trail. Events are facts about authentication and installation; the detail
 * never carries a token, a secret or customer data (only ids, scopes, reasons, topics).
 *
 * What a request can make us store is bounded (issue 16 item 6, decision 0049): every text is cut to
 * MAX_AUDIT_TEXT characters, the shopDomain column holds only a `{handle}.myshopify.com` domain (anything else a
 * caller passes is kept, cut, as `detail.claimedShop`), and failures not tied to a verified shop — what anyone on
 * the internet can cause — are recorded within a per-minute budget (./audit-budget.ts); the dropped ones are
 * counted and recorded as one `audit_suppressed` entry per event and minute. Rows are kept 400 days
 * (./retention.server.ts).
 */
import { isIP } from "node:net";
import { prisma } from "../db/prisma.server";
import { SHOP_DOMAIN } from "../db/shop-domain";
import { AuditBudget, type DroppedEntries } from "./audit-budget";

export const AUDIT_EVENTS = [
  "install",
  "reinstall",
  "login",
  "login_attempt",
  "uninstall",
  "scopes_update",
  "oauth_failed",
  "webhook_rejected",
  "rate_limited",
  "shop_redact_request",
  "shop_redacted",
  "customer_redact_request",
  "customer_data_request",
  "alert_settings_update",
  "alert_preferences_update",
  "ops_login",
  "ops_login_failed",
  "ops_logout",
  "ops_export",
  "billing_change",
  "audit_suppressed",
] as const;
export type AuditEvent = (typeof AUDIT_EVENTS)[number];

type DetailValue = string | number | boolean | null | string[];

export interface AuditEntry {
  event: AuditEvent;
  outcome: "success" | "failure";
  /** The verified shop the event is about; a claimed, unverified one belongs in `detail.claimedShop`. */
  shopDomain?: string | null;
  ip?: string | null;
  detail?: Record<string, DetailValue>;
}

/** Longer than any shop domain (≤ 255), IP or reason we write; an 8 KB header is cut to this. */
export const MAX_AUDIT_TEXT = 256;
/** Items kept of a list in the detail (scopes, disabled alert types: a few dozen at most). */
export const MAX_AUDIT_LIST = 50;
/** An IPv6 address with a zone is at most 45 characters. */
const MAX_IP_TEXT = 64;

const SECRET_LIKE = /(token|secret|password|hmac|code|signature|authorization)/i;

/**
 * `text` without control characters (PostgreSQL refuses NUL; newlines and escapes forge log lines), cut to `max`
 * characters with a mark saying how long it was. Never cuts a surrogate pair in half (jsonb refuses a lone one).
 */
export function clipText(text: string, max: number = MAX_AUDIT_TEXT): string {
  const clean = text.replace(/\p{Cc}/gu, "\uFFFD");
  if (clean.length <= max) return clean;
  const end = /[\uD800-\uDBFF]/.test(clean.charAt(max - 1)) ? max - 1 : max;
  return `${clean.slice(0, end)}…[${text.length} chars]`;
}

function clipValue(value: DetailValue): DetailValue {
  if (typeof value === "string") return clipText(value);
  if (Array.isArray(value)) return value.slice(0, MAX_AUDIT_LIST).map((item) => clipText(item));
  return value;
}

export interface AuditRow {
  event: AuditEvent;
  outcome: "success" | "failure";
  shopDomain: string | null;
  ip: string | null;
  detail: Record<string, DetailValue>;
}

/** The row stored for an entry: secrets' keys dropped, every text bounded, the shop column a shop or null. */
export function auditRow(entry: AuditEntry): AuditRow {
  const detail = Object.fromEntries(
    Object.entries(entry.detail ?? {})
      .filter(([key]) => !SECRET_LIKE.test(key))
      .map(([key, value]) => [clipText(key, 64), clipValue(value)]),
  );
  const claimed = entry.shopDomain ?? null;
  const shopDomain = claimed !== null && SHOP_DOMAIN.test(claimed) ? claimed : null;
  if (claimed && shopDomain === null && detail.claimedShop === undefined) detail.claimedShop = clipText(claimed);
  const ip = entry.ip ? (isIP(entry.ip) ? entry.ip : clipText(entry.ip, MAX_IP_TEXT)) : null;
  return { event: entry.event, outcome: entry.outcome, shopDomain, ip, detail };
}

const budget = new AuditBudget();
let reportTimer: NodeJS.Timeout | undefined;

function droppedRow(dropped: DroppedEntries): AuditRow {
  return {
    event: "audit_suppressed",
    outcome: "failure",
    shopDomain: null,
    ip: null,
    detail: {
      suppressedEvent: dropped.event,
      dropped: dropped.dropped,
      windowStart: dropped.windowStart.toISOString(),
      windowEnd: dropped.windowEnd.toISOString(),
      busiestSource: clipText(dropped.busiestSource, MAX_IP_TEXT),
      busiestSourceEntries: dropped.busiestSourceEntries,
    },
  };
}

async function recordDropped(finished: DroppedEntries[]): Promise<void> {
  if (finished.length > 0) await prisma().auditLog.createMany({ data: finished.map(droppedRow) });
}

/** Records a window's drops when it ends even if no further failure comes to report them. */
function reportWhenWindowEnds(): void {
  const until = budget.pendingUntil();
  if (reportTimer || until === null) return;
  reportTimer = setTimeout(
    () => {
      reportTimer = undefined;
      recordDropped(budget.drain(Date.now())).catch((error: unknown) => console.error("audit: could not record dropped entries", error));
    },
    Math.max(0, until - Date.now()) + 1000,
  );
  reportTimer.unref();
}

export async function audit(entry: AuditEntry): Promise<void> {
  const row = auditRow(entry);
  if (row.outcome === "failure" && row.shopDomain === null) {
    const { record, finished } = budget.admit(row.event, row.ip ?? "unknown", Date.now());
    await recordDropped(finished);
    if (!record) {
      reportWhenWindowEnds();
      return;
    }
  }
  await prisma().auditLog.create({ data: row });
}
