/**
 * The weekly summary email (EMAIL-004): at the shop's weekly send (its weekly day and delivery hour, local time),
 * each recipient who keeps the "weekly_summary" topic gets the past seven days' alert emails and what came of them
 * (sent, opened, clicked, acted on), the lost sales they helped avoid (./analytics.ts) and how many variants need
 * attention now (the published run's advice). The digest tick queues it (`alerts.digest` with kind "summary") when
 * the shop had an alert email in those days and has no summary for the week yet; the idempotency key
 * `summary:<shop>:<weekly period>:<recipient>` makes it once per week and recipient however often the job runs.
 * A shop in read-only mode (decision 0044) gets none: the tick queues none, and a job queued before sends nothing.
 */
import { shopAccess } from "../billing/limits.server";
import { shopTransaction, type Queryable } from "../db/pool.server";
import { queueMessage } from "../email/log.server";
import type { EmailContentInput } from "../email/model";
import { addDays } from "../forecasting";
import { EMAIL_PRIORITY } from "../jobs/contracts/email";
import { shopById } from "../shops/lookup.server";
import { ALERT_EMAIL_KINDS, type Period } from "./analytics";
import { loadSummaryFigures } from "./analytics.server";
import { envelope } from "./envelope.server";
import { chooseVersion } from "./experiments";
import { LowStockRule, recipientsFor, type AlertSettings } from "./rules";
import { localDateTime, zonedTimeToInstant } from "./schedule";
import { loadDeliveredAlertSettings } from "./settings.server";

/** The seven local days before the day of the weekly send. */
export function summaryPeriod(dueAt: Date, timeZone: string): Period {
  const to = addDays(localDateTime(dueAt, timeZone).date, -1);
  return { days: 7, from: addDays(to, -6), to };
}

function summaryKeyPrefix(shopId: string, periodKey: string): string {
  return `summary:${shopId}:${periodKey}:`;
}

/** Whether the weekly summary of `periodKey` is owed: an alert email went out in its days and no summary did yet. */
export async function summaryDue(db: Queryable, shopId: string, timeZone: string, periodKey: string, dueAt: Date): Promise<boolean> {
  const period = summaryPeriod(dueAt, timeZone);
  const { rows } = await db.query<{ alerted: boolean; done: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM "EmailMessage" WHERE "shopId" = $1 AND kind = ANY($2::text[]) AND "sentAt" >= $3 AND "sentAt" < $4) AS alerted,
            EXISTS (SELECT 1 FROM "EmailMessage" WHERE "shopId" = $1 AND kind = 'summary' AND left("idempotencyKey", length($5)) = $5) AS done`,
    [
      shopId,
      ALERT_EMAIL_KINDS,
      zonedTimeToInstant(period.from, 0, 0, timeZone),
      zonedTimeToInstant(addDays(period.to, 1), 0, 0, timeZone),
      summaryKeyPrefix(shopId, periodKey),
    ],
  );
  return (rows[0]?.alerted ?? false) && !(rows[0]?.done ?? true);
}

type AtRisk = Extract<EmailContentInput, { template: "weekly_summary" }>["atRisk"];

/**
 * Variants (all counted locations together) in each state in the published run: out of stock, stockout within lead
 * time, at the reorder point and dead stock by the advice's risk; low stock = otherwise fine, selling, and under the
 * shop's low-stock rule (its first one, enabled or not; the rule's defaults when it has none).
 */
export async function atRiskCounts(db: Queryable, shopId: string, settings: AlertSettings): Promise<AtRisk> {
  const rule = settings.rules.find((r) => r.type === "low_stock") ?? LowStockRule.parse({ id: "low_stock", type: "low_stock" });
  const low = rule.type === "low_stock" ? rule : null;
  const { rows } = await db.query<AtRisk>(
    `SELECT count(*) FILTER (WHERE a.risk = 'out_of_stock')::int AS out_of_stock,
            count(*) FILTER (WHERE a.risk = 'stockout')::int AS stockout_predicted,
            count(*) FILTER (WHERE a.risk = 'reorder')::int AS reorder_point,
            count(*) FILTER (WHERE a.risk = 'ok' AND a."dailyMean" > 0 AND (a.available < $2::float8 OR a."daysOfCover" < $3::float8))::int AS low_stock,
            count(*) FILTER (WHERE a.risk = 'dead')::int AS dead_stock
       FROM "ShopForecastState" s JOIN "VariantAdvice" a ON a."runId" = s."currentRunId" AND a."shopId" = s."shopId" AND a."locationId" = 0
      WHERE s."shopId" = $1`,
    [shopId, low?.belowUnits ?? null, low?.belowDaysOfCover ?? null],
  );
  return rows[0] ?? { out_of_stock: 0, stockout_predicted: 0, reorder_point: 0, low_stock: 0, dead_stock: 0 };
}

/** Queues the week's summary to each recipient (once per period and recipient): returns how many were new. */
export async function sendWeeklySummary(shopId: string, periodKey: string, dueAt: Date, now: Date = new Date()): Promise<number> {
  return shopTransaction(shopId, async (tx) => {
    const shop = await shopById(tx, shopId);
    if (!shop?.installed || !(await shopAccess(tx, shopId, now)).capabilities.send_alerts) return 0;
    const settings = await loadDeliveredAlertSettings(tx, shop, now);
    const recipients = recipientsFor(settings, shop.email, "weekly_summary");
    if (recipients.length === 0) return 0;
    const period = summaryPeriod(dueAt, shop.timezone);
    const figures = await loadSummaryFigures(tx, shop, period, now);
    const atRisk = await atRiskCounts(tx, shopId, settings);
    let emails = 0;
    for (const recipient of recipients) {
      const version = chooseVersion("weekly_summary", recipient, shopId);
      const content: EmailContentInput = {
        template: "weekly_summary",
        version,
        ...envelope(shop, settings, recipient, now),
        period: { from: period.from, to: period.to },
        alerts: figures.alerts,
        lostSalesAvoided: figures.lostSalesAvoided,
        atRisk,
      };
      const queued = await queueMessage(tx, {
        shopId,
        kind: "summary",
        alertType: null,
        templateVersion: `weekly_summary@${version}`,
        recipient,
        idempotencyKey: `${summaryKeyPrefix(shopId, periodKey)}${recipient}`,
        priority: EMAIL_PRIORITY.summary,
        content,
      });
      if (queued.created) emails++;
    }
    return emails;
  });
}
