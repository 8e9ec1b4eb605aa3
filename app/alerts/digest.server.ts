/**
 * Daily and weekly digests. A tick (every 15 minutes, `alerts.digest-tick`) looks at each installed shop
 * in its own time zone: when the last scheduled delivery hour has passed and notifications of that
 * frequency, recorded before it, still wait, it queues the shop's `alerts.digest` job for that period.
 * The job sends one digest per recipient with the idempotency key `digest:<shop>:<period>:<recipient>` (and a
 * failed forecast run of a daily or weekly rule as its own email, once per run and recipient),
 * so a tick that runs late, twice, or after downtime sends each period once, and whatever arrives after a
 * period's digest waits for the next one. Held notifications do not depend on the worker being up at the
 * exact hour: the next tick catches up.
 *
 * A shop in read-only mode (decision 0044) gets no digest and no weekly summary, and nothing is marked as sent:
 * its notifications stay pending. Nothing new is recorded in read-only mode (no run starts, and a run that was
 * going is not evaluated: ./run.server.ts), so what waits is what was recorded before it began, at most one
 * period's worth, trouble the merchant was never told of and whose episodes already count as told (dropping it
 * would lose it for good). The first tick after the shop pays sends it once, in the digest of the period then due;
 * the periods missed in between are not sent one by one (a tick only owes the last one), so paying again brings one
 * digest, not a backlog, and the next ones follow their schedule.
 */
import { shopAccess } from "../billing/limits.server";
import { pool, shopTransaction } from "../db/pool.server";
import { queueMessage } from "../email/log.server";
import type { EmailContentInput } from "../email/model";
import { alertsDigestJob } from "../jobs/contracts/alerts";
import { addJob } from "../jobs/queue.server";
import { installedShops, shopById } from "../shops/lookup.server";
import { envelope } from "./envelope.server";
import { chooseVersion } from "./experiments";
import { emailPriority } from "./priority";
import { recipientsFor } from "./rules";
import { markEmailed, pendingNotifications, sectionsOf, sendFailures } from "./run.server";
import { lastDailySend, lastWeeklySend, type ShopSchedule } from "./schedule";
import { loadDeliveredAlertSettings } from "./settings.server";
import { summaryDue } from "./summary.server";

/** Queues the digests and weekly summaries due at `now` (every shop): returns how many jobs were queued. */
export async function queueDueDigests(now: Date = new Date()): Promise<number> {
  const shops = await installedShops(pool());
  let queued = 0;
  for (const { id } of shops) {
    const shop = await shopById(pool(), id);
    if (!shop?.detailsReady) continue;
    if (!(await shopAccess(pool(), id, now)).capabilities.send_alerts) continue;
    const settings = await loadDeliveredAlertSettings(pool(), shop, now);
    const schedule: ShopSchedule = {
      timeZone: shop.timezone,
      deliveryHour: settings.deliveryHour,
      weeklyDay: settings.weeklyDay,
      quietHours: settings.quietHours,
    };
    for (const [kind, due] of [
      ["daily", lastDailySend(schedule, now)],
      ["weekly", lastWeeklySend(schedule, now)],
    ] as const) {
      const { rows } = await pool().query<{ waiting: boolean }>(
        `SELECT EXISTS (SELECT 1 FROM "AlertNotification" WHERE "shopId" = $1 AND "emailedAt" IS NULL AND frequency = $2 AND "createdAt" <= $3) AS waiting`,
        [id, kind, due.at],
      );
      if (!rows[0]?.waiting) continue;
      await addJob(pool(), alertsDigestJob, { shopId: id, kind, periodKey: due.periodKey, dueAt: due.at.toISOString() });
      queued++;
    }
    // The weekly summary, at the weekly slot, when the week had alert emails and its summary is not out yet.
    const week = lastWeeklySend(schedule, now);
    if (
      recipientsFor(settings, shop.email, "weekly_summary").length > 0 &&
      (await summaryDue(pool(), id, shop.timezone, week.periodKey, week.at))
    ) {
      await addJob(pool(), alertsDigestJob, { shopId: id, kind: "summary", periodKey: week.periodKey, dueAt: week.at.toISOString() });
      queued++;
    }
  }
  return queued;
}

/** One shop's digest of one period: every notification of that frequency recorded up to the scheduled hour. */
export async function sendDigest(
  shopId: string,
  kind: "daily" | "weekly",
  periodKey: string,
  dueAt: Date,
  now: Date = new Date(),
): Promise<number> {
  return shopTransaction(shopId, async (tx) => {
    const shop = await shopById(tx, shopId);
    if (!shop?.installed) return 0;
    // Queued before the shop became read-only: nothing goes and nothing is marked, so the notifications wait for
    // the first digest after it pays (see the module comment).
    if (!(await shopAccess(tx, shopId, now)).capabilities.send_alerts) return 0;
    const settings = await loadDeliveredAlertSettings(tx, shop, now);
    const due = (await pendingNotifications(tx, shopId, [kind])).filter((p) => p.createdAt <= dueAt);
    // A failed forecast run is about the shop, not its products: its own email, at the digest's hour.
    const failures = await sendFailures(tx, shop, settings, due, now);
    const pending = due.filter((p) => p.type !== "forecast_failed");
    const sections = sectionsOf(pending, settings);
    if (sections.length === 0) {
      await markEmailed(
        tx,
        shopId,
        pending.map((p) => p.key),
        null,
      );
      return failures;
    }
    const group = `digest:${shopId}:${periodKey}`;
    let emails = 0;
    const carried: string[] = [];
    // A recipient receives the sections of the topics they keep; every recipient gets the same period key.
    const all = new Set(sections.map((s) => s.alertType));
    const recipients = new Map<string, typeof sections>();
    for (const type of all)
      for (const r of recipientsFor(settings, shop.email, type))
        recipients.set(r, [...(recipients.get(r) ?? []), ...sections.filter((s) => s.alertType === type)]);
    for (const [recipient, mine] of recipients) {
      const version = chooseVersion("digest", recipient, shop.id);
      const content = {
        template: "digest",
        version,
        frequency: kind,
        ...envelope(shop, settings, recipient, now),
        sections: mine,
      } as EmailContentInput;
      const queued = await queueMessage(tx, {
        shopId,
        kind: "digest",
        alertType: null,
        templateVersion: `digest@${version}`,
        recipient,
        idempotencyKey: `${group}:${recipient}`,
        priority: emailPriority(kind),
        content,
      });
      if (queued.created) emails++;
    }
    // Notifications go out with this period's digests; when they were already sent for this period (a
    // repeated job), the ones that arrived since wait for the next period.
    if (emails > 0 || recipients.size === 0) carried.push(...pending.map((p) => p.key));
    await markEmailed(tx, shopId, carried, emails > 0 ? group : null);
    return emails + failures;
  });
}
