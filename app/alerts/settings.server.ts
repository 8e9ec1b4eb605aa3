/**
 * A shop's alert settings (AlertSettings.config, JSONB), read and written through the zod schema of
 * ./rules.ts: a row written by an older release, or by hand, is read through the same defaults, and an
 * invalid one falls back to the defaults rather than stopping the shop's alerts. Every change by the
 * merchant is audited (who, which fields); a recipient's own change from the preference page too. What is
 * sent goes by the settings as the shop's plan lets them run (`loadDeliveredAlertSettings`, ./plan.ts), and a
 * save that asks for more than the plan includes is refused (decision 0047), as is any save in read-only mode
 * (decision 0044).
 */
import { audit } from "../auth/audit.server";
import { READ_ONLY_REFUSED } from "../billing/dunning";
import { shopAccess, shopEntitlements } from "../billing/limits.server";
import { inTransaction, pool, type Queryable } from "../db/pool.server";
import { shopById } from "../shops/lookup.server";
import { deliveredSettings, planErrors } from "./plan";
import { AlertSettings, parseAlertSettings, RECIPIENT_TOPICS, type RecipientTopic } from "./rules";

export async function loadAlertSettings(db: Queryable, shopId: string): Promise<AlertSettings> {
  const { rows } = await db.query<{ config: unknown }>(`SELECT config FROM "AlertSettings" WHERE "shopId" = $1`, [shopId]);
  const parsed = AlertSettings.safeParse(rows[0]?.config ?? {});
  return parsed.success ? parsed.data : AlertSettings.parse({});
}

/** The settings as the shop's plan lets them run: what evaluation, digests and weekly summaries go by. */
export async function loadDeliveredAlertSettings(
  db: Queryable,
  shop: { id: string; email: string | null },
  now: Date = new Date(),
): Promise<AlertSettings> {
  return deliveredSettings(await loadAlertSettings(db, shop.id), await shopEntitlements(db, shop.id, now), shop.email);
}

/** Top-level fields that differ (for the audit trail: never the values, which hold addresses). */
function changedFields(before: AlertSettings, after: AlertSettings): string[] {
  return (Object.keys(after) as (keyof AlertSettings)[]).filter((key) => JSON.stringify(before[key]) !== JSON.stringify(after[key]));
}

/** A save the shop's billing refuses: rolls the transaction back, so not even the settings' row is created. */
class RefusedByBilling extends Error {
  constructor(readonly planErrors: Record<string, string>) {
    super("the shop's billing refuses these alert settings");
  }
}

export type SaveAlertSettingsResult =
  | { ok: true; settings: AlertSettings; toConfirm: string[] }
  /**
   * `fieldErrors`: the first message per field, keyed by its dotted path. `planErrors`: the fields the shop's plan
   * refuses, valued by a message key of the `alerts` namespace naming the plan that has them (./plan.ts), or in
   * read-only mode the whole `form`, valued `READ_ONLY_REFUSED` (a key of the `billing` namespace); a save refused
   * by billing has these as its `fieldErrors` too.
   */
  | { ok: false; fieldErrors: Record<string, string>; planErrors: Record<string, string> };

/**
 * Validates and stores the merchant's settings. Confirmation state cannot be set from the form: an address
 * is confirmed only by its link, so a recipient keeps its `confirmed` flag when it stays in the list and a
 * new one starts unconfirmed. A rule turned on or a cadence asked for that the shop's plan lacks, or an address
 * past its extra recipients, is refused and nothing is saved; what was stored before stays (held back). In read-only
 * mode every save is refused. Returns the stored settings and the addresses that need a confirmation email.
 */
export async function saveAlertSettings(shopId: string, shopDomain: string, input: unknown): Promise<SaveAlertSettingsResult> {
  const parsed = parseAlertSettings(input);
  if (!parsed.success) return { ok: false, fieldErrors: parsed.fieldErrors, planErrors: {} };
  const result = await inTransaction(async (tx) => {
    await tx.query(`INSERT INTO "AlertSettings" ("shopId", config) VALUES ($1, '{}'::jsonb) ON CONFLICT ("shopId") DO NOTHING`, [shopId]);
    await tx.query(`SELECT 1 FROM "AlertSettings" WHERE "shopId" = $1 FOR UPDATE`, [shopId]);
    if (!(await shopAccess(tx, shopId)).capabilities.edit_settings) throw new RefusedByBilling({ form: READ_ONLY_REFUSED });
    const before = await loadAlertSettings(tx, shopId);
    const shop = await shopById(tx, shopId);
    const refused = planErrors(parsed.data, before, await shopEntitlements(tx, shopId), shop?.email ?? null);
    if (Object.keys(refused).length > 0) throw new RefusedByBilling(refused);
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
  }).catch((error: unknown) => {
    if (error instanceof RefusedByBilling) return error;
    throw error;
  });
  if (result instanceof RefusedByBilling) return { ok: false, fieldErrors: result.planErrors, planErrors: result.planErrors };
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
