/**
 * Moving a shop's billing account to the other rail: an operator's decision for a direct contract, or back to App
 * Store billing (/ops/accounts; decision 0045). Pure: the check and the ledger event it records.
 *
 * A shop is on exactly one rail, and a rail change never touches a provider: it is allowed only when no subscription
 * is live, i.e. none that bills or can bill again (active, in its trial with a plan chosen, past due, frozen,
 * read-only after a failed payment, paused, or awaiting approval or first payment). A trial without a plan, a trial
 * that ran out, a cancelled or an expired subscription may move. Nothing else changes: the trial is the shop's, given
 * once, and its days left carry over to the plan chosen on the new rail.
 */
import { statusAt, type BillingEventInput, type BillingProvider, type SubscriptionState, type SubscriptionStatus } from "./ledger";
import type { PlanId, Rail } from "./plans";

export type RailChange =
  | { allowed: true; from: Rail; to: Rail }
  /** Already there: a confirmation posted twice, or by two operators, changes nothing. */
  | { allowed: false; reason: "same_rail" }
  /** Without a Stripe key the shop could not pay on that rail. */
  | { allowed: false; reason: "stripe_not_configured" }
  | {
      allowed: false;
      reason: "live_subscription";
      provider: BillingProvider | null;
      /** `trialing` here is a plan chosen during the trial; a subscription not yet approved or paid is `pending`. */
      status: SubscriptionStatus;
      plan: PlanId | null;
    };

export type RailChangeRefusal = Extract<RailChange, { allowed: false }>;

/** Where a move from `rail` goes: there are two rails. */
export const otherRail = (rail: Rail): Rail => (rail === "stripe" ? "shopify" : "stripe");

/** Whether the account (its rail and derived state) may move to `to` at `now`. */
export function railChange(
  account: { rail: Rail; state: SubscriptionState | null },
  to: Rail,
  now: Date,
  config: { stripeConfigured: boolean },
): RailChange {
  if (account.rail === to) return { allowed: false, reason: "same_rail" };
  const state = account.state;
  if (state !== null && state.subscriptionId !== null && state.eventStatus !== "cancelled" && state.eventStatus !== "expired") {
    // statusAt calls a subscription awaiting approval during the trial `trialing`: name what blocks the move.
    const status = state.eventStatus === "pending" ? "pending" : statusAt(state, now);
    return { allowed: false, reason: "live_subscription", provider: state.provider, status, plan: state.plan };
  }
  if (to === "stripe" && !config.stripeConfigured) return { allowed: false, reason: "stripe_not_configured" };
  return { allowed: true, from: account.rail, to };
}

/**
 * The ledger event of an allowed change (provider fluxor). Its id is the ledger position the change was decided at
 * (`BillingAccount.lastSeq`, read under the account's lock), so the same decision recorded twice is one event, and
 * moving back later is another.
 */
export function railChangedEvent(accountId: string, lastSeq: string, change: { from: Rail; to: Rail }, now: Date): BillingEventInput {
  return {
    type: "rail_changed",
    provider: "fluxor",
    providerEventId: `rail:${accountId}:${lastSeq}`,
    occurredAt: now.toISOString(),
    from: change.from,
    to: change.to,
  };
}
