/**
 * Operator metrics from the accounts' ledgers, in integer USD cents.
 *
 * Recurring revenue: an account contributes MRR while its subscription is `active`, `past_due` or `frozen`
 * (inside the grace period it is still a customer); not while trialing, pending, paused, read-only, cancelled or
 * expired. Its MRR is the price as charged, an annual price divided by 12 and rounded half-even per account, so
 * the totals are sums of whole cents and the movements add up exactly: end = start + new + expansion +
 * reactivation − contraction − churned. Usage (overage) charges are not recurring and are left out. ARR = 12 × MRR.
 * Movements, logo churn and trial conversion compare each account at the two dates (start-vs-end): an account
 * that leaves and comes back between them does not count. Committed MRR in trial is apart from MRR: what the
 * accounts that chose a plan during their trial will pay per month once it ends.
 *
 * Revenue recognition: each paid invoice is recognised ratably over the UTC days of its service period
 * [periodStart, periodEnd): ⌊amount / days⌋ a day and the last day takes the remainder, so the days add up to the
 * invoice exactly. Deferred revenue at a month's end is, for invoices paid by then, what is not yet recognised
 * (an annual plan paid upfront is deferred and released day by day); an invoice paid after its service began is
 * a receivable until paid, never negative deferred revenue. Amounts are net of tax.
 */
import { z } from "zod";
import { orderEvents, subscriptionHistory, type BillingEvent, type HistoryEntry, type SubscriptionState } from "./ledger";
import { Cents, Instant, MS_PER_DAY, ms, mulDivHalfEven } from "./money";
import type { Interval } from "./plans";

export interface AccountLedger {
  accountId: string;
  events: readonly BillingEvent[];
}

const PAYING: ReadonlySet<SubscriptionState["status"]> = new Set(["active", "past_due", "frozen"]);

/** A price per month: an annual price divided by 12, rounded half-even. */
function monthlyCents(priceCents: number, interval: Interval | null): number {
  return interval === "annual" ? mulDivHalfEven(priceCents, 1, 12) : priceCents;
}

/** The account's MRR in cents: its price per month while it pays, else 0. */
export function accountMrrCents(state: SubscriptionState | null): number {
  if (state === null || !PAYING.has(state.status) || state.priceCents === null) return 0;
  return monthlyCents(state.priceCents, state.interval);
}

interface Account {
  accountId: string;
  history: HistoryEntry[];
}

/**
 * Histories already derived, by ledger array (read-only, so the same array means the same history): a report
 * asks for many windows of the same ledgers, and deriving a history costs far more than reading it.
 */
const HISTORIES = new WeakMap<readonly BillingEvent[], HistoryEntry[]>();

function historyOf(events: readonly BillingEvent[]): HistoryEntry[] {
  let history = HISTORIES.get(events);
  if (history === undefined) HISTORIES.set(events, (history = subscriptionHistory(events)));
  return history;
}

function accounts(ledgers: readonly AccountLedger[]): Account[] {
  const ids = new Set<string>();
  return ledgers.map(({ accountId, events }) => {
    if (ids.has(accountId)) throw new Error(`revenue: account ${accountId} given twice`);
    ids.add(accountId);
    return { accountId, history: historyOf(events) };
  });
}

/** The state at `t` (ms): the last history entry at or before it (equal to `deriveSubscription(events, t)`). */
function stateAt(history: readonly HistoryEntry[], t: number): SubscriptionState | null {
  return history.findLast((h) => ms(h.at) <= t)?.state ?? null;
}

export interface RecurringRevenue {
  at: string;
  mrrCents: number;
  arrCents: number;
  payingAccounts: number;
  /** MRR of each paying account. */
  byAccount: Record<string, number>;
}

export function recurringRevenue(ledgers: readonly AccountLedger[], at: Date): RecurringRevenue {
  const byAccount: Record<string, number> = {};
  let mrrCents = 0;
  for (const a of accounts(ledgers)) {
    const cents = accountMrrCents(stateAt(a.history, at.getTime()));
    if (cents > 0) byAccount[a.accountId] = cents;
    mrrCents += cents;
  }
  return { at: at.toISOString(), mrrCents, arrCents: 12 * mrrCents, payingAccounts: Object.keys(byAccount).length, byAccount };
}

export interface CommittedInTrial {
  /** What the accounts will pay per month once their trials end (annual ÷ 12, half-even, as MRR). */
  mrrCents: number;
  accounts: number;
  /** The earliest of their trial ends: when the first of them starts paying; null without any. */
  firstPaysAt: string | null;
}

/**
 * Committed MRR in trial at `now` (the trial pipeline): accounts still in Fluxor's trial that have chosen a plan,
 * and what they will be charged per month when the trial ends. A trial with a plan chosen is `trialing` with a
 * subscription that was approved or paid for (`eventStatus` active); a subscription awaiting approval is
 * `trialing` too but `pending`, and a declined or expired one leaves no subscription. A subscription set to
 * cancel at its period's end is left out (a trialing subscription's period is its trial: it will not be
 * charged), and a downgrade that takes effect by the trial's end counts at its price, which is the one charged.
 */
export function committedInTrial(ledgers: readonly AccountLedger[], now: Date): CommittedInTrial {
  const out: CommittedInTrial = { mrrCents: 0, accounts: 0, firstPaysAt: null };
  for (const a of accounts(ledgers)) {
    const state = stateAt(a.history, now.getTime());
    if (state?.status !== "trialing" || state.eventStatus !== "active" || state.cancelAtPeriodEnd) continue;
    const { trialEndsAt, priceCents, pendingDowngrade } = state;
    // Never null for an approved subscription in its trial; the types do not know it.
    if (trialEndsAt === null || priceCents === null) continue;
    const charged =
      pendingDowngrade !== null && ms(pendingDowngrade.effectiveAt) <= ms(trialEndsAt)
        ? pendingDowngrade
        : { priceCents, interval: state.interval };
    out.mrrCents += monthlyCents(charged.priceCents, charged.interval);
    out.accounts += 1;
    if (out.firstPaysAt === null || ms(trialEndsAt) < ms(out.firstPaysAt)) out.firstPaysAt = trialEndsAt;
  }
  return out;
}

export interface MrrMovements {
  startCents: number;
  /** Accounts paying at the end that never paid before the start. */
  newCents: number;
  /** Accounts paying at the end that paid at some time before the start, but not at it. */
  reactivationCents: number;
  expansionCents: number;
  contractionCents: number;
  churnedCents: number;
  endCents: number;
}

function checkWindow(from: Date, to: Date): void {
  if (!(from.getTime() < to.getTime())) throw new RangeError(`revenue: ${from.toISOString()} must be before ${to.toISOString()}`);
}

/** MRR at `from`, at `to`, and the movements between. */
export function mrrMovements(ledgers: readonly AccountLedger[], from: Date, to: Date): MrrMovements {
  checkWindow(from, to);
  const m: MrrMovements = {
    startCents: 0,
    newCents: 0,
    reactivationCents: 0,
    expansionCents: 0,
    contractionCents: 0,
    churnedCents: 0,
    endCents: 0,
  };
  for (const a of accounts(ledgers)) {
    const start = accountMrrCents(stateAt(a.history, from.getTime()));
    const end = accountMrrCents(stateAt(a.history, to.getTime()));
    m.startCents += start;
    m.endCents += end;
    if (start === 0 && end > 0) {
      const paidBefore = a.history.some((h) => ms(h.at) < from.getTime() && accountMrrCents(h.state) > 0);
      if (paidBefore) m.reactivationCents += end;
      else m.newCents += end;
    } else if (start > 0 && end === 0) m.churnedCents += start;
    else if (end > start) m.expansionCents += end - start;
    else m.contractionCents += start - end;
  }
  return m;
}

export interface Ratio {
  numerator: number;
  denominator: number;
  /** numerator / denominator; null when the denominator is 0. */
  rate: number | null;
}

const ratio = (numerator: number, denominator: number): Ratio => ({
  numerator,
  denominator,
  rate: denominator === 0 ? null : numerator / denominator,
});

/** Of the accounts paying at `from`, the share not paying at `to`. */
export function logoChurn(ledgers: readonly AccountLedger[], from: Date, to: Date): Ratio {
  checkWindow(from, to);
  let customers = 0;
  let churned = 0;
  for (const a of accounts(ledgers)) {
    if (accountMrrCents(stateAt(a.history, from.getTime())) === 0) continue;
    customers += 1;
    if (accountMrrCents(stateAt(a.history, to.getTime())) === 0) churned += 1;
  }
  return ratio(churned, customers);
}

/**
 * Of the accounts whose trial ended in [from, to), the share paying when it ended. An account's trial is its
 * first stretch of `trialing` (the trial is given once); it ends at the first history entry after it that is not
 * trialing (active: converted; expired, pending, cancelled: not).
 */
export function trialConversion(ledgers: readonly AccountLedger[], from: Date, to: Date): Ratio {
  checkWindow(from, to);
  let ended = 0;
  let converted = 0;
  for (const a of accounts(ledgers)) {
    const first = a.history.findIndex((h) => h.state.status === "trialing");
    if (first < 0) continue;
    const end = a.history.slice(first).find((h) => h.state.status !== "trialing");
    if (end === undefined || ms(end.at) < from.getTime() || ms(end.at) >= to.getTime()) continue;
    ended += 1;
    if (accountMrrCents(end.state) > 0) converted += 1;
  }
  return ratio(converted, ended);
}

// ---- Revenue recognition -----------------------------------------------------------------------------------

export const PaidInvoice = z
  .object({
    accountId: z.string().min(1),
    invoiceId: z.string().min(1),
    /** Net of tax. */
    amountCents: Cents,
    periodStart: Instant,
    periodEnd: Instant,
    paidAt: Instant,
  })
  .refine((i) => ms(i.periodEnd) > ms(i.periodStart), { error: "The service period must end after it starts", path: ["periodEnd"] });
export type PaidInvoice = z.infer<typeof PaidInvoice>;

/** The paid invoices in the ledgers (`invoice_paid` events), one per account and invoice id. */
export function paidInvoices(ledgers: readonly AccountLedger[]): PaidInvoice[] {
  const out: PaidInvoice[] = [];
  for (const { accountId, events } of ledgers) {
    const seen = new Set<string>();
    for (const e of orderEvents(events)) {
      if (e.type !== "invoice_paid" || seen.has(e.invoiceId)) continue;
      seen.add(e.invoiceId);
      out.push({
        accountId,
        invoiceId: e.invoiceId,
        amountCents: e.amountCents,
        periodStart: e.periodStart,
        periodEnd: e.periodEnd,
        paidAt: e.occurredAt,
      });
    }
  }
  return out;
}

const dayOf = (instant: string) => Math.floor(ms(instant) / MS_PER_DAY);
const dayString = (day: number) => new Date(day * MS_PER_DAY).toISOString().slice(0, 10);

interface Ratable {
  /** First day (UTC day number) and the day after the last. */
  first: number;
  end: number;
  perDay: number;
  /** The last day's amount: perDay plus the remainder. */
  lastDay: number;
}

function ratable(invoice: PaidInvoice): Ratable {
  const first = dayOf(invoice.periodStart);
  const end = Math.max(first + 1, dayOf(invoice.periodEnd));
  const days = end - first;
  const perDay = Math.floor(invoice.amountCents / days);
  return { first, end, perDay, lastDay: invoice.amountCents - perDay * (days - 1) };
}

/** Recognised through day `until` (exclusive). */
function recognisedBefore(r: Ratable, until: number): number {
  const days = Math.min(Math.max(until - r.first, 0), r.end - r.first);
  return days * r.perDay + (until >= r.end ? r.lastDay - r.perDay : 0);
}

/** The invoice's revenue day by day (UTC), adding up to its amount. */
export function recognitionSchedule(invoice: PaidInvoice): { day: string; cents: number }[] {
  const r = ratable(PaidInvoice.parse(invoice));
  return Array.from({ length: r.end - r.first }, (_, i) => ({
    day: dayString(r.first + i),
    cents: r.first + i === r.end - 1 ? r.lastDay : r.perDay,
  }));
}

const Month = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, { error: "Expected YYYY-MM" });

export interface MonthRevenue {
  month: string;
  recognizedCents: number;
  /** Paid, not yet recognised, at the month's end. */
  deferredCents: number;
}

/** Recognised revenue of each calendar month (UTC) from `fromMonth` to `toMonth` inclusive, and deferred revenue at its end. */
export function revenueByMonth(invoices: readonly PaidInvoice[], fromMonth: string, toMonth: string): MonthRevenue[] {
  const [fy, fm] = Month.parse(fromMonth).split("-").map(Number) as [number, number];
  const [ty, tm] = Month.parse(toMonth).split("-").map(Number) as [number, number];
  const count = (ty - fy) * 12 + (tm - fm) + 1;
  if (count < 1) throw new RangeError(`revenueByMonth: ${fromMonth} is after ${toMonth}`);
  const parsed = invoices.map((i) => {
    const invoice = PaidInvoice.parse(i);
    return { paidAt: ms(invoice.paidAt), amount: invoice.amountCents, r: ratable(invoice) };
  });
  return Array.from({ length: count }, (_, k) => {
    const startMs = Date.UTC(fy, fm - 1 + k, 1);
    const endMs = Date.UTC(fy, fm + k, 1);
    const [start, end] = [startMs / MS_PER_DAY, endMs / MS_PER_DAY];
    let recognizedCents = 0;
    let deferredCents = 0;
    for (const { paidAt, amount, r } of parsed) {
      const through = recognisedBefore(r, end);
      recognizedCents += through - recognisedBefore(r, start);
      if (paidAt < endMs) deferredCents += amount - through;
    }
    return { month: new Date(startMs).toISOString().slice(0, 7), recognizedCents, deferredCents };
  });
}
