/**
 * The operator console's figures, pure: accounts' ledgers in, the overview and the revenue recognition table
 * out, computed by app/billing/revenue.ts (MRR movements, committed MRR in trial, logo churn, trial conversion,
 * ratable recognition).
 * Both rails together and split by rail: each account counts on its `BillingAccount.rail`. Every revenue.ts
 * figure is a sum over accounts, so "all" is the sum of the two rails (ratios: numerators and denominators
 * summed; the first trial to end: the earlier of the two), computed once per rail. Months are calendar months in
 * UTC; amounts are USD cents.
 */
import { deriveSubscription, SUBSCRIPTION_STATUSES, type BillingEvent } from "../billing/ledger";
import { PLAN_IDS, RAILS, type PlanId, type Rail } from "../billing/plans";
import {
  accountMrrCents,
  committedInTrial,
  logoChurn,
  mrrMovements,
  paidInvoices,
  recurringRevenue,
  revenueByMonth,
  trialConversion,
  type AccountLedger,
  type CommittedInTrial,
  type MrrMovements,
  type Ratio,
} from "../billing/revenue";

export interface LedgerAccount {
  accountId: string;
  rail: Rail;
  events: readonly BillingEvent[];
}

export const SPLITS = ["all", ...RAILS] as const;
export type Split = (typeof SPLITS)[number];
export type BySplit<T> = Record<Split, T>;

const DAY = 86_400_000;
/** The window of the headline churn and conversion rates. */
export const TRAILING_DAYS = 30;

export interface MonthMovements extends MrrMovements {
  /** YYYY-MM (UTC). */
  month: string;
  /** The window measured: the month, or up to now for the current month. */
  from: string;
  to: string;
  logoChurn: Ratio;
  trialConversion: Ratio;
}

export interface Recurring {
  mrrCents: number;
  arrCents: number;
  payingAccounts: number;
}

export interface Overview {
  asOf: string;
  accounts: BySplit<number>;
  recurring: BySplit<Recurring>;
  /** Accounts in their trial with a plan chosen, and what they will pay per month once it ends. */
  committed: BySplit<CommittedInTrial>;
  /** Over the last `TRAILING_DAYS` days. */
  logoChurn: BySplit<Ratio>;
  trialConversion: BySplit<Ratio>;
  months: BySplit<MonthMovements[]>;
  /** Every account by its status now ("none": no event yet). */
  byStatus: { status: string; accounts: BySplit<number> }[];
  /** Paying accounts by plan, with their MRR. */
  byPlan: { plan: PlanId; accounts: BySplit<number>; mrrCents: BySplit<number> }[];
}

export interface RecognitionMonth {
  month: string;
  recognizedCents: BySplit<number>;
  /** Paid, not yet recognised, at the month's end (mostly annual plans paid upfront). */
  deferredCents: BySplit<number>;
}

const ledgersOf = (accounts: readonly LedgerAccount[], rail: Rail): AccountLedger[] =>
  accounts.filter((a) => a.rail === rail).map(({ accountId, events }) => ({ accountId, events }));

const addRatios = (a: Ratio, b: Ratio): Ratio => {
  const numerator = a.numerator + b.numerator;
  const denominator = a.denominator + b.denominator;
  return { numerator, denominator, rate: denominator === 0 ? null : numerator / denominator };
};

/** "all" from the rails: numbers added, objects added field by field (ratios as ratios). */
function withAll<T>(byRail: Record<Rail, T>, add: (a: T, b: T) => T): BySplit<T> {
  return { all: add(byRail.shopify, byRail.stripe), ...byRail };
}

function perRail<T>(fn: (rail: Rail) => T): Record<Rail, T> {
  return { shopify: fn("shopify"), stripe: fn("stripe") };
}

const sum = (a: number, b: number) => a + b;

/** The earlier of two instants, either possibly missing. */
const earliest = (a: string | null, b: string | null) => (a === null ? b : b === null ? a : Date.parse(b) < Date.parse(a) ? b : a);

/** `count` calendar months (UTC) ending with the month of `now`, oldest first, as YYYY-MM. */
export function lastMonths(now: Date, count: number): string[] {
  return Array.from({ length: count }, (_, i) =>
    new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - (count - 1 - i), 1)).toISOString().slice(0, 7),
  );
}

function monthWindow(month: string, now: Date): { from: Date; to: Date } {
  const [y, m] = month.split("-").map(Number) as [number, number];
  const from = new Date(Date.UTC(y, m - 1, 1));
  const end = Date.UTC(y, m, 1);
  return { from, to: new Date(Math.max(Math.min(end, now.getTime()), from.getTime() + 1)) };
}

function addMovements(a: MonthMovements, b: MonthMovements): MonthMovements {
  return {
    month: a.month,
    from: a.from,
    to: a.to,
    startCents: a.startCents + b.startCents,
    newCents: a.newCents + b.newCents,
    reactivationCents: a.reactivationCents + b.reactivationCents,
    expansionCents: a.expansionCents + b.expansionCents,
    contractionCents: a.contractionCents + b.contractionCents,
    churnedCents: a.churnedCents + b.churnedCents,
    endCents: a.endCents + b.endCents,
    logoChurn: addRatios(a.logoChurn, b.logoChurn),
    trialConversion: addRatios(a.trialConversion, b.trialConversion),
  };
}

export function overview(accounts: readonly LedgerAccount[], now: Date, monthCount = 12): Overview {
  const ledgers = perRail((rail) => ledgersOf(accounts, rail));
  const trailingFrom = new Date(now.getTime() - TRAILING_DAYS * DAY);
  const months = lastMonths(now, monthCount);

  const recurring = perRail((rail): Recurring => {
    const r = recurringRevenue(ledgers[rail], now);
    return { mrrCents: r.mrrCents, arrCents: r.arrCents, payingAccounts: r.payingAccounts };
  });
  const movements = perRail((rail) =>
    months.map((month): MonthMovements => {
      const { from, to } = monthWindow(month, now);
      return {
        month,
        from: from.toISOString(),
        to: to.toISOString(),
        ...mrrMovements(ledgers[rail], from, to),
        logoChurn: logoChurn(ledgers[rail], from, to),
        trialConversion: trialConversion(ledgers[rail], from, to),
      };
    }),
  );

  const statusCounts = new Map<string, BySplit<number>>();
  const planCounts = new Map<PlanId, { accounts: BySplit<number>; mrrCents: BySplit<number> }>();
  const zero = (): BySplit<number> => ({ all: 0, shopify: 0, stripe: 0 });
  for (const account of accounts) {
    const state = deriveSubscription(account.events, now);
    const status = state?.status ?? "none";
    const counts = statusCounts.get(status) ?? zero();
    counts.all += 1;
    counts[account.rail] += 1;
    statusCounts.set(status, counts);
    const mrr = accountMrrCents(state);
    if (mrr > 0 && state?.plan) {
      const row = planCounts.get(state.plan) ?? { accounts: zero(), mrrCents: zero() };
      row.accounts.all += 1;
      row.accounts[account.rail] += 1;
      row.mrrCents.all += mrr;
      row.mrrCents[account.rail] += mrr;
      planCounts.set(state.plan, row);
    }
  }

  return {
    asOf: now.toISOString(),
    accounts: withAll(
      perRail((rail) => ledgers[rail].length),
      sum,
    ),
    recurring: withAll(recurring, (a, b) => ({
      mrrCents: a.mrrCents + b.mrrCents,
      arrCents: a.arrCents + b.arrCents,
      payingAccounts: a.payingAccounts + b.payingAccounts,
    })),
    committed: withAll(
      perRail((rail) => committedInTrial(ledgers[rail], now)),
      (a, b) => ({
        mrrCents: a.mrrCents + b.mrrCents,
        accounts: a.accounts + b.accounts,
        firstPaysAt: earliest(a.firstPaysAt, b.firstPaysAt),
      }),
    ),
    logoChurn: withAll(
      perRail((rail) => logoChurn(ledgers[rail], trailingFrom, now)),
      addRatios,
    ),
    trialConversion: withAll(
      perRail((rail) => trialConversion(ledgers[rail], trailingFrom, now)),
      addRatios,
    ),
    months: withAll(movements, (a, b) => a.map((month, i) => addMovements(month, b[i]!))),
    byStatus: [...SUBSCRIPTION_STATUSES, "none"]
      .filter((status) => statusCounts.has(status))
      .map((status) => ({ status, accounts: statusCounts.get(status)! })),
    byPlan: PLAN_IDS.filter((plan) => planCounts.has(plan)).map((plan) => ({ plan, ...planCounts.get(plan)! })),
  };
}

/** Recognised revenue of each month and deferred revenue at its end, `monthCount` months up to the month of `now`. */
export function recognition(accounts: readonly LedgerAccount[], now: Date, monthCount = 12): RecognitionMonth[] {
  const months = lastMonths(now, monthCount);
  const byRail = perRail((rail) => revenueByMonth(paidInvoices(ledgersOf(accounts, rail)), months[0]!, months.at(-1)!));
  return months.map((month, i) => {
    const s = byRail.shopify[i]!;
    const t = byRail.stripe[i]!;
    return {
      month,
      recognizedCents: { all: s.recognizedCents + t.recognizedCents, shopify: s.recognizedCents, stripe: t.recognizedCents },
      deferredCents: { all: s.deferredCents + t.deferredCents, shopify: s.deferredCents, stripe: t.deferredCents },
    };
  });
}
