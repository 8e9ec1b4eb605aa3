/**
 * What a shop's plan includes, enforced gracefully (issue 15 item 3, decision 0047): nothing breaks and nothing is
 * deleted. What the plan does not include is refused when the merchant asks for it (a field error, a 403 naming the
 * cheapest plan that has it); what is already stored beyond the plan (after a downgrade) is kept and held back — an
 * immediate alert rule goes out in the plan's most frequent digest instead, a rule of a type the plan lacks is
 * skipped, extra recipients past the plan's number receive nothing — and runs again as set after an upgrade.
 *
 * `null` entitlements mean "not limited": a shop without a billing account, as in `forecastPermit`. Pure, and like
 * the rest of the billing core it sees alert rules and recipients only through the few fields it needs (the alert
 * vocabulary is mirrored in plans.ts), so app/alerts imports this and not the other way round.
 */
import {
  ALERT_FREQUENCIES,
  CATALOGUE,
  PLAN_IDS,
  PlanRequirements,
  planCovers,
  type AlertFrequency,
  type BilledAlertType,
  type Plan,
  type PlanId,
} from "./plans";

export interface Entitlements {
  plan: PlanId;
  features: Plan["features"];
  limits: Plan["limits"];
}

export function entitlementsOf(plan: PlanId): Entitlements {
  const { features, limits } = CATALOGUE.plans[plan];
  return { plan, features, limits };
}

/** The cheapest plan that includes `need` (null when none does: past the largest plan). */
export function requiredPlan(need: PlanRequirements): PlanId | null {
  if (!PlanRequirements.safeParse(need).success) return null;
  return PLAN_IDS.find((id) => planCovers(id, 0, 0, need)) ?? null;
}

// ---- Features answered with 403 -----------------------------------------------------------------------------

/** The read API (`apiAccess`) and the merchant-data CSV exports (`csvExport`). */
export const PLAN_FEATURES = ["api", "csv"] as const;
export type PlanFeature = (typeof PLAN_FEATURES)[number];

/** The JSON body of a 403 for a feature the plan does not include. */
export interface FeatureRefusal {
  error: "plan_feature";
  feature: PlanFeature;
  requiredPlan: PlanId | null;
}

/** null when the plan includes `feature` (or the shop is not limited), else the refusal to answer. */
export function featureRefusal(entitled: Entitlements | null, feature: PlanFeature): FeatureRefusal | null {
  if (entitled === null) return null;
  const need = feature === "api" ? { apiAccess: true } : { csvExport: true };
  const included = feature === "api" ? entitled.features.apiAccess : entitled.features.csvExport;
  return included ? null : { error: "plan_feature", feature, requiredPlan: requiredPlan(need) };
}

// ---- Alert rules ----------------------------------------------------------------------------------------------

/** An alert rule as billing sees it (app/alerts/rules.ts has the whole rule). */
export interface BilledRule {
  id: string;
  type: BilledAlertType;
  frequency: AlertFrequency;
  enabled: boolean;
}

export function includesAlertType(entitled: Entitlements | null, type: BilledAlertType): boolean {
  return entitled === null || entitled.features.alertTypes.includes(type);
}

export function includesFrequency(entitled: Entitlements | null, frequency: AlertFrequency): boolean {
  return entitled === null || entitled.features.alertFrequencies.includes(frequency);
}

/** How a rule of `frequency` is delivered: as set when the plan includes it, else in the plan's most frequent cadence. */
export function deliveredFrequency(entitled: Entitlements | null, frequency: AlertFrequency): AlertFrequency {
  if (includesFrequency(entitled, frequency)) return frequency;
  return ALERT_FREQUENCIES.find((f) => includesFrequency(entitled, f)) ?? frequency;
}

/** A stored, enabled rule the plan does not run as set: skipped (its type), or delivered in another cadence. */
export type RuleHold =
  | { ruleId: string; type: BilledAlertType; held: "type"; requiredPlan: PlanId | null }
  | {
      ruleId: string;
      type: BilledAlertType;
      held: "frequency";
      frequency: AlertFrequency;
      deliveredAs: AlertFrequency;
      requiredPlan: PlanId | null;
    };

export function heldRules(entitled: Entitlements | null, rules: readonly BilledRule[]): RuleHold[] {
  return rules.flatMap((rule): RuleHold[] => {
    if (!rule.enabled) return [];
    const base = { ruleId: rule.id, type: rule.type };
    if (!includesAlertType(entitled, rule.type))
      return [{ ...base, held: "type", requiredPlan: requiredPlan({ alertTypes: [rule.type] }) }];
    if (includesFrequency(entitled, rule.frequency)) return [];
    return [
      {
        ...base,
        held: "frequency",
        frequency: rule.frequency,
        deliveredAs: deliveredFrequency(entitled, rule.frequency),
        requiredPlan: requiredPlan({ alertFrequencies: [rule.frequency] }),
      },
    ];
  });
}

/** A submitted rule the plan refuses: turning on a type it lacks (`enabled`), or asking for a cadence it lacks. */
export interface RuleRefusal {
  index: number;
  field: "enabled" | "frequency";
  requiredPlan: PlanId | null;
}

/**
 * The rules of a save that ask for more than the plan includes. What is already stored is not asked for again: a
 * rule kept as it was stored (same id, type, enabled, and cadence) passes and stays held back, so a downgraded
 * merchant can still save their other changes. Disabled rules send nothing and always pass.
 */
export function refusedRules(entitled: Entitlements | null, rules: readonly BilledRule[], stored: readonly BilledRule[]): RuleRefusal[] {
  const before = new Map(stored.map((rule) => [rule.id, rule]));
  return rules.flatMap((rule, index): RuleRefusal[] => {
    if (!rule.enabled) return [];
    const was = before.get(rule.id);
    const kept = was !== undefined && was.enabled && was.type === rule.type;
    if (!includesAlertType(entitled, rule.type))
      return kept ? [] : [{ index, field: "enabled", requiredPlan: requiredPlan({ alertTypes: [rule.type] }) }];
    if (includesFrequency(entitled, rule.frequency) || (kept && was.frequency === rule.frequency)) return [];
    return [{ index, field: "frequency", requiredPlan: requiredPlan({ alertFrequencies: [rule.frequency] }) }];
  });
}

// ---- Extra recipients -----------------------------------------------------------------------------------------

/** An alert recipient as billing sees it; the shop's own address, when listed, only holds its preferences. */
export interface BilledRecipient {
  email: string;
  confirmed: boolean;
}

function extrasOf<T extends { email: string }>(recipients: readonly T[], shopEmail: string | null): { recipient: T; index: number }[] {
  const own = shopEmail?.trim().toLowerCase() || null;
  return recipients.map((recipient, index) => ({ recipient, index })).filter(({ recipient }) => recipient.email !== own);
}

/**
 * The extra addresses held back: only the first `extraRecipients` confirmed ones (in stored order) receive alerts,
 * the confirmed ones after them do not (an address waiting for its confirmation receives nothing anyway).
 */
export function heldRecipients(entitled: Entitlements | null, recipients: readonly BilledRecipient[], shopEmail: string | null): string[] {
  if (entitled === null) return [];
  const confirmed = extrasOf(recipients, shopEmail).filter(({ recipient }) => recipient.confirmed);
  return confirmed.slice(entitled.features.extraRecipients).map(({ recipient }) => recipient.email);
}

/** A submitted address past the plan's number of extra recipients. */
export interface RecipientRefusal {
  index: number;
  requiredPlan: PlanId | null;
}

/**
 * The addresses of a save that go past the plan's `extraRecipients`: new ones (not stored before), in the order
 * given, once the stored ones kept and the new ones before them fill the plan. Keeping stored addresses over the
 * number (after a downgrade) is not refused: they are held back.
 */
export function refusedRecipients(
  entitled: Entitlements | null,
  recipients: readonly { email: string }[],
  stored: readonly { email: string }[],
  shopEmail: string | null,
): RecipientRefusal[] {
  if (entitled === null) return [];
  const before = new Set(stored.map((r) => r.email));
  const extras = extrasOf(recipients, shopEmail);
  const kept = extras.filter(({ recipient }) => before.has(recipient.email)).length;
  const fresh = extras.filter(({ recipient }) => !before.has(recipient.email));
  const refused = fresh.slice(Math.max(0, entitled.features.extraRecipients - kept));
  const plan = requiredPlan({ extraRecipients: extras.length });
  return refused.map(({ index }) => ({ index, requiredPlan: plan }));
}
