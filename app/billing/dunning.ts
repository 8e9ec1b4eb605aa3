/**
 * Failed payments and what a shop may do. A failed payment (Stripe `past_due`) or a frozen subscription (Shopify
 * FROZEN) starts a grace period of `CATALOGUE.graceDays` (7) with full access and dunning emails on days 0, 3
 * and 7 (`CATALOGUE.dunningDays`); from day 7 the shop is read-only until it pays. Data is never deleted for
 * non-payment.
 *
 * Read-only allows looking and leaving: every page and the last published forecasts (view), CSV exports
 * (export), and the billing page (manage_billing: pay, change plan). It blocks what costs us or acts for the
 * merchant: new forecast runs (the nightly run skips the shop; the last run stays visible), alert emails,
 * settings changes and the API. The store sync keeps applying webhooks, so the data is current the moment the
 * shop pays. The same read-only mode follows a trial that ended without a plan, a cancellation, a pause
 * (Stripe) and a subscription awaiting approval. Billing emails (these dunning emails) are not alerts and go
 * out in read-only mode. Where each capability is enforced: `forecastPermit` and `shopAccess`
 * (./limits.server.ts), read by the forecast run, the alerts, the settings pages and the API frame.
 */
import { statusAt, type SubscriptionState, type SubscriptionStatus } from "./ledger";
import { addDaysToInstant, ms } from "./money";
import { CATALOGUE, DUNNING_STEPS, type DunningStepName, type PlanId } from "./plans";

export interface DunningEmail {
  step: DunningStepName;
  /** Days after the failure. */
  day: number;
  dueAt: string;
  /** The email's idempotency key: one per subscription, delinquency and step. */
  key: string;
}

/** The dunning emails of the current delinquency, in order ([] in good standing). */
export function dunningSchedule(state: SubscriptionState | null): DunningEmail[] {
  if (state === null || state.delinquentSince === null || state.subscriptionId === null) return [];
  if (state.eventStatus !== "past_due" && state.eventStatus !== "frozen") return [];
  const since = state.delinquentSince;
  return DUNNING_STEPS.map((step) => {
    const day = CATALOGUE.dunningDays[step];
    return { step, day, dueAt: addDaysToInstant(since, day), key: `dunning:${state.subscriptionId}:${since}:${step}` };
  });
}

/**
 * The dunning email due at `now`: the latest step whose time has come (a late tick sends the latest step only,
 * never two at once). Idempotent: the same key until the next step is due; the sender skips a key it has sent.
 * null in good standing.
 */
export function dunningStep(state: SubscriptionState | null, now: Date): DunningEmail | null {
  return dunningSchedule(state).findLast((email) => ms(email.dueAt) <= now.getTime()) ?? null;
}

export const CAPABILITIES = ["view", "export", "manage_billing", "edit_settings", "run_forecasts", "send_alerts", "api"] as const;
export type Capability = (typeof CAPABILITIES)[number];

const READ_ONLY: ReadonlySet<Capability> = new Set(["view", "export", "manage_billing"]);

export type AccessReason =
  "trial" | "subscribed" | "grace" | "grace_over" | "trial_over" | "pending_approval" | "paused" | "ended" | "no_account";

export interface Access {
  level: "full" | "read_only";
  reason: AccessReason;
  /** The plan whose limits and features apply: the subscription's, or the trial plan before one is approved. */
  plan: PlanId | null;
  capabilities: Readonly<Record<Capability, boolean>>;
}

const REASON: Readonly<Record<SubscriptionStatus, AccessReason>> = {
  trialing: "trial",
  active: "subscribed",
  past_due: "grace",
  frozen: "grace",
  read_only: "grace_over",
  pending: "pending_approval",
  paused: "paused",
  cancelled: "ended",
  expired: "trial_over",
};

/**
 * What the shop may do at `now`, from its derived state (null: no billing account yet). The state may be a
 * projection stored at its last event: the trial's end and the grace period's end are applied at `now`.
 */
export function access(state: SubscriptionState | null, now: Date): Access {
  const status = state === null ? null : statusAt(state, now);
  const full = status === "trialing" || status === "active" || status === "past_due" || status === "frozen";
  const capabilities = Object.fromEntries(CAPABILITIES.map((c) => [c, full || READ_ONLY.has(c)])) as Record<Capability, boolean>;
  // Until a subscription is approved, the trial's plan applies.
  const subscribed = state !== null && state.subscriptionId !== null && state.eventStatus !== "pending";
  let reason: AccessReason = status === null ? "no_account" : REASON[status];
  // An expired subscription (not approved in time) is not a trial that ran out.
  if (status === "expired" && state?.subscriptionId !== null) reason = "ended";
  return {
    level: full ? "full" : "read_only",
    reason,
    plan: state === null ? null : subscribed ? state.plan : status === "trialing" ? CATALOGUE.trial.plan : null,
    capabilities,
  };
}

/** The JSON body of a 403 for what read-only mode stops (the API): why, so the caller can say what unlocks it. */
export interface ReadOnlyRefusal {
  error: "read_only";
  reason: AccessReason;
}

/** null when the shop may use `capability`, else the refusal to answer. */
export function readOnlyRefusal(granted: Pick<Access, "reason" | "capabilities">, capability: Capability): ReadOnlyRefusal | null {
  return granted.capabilities[capability] ? null : { error: "read_only", reason: granted.reason };
}

/**
 * The message (a key of the `billing` namespace) of a settings change refused in read-only mode: the forms show it
 * with a link to Billing, where the merchant can turn changes back on.
 */
export const READ_ONLY_REFUSED = "billing:readOnly.refused";
