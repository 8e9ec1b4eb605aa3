/**
 * Alert analytics from the database: the email log (EmailMessage, EmailEvent), the notifications each email carried
 * (AlertNotification, joined by `<emailGroup>:<recipient>` = the email's idempotency key) and the stock seen after
 * them (InventoryDay, InventoryLevel, later runs' VariantAdvice). Every query is scoped by the shop's id. The
 * figures themselves are pure (./analytics.ts); the method is in docs/alerts.md.
 */
import { csvLine } from "../csv/writer";
import { pool, type Queryable } from "../db/pool.server";
import { addDays } from "../forecasting";
import { countedLocations, readSettings } from "../forecasts/store.server";
import type { Day } from "../forecasts/contract";
import type { Shop } from "../shops/lookup.server";
import {
  ACTION_WINDOW_DAYS,
  ANALYTICS_KINDS,
  FATIGUE_WEEKS,
  PERIODS,
  RESTOCK_TYPES,
  buildAnalytics,
  evaluateActions,
  outcomeOf,
  parsePeriod,
  periodEnding,
  planPriceFrom,
  subjectFacts,
  summaryFigures,
  type AlertAnalytics,
  type AnalyticsInput,
  type CarriedNotification,
  type LoggedMessage,
  type MessageResult,
  type Period,
  type PeriodDays,
  type StockEvidence,
} from "./analytics";
import { localDateTime, zonedTimeToInstant } from "./schedule";
import { loadAlertSettings } from "./settings.server";

/** A timestamptz as an ISO instant in UTC. */
const iso = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

interface MessageRow extends Omit<LoggedMessage, "events"> {
  delivered: boolean;
  delayed: boolean;
  bounced: boolean;
  complained: boolean;
}

/** The shop's emails whose send (or, unsent, creation) falls in [from, to). */
async function loadMessages(db: Queryable, shopId: string, from: Date, to: Date): Promise<LoggedMessage[]> {
  const { rows } = await db.query<MessageRow>(
    `SELECT m.id, m.kind, m."alertType", m."templateVersion", m.recipient, m.subject, m.status,
            ${iso(`m."createdAt"`)} AS "createdAt", ${iso(`m."sentAt"`)} AS "sentAt",
            ${iso(`m."openedAt"`)} AS "openedAt", ${iso(`m."clickedAt"`)} AS "clickedAt",
            coalesce(e.delivered, false) AS delivered, coalesce(e.delayed, false) AS delayed,
            coalesce(e.bounced, false) AS bounced, coalesce(e.complained, false) AS complained
       FROM "EmailMessage" m
       LEFT JOIN LATERAL (
         SELECT bool_or(type = 'delivered') AS delivered, bool_or(type = 'delayed') AS delayed,
                bool_or(type = 'bounced') AS bounced, bool_or(type = 'complained') AS complained
           FROM "EmailEvent" WHERE "messageId" = m.id AND "shopId" = m."shopId") e ON true
      WHERE m."shopId" = $1 AND coalesce(m."sentAt", m."createdAt") >= $2 AND coalesce(m."sentAt", m."createdAt") < $3
      ORDER BY coalesce(m."sentAt", m."createdAt"), m.id`,
    [shopId, from, to],
  );
  return rows.map(({ delivered, delayed, bounced, complained, ...m }) => ({ ...m, events: { delivered, delayed, bounced, complained } }));
}

/** The notifications each of these emails carried. */
async function loadCarried(db: Queryable, shopId: string, messageIds: readonly string[]): Promise<CarriedNotification[]> {
  if (messageIds.length === 0) return [];
  const { rows } = await db.query<Omit<CarriedNotification, "subject"> & { facts: unknown }>(
    `SELECT n.key, m.id AS "messageId", n.type, n."variantId"::text AS "variantId", n."locationId"::text AS "locationId", n.facts
       FROM "EmailMessage" m
       JOIN "AlertNotification" n ON n."shopId" = m."shopId"
        AND n."emailGroup" = left(m."idempotencyKey", length(m."idempotencyKey") - length(m.recipient) - 1)
        AND right(m."idempotencyKey", length(m.recipient) + 1) = ':' || m.recipient
      WHERE m."shopId" = $1 AND m.id = ANY($2::uuid[])`,
    [shopId, messageIds],
  );
  return rows.map(({ facts, ...n }) => ({ ...n, subject: subjectFacts(facts) }));
}

interface EvidenceRequest {
  key: string;
  variantId: string;
  locationId: string;
  sendDay: Day;
  sentAt: string;
}

/**
 * Stock readings around each notification's first email: inventory history from the send day to the end of the
 * window, each location's last day before it, the current levels, and the advice of runs started after the send.
 */
async function loadEvidence(
  db: Queryable,
  shop: Shop,
  requests: readonly EvidenceRequest[],
  windowDays: number,
): Promise<Map<string, StockEvidence>> {
  const evidence = new Map<string, StockEvidence>(requests.map((r) => [r.key, { history: [], advice: [] }]));
  if (requests.length === 0) return evidence;
  const params = [
    shop.id,
    requests.map((r) => r.key),
    requests.map((r) => r.variantId),
    requests.map((r) => r.locationId),
    requests.map((r) => r.sendDay),
    requests.map((r) => r.sentAt),
    windowDays,
    shop.timezone,
  ];
  const notes = `n AS (SELECT * FROM unnest($2::text[], $3::bigint[], $4::bigint[], $5::date[], $6::timestamptz[]) AS n(key, variant, loc, day, sent))`;
  const items = `i AS (SELECT n.*, v."inventoryItemId" AS item FROM n JOIN "ProductVariant" v ON v."shopId" = $1 AND v.id = n.variant)`;
  const history = await db.query<{ key: string; locationId: string; day: Day; max: number; last: number; lastAt: string }>(
    `WITH ${notes}, ${items}
       (SELECT i.key, x."locationId"::text AS "locationId", to_char(x.day, 'YYYY-MM-DD') AS day, x."maxAvailable" AS max,
               x."lastAvailable" AS last, ${iso(`x."lastAt"`)} AS "lastAt"
          FROM i JOIN "InventoryDay" x ON x."shopId" = $1 AND x."inventoryItemId" = i.item AND (i.loc = 0 OR x."locationId" = i.loc)
           AND x.day BETWEEN i.day AND i.day + $7::int)
       UNION ALL
       (SELECT DISTINCT ON (i.key, x."locationId") i.key, x."locationId"::text, to_char(x.day, 'YYYY-MM-DD'), x."maxAvailable",
               x."lastAvailable", ${iso(`x."lastAt"`)}
          FROM i JOIN "InventoryDay" x ON x."shopId" = $1 AND x."inventoryItemId" = i.item AND (i.loc = 0 OR x."locationId" = i.loc)
           AND x.day < i.day
         ORDER BY i.key, x."locationId", x.day DESC)
       UNION ALL
       (SELECT i.key, l."locationId"::text, to_char((l."shopifyUpdatedAt" AT TIME ZONE $8)::date, 'YYYY-MM-DD'), l.available, l.available,
               ${iso(`l."shopifyUpdatedAt"`)}
          FROM i JOIN "InventoryLevel" l ON l."shopId" = $1 AND l."inventoryItemId" = i.item AND (i.loc = 0 OR l."locationId" = i.loc))`,
    params,
  );
  const advice = await db.query<{ key: string; at: string; day: Day; available: number }>(
    `WITH ${notes}
       SELECT n.key, ${iso(`r."startedAt"`)} AS at, to_char((r."startedAt" AT TIME ZONE $8)::date, 'YYYY-MM-DD') AS day, a.available
         FROM n JOIN "VariantAdvice" a ON a."shopId" = $1 AND a."variantId" = n.variant AND a."locationId" = n.loc
         JOIN "ForecastRun" r ON r.id = a."runId" AND r."shopId" = $1 AND r.status = 'completed'
        WHERE r."startedAt" >= n.sent AND (r."startedAt" AT TIME ZONE $8)::date <= n.day + $7::int`,
    params,
  );
  for (const { key, ...point } of history.rows) evidence.get(key)?.history.push(point);
  for (const { key, ...reading } of advice.rows) evidence.get(key)?.advice.push(reading);
  return evidence;
}

export interface CollectOptions {
  now?: Date;
  windowDays?: number;
  /** Also load the 8 weeks before `now` (alert fatigue). */
  withFatigue?: boolean;
}

/** Everything the pure figures need for one period of one shop. */
async function collect(db: Queryable, shop: Shop, period: Period, options: CollectOptions): Promise<AnalyticsInput> {
  const now = options.now ?? new Date();
  const windowDays = options.windowDays ?? ACTION_WINDOW_DAYS;
  const tz = shop.timezone;
  const start = zonedTimeToInstant(period.from, 0, 0, tz);
  const end = zonedTimeToInstant(addDays(period.to, 1), 0, 0, tz);
  const fatigueStart = new Date(now.getTime() - 2 * FATIGUE_WEEKS * 7 * 86_400_000);
  const from = options.withFatigue && fatigueStart < start ? fatigueStart : start;
  // One query at a time: `db` may be a transaction's client (the weekly summary).
  const messages = await loadMessages(db, shop.id, from, end);
  const settings = await loadAlertSettings(db, shop.id);
  const counted = await countedLocations(db, shop.id, await readSettings(db, shop.id));
  const localDay = (instant: string) => localDateTime(new Date(instant), tz).date;
  const sent = messages.filter((m) => {
    if (m.sentAt === null || !(ANALYTICS_KINDS as readonly string[]).includes(m.kind)) return false;
    const day = localDay(m.sentAt);
    return day >= period.from && day <= period.to;
  });
  const carried = await loadCarried(
    db,
    shop.id,
    sent.map((m) => m.id),
  );
  // A notification's window starts with its first email.
  const firstSent = new Map<string, string>();
  const sentAtOf = new Map(sent.map((m) => [m.id, m.sentAt!]));
  for (const c of carried) {
    const at = sentAtOf.get(c.messageId)!;
    const known = firstSent.get(c.key);
    if (!known || at < known) firstSent.set(c.key, at);
  }
  const requests: EvidenceRequest[] = [];
  const seen = new Set<string>();
  for (const c of carried) {
    if (seen.has(c.key) || !c.subject || c.variantId === null || c.locationId === null) continue;
    if (!(RESTOCK_TYPES as readonly string[]).includes(c.type)) continue;
    seen.add(c.key);
    const sentAt = firstSent.get(c.key)!;
    requests.push({ key: c.key, variantId: c.variantId, locationId: c.locationId, sentAt, sendDay: localDay(sentAt) });
  }
  const evidence = await loadEvidence(db, shop, requests, windowDays);
  return {
    period,
    today: localDay(now.toISOString()),
    now,
    timeZone: tz,
    windowDays,
    messages,
    carried,
    evidence,
    countedLocations: counted.stock,
    settings,
    planPriceMonthly: planPriceFrom(process.env.FLUXOR_PLAN_PRICE_MONTHLY),
  };
}

export interface AnalyticsPage {
  analytics: AlertAnalytics;
  /** Whether the shop has sent any alert email at all (in the log's 90 days): the empty state's wording. */
  everSent: boolean;
  /** The periods to choose from. */
  periods: readonly PeriodDays[];
}

/** The analytics page of a shop: the `period` days (7, 30 or 90; else 30) ending today in the shop's time zone. */
export async function loadAlertAnalytics(
  shop: Shop,
  period: string | null,
  options: CollectOptions = {},
  db: Queryable = pool(),
): Promise<AnalyticsPage> {
  const now = options.now ?? new Date();
  return loadPeriod(shop, periodEnding(localDateTime(now, shop.timezone).date, parsePeriod(period)), { ...options, now }, db);
}

async function loadPeriod(shop: Shop, period: Period, options: CollectOptions & { now: Date }, db: Queryable): Promise<AnalyticsPage> {
  const input = await collect(db, shop, period, { ...options, withFatigue: true });
  const ever = await db.query<{ sent: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM "EmailMessage" WHERE "shopId" = $1 AND kind = ANY($2::text[]) AND "sentAt" IS NOT NULL) AS sent`,
    [shop.id, ANALYTICS_KINDS],
  );
  return { analytics: buildAnalytics(input), everSent: ever.rows[0]?.sent ?? false, periods: PERIODS };
}

/** The weekly summary's figures for a period (alert emails sent in it, what came of them, lost sales avoided). */
export async function loadSummaryFigures(db: Queryable, shop: Shop, period: Period, now: Date = new Date()) {
  return summaryFigures(await collect(db, shop, period, { now }));
}

export const LOG_CSV_HEADER = [
  "message_id",
  "created_at_utc",
  "sent_at_utc",
  "kind",
  "alert_type",
  "template_version",
  "recipient",
  "subject",
  "status",
  "delivered",
  "delayed",
  "bounced",
  "complained",
  "opened_at_utc",
  "clicked_at_utc",
  "notifications",
  "action",
] as const;

/**
 * The email log of the period as CSV: one line per email sent (or, unsent, created) in it, of every kind, with its
 * delivery outcome and — for the emails the page counts — the notifications it carried and its action state
 * (acted / pending / none). The recipient is the address the merchant configured; no customer data is in the log.
 */
export async function* alertLogCsv(
  shop: Shop,
  periodParam: string | null,
  now: Date = new Date(),
  db: Queryable = pool(),
): AsyncGenerator<string> {
  const period = periodEnding(localDateTime(now, shop.timezone).date, parsePeriod(periodParam));
  const input = await collect(db, shop, period, { now });
  const results = new Map<string, MessageResult>(evaluateActions(input).messages.map((r) => [r.message.id, r]));
  yield csvLine(LOG_CSV_HEADER);
  for (const m of input.messages) {
    const o = outcomeOf(m);
    const r = results.get(m.id);
    yield csvLine([
      m.id,
      m.createdAt,
      m.sentAt,
      m.kind,
      m.alertType,
      m.templateVersion,
      m.recipient,
      m.subject,
      m.status,
      o.delivered,
      o.delayed,
      o.bounced,
      o.complained,
      m.openedAt,
      m.clickedAt,
      r ? r.notifications : null,
      r ? r.state : null,
    ]);
  }
}
