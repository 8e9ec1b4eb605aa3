/**
 * The rule evaluation: which enabled rule fires for which variant and location, and how severe it is, from the
 * published run's advice rows. Pure and linear in rows × rules (the rules are compiled once: scope sets and the
 * day cut-offs as `YYYY-MM-DD` strings, which compare like the days they name).
 *
 * Per (variant, location) and family at most one finding comes out: the firing rule of the highest severity
 * (ties: the more urgent frequency, then the earlier rule). So an out-of-stock variant that is also below its
 * reorder point is one "stock" finding of out-of-stock severity, and the episode logic sees one escalating trouble.
 *
 * What each rule means (asOf = the run's last day of data; "has demand" = risk is not no_data and the variant is
 * forecast to sell or is losing sales while out of stock — a variant nobody buys is never in stock trouble):
 * - out_of_stock: available ≤ 0, has demand, lost revenue per day ≥ the rule's minimum.
 * - stockout_predicted: available > 0, has demand, projected stockout ≤ asOf + N days (N = 7, 14, 30, or the
 *   variant's lead time rounded up, as the advice's "stockout" risk). Severity by distance: ≤ 7, ≤ 14, later.
 * - reorder_point: has demand, available ≤ reorder point.
 * - low_stock: has demand, available < N units or days of cover < N days.
 * - dead_stock: available > 0, last sale ≥ N days before asOf, stock value > the rule's minimum. A variant that
 *   never sold in the run's history is left out (it may be new). Severity by age: ≥ 90, ≥ 180, ≥ 365 days.
 * - forecast_failed: the shop's latest run failed (shop-wide; escalates after `FAILED_RUNS_TO_ESCALATE` in a row).
 */
import { addDays, toDayCached } from "../forecasting";
import {
  ALL_LOCATIONS,
  FAILED_RUNS_TO_ESCALATE,
  FAMILY_OF,
  SEVERITY,
  episodeKey,
  type AlertFinding,
  type AlertSubject,
  type EvaluationContext,
  type Frequency,
  type ShopFinding,
} from "./model";
import type { AlertRule, AlertScope } from "./rules";

const FREQUENCY_RANK: Readonly<Record<Frequency, number>> = { immediate: 0, daily: 1, weekly: 2 };

type SubjectRule = Exclude<AlertRule, { type: "forecast_failed" }>;

interface Compiled {
  rule: SubjectRule;
  inScope: (s: AlertSubject) => boolean;
  /** The severity when the rule fires for the subject, else 0. */
  severity: (s: AlertSubject) => number;
}

function hasDemand(s: AlertSubject): boolean {
  return s.risk !== "no_data" && (s.dailyMean > 0 || s.lostUnitsPerDay > 0 || s.risk === "out_of_stock");
}

function scopeMatcher(scope: AlertScope): (s: AlertSubject) => boolean {
  const set = (values: readonly string[]) => (values.length > 0 ? new Set(values) : null);
  const vendors = set(scope.vendors);
  const types = set(scope.productTypes);
  const abc = set(scope.abcClasses);
  const locations = set(scope.locationIds);
  return (s) =>
    (locations === null ? s.locationId === ALL_LOCATIONS : locations.has(s.locationId)) &&
    (vendors === null || vendors.has(s.vendor)) &&
    (types === null || types.has(s.productType)) &&
    (abc === null || abc.has(s.abcClass));
}

function compile(rule: SubjectRule, asOf: string): Compiled {
  const day = (n: number) => addDays(asOf, n);
  const inScope = scopeMatcher(rule.scope);
  switch (rule.type) {
    case "out_of_stock":
      return {
        rule,
        inScope,
        severity: (s) => (s.available <= 0 && hasDemand(s) && s.lostRevenuePerDay >= rule.minLostRevenuePerDay ? SEVERITY.outOfStock : 0),
      };
    case "stockout_predicted": {
      const within7 = day(7);
      const within14 = day(14);
      const fixed = rule.withinDays === "lead_time" ? null : day(rule.withinDays);
      const byLeadTime = new Map<number, string>();
      const cutoff = (leadTimeDays: number): string => {
        const n = Math.max(0, Math.ceil(leadTimeDays));
        const cached = byLeadTime.get(n);
        if (cached !== undefined) return cached;
        const d = day(n);
        byLeadTime.set(n, d);
        return d;
      };
      return {
        rule,
        inScope,
        severity: (s) => {
          const date = s.stockoutDate;
          if (date === null || s.available <= 0 || !hasDemand(s) || date > (fixed ?? cutoff(s.leadTimeDays))) return 0;
          return date <= within7 ? SEVERITY.stockoutWithin7 : date <= within14 ? SEVERITY.stockoutWithin14 : SEVERITY.stockoutLater;
        },
      };
    }
    case "reorder_point":
      return { rule, inScope, severity: (s) => (hasDemand(s) && s.available <= s.reorderPoint ? SEVERITY.reorderPoint : 0) };
    case "low_stock": {
      const { belowUnits, belowDaysOfCover } = rule;
      return {
        rule,
        inScope,
        severity: (s) =>
          hasDemand(s) &&
          ((belowUnits !== null && s.available < belowUnits) ||
            (belowDaysOfCover !== null && s.daysOfCover !== null && s.daysOfCover < belowDaysOfCover))
            ? SEVERITY.lowStock
            : 0,
      };
    }
    case "dead_stock": {
      const since = day(-rule.noSaleForDays);
      const since180 = day(-180);
      const since365 = day(-365);
      return {
        rule,
        inScope,
        severity: (s) => {
          const last = s.lastSaleDay;
          if (last === null || s.available <= 0 || last > since || !(s.stockValue > rule.minStockValue)) return 0;
          return last <= since365 ? SEVERITY.deadStock365 : last <= since180 ? SEVERITY.deadStock180 : SEVERITY.deadStock90;
        },
      };
    }
  }
}

/** Whether (severity, rule) beats the current best of its family. */
function beats(severity: number, rule: AlertRule, bestSeverity: number, best: AlertRule | null): boolean {
  if (best === null || severity > bestSeverity) return true;
  return severity === bestSeverity && FREQUENCY_RANK[rule.frequency] < FREQUENCY_RANK[best.frequency];
}

function shopFinding(rules: readonly AlertRule[], context: EvaluationContext): ShopFinding | null {
  const failure = context.forecastFailure;
  if (failure === null) return null;
  const severity = failure.consecutiveFailures >= FAILED_RUNS_TO_ESCALATE ? SEVERITY.forecastFailedRepeatedly : SEVERITY.forecastFailed;
  let best: AlertRule | null = null;
  for (const rule of rules) if (rule.enabled && rule.type === "forecast_failed" && beats(severity, rule, severity, best)) best = rule;
  if (best === null) return null;
  const parts = { shopId: context.shopId, family: "forecast_failed", variantId: null, locationId: null } as const;
  return { ...parts, key: episodeKey(parts), type: best.type, ruleId: best.id, severity, frequency: best.frequency, failure };
}

/** The findings of one shop's evaluation: the shop-wide one first, then per row in row order (stock before dead stock). */
export function evaluate(rules: readonly AlertRule[], rows: readonly AlertSubject[], context: EvaluationContext): AlertFinding[] {
  const { shopId, asOf } = context;
  const asOfDay = toDayCached(asOf);
  if (Number.isNaN(asOfDay)) throw new RangeError(`evaluate: invalid asOf "${asOf}" (expected YYYY-MM-DD)`);
  const compiled = rules.filter((r): r is SubjectRule => r.enabled && r.type !== "forecast_failed").map((r) => compile(r, asOf));
  const stock = compiled.filter((c) => FAMILY_OF[c.rule.type] === "stock");
  const dead = compiled.filter((c) => FAMILY_OF[c.rule.type] === "dead_stock");

  const findings: AlertFinding[] = [];
  const failed = shopFinding(rules, context);
  if (failed !== null) findings.push(failed);

  const emit = (s: AlertSubject, family: "stock" | "dead_stock", group: readonly Compiled[]): void => {
    let best: SubjectRule | null = null;
    let severity = 0;
    for (const c of group) {
      if (!c.inScope(s)) continue;
      const sev = c.severity(s);
      if (sev > 0 && beats(sev, c.rule, severity, best)) {
        best = c.rule;
        severity = sev;
      }
    }
    if (best === null) return;
    // Every field spelled out (no spread): one object shape for all findings, which keeps 150 000 rows fast.
    findings.push({
      key: episodeKey({ shopId, family, variantId: s.variantId, locationId: s.locationId }),
      shopId,
      family,
      variantId: s.variantId,
      locationId: s.locationId,
      type: best.type,
      ruleId: best.id,
      severity,
      frequency: best.frequency,
      subject: s,
      daysUntilStockout: s.stockoutDate === null ? null : toDayCached(s.stockoutDate) - asOfDay,
      daysSinceLastSale: s.lastSaleDay === null ? null : asOfDay - toDayCached(s.lastSaleDay),
    });
  };
  for (const s of rows) {
    if (stock.length > 0) emit(s, "stock", stock);
    if (dead.length > 0) emit(s, "dead_stock", dead);
  }
  return findings;
}
