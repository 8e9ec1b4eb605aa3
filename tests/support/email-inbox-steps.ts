/**
 * The steps tests/e2e/email-inbox.spec.ts takes to make the demo send every kind of email, each through the app's
 * own modules on the demo's database (DATABASE_URL), as the pages, jobs and CLIs do. Run with tsx, like the app:
 * Playwright's loader cannot import the app (its JSON imports need import attributes).
 *
 *   DATABASE_URL=… npx tsx tests/support/email-inbox-steps.ts <step> [shop domain] [arguments…]
 *
 * Steps (each prints one JSON line):
 * - `state`: the shop (id, email, language, time zone) and the `--at` instant for `npm run alerts:tick`: the shop's
 *   first weekly send after today, when its daily digest, weekly digest and weekly summary (whose week then includes
 *   today) are all due.
 * - `rules`: saves the shop's alert settings (`saveAlertSettings`, what the settings page's save calls) with, besides
 *   its rules, an immediate rule of each product alert type for one location (and one vendor), chosen with the app's
 *   evaluation so that each finds a few variants there (episodes of a location are new, so the next run's evaluation
 *   notifies them), and the emails' language pinned to the shop's current one; answers the language it found.
 * - `unrules <language|none|keep> [recipient…]`: takes those rules out again, gives the emails the language given
 *   (`none`: not pinned, they follow the admin's language; `keep`: as it is) and removes the recipients given.
 * - `fail`: a forecast run that fails, as one whose batch used all its attempts (`startRun`, then `failRun`): the
 *   forecast_failed alert.
 * - `forecast`: a manual forecast run (`requestForecastRun`); the worker publishes it and evaluates the rules on it.
 *
 * Emails with signed links made outside the worker (the recipient confirmation, "send me a test") are sent from the
 * alert settings page by the spec: only the demo's own processes hold the secret that signs them.
 */
import { closePool, pool } from "../../app/db/pool.server";
import { disconnectPrisma } from "../../app/db/prisma.server";
import { evaluate } from "../../app/alerts/evaluate";
import { AlertRule, AlertScope, AlertSettings } from "../../app/alerts/rules";
import { loadSubjects } from "../../app/alerts/run.server";
import { nextWeeklySend, zonedTimeToInstant, localDateTime } from "../../app/alerts/schedule";
import { readAlertSettings, saveAlertSettings } from "../../app/alerts/settings.server";
import { addDays } from "../../app/forecasting";
import { failRun, requestForecastRun, startRun } from "../../app/forecasts/run.server";
import { currentRun } from "../../app/forecasts/store.server";
import { matchLocale } from "../../app/i18n/i18n";
import { shopByDomain, type Shop } from "../../app/shops/lookup.server";

/** The ids of the rules the `rules` step adds. */
const RULE_PREFIX = "inbox-";
/** What the failed run's email reports. */
export const FAILURE = "batch 1: the worker stopped (a failure made on purpose by tests/e2e/email-inbox.spec.ts)";

type Step = (shop: Shop, args: string[]) => Promise<Record<string, unknown>>;
/** What `rules` answers as `localeBefore` and `unrules` takes back for a language that was not pinned. */
const NOT_PINNED = "none";
/** What `unrules` takes when `rules` did not run (the language stays as it is). */
const KEEP = "keep";

const PRODUCT_TYPES = ["out_of_stock", "stockout_predicted", "reorder_point", "low_stock", "dead_stock"] as const;
/** Low-stock thresholds tried, smallest first (days of cover; the email shows the threshold, at most 365). */
const LOW_STOCK_DAYS = [30, 60, 90, 180, 365];

/** An immediate rule of each product alert type for `scope`, with loose thresholds. */
function immediateRules(scope: AlertScope, lowStockDays: number): AlertRule[] {
  return [
    { id: `${RULE_PREFIX}out-of-stock`, type: "out_of_stock", frequency: "immediate", minLostRevenuePerDay: 0, scope },
    { id: `${RULE_PREFIX}stockout`, type: "stockout_predicted", frequency: "immediate", withinDays: "lead_time", scope },
    { id: `${RULE_PREFIX}reorder`, type: "reorder_point", frequency: "immediate", scope },
    { id: `${RULE_PREFIX}low-stock`, type: "low_stock", frequency: "immediate", belowUnits: null, belowDaysOfCover: lowStockDays, scope },
    { id: `${RULE_PREFIX}dead-stock`, type: "dead_stock", frequency: "immediate", noSaleForDays: 90, minStockValue: 0, scope },
  ].map((rule) => AlertRule.parse({ enabled: true, ...rule }));
}

/**
 * The rules to add: for one location, and one vendor there when that is enough, so that each product alert type
 * finds a few variants in the published run (the app's own evaluation) and the emails stay short. A location's
 * episodes are separate from the shop-wide ones, so the next run notifies them.
 */
async function smallScope(shop: Shop): Promise<{ rules: AlertRule[]; scope: AlertScope; found: Record<string, number> }> {
  const run = await currentRun(shop.id);
  if (!run) throw new Error(`${shop.domain} has no published forecast run yet`);
  const { rows } = await pool().query<{ id: string; vendor: string }>(
    `SELECT DISTINCT "locationId"::text AS id, vendor FROM "VariantAdvice" WHERE "shopId" = $1 AND "runId" = $2 AND "locationId" <> 0 ORDER BY 1, 2`,
    [shop.id, run.runId],
  );
  const locations = [...new Set(rows.map((r) => r.id))];
  const subjects = await loadSubjects(pool(), shop.id, run.runId, immediateRules(AlertScope.parse({ locationIds: locations }), 30));
  let best: { rules: AlertRule[]; scope: AlertScope; found: Record<string, number>; score: number } | null = null;
  for (const location of locations) {
    const vendors = [...rows.filter((r) => r.id === location).map((r) => [r.vendor]), []];
    for (const vendor of vendors) {
      for (const days of LOW_STOCK_DAYS) {
        const scope = AlertScope.parse({ vendors: vendor, locationIds: [location] });
        const rules = immediateRules(scope, days);
        const findings = evaluate(rules, subjects, { shopId: shop.id, asOf: run.asOf, forecastFailure: null });
        const found = Object.fromEntries(PRODUCT_TYPES.map((type) => [type, findings.filter((f) => f.type === type).length]));
        const counts = Object.values(found);
        if (Math.min(...counts) === 0) continue;
        // Two or more of each (a list, not a single product) first; then the shortest longest email.
        const score = (Math.min(...counts) >= 2 ? 0 : 1000) + Math.max(...counts);
        if (!best || score < best.score) best = { rules, scope, found, score };
      }
    }
  }
  if (!best) throw new Error(`no location of ${shop.domain} has variants of every product alert type`);
  return best;
}

const steps: Record<string, Step> = {
  async state(shop) {
    const settings = await readAlertSettings(shop.id);
    const schedule = { timeZone: shop.timezone, deliveryHour: settings.deliveryHour, weeklyDay: settings.weeklyDay, quietHours: null };
    const tomorrow = addDays(localDateTime(new Date(), shop.timezone).date, 1);
    const weekly = nextWeeklySend(schedule, zonedTimeToInstant(tomorrow, 0, 0, shop.timezone));
    return {
      shopId: shop.id,
      email: shop.email,
      locale: settings.locale ?? matchLocale(shop.adminLocale) ?? "en",
      timeZone: shop.timezone,
      tickAt: new Date(weekly.at.getTime() + 5 * 60_000).toISOString(),
      weeklyPeriod: weekly.periodKey,
    };
  },

  async rules(shop) {
    const { rules, scope, found } = await smallScope(shop);
    const before = await readAlertSettings(shop.id);
    const settings = AlertSettings.parse({
      ...before,
      rules: [...before.rules.filter((rule) => !rule.id.startsWith(RULE_PREFIX)), ...rules],
      // The emails' language stays the shop's from here on, whichever language the admin is used in later.
      locale: before.locale ?? matchLocale(shop.adminLocale) ?? "en",
    });
    const saved = await saveAlertSettings(shop.id, shop.domain, settings);
    if (!saved.ok) throw new Error(`saving the alert settings failed: ${JSON.stringify(saved.fieldErrors)}`);
    return { scope, found, localeBefore: before.locale ?? NOT_PINNED };
  },

  /**
   * Takes this spec's rules out again, gives the emails back the language `rules` found (the first argument: its
   * `localeBefore`, or `keep`), and removes the recipients the spec added (the other arguments), so that the specs
   * after it see the shop as it was: an English pin would make the emails of a later Spanish or French test English,
   * and each recipient counts against the plan's extra recipients.
   */
  async unrules(shop, [localeBefore = KEEP, ...added]) {
    const before = await readAlertSettings(shop.id);
    const rules = before.rules.filter((rule) => !rule.id.startsWith(RULE_PREFIX));
    const gone = new Set(added.map((email) => email.toLowerCase()));
    const recipients = before.recipients.filter((r) => !gone.has(r.email));
    const locale = localeBefore === KEEP ? before.locale : localeBefore === NOT_PINNED ? null : localeBefore;
    if (rules.length === before.rules.length && recipients.length === before.recipients.length && locale === before.locale) {
      return { removed: 0 };
    }
    const saved = await saveAlertSettings(shop.id, shop.domain, AlertSettings.parse({ ...before, rules, recipients, locale }));
    if (!saved.ok) throw new Error(`saving the alert settings failed: ${JSON.stringify(saved.fieldErrors)}`);
    return { removed: before.rules.length - rules.length, recipientsRemoved: before.recipients.length - recipients.length, locale };
  },

  async fail(shop) {
    // The worker may pick the run's batch up at once; a run it finished first is not failed, so start another.
    for (let attempt = 0; attempt < 5; attempt++) {
      const runId = await startRun(shop.id, "manual");
      if (!runId) throw new Error(`${shop.domain} has nothing to forecast`);
      await failRun(runId, FAILURE);
      const { rows } = await pool().query<{ status: string }>(`SELECT status FROM "ForecastRun" WHERE id = $1`, [runId]);
      if (rows[0]?.status === "failed") return { runId };
    }
    throw new Error("no run could be failed: each finished before failRun");
  },

  async forecast(shop) {
    return { requested: await requestForecastRun(shop.domain, "manual") };
  },
};

const [name, domain = "hollow-oak-gifts.myshopify.com", ...args] = process.argv.slice(2);
const step = name ? steps[name] : undefined;
if (!step) {
  console.error(`usage: DATABASE_URL=… npx tsx tests/support/email-inbox-steps.ts <${Object.keys(steps).join("|")}> [shop domain]`);
  process.exit(2);
}
try {
  const shop = await shopByDomain(pool(), domain);
  if (!shop?.installed || !shop.detailsReady) throw new Error(`${domain} is not installed and synced yet`);
  console.log(JSON.stringify(await step(shop, args)));
} finally {
  await closePool();
  await disconnectPrisma();
}
