/**
 * Plan and interval changes, quoted before they are made. The rules (the same on both rails):
 * - a higher plan, same interval or monthly → annual: now, prorated;
 * - the same plan, monthly → annual: now; the unused monthly time is credited against the full annual price,
 *   and the period restarts (Stripe resets the billing cycle anchor on an interval change);
 * - a lower plan, or annual → monthly (whatever the plan): at the end of the period, nothing charged now — an
 *   annual commitment is honoured, not refunded (Shopify's STANDARD replacement behaves the same way).
 *
 * The arithmetic is Stripe's for `proration_behavior: "create_prorations"` (and `"always_invoice"`, which only
 * bills the same items at once): two items over the remaining time, to the second — a credit
 * −price_old × (periodEnd − t) / (periodEnd − periodStart) for the unused time and a charge
 * +price_new × (periodEnd − t) / (periodEnd − periodStart) for the remaining time, each rounded to the cent on
 * its own (here half-even, banker's rounding; Stripe's tie rule is not documented, so a tie may differ by one
 * cent — on the Stripe rail the invoice Stripe makes is the amount charged). Shopify prorates an
 * `APPLY_IMMEDIATELY` upgrade itself; on that rail the quote is an estimate for the confirmation page.
 * Integer cents throughout (USD).
 */
import { z } from "zod";
import { Cents, Instant, MS_PER_DAY, iso, ms, mulDivHalfEven } from "./money";
import { INTERVALS, PLAN_IDS, RAILS, planRank, priceCents, type Interval, type PlanId, type Rail } from "./plans";

export const CurrentTerms = z
  .object({
    rail: z.enum(RAILS),
    plan: z.enum(PLAN_IDS),
    interval: z.enum(INTERVALS),
    /** USD cents per interval, as charged. */
    priceCents: Cents,
    periodStart: Instant,
    periodEnd: Instant,
  })
  .refine((t) => ms(t.periodEnd) > ms(t.periodStart), { error: "The period must end after it starts", path: ["periodEnd"] });
export type CurrentTerms = z.input<typeof CurrentTerms>;

export const TargetTerms = z.object({
  plan: z.enum(PLAN_IDS),
  interval: z.enum(INTERVALS),
  /** Defaults to the catalogue price (a contract price on the Stripe rail may differ). */
  priceCents: Cents.optional(),
});
export type TargetTerms = z.input<typeof TargetTerms>;

export const CHANGE_KINDS = ["none", "upgrade", "downgrade", "interval_change"] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];

export interface ProrationLine {
  /** unused_time: credit for the old terms; remaining_time: the new terms to the period's end; new_period: a full new period. */
  kind: "unused_time" | "remaining_time" | "new_period";
  plan: PlanId;
  interval: Interval;
  /** Negative for a credit. */
  amountCents: number;
  from: string;
  to: string;
}

export interface ChangeQuote {
  kind: ChangeKind;
  timing: "now" | "period_end";
  effectiveAt: string;
  lines: ProrationLine[];
  /** The sum of the lines, due now; negative: a credit on the account's balance. */
  totalCents: number;
  /** The billing period once the change applies. */
  period: { start: string; end: string };
}

/** Stripe counts in whole seconds (Unix timestamps). */
const seconds = (instantMs: number) => Math.floor(instantMs / 1000);

/** price × remaining / period, to the second, rounded half-even to the cent. `at` must lie in the period. */
export function prorate(price: number, period: { start: string; end: string }, at: Date): number {
  Cents.parse(price);
  const [start, end, t] = [seconds(ms(period.start)), seconds(ms(period.end)), seconds(at.getTime())];
  if (!(start <= t && t <= end && start < end))
    throw new RangeError(`prorate: ${at.toISOString()} is outside ${period.start} – ${period.end}`);
  return mulDivHalfEven(price, end - t, end - start);
}

/**
 * The end of a period that starts at `start`. Stripe: the same day and time `interval` later, clamped to the
 * month's last day (Jan 31 → Feb 28). Shopify: 30 days for monthly (EVERY_30_DAYS), a calendar year for annual.
 */
export function periodEnd(start: string, interval: Interval, rail: Rail): string {
  const from = ms(start);
  if (rail === "shopify" && interval === "monthly") return iso(from + 30 * MS_PER_DAY);
  const d = new Date(from);
  const months = interval === "monthly" ? 1 : 12;
  const y = d.getUTCFullYear() + Math.floor((d.getUTCMonth() + months) / 12);
  const m = (d.getUTCMonth() + months) % 12;
  const lastDay = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  const out = Date.UTC(
    y,
    m,
    Math.min(d.getUTCDate(), lastDay),
    d.getUTCHours(),
    d.getUTCMinutes(),
    d.getUTCSeconds(),
    d.getUTCMilliseconds(),
  );
  return iso(out);
}

function kindOf(from: { plan: PlanId; interval: Interval }, to: { plan: PlanId; interval: Interval }): ChangeKind {
  const [a, b] = [planRank(from.plan), planRank(to.plan)];
  if (b > a) return "upgrade";
  if (b < a) return "downgrade";
  return from.interval === to.interval ? "none" : "interval_change";
}

/** What changing `current` to `target` at `at` costs and when it applies. */
export function quoteChange(current: CurrentTerms, target: TargetTerms, at: Date): ChangeQuote {
  const cur = CurrentTerms.parse(current);
  const tgt = TargetTerms.parse(target);
  const newPrice = tgt.priceCents ?? priceCents(tgt.plan, tgt.interval);
  const kind = kindOf(cur, tgt);
  const now = iso(at.getTime());
  const period = { start: cur.periodStart, end: cur.periodEnd };
  if (kind === "none") return { kind, timing: "now", effectiveAt: now, lines: [], totalCents: 0, period };

  const later = kind === "downgrade" || (cur.interval === "annual" && tgt.interval === "monthly");
  if (later) {
    const next = { start: cur.periodEnd, end: periodEnd(cur.periodEnd, tgt.interval, cur.rail) };
    return { kind, timing: "period_end", effectiveAt: cur.periodEnd, lines: [], totalCents: 0, period: next };
  }

  const credit: ProrationLine = {
    kind: "unused_time",
    plan: cur.plan,
    interval: cur.interval,
    amountCents: -prorate(cur.priceCents, period, at),
    from: now,
    to: cur.periodEnd,
  };
  const restart = cur.interval !== tgt.interval;
  const newPeriod = restart ? { start: now, end: periodEnd(now, tgt.interval, cur.rail) } : period;
  const charge: ProrationLine = restart
    ? { kind: "new_period", plan: tgt.plan, interval: tgt.interval, amountCents: newPrice, from: now, to: newPeriod.end }
    : {
        kind: "remaining_time",
        plan: tgt.plan,
        interval: tgt.interval,
        amountCents: prorate(newPrice, period, at),
        from: now,
        to: cur.periodEnd,
      };
  const lines = [credit, charge];
  return { kind, timing: "now", effectiveAt: now, lines, totalCents: credit.amountCents + charge.amountCents, period: newPeriod };
}
