/**
 * A shop's alert settings (AlertSettings.config, JSONB), read and written through the zod schema of
 * ./rules.ts: a row written by an older release, or by hand, is read through the same defaults, and an
 * invalid one falls back to the defaults rather than stopping the shop's alerts. Every change by the
 * merchant is audited (who, which fields); a recipient's own change from the preference page too.
 */
import { audit } from "../auth/audit.server";
import { inTransaction, pool, type Queryable } from "../db/pool.server";
import { AlertSettings, parseAlertSettings, RECIPIENT_TOPICS, type RecipientTopic } from "./rules";

export async function loadAlertSettings(db: Queryable, shopId: string): Promise<AlertSettings> {
  const { rows } = await db.query<{ config: unknown }>(`SELECT config FROM "AlertSettings" WHERE "shopId" = $1`, [shopId]);
  const parsed = AlertSettings.safeParse(rows[0]?.config ?? {});
  return parsed.success ? parsed.data : AlertSettings.parse({});
}

/** Top-level fields that differ (for the audit trail: never the values, which hold addresses). */
function changedFields(before: AlertSettings, after: AlertSettings): string[] {
  return (Object.keys(after) as (keyof AlertSettings)[]).filter((key) => JSON.stringify(before[key]) !== JSON.stringify(after[key]));
}

/**
 * Validates and stores the merchant's settings. Confirmation state cannot be set from the form: an address
 * is confirmed only by its link, so a recipient keeps its `confirmed` flag when it stays in the list and a
 * new one starts unconfirmed. Returns the stored settings and the addresses that need a confirmation email.
 */
export async function saveAlertSettings(
  shopId: string,
  shopDomain: string,
  input: unknown,
): Promise<{ ok: true; settings: AlertSettings; toConfirm: string[] } | { ok: false; fieldErrors: Record<string, string> }> {
  const parsed = parseAlertSettings(input);
  if (!parsed.success) return { ok: false, fieldErrors: parsed.fieldErrors };
  const result = await inTransaction(async (tx) => {
    await tx.query(`INSERT INTO "AlertSettings" ("shopId", config) VALUES ($1, '{}'::jsonb) ON CONFLICT ("shopId") DO NOTHING`, [shopId]);
    await tx.query(`SELECT 1 FROM "AlertSettings" WHERE "shopId" = $1 FOR UPDATE`, [shopId]);
    const before = await loadAlertSettings(tx, shopId);
    const confirmed = new Set(before.recipients.filter((r) => r.confirmed).map((r) => r.email));
    const settings: AlertSettings = {
      ...parsed.data,
      recipients: parsed.data.recipients.map((r) => ({ ...r, confirmed: confirmed.has(r.email) })),
    };
    await tx.query(`UPDATE "AlertSettings" SET config = $2::jsonb, "updatedAt" = now() WHERE "shopId" = $1`, [
      shopId,
      JSON.stringify(settings),
    ]);
    const known = new Set(before.recipients.map((r) => r.email));
    return {
      settings,
      changed: changedFields(before, settings),
      toConfirm: settings.recipients.filter((r) => !r.confirmed && !known.has(r.email)).map((r) => r.email),
    };
  });
  await audit({
    event: "alert_settings_update",
    outcome: "success",
    shopDomain,
    detail: { fields: result.changed, newRecipients: result.toConfirm.length },
  });
  return { ok: true, settings: result.settings, toConfirm: result.toConfirm };
}

/**
 * A recipient's own choice on the preference page: which topics they receive. The shop's own address gets
 * an entry for its preferences when it has none (it needs no confirmation).
 */
export async function setRecipientTopics(
  shopId: string,
  shopDomain: string,
  email: string,
  shopEmail: string | null,
  enabled: readonly RecipientTopic[],
): Promise<void> {
  const disabledTypes = RECIPIENT_TOPICS.filter((topic) => !enabled.includes(topic));
  await inTransaction(async (tx) => {
    await tx.query(`INSERT INTO "AlertSettings" ("shopId", config) VALUES ($1, '{}'::jsonb) ON CONFLICT ("shopId") DO NOTHING`, [shopId]);
    await tx.query(`SELECT 1 FROM "AlertSettings" WHERE "shopId" = $1 FOR UPDATE`, [shopId]);
    const settings = await loadAlertSettings(tx, shopId);
    const entry = settings.recipients.find((r) => r.email === email);
    if (entry) entry.disabledTypes = disabledTypes;
    else if (email === shopEmail?.toLowerCase()) settings.recipients.push({ email, confirmed: true, disabledTypes });
    else return;
    await tx.query(`UPDATE "AlertSettings" SET config = $2::jsonb, "updatedAt" = now() WHERE "shopId" = $1`, [
      shopId,
      JSON.stringify(settings),
    ]);
  });
  await audit({ event: "alert_preferences_update", outcome: "success", shopDomain, detail: { disabled: disabledTypes } });
}

/** The confirmation link of an extra address: marks it confirmed (idempotent). False when it is no longer listed. */
export async function confirmRecipient(shopId: string, email: string): Promise<boolean> {
  return inTransaction(async (tx) => {
    await tx.query(`SELECT 1 FROM "AlertSettings" WHERE "shopId" = $1 FOR UPDATE`, [shopId]);
    const settings = await loadAlertSettings(tx, shopId);
    const entry = settings.recipients.find((r) => r.email === email);
    if (!entry) return false;
    if (!entry.confirmed) {
      entry.confirmed = true;
      await tx.query(`UPDATE "AlertSettings" SET config = $2::jsonb, "updatedAt" = now() WHERE "shopId" = $1`, [
        shopId,
        JSON.stringify(settings),
      ]);
    }
    return true;
  });
}

export function readAlertSettings(shopId: string): Promise<AlertSettings> {
  return loadAlertSettings(pool(), shopId);
}
