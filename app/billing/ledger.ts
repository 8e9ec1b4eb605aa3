/**
 * The billing ledger: normalised events of both rails (and Fluxor's own, provider `fluxor`), append-only, and
 * the subscription state derived from them (decision 0045). The adapters turn a Shopify `app_subscriptions/update`
 * or a Stripe webhook into a `BillingEvent`; nothing here knows either API.
 *
 * `deriveSubscription(events, asOf)` is a pure fold that gives the same state for any delivery order and any
 * duplicates:
 * - dedupe by (provider, providerEventId), the ledger's unique key (two stored copies that differ keep the one
 *   that sorts first, so the choice does not depend on arrival);
 * - order by `occurredAt`, then by the lifecycle order of the types (`EVENT_TYPES`: created before activated,
 *   failure before success, cancellation last), then provider and id — a total order;
 * - events after `asOf` are not applied ("the state at `asOf`").
 *
 * Stale events never roll state back: a subscription becomes current with `subscription_created` (when none is
 * live) or `activated`; an event about any other subscription is ignored, and a subscription that was replaced,
 * cancelled or expired is retired for good (a late `activated` of the old Shopify subscription after an upgrade
 * changes nothing). Time does the rest: `trialing` is `active`/`pending` before `trialEndsAt`, `read_only` is
 * `past_due`/`frozen` from `graceEndsAt` on (delinquent since + `CATALOGUE.graceDays`), and a Fluxor trial with
 * no plan chosen by its end is `expired`.
 */
import { z } from "zod";
import { Cents, Instant, addDaysToInstant, ms } from "./money";
import { CATALOGUE, INTERVALS, PLAN_IDS, RAILS, type Interval, type PlanId } from "./plans";

export const BILLING_PROVIDERS = ["shopify", "stripe", "fluxor"] as const;
export type BillingProvider = (typeof BILLING_PROVIDERS)[number];

/** The provider's subscription id (`gid://shopify/AppSubscription/1`, `sub_…`). */
const SubscriptionId = z.string().min(1).max(255);

const common = {
  provider: z.enum(BILLING_PROVIDERS),
  /** Unique per provider: the webhook id, or a deterministic id for Fluxor's own events. */
  providerEventId: z.string().min(1).max(255),
  occurredAt: Instant,
};
const about = { ...common, subscriptionId: SubscriptionId };
const terms = { plan: z.enum(PLAN_IDS), interval: z.enum(INTERVALS), /** USD cents per interval, as charged. */ priceCents: Cents };
const period = { currentPeriodStart: Instant, currentPeriodEnd: Instant };
const bare = <T extends string>(type: T) => z.object({ ...about, type: z.literal(type) });

export const BillingEvent = z.discriminatedUnion("type", [
  /** Awaiting the merchant's approval or first payment (Shopify PENDING, Stripe incomplete). */
  z.object({ ...about, type: z.literal("subscription_created"), ...terms }),
  /** subscriptionId null: Fluxor's own trial, at the first install (provider fluxor). */
  z.object({ ...common, type: z.literal("trial_started"), subscriptionId: SubscriptionId.nullable(), trialEndsAt: Instant }),
  /**
   * An operator moved the account to the other rail (provider fluxor; app/billing/rail-change.ts): allowed only
   * with no live subscription, so it changes no subscription. The account's last one decides its rail.
   */
  z
    .object({ ...common, type: z.literal("rail_changed"), from: z.enum(RAILS), to: z.enum(RAILS) })
    .refine((e) => e.provider === "fluxor", { error: "Only Fluxor changes a rail", path: ["provider"] })
    .refine((e) => e.from !== e.to, { error: "A rail change moves to the other rail", path: ["to"] }),
  /** Approved / paid: the subscription is current (Shopify ACTIVE; Stripe active or trialing). */
  z.object({ ...about, type: z.literal("activated"), ...terms, ...period, trialEndsAt: Instant.nullable() }),
  /** A downgrade (or annual → monthly) that applies at the end of the period. */
  z.object({ ...about, type: z.literal("plan_change_scheduled"), ...terms, effectiveAt: Instant }),
  z.object({ ...about, type: z.literal("plan_changed"), ...terms, ...period }),
  /** A Shopify usage record (overage). */
  z.object({ ...about, type: z.literal("usage_recorded"), amountCents: Cents, variants: z.int().min(0) }),
  z.object({ ...about, type: z.literal("payment_failed"), invoiceId: z.string().min(1).nullable(), amountCents: Cents }),
  z.object({ ...about, type: z.literal("payment_succeeded"), invoiceId: z.string().min(1).nullable(), amountCents: Cents }),
  /** An invoice (or a Shopify 30-day charge) settled for a service period, net of tax: revenue recognition's input. */
  z
    .object({
      ...about,
      type: z.literal("invoice_paid"),
      invoiceId: z.string().min(1),
      amountCents: Cents,
      periodStart: Instant,
      periodEnd: Instant,
    })
    .refine((e) => ms(e.periodEnd) > ms(e.periodStart), { error: "The service period must end after it starts", path: ["periodEnd"] }),
  /** Shopify FROZEN (the shop's own Shopify bill is unpaid). */
  bare("frozen"),
  bare("unfrozen"),
  /** Stripe `pause_collection` (Shopify has no pause). */
  bare("paused"),
  bare("resumed"),
  z.object({ ...about, type: z.literal("cancel_requested"), cancelAt: Instant }),
  bare("cancel_withdrawn"),
  bare("cancelled"),
  /** Shopify EXPIRED (not approved in time), Stripe incomplete_expired. */
  bare("expired"),
]);
export type BillingEvent = z.infer<typeof BillingEvent>;
export type BillingEventInput = z.input<typeof BillingEvent>;
export type BillingEventType = BillingEvent["type"];

/** The tiebreak order of events that happened at the same instant: the lifecycle order. */
export const EVENT_TYPES = [
  "subscription_created",
  "trial_started",
  "rail_changed",
  "activated",
  "plan_change_scheduled",
  "plan_changed",
  "usage_recorded",
  "payment_failed",
  "payment_succeeded",
  "invoice_paid",
  "frozen",
  "unfrozen",
  "paused",
  "resumed",
  "cancel_requested",
  "cancel_withdrawn",
  "cancelled",
  "expired",
] as const satisfies readonly BillingEventType[];

export const SUBSCRIPTION_STATUSES = [
  "pending",
  "trialing",
  "active",
  "past_due",
  "frozen",
  "paused",
  "cancelled",
  "expired",
  "read_only",
] as const;
export type SubscriptionStatus = (typeof SUBSCRIPTION_STATUSES)[number];

/** The statuses that events set; `trialing` and `read_only` come from time (`statusAt`). */
export type EventStatus = Exclude<SubscriptionStatus, "trialing" | "read_only">;

export interface PendingChange {
  plan: PlanId;
  interval: Interval;
  priceCents: number;
  effectiveAt: string;
}

export interface SubscriptionState {
  /** The current provider subscription; null during Fluxor's trial before a plan is chosen. */
  subscriptionId: string | null;
  provider: BillingProvider | null;
  plan: PlanId | null;
  interval: Interval | null;
  priceCents: number | null;
  /** The status at the instant the state was derived for (`statusAt` moves it on in time). */
  status: SubscriptionStatus;
  /** The status the events set, before time is applied. */
  eventStatus: EventStatus;
  trialEndsAt: string | null;
  currentPeriodStart: string | null;
  currentPeriodEnd: string | null;
  pendingDowngrade: PendingChange | null;
  /** When the unresolved failed payment or freeze began (null in good standing). */
  delinquentSince: string | null;
  /** `delinquentSince` + the grace period: read-only from then on. */
  graceEndsAt: string | null;
  cancelAtPeriodEnd: boolean;
  /** Usage charges recorded since the current period began. */
  usageCents: number;
  /** When the last applied event happened. */
  lastEventAt: string;
}

/** The statuses with a subscription that can be cancelled. */
const CANCELLABLE: ReadonlySet<SubscriptionState["status"]> = new Set(["trialing", "active", "past_due", "frozen", "read_only", "paused"]);

/**
 * Whether the billing page offers to cancel, and the action goes on with a cancel: a subscription that has ended (or was never
 * approved) has nothing to cancel, and a second cancel from a page left open would only be refused by the provider.
 */
export function canCancel(state: Pick<SubscriptionState, "subscriptionId" | "status"> | null): boolean {
  return state !== null && Boolean(state.subscriptionId) && CANCELLABLE.has(state.status);
}

interface Folded extends Omit<SubscriptionState, "status" | "graceEndsAt"> {
  /** Subscriptions replaced, cancelled or expired: their events change nothing any more. */
  retired: ReadonlySet<string>;
}

const RANK = new Map<BillingEventType, number>(EVENT_TYPES.map((t, i) => [t, i]));

function compare(a: BillingEvent, b: BillingEvent): number {
  return (
    ms(a.occurredAt) - ms(b.occurredAt) ||
    RANK.get(a.type)! - RANK.get(b.type)! ||
    (a.provider < b.provider ? -1 : a.provider > b.provider ? 1 : 0) ||
    (a.providerEventId < b.providerEventId ? -1 : a.providerEventId > b.providerEventId ? 1 : 0)
  );
}

/** Deduplicated by (provider, providerEventId) and in the total order of the ledger. */
export function orderEvents(events: readonly BillingEvent[]): BillingEvent[] {
  // Two stored copies of one event that differ: the one whose JSON sorts first wins, whatever the arrival.
  const json = new Map<BillingEvent, string>();
  const text = (e: BillingEvent) => json.get(e) ?? json.set(e, JSON.stringify(e)).get(e)!;
  const sorted = [...events].sort((a, b) => compare(a, b) || (text(a) < text(b) ? -1 : text(a) > text(b) ? 1 : 0));
  const seen = new Set<string>();
  return sorted.filter((event) => {
    const key = `${event.provider}\u0000${event.providerEventId}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

const TERMINAL: ReadonlySet<EventStatus> = new Set(["cancelled", "expired"]);

function empty(at: string): Folded {
  return {
    subscriptionId: null,
    provider: null,
    plan: null,
    interval: null,
    priceCents: null,
    eventStatus: "pending",
    trialEndsAt: null,
    currentPeriodStart: null,
    currentPeriodEnd: null,
    pendingDowngrade: null,
    delinquentSince: null,
    cancelAtPeriodEnd: false,
    usageCents: 0,
    lastEventAt: at,
    retired: new Set(),
  };
}

function retire(retired: ReadonlySet<string>, id: string | null): ReadonlySet<string> {
  return id === null || retired.has(id) ? retired : new Set([...retired, id]);
}

/** A new current subscription: the shop's trial end carries over until the subscription says otherwise. */
function switchTo(s: Folded, e: BillingEvent & { subscriptionId: string }, eventStatus: EventStatus): Folded {
  return {
    ...empty(e.occurredAt),
    subscriptionId: e.subscriptionId,
    provider: e.provider,
    eventStatus,
    trialEndsAt: s.trialEndsAt,
    retired: retire(s.retired, s.subscriptionId),
  };
}

/** One event applied; the state is never mutated. */
function apply(prev: Folded | null, e: BillingEvent): Folded | null {
  // The rail is the account's, not the subscription's; it changes only when nothing is live on the old one.
  if (e.type === "rail_changed") return prev;
  if (e.type === "trial_started" && e.subscriptionId === null) {
    // Fluxor's trial: once, before any subscription is live.
    if (prev === null) return { ...empty(e.occurredAt), trialEndsAt: e.trialEndsAt };
    if (prev.trialEndsAt === null && (prev.subscriptionId === null || prev.eventStatus === "pending"))
      return { ...prev, trialEndsAt: e.trialEndsAt, lastEventAt: e.occurredAt };
    return prev;
  }
  const id = e.subscriptionId;
  if (id === null || prev?.retired.has(id)) return prev;
  const live = prev !== null && prev.subscriptionId !== null && !TERMINAL.has(prev.eventStatus);

  if (e.type === "subscription_created") {
    if (live) return prev; // the live subscription stays current until the new one is activated
    const base = prev === null ? empty(e.occurredAt) : switchTo(prev, e, "pending");
    return { ...base, subscriptionId: id, provider: e.provider, plan: e.plan, interval: e.interval, priceCents: e.priceCents };
  }
  if (e.type === "activated") {
    const same = prev !== null && prev.subscriptionId === id;
    const base = prev === null ? empty(e.occurredAt) : same ? prev : switchTo(prev, e, "active");
    const samePeriod = same && base.currentPeriodStart === e.currentPeriodStart;
    return {
      ...base,
      subscriptionId: id,
      provider: e.provider,
      plan: e.plan,
      interval: e.interval,
      priceCents: e.priceCents,
      eventStatus: "active",
      trialEndsAt: e.trialEndsAt,
      currentPeriodStart: e.currentPeriodStart,
      currentPeriodEnd: e.currentPeriodEnd,
      delinquentSince: null,
      usageCents: samePeriod ? base.usageCents : 0,
      lastEventAt: e.occurredAt,
    };
  }
  if (prev === null || prev.subscriptionId !== id || TERMINAL.has(prev.eventStatus)) return prev;
  const s: Folded = { ...prev, lastEventAt: e.occurredAt };
  const delinquent = (eventStatus: EventStatus): Folded => ({ ...s, eventStatus, delinquentSince: s.delinquentSince ?? e.occurredAt });
  const cured = (): Folded => ({ ...s, eventStatus: "active", delinquentSince: null });

  switch (e.type) {
    case "trial_started":
      return { ...s, trialEndsAt: e.trialEndsAt, eventStatus: s.eventStatus === "pending" ? "active" : s.eventStatus };
    case "plan_change_scheduled":
      return { ...s, pendingDowngrade: { plan: e.plan, interval: e.interval, priceCents: e.priceCents, effectiveAt: e.effectiveAt } };
    case "plan_changed": {
      const newPeriod = e.currentPeriodStart !== s.currentPeriodStart;
      return {
        ...s,
        plan: e.plan,
        interval: e.interval,
        priceCents: e.priceCents,
        currentPeriodStart: e.currentPeriodStart,
        currentPeriodEnd: e.currentPeriodEnd,
        pendingDowngrade: null,
        usageCents: newPeriod ? 0 : s.usageCents,
      };
    }
    case "usage_recorded":
      return { ...s, usageCents: s.usageCents + e.amountCents };
    case "payment_failed":
      return s.eventStatus === "active" || s.eventStatus === "past_due" ? delinquent("past_due") : s;
    case "payment_succeeded":
      return s.eventStatus === "past_due" ? cured() : s;
    case "invoice_paid": {
      const paid = s.eventStatus === "past_due" ? cured() : s;
      const later = s.currentPeriodEnd === null || ms(e.periodEnd) > ms(s.currentPeriodEnd);
      return later ? { ...paid, currentPeriodStart: e.periodStart, currentPeriodEnd: e.periodEnd, usageCents: 0 } : paid;
    }
    case "frozen":
      return s.eventStatus === "pending" ? s : delinquent("frozen");
    case "unfrozen":
      return s.eventStatus === "frozen" ? cured() : s;
    case "paused":
      return s.eventStatus === "pending" ? s : { ...s, eventStatus: "paused" };
    case "resumed":
      return s.eventStatus === "paused" ? { ...s, eventStatus: s.delinquentSince === null ? "active" : "past_due" } : s;
    case "cancel_requested":
      return { ...s, cancelAtPeriodEnd: true };
    case "cancel_withdrawn":
      return { ...s, cancelAtPeriodEnd: false };
    case "cancelled":
    case "expired":
      // A subscription that was never approved (declined, or not approved in time) leaves the shop as it was
      // before it was asked for: in Fluxor's trial while that lasts, not ended.
      if (s.eventStatus === "pending") return { ...empty(e.occurredAt), trialEndsAt: s.trialEndsAt, retired: retire(s.retired, id) };
      return { ...s, eventStatus: e.type, pendingDowngrade: null, cancelAtPeriodEnd: false, retired: retire(s.retired, id) };
  }
}

function graceEnd(delinquentSince: string | null): string | null {
  return delinquentSince === null ? null : addDaysToInstant(delinquentSince, CATALOGUE.graceDays);
}

type Timed = Pick<SubscriptionState, "subscriptionId" | "eventStatus" | "trialEndsAt" | "delinquentSince">;

/**
 * The status at `at` of a state derived earlier (a stored projection): `trialing` until the trial ends (then
 * `expired` when no plan was chosen), `read_only` once the grace period is over.
 */
export function statusAt(state: Timed, at: Date): SubscriptionStatus {
  const t = at.getTime();
  const inTrial = state.trialEndsAt !== null && t < ms(state.trialEndsAt);
  if (state.subscriptionId === null) return inTrial ? "trialing" : "expired";
  if ((state.eventStatus === "active" || state.eventStatus === "pending") && inTrial) return "trialing";
  const grace = graceEnd(state.delinquentSince);
  if ((state.eventStatus === "past_due" || state.eventStatus === "frozen") && grace !== null && t >= ms(grace)) return "read_only";
  return state.eventStatus;
}

function resolve(s: Folded, at: number): SubscriptionState {
  return {
    subscriptionId: s.subscriptionId,
    provider: s.provider,
    plan: s.plan,
    interval: s.interval,
    priceCents: s.priceCents,
    status: statusAt(s, new Date(at)),
    eventStatus: s.eventStatus,
    trialEndsAt: s.trialEndsAt,
    currentPeriodStart: s.currentPeriodStart,
    currentPeriodEnd: s.currentPeriodEnd,
    pendingDowngrade: s.pendingDowngrade,
    delinquentSince: s.delinquentSince,
    graceEndsAt: graceEnd(s.delinquentSince),
    cancelAtPeriodEnd: s.cancelAtPeriodEnd,
    usageCents: s.usageCents,
    lastEventAt: s.lastEventAt,
  };
}

interface Snapshot {
  at: number;
  state: Folded;
}

/** The folded state after each instant at which events happened (events of one instant together). */
function snapshots(events: readonly BillingEvent[]): Snapshot[] {
  const out: Snapshot[] = [];
  let state: Folded | null = null;
  for (const e of orderEvents(events)) {
    state = apply(state, e);
    if (state === null) continue;
    const at = ms(e.occurredAt);
    if (out.at(-1)?.at === at) out[out.length - 1] = { at, state };
    else out.push({ at, state });
  }
  return out;
}

/** The subscription state of one billing account at `asOf`, from its ledger; null before its first event. */
export function deriveSubscription(events: readonly BillingEvent[], asOf: Date): SubscriptionState | null {
  const at = asOf.getTime();
  const last = snapshots(events).findLast((s) => s.at <= at);
  return last === undefined ? null : resolve(last.state, at);
}

export interface HistoryEntry {
  /** From this instant until the next entry's, the state is `state`. */
  at: string;
  state: SubscriptionState;
}

/**
 * The account's whole history as a step function: an entry at each instant with events and at each trial end
 * and grace end in between. `deriveSubscription(events, t)` equals the state of the last entry at or before t
 * (revenue.ts reads MRR, reactivations and trial conversions from it).
 */
export function subscriptionHistory(events: readonly BillingEvent[]): HistoryEntry[] {
  const snaps = snapshots(events);
  const out: HistoryEntry[] = [];
  snaps.forEach((snap, i) => {
    const next = snaps[i + 1]?.at ?? Infinity;
    out.push({ at: new Date(snap.at).toISOString(), state: resolve(snap.state, snap.at) });
    const boundaries = [...new Set([snap.state.trialEndsAt, graceEnd(snap.state.delinquentSince)])]
      .filter((b): b is string => b !== null)
      .map(ms)
      .filter((b) => b > snap.at && b < next)
      .sort((a, b) => a - b);
    for (const b of boundaries) out.push({ at: new Date(b).toISOString(), state: resolve(snap.state, b) });
  });
  return out;
}
