/**
 * The alerts of one forecast run (the `alerts.evaluate` job, queued when a run is published or fails):
 *
 *   1. evaluate the shop's rules, as its plan lets them run, on the run's advice rows (a failed run: only the
 *      forecast_failed rule);
 *   2. move the episodes (./episodes.ts) and record a notification for each opening, escalation and reopening;
 *   3. queue the immediate ones as alert emails, one per alert type and recipient, held through quiet hours.
 *      Daily and weekly notifications wait for their digest (./digest.server.ts).
 *
 * All in one transaction under the shop's row lock (decision 0035): a crash leaves nothing half-done, and
 * the same run evaluated again finds its episodes already moved and its notification keys taken, so it
 * records and sends nothing more. A run older than what the episodes have seen is skipped, and so is a run of a
 * shop in read-only mode (see `evaluateRun`).
 */
import type { PoolClient } from "pg";
import { shopAccess } from "../billing/limits.server";
import { shopTransaction, type Queryable } from "../db/pool.server";
import { queueMessage } from "../email/log.server";
import { TEMPLATE_VERSIONS, type EmailContentInput } from "../email/model";
import { shopById, type Shop } from "../shops/lookup.server";
import { sectionFor, type ProductAlertType } from "./content";
import { envelope } from "./envelope.server";
import { transitions, type Episode } from "./episodes";
import { evaluate } from "./evaluate";
import type { Day } from "../forecasts/contract";
import { ALERT_TYPES, type AlertSubject, type AlertType, type ForecastFailure } from "./model";
import { emailPriority } from "./priority";
import { recipientsFor, type AlertRule, type AlertSettings } from "./rules";
import { immediateSendTime } from "./schedule";
import { loadDeliveredAlertSettings } from "./settings.server";
import { addDays } from "../forecasting";
import { chooseVersion } from "./experiments";

export interface EvaluationSummary {
  outcome: "evaluated" | "superseded" | "not_finished" | "stale" | "shop_gone" | "read_only";
  findings: number;
  opened: number;
  escalated: number;
  resolved: number;
  notifications: number;
  emails: number;
  /** Where the time went (ms): reading the run's rows, evaluating and moving episodes, writing. */
  ms: { read: number; evaluate: number; write: number };
}

const EMPTY: Omit<EvaluationSummary, "outcome"> = {
  findings: 0,
  opened: 0,
  escalated: 0,
  resolved: 0,
  notifications: 0,
  emails: 0,
  ms: { read: 0, evaluate: 0, write: 0 },
};

interface RunRow {
  status: string;
  asOf: Day;
  error: string | null;
  finishedAt: Date | null;
  current: boolean;
}

/**
 * The advice rows of a run as the engine's subjects: the all-locations rows ("0"), and the rows of the
 * locations some rule scopes to (a rule without locations looks at "0" only, app/alerts/rules.ts).
 */
export async function loadSubjects(db: Queryable, shopId: string, runId: string, rules: readonly AlertRule[]): Promise<AlertSubject[]> {
  const locations = new Set<string>(["0"]);
  for (const rule of rules) if (rule.enabled && "scope" in rule) for (const id of rule.scope.locationIds) locations.add(id);
  // The product's image is today's (the advice row does not carry it): the email shows the picture the shop has now.
  const { rows } = await db.query<AlertSubject>(
    `SELECT a."variantId"::text AS "variantId", a."productId"::text AS "productId", a."locationId"::text AS "locationId",
            a."productTitle", a."variantTitle", a.sku, p."imageUrl", a.vendor, a."productType", a."abcClass", a.price::float8 AS price,
            a.available, a."dailyMean", a."daysOfCover", to_char(a."stockoutDate", 'YYYY-MM-DD') AS "stockoutDate", a."reorderPoint",
            a."reorderQty", a."leadTimeDays", a.risk, to_char(a."lastSaleDay", 'YYYY-MM-DD') AS "lastSaleDay",
            a."stockValue"::float8 AS "stockValue", to_char(a."outOfStockSince", 'YYYY-MM-DD') AS "outOfStockSince", a."sinceEstimated",
            a."lostUnitsPerDay", a."lostUnitsToDate", a."lostRevenuePerDay"::float8 AS "lostRevenuePerDay",
            a."lostRevenueToDate"::float8 AS "lostRevenueToDate"
       FROM "VariantAdvice" a
       LEFT JOIN "Product" p ON p."shopId" = a."shopId" AND p.id = a."productId"
      WHERE a."runId" = $1 AND a."shopId" = $2 AND a."locationId" = ANY($3::bigint[])`,
    [runId, shopId, [...locations]],
  );
  return rows;
}

async function loadEpisodes(db: Queryable, shopId: string, today: Day): Promise<Episode[]> {
  const { rows } = await db.query<Episode>(
    `SELECT key, "shopId", family, "variantId"::text AS "variantId", "locationId"::text AS "locationId", state, type, severity,
            "notifiedSeverity", to_char("openedOn", 'YYYY-MM-DD') AS "openedOn", to_char("resolvedOn", 'YYYY-MM-DD') AS "resolvedOn"
       FROM "AlertEpisode" WHERE "shopId" = $1 AND (state = 'open' OR "resolvedOn" >= $2::date)`,
    [shopId, addDays(today, -1)],
  );
  return rows;
}

/** Upserts episodes in one statement (a first night of a 50 000-variant shop opens tens of thousands). */
async function saveEpisodes(db: Queryable, shopId: string, episodes: readonly Episode[]): Promise<void> {
  for (let i = 0; i < episodes.length; i += 5000) {
    const chunk = episodes.slice(i, i + 5000);
    const col = <K extends keyof Episode>(k: K) => chunk.map((e) => e[k]);
    await db.query(
      `INSERT INTO "AlertEpisode" ("shopId", key, family, "variantId", "locationId", state, type, severity, "notifiedSeverity", "openedOn", "resolvedOn", "updatedAt")
       SELECT $1, * , now() FROM unnest($2::text[], $3::text[], $4::bigint[], $5::bigint[], $6::text[], $7::text[], $8::int[], $9::int[], $10::date[], $11::date[])
       ON CONFLICT ("shopId", key) DO UPDATE SET state = excluded.state, type = excluded.type, severity = excluded.severity,
         "notifiedSeverity" = excluded."notifiedSeverity", "openedOn" = excluded."openedOn", "resolvedOn" = excluded."resolvedOn", "updatedAt" = now()`,
      [
        shopId,
        col("key"),
        col("family"),
        col("variantId"),
        col("locationId"),
        col("state"),
        col("type"),
        col("severity"),
        col("notifiedSeverity"),
        col("openedOn"),
        col("resolvedOn"),
      ],
    );
  }
}

interface NewNotification {
  key: string;
  episodeKey: string;
  type: AlertType;
  severity: number;
  frequency: string;
  variantId: string | null;
  locationId: string | null;
  facts: string;
}

/** Records notifications in one statement; a key already recorded (the same run again) adds nothing. */
async function saveNotifications(
  db: Queryable,
  shopId: string,
  runId: string,
  day: Day,
  notes: readonly NewNotification[],
): Promise<number> {
  let added = 0;
  for (let i = 0; i < notes.length; i += 5000) {
    const chunk = notes.slice(i, i + 5000);
    const col = <K extends keyof NewNotification>(k: K) => chunk.map((n) => n[k]);
    const { rowCount } = await db.query(
      `INSERT INTO "AlertNotification" ("shopId", key, "episodeKey", type, severity, frequency, "variantId", "locationId", facts, day, "runId")
       SELECT $1, k, e, t, s, f, v, l, x::jsonb, $10::date, $11
         FROM unnest($2::text[], $3::text[], $4::text[], $5::int[], $6::text[], $7::bigint[], $8::bigint[], $9::text[]) AS u(k, e, t, s, f, v, l, x)
       ON CONFLICT ("shopId", key) DO NOTHING`,
      [
        shopId,
        col("key"),
        col("episodeKey"),
        col("type"),
        col("severity"),
        col("frequency"),
        col("variantId"),
        col("locationId"),
        col("facts"),
        day,
        runId,
      ],
    );
    added += rowCount ?? 0;
  }
  return added;
}

/** Consecutive failed runs of the shop up to this one (since its last completed run). */
async function failureOf(db: Queryable, shopId: string, runId: string, run: RunRow): Promise<ForecastFailure> {
  const { rows } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM "ForecastRun" f
      WHERE f."shopId" = $1 AND f.status = 'failed' AND f."startedAt" <= (SELECT "startedAt" FROM "ForecastRun" WHERE id = $2)
        AND f."startedAt" > coalesce((SELECT max("startedAt") FROM "ForecastRun" WHERE "shopId" = $1 AND status = 'completed'), '-infinity')`,
    [shopId, runId],
  );
  return {
    runId,
    failedAt: (run.finishedAt ?? new Date()).toISOString(),
    error: run.error?.trim() || "unknown error",
    consecutiveFailures: Math.max(1, rows[0]?.n ?? 1),
  };
}

export async function evaluateRun(shopId: string, runId: string, now: Date = new Date()): Promise<EvaluationSummary> {
  return shopTransaction(shopId, async (tx) => {
    const shop = await shopById(tx, shopId);
    if (!shop?.installed) return { outcome: "shop_gone", ...EMPTY };
    // Read-only mode (decision 0044) sends no alert, and the run is not evaluated at all. Moving the episodes without
    // telling would count them as told, so the merchant would never hear of that trouble; recording notifications to
    // send later would bring a flood of stale alerts the day the shop pays. No run starts in read-only mode, so this
    // is a run that began before it: the first run after the shop pays finds what is wrong then, against episodes
    // that still say what the merchant was last told, and tells it once.
    if (!(await shopAccess(tx, shopId, now)).capabilities.send_alerts) return { outcome: "read_only", ...EMPTY };
    const { rows } = await tx.query<RunRow>(
      `SELECT r.status, to_char(r."asOf", 'YYYY-MM-DD') AS "asOf", r.error, r."finishedAt",
              coalesce(s."currentRunId" = r.id, false) AS current
         FROM "ForecastRun" r LEFT JOIN "ShopForecastState" s ON s."shopId" = r."shopId"
        WHERE r.id = $1 AND r."shopId" = $2`,
      [runId, shopId],
    );
    const run = rows[0];
    if (!run || run.status === "running") return { outcome: "not_finished", ...EMPTY };
    if (run.status === "completed" && !run.current) return { outcome: "superseded", ...EMPTY };
    const failed = run.status === "failed";
    const t0 = performance.now();
    // The settings as the shop's plan lets them run (./plan.ts): a type it lacks is off, a cadence it lacks moves.
    const settings = await loadDeliveredAlertSettings(tx, shop, now);
    const subjects = failed ? [] : await loadSubjects(tx, shopId, runId, settings.rules);
    const forecastFailure = failed ? await failureOf(tx, shopId, runId, run) : null;
    const t1 = performance.now();
    const findings = evaluate(settings.rules, subjects, { shopId, asOf: run.asOf, forecastFailure });
    const t2 = performance.now();
    // A failed run says nothing about stock: only the forecast_failed episode moves.
    const stored = (await loadEpisodes(tx, shopId, run.asOf)).filter((e) => !failed || e.family === "forecast_failed");
    if (stored.some((e) => (e.resolvedOn ?? e.openedOn) > run.asOf)) return { outcome: "stale", ...EMPTY };
    const t3 = performance.now();
    const moves = transitions(stored, findings, run.asOf);
    const t4 = performance.now();
    const summary: EvaluationSummary = { outcome: "evaluated", ...EMPTY, findings: findings.length };
    const notes: NewNotification[] = [];
    for (const t of moves) {
      if (t.kind === "open" || t.kind === "reopen") summary.opened++;
      if (t.kind === "escalate") summary.escalated++;
      if (t.kind === "resolve") summary.resolved++;
      if (!t.notify || !t.notificationKey || !t.finding) continue;
      const f = t.finding;
      const facts = f.family === "forecast_failed" ? { failure: f.failure } : { subject: f.subject, ruleId: f.ruleId };
      notes.push({
        key: t.notificationKey,
        episodeKey: t.key,
        type: f.type,
        severity: f.severity,
        frequency: f.frequency,
        variantId: f.variantId,
        locationId: f.locationId,
        facts: JSON.stringify(facts),
      });
    }
    await saveEpisodes(
      tx,
      shopId,
      moves.filter((t) => t.changed).map((t) => t.episode),
    );
    summary.notifications = await saveNotifications(tx, shopId, runId, run.asOf, notes);
    summary.emails = await sendImmediate(tx, shop, settings, runId, now);
    summary.ms = {
      read: Math.round(t1 - t0 + (t3 - t2)),
      evaluate: Math.round(t2 - t1 + (t4 - t3)),
      write: Math.round(performance.now() - t4),
    };
    return summary;
  });
}

interface PendingNotification {
  key: string;
  type: AlertType;
  createdAt: Date;
  facts: { subject?: AlertSubject; ruleId?: string; failure?: ForecastFailure };
}

/** Pending notifications of a shop (not yet in an email) of the given frequencies, oldest first. */
export async function pendingNotifications(db: Queryable, shopId: string, frequencies: readonly string[]): Promise<PendingNotification[]> {
  const { rows } = await db.query<PendingNotification>(
    `SELECT key, type, "createdAt", facts FROM "AlertNotification"
      WHERE "shopId" = $1 AND "emailedAt" IS NULL AND frequency = ANY($2::text[]) ORDER BY "createdAt", key`,
    [shopId, frequencies],
  );
  return rows;
}

/** Marks notifications as carried by the emails of `emailGroup` (their idempotency keys start with it). */
export async function markEmailed(db: Queryable, shopId: string, keys: readonly string[], emailGroup: string | null): Promise<void> {
  if (keys.length === 0) return;
  await db.query(`UPDATE "AlertNotification" SET "emailedAt" = now(), "emailGroup" = $3 WHERE "shopId" = $1 AND key = ANY($2::text[])`, [
    shopId,
    keys,
    emailGroup,
  ]);
}

/** Product sections of pending notifications, one per alert type, in urgency order. */
export function sectionsOf(pending: readonly PendingNotification[], settings: AlertSettings) {
  const sections = [];
  for (const type of ALERT_TYPES) {
    if (type === "forecast_failed") continue;
    const notes = pending.filter((p) => p.type === type && p.facts.subject && p.facts.ruleId);
    if (notes.length > 0)
      sections.push(
        sectionFor(
          type as ProductAlertType,
          notes.map((p) => ({ subject: p.facts.subject!, ruleId: p.facts.ruleId! })),
          settings.rules,
        ),
      );
  }
  return sections;
}

/** The immediate notifications of this run as alert emails: one per alert type and recipient. */
async function sendImmediate(tx: PoolClient, shop: Shop, settings: AlertSettings, runId: string, now: Date): Promise<number> {
  const pending = await pendingNotifications(tx, shop.id, ["immediate"]);
  if (pending.length === 0) return 0;
  const { at } = immediateSendTime(
    { timeZone: shop.timezone, deliveryHour: settings.deliveryHour, weeklyDay: settings.weeklyDay, quietHours: settings.quietHours },
    now,
  );
  let emails = 0;
  for (const section of sectionsOf(pending, settings)) {
    const type = section.alertType;
    const group = `alert:${runId}:${type}`;
    const recipients = recipientsFor(settings, shop.email, type);
    await markEmailed(
      tx,
      shop.id,
      pending.filter((p) => p.type === type).map((p) => p.key),
      recipients.length > 0 ? group : null,
    );
    for (const recipient of recipients) {
      const version = chooseVersion(type, recipient, shop.id);
      const content = { template: type, version, ...envelope(shop, settings, recipient, now), section } as EmailContentInput;
      const queued = await queueMessage(tx, {
        shopId: shop.id,
        kind: "alert",
        alertType: type,
        templateVersion: `${type}@${version}`,
        recipient,
        idempotencyKey: `${group}:${recipient}`,
        priority: emailPriority("immediate"),
        content,
        sendAt: at > now ? at : undefined,
      });
      if (queued.created) emails++;
    }
  }
  return emails + (await sendFailures(tx, shop, settings, pending, now, at > now ? at : undefined));
}

/**
 * The forecast-run failures among `pending` as their own emails (they are about the shop, not products, so no
 * digest section holds them): at once for an immediate rule (`sendAt`: after quiet hours), at the digest's hour
 * for a daily or weekly one. One email per failed run and recipient, however often this runs.
 */
export async function sendFailures(
  tx: PoolClient,
  shop: Shop,
  settings: AlertSettings,
  pending: readonly PendingNotification[],
  now: Date,
  sendAt?: Date,
): Promise<number> {
  let emails = 0;
  for (const note of pending) {
    const failure = note.type === "forecast_failed" ? note.facts.failure : undefined;
    if (!failure) continue;
    const group = `alert:${failure.runId}:forecast_failed`;
    const recipients = recipientsFor(settings, shop.email, "forecast_failed");
    await markEmailed(tx, shop.id, [note.key], recipients.length > 0 ? group : null);
    for (const recipient of recipients) {
      const content: EmailContentInput = {
        template: "forecast_failed",
        ...envelope(shop, settings, recipient, now),
        run: { id: failure.runId, error: failure.error, failedAt: failure.failedAt, attempt: failure.consecutiveFailures },
      };
      const queued = await queueMessage(tx, {
        shopId: shop.id,
        kind: "operator",
        alertType: "forecast_failed",
        templateVersion: `forecast_failed@${TEMPLATE_VERSIONS.forecast_failed[0]}`,
        recipient,
        idempotencyKey: `${group}:${recipient}`,
        priority: emailPriority("immediate"),
        content,
        sendAt,
      });
      if (queued.created) emails++;
    }
  }
  return emails;
}
