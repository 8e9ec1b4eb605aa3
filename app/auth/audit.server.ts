/**
 * The security audit trail. Events are facts about authentication and installation; the detail
 * never carries a token, a secret or customer data (only ids, scopes, reasons, topics).
 */
import { prisma } from "../db/prisma.server";

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
] as const;
export type AuditEvent = (typeof AUDIT_EVENTS)[number];

export interface AuditEntry {
  event: AuditEvent;
  outcome: "success" | "failure";
  shopDomain?: string | null;
  ip?: string | null;
  detail?: Record<string, string | number | boolean | null | string[]>;
}

const SECRET_LIKE = /(token|secret|password|hmac|code|signature|authorization)/i;

export async function audit(entry: AuditEntry): Promise<void> {
  const detail = Object.fromEntries(Object.entries(entry.detail ?? {}).filter(([key]) => !SECRET_LIKE.test(key)));
  await prisma().auditLog.create({
    data: {
      event: entry.event,
      outcome: entry.outcome,
      shopDomain: entry.shopDomain ?? null,
      ip: entry.ip ?? null,
      detail,
    },
  });
}
