/**
 * The settings form as the merchant fills it (percentages, days, money) ↔ the contract's SettingsInput
 * and LeadTimeOverrideInput (fractions). Validation stays with the contract's zod schemas; this only
 * converts units and maps zod issues to the form's fields.
 */
import type { z } from "zod";
import { LeadTimeOverrideInput, SettingsInput, type AdvicePolicy } from "../forecasts/contract";

export type SettingsField = keyof SettingsInput;
export type OverrideField = keyof LeadTimeOverrideInput;
export type FieldErrors<F extends string> = Partial<Record<F, string>>;

/** What the form shows: strings as typed, percentages as percentages. */
export interface SettingsFormValues {
  serviceLevelPercent: string;
  leadTimeDays: string;
  leadTimeSdDays: string;
  reviewPeriodDays: string;
  orderCost: string;
  holdingCostPercent: string;
  locationIds: string[];
}

/** Trims, accepts a decimal comma ("97,5"), and turns "" into NaN so zod reports a required field. */
function numberFromField(value: FormDataEntryValue | null): number {
  const text = typeof value === "string" ? value.trim().replace(/\s/g, "").replace(",", ".") : "";
  return text === "" ? Number.NaN : Number(text);
}

function percentToFraction(value: number): number {
  return Number.isFinite(value) ? Math.round(value * 10) / 1000 : value;
}

/** The settings form's fields as SettingsInput's raw input. */
export function settingsFromForm(form: FormData): Record<SettingsField, unknown> {
  return {
    serviceLevel: percentToFraction(numberFromField(form.get("serviceLevelPercent"))),
    leadTimeDays: numberFromField(form.get("leadTimeDays")),
    leadTimeSdDays: numberFromField(form.get("leadTimeSdDays")),
    reviewPeriodDays: numberFromField(form.get("reviewPeriodDays")),
    orderCost: numberFromField(form.get("orderCost")),
    holdingCostRate: percentToFraction(numberFromField(form.get("holdingCostPercent"))),
    locationIds: form.getAll("locationIds").filter((value): value is string => typeof value === "string" && value !== ""),
  };
}

export function overrideFromForm(form: FormData): Record<OverrideField, unknown> {
  const sd = form.get("leadTimeSdDays");
  return {
    scope: form.get("scope"),
    key: typeof form.get("key") === "string" ? form.get("key") : "",
    leadTimeDays: numberFromField(form.get("leadTimeDays")),
    leadTimeSdDays: typeof sd === "string" && sd.trim() !== "" ? numberFromField(sd) : undefined,
  };
}

/** Which form field an error of a SettingsInput path belongs to (the form shows percentages). */
const SETTINGS_FORM_FIELD: Record<SettingsField, string> = {
  serviceLevel: "serviceLevelPercent",
  leadTimeDays: "leadTimeDays",
  leadTimeSdDays: "leadTimeSdDays",
  reviewPeriodDays: "reviewPeriodDays",
  orderCost: "orderCost",
  holdingCostRate: "holdingCostPercent",
  locationIds: "locationIds",
};

/** The first issue of each field, keyed by the form's field name; the value is a message key (`settings.errors.*`). */
export function settingsFieldErrors(error: z.ZodError): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const issue of error.issues) {
    const field = issue.path[0];
    if (typeof field !== "string" || !(field in SETTINGS_FORM_FIELD)) continue;
    const formField = SETTINGS_FORM_FIELD[field as SettingsField];
    errors[formField] ??= `settings.errors.${field}`;
  }
  return errors;
}

export function overrideFieldErrors(error: z.ZodError): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const issue of error.issues) {
    const field = issue.path[0];
    if (typeof field !== "string") continue;
    errors[field] ??= `settings.errors.override.${field}`;
  }
  return errors;
}

export function parseSettingsForm(form: FormData) {
  return SettingsInput.safeParse(settingsFromForm(form));
}

export function parseOverrideForm(form: FormData) {
  return LeadTimeOverrideInput.safeParse(overrideFromForm(form));
}

/** The form's initial values from stored settings (fractions → percentages, rounded for display). */
export function settingsToFormValues(settings: AdvicePolicy): SettingsFormValues {
  const percent = (fraction: number) => String(Math.round(fraction * 1000) / 10);
  return {
    serviceLevelPercent: percent(settings.serviceLevel),
    leadTimeDays: String(settings.leadTimeDays),
    leadTimeSdDays: String(settings.leadTimeSdDays),
    reviewPeriodDays: String(settings.reviewPeriodDays),
    orderCost: String(Number(settings.orderCost)),
    holdingCostPercent: percent(settings.holdingCostRate),
    locationIds: settings.locationIds.map(String),
  };
}
