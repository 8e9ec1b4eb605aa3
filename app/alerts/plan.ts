/**
 * The shop's plan applied to its alert settings (decision 0047; the rules of entitlement are app/billing's
 * entitlements.ts). Pure. The stored settings are never changed by a plan: the alerts engine, the digests and the
 * weekly summary read them through `deliveredSettings` (a rule of a type the plan lacks is off, a cadence the plan
 * lacks becomes its most frequent one, the extra addresses past the plan's number receive nothing); the settings
 * page shows what is held back (`planView`), and a save that asks for more than the plan is refused field by field
 * (`planErrors`).
 */
import {
  deliveredFrequency,
  heldRecipients,
  heldRules,
  includesAlertType,
  includesFrequency,
  refusedRecipients,
  refusedRules,
  requiredPlan,
  type Entitlements,
  type RuleHold,
} from "../billing/entitlements";
import type { PlanId } from "../billing/plans";
import { ALERT_TYPES, FREQUENCIES, type AlertType, type Frequency } from "./model";
import type { AlertSettings } from "./rules";

/** The settings as the plan lets them run. */
export function deliveredSettings(settings: AlertSettings, entitled: Entitlements | null, shopEmail: string | null): AlertSettings {
  if (entitled === null) return settings;
  const held = new Set(heldRecipients(entitled, settings.recipients, shopEmail));
  return {
    ...settings,
    // Turned off rather than dropped: the rule's details still describe notifications recorded under a larger plan.
    rules: settings.rules.map((rule) => ({
      ...rule,
      enabled: rule.enabled && includesAlertType(entitled, rule.type),
      frequency: deliveredFrequency(entitled, rule.frequency),
    })),
    recipients: settings.recipients.filter((recipient) => !held.has(recipient.email)),
  };
}

/** A message key of the `alerts` namespace for a refusal, by the cheapest plan that has what was asked for. */
function planMessage(what: "type" | "frequency" | "recipients", plan: PlanId | null): string {
  return plan === null ? "errors.plan.none" : `errors.plan.${plan}.${what}`;
}

/**
 * The plan's refusals of a save, as the form's field errors (field → message key): a rule turned on whose type the
 * plan lacks (on its checkbox), a cadence the plan lacks (on its select), an address past the plan's extra recipients
 * (on that address). What `stored` already holds is not refused: it stays, held back.
 */
export function planErrors(
  settings: AlertSettings,
  stored: AlertSettings,
  entitled: Entitlements | null,
  shopEmail: string | null,
): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const refusal of refusedRules(entitled, settings.rules, stored.rules))
    errors[`rules.${refusal.index}.${refusal.field}`] = planMessage(
      refusal.field === "enabled" ? "type" : "frequency",
      refusal.requiredPlan,
    );
  for (const refusal of refusedRecipients(entitled, settings.recipients, stored.recipients, shopEmail))
    errors[`recipients.${refusal.index}.email`] = planMessage("recipients", refusal.requiredPlan);
  return errors;
}

/** What the settings page shows of the plan: what each choice needs, the number of extra recipients, what is held back. */
export interface AlertPlanView {
  plan: PlanId;
  /** The cheapest plan with each cadence and each alert type the plan lacks (absent: the plan has it). */
  needs: { frequencies: Partial<Record<Frequency, PlanId | null>>; types: Partial<Record<AlertType, PlanId | null>> };
  extraRecipients: number;
  /** The cheapest plan with one more extra recipient than this one. */
  moreRecipients: PlanId | null;
  held: { rules: RuleHold[]; recipients: string[] };
  /** The message key of adding an address past `extraRecipients`. */
  recipientsError: string;
}

export function planView(settings: AlertSettings, entitled: Entitlements | null, shopEmail: string | null): AlertPlanView | null {
  if (entitled === null) return null;
  const moreRecipients = requiredPlan({ extraRecipients: entitled.features.extraRecipients + 1 });
  return {
    plan: entitled.plan,
    needs: {
      frequencies: Object.fromEntries(
        FREQUENCIES.filter((f) => !includesFrequency(entitled, f)).map((f) => [f, requiredPlan({ alertFrequencies: [f] })]),
      ),
      types: Object.fromEntries(
        ALERT_TYPES.filter((t) => !includesAlertType(entitled, t)).map((t) => [t, requiredPlan({ alertTypes: [t] })]),
      ),
    },
    extraRecipients: entitled.features.extraRecipients,
    moreRecipients,
    held: { rules: heldRules(entitled, settings.rules), recipients: heldRecipients(entitled, settings.recipients, shopEmail) },
    recipientsError: planMessage("recipients", moreRecipients),
  };
}
