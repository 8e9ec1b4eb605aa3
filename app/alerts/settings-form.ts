/**
 * The alert settings page's form (app/routes/app.alerts.tsx) ↔ `AlertSettings` (./rules.ts). The form keeps what
 * the merchant types as strings (numbers with a decimal comma, empty = not set) and travels to the action as one
 * JSON field; validation stays with `parseAlertSettings`, whose errors (keyed by path, "rules.1.withinDays") are
 * mapped here to the form's fields and to message keys of the `alerts` i18n namespace. Pure: no I/O.
 */
import { z } from "zod";
import { SUPPORTED_LOCALES, type Locale } from "../i18n/i18n";
import type { AlertPlanView } from "./plan";
import { RECIPIENT_TOPICS, Recipient, type AlertRule, type AlertScope, type AlertSettings } from "./rules";

const Text = z.string().max(2048);
const List = z.array(z.string().max(255)).max(500);

const ScopeForm = z.object({ vendors: List, productTypes: List, abcClasses: List, locationIds: List });
export type ScopeFormValues = z.infer<typeof ScopeForm>;

const base = { id: z.string().max(100), enabled: z.boolean(), frequency: z.string().max(20) };
const scoped = { ...base, scope: ScopeForm };

/** One rule as the form shows it: the numbers as typed, the choices as their option values. */
export const RuleFormValues = z.discriminatedUnion("type", [
  z.object({ ...scoped, type: z.literal("out_of_stock"), minLostRevenuePerDay: Text }),
  z.object({ ...scoped, type: z.literal("stockout_predicted"), withinDays: Text }),
  z.object({ ...scoped, type: z.literal("reorder_point") }),
  z.object({ ...scoped, type: z.literal("low_stock"), belowUnits: Text, belowDaysOfCover: Text }),
  z.object({ ...scoped, type: z.literal("dead_stock"), noSaleForDays: Text, minStockValue: Text }),
  z.object({ ...base, type: z.literal("forecast_failed") }),
]);
export type RuleFormValues = z.infer<typeof RuleFormValues>;

/** The whole form. Selects carry strings too, so a bad value is reported by the settings' schema like a typed one. */
export const AlertFormValues = z.object({
  rules: z.array(RuleFormValues).max(100),
  deliveryHour: Text,
  weeklyDay: Text,
  quietHours: z.object({ enabled: z.boolean(), start: Text, end: Text }),
  /** "" = the language the merchant uses Fluxor in. */
  locale: Text,
  /** Extra addresses (their confirmation state is the server's, never the form's). */
  recipients: z.array(z.object({ email: Text, disabledTypes: z.array(z.enum(RECIPIENT_TOPICS)).max(RECIPIENT_TOPICS.length) })).max(100),
  branding: z.object({ senderName: Text, logoUrl: Text, accentColor: Text }),
});
export type AlertFormValues = z.infer<typeof AlertFormValues>;

/** The form's values travel to the action as JSON in this one field. */
export const FORM_FIELD = "values";

/** The form's JSON field → its values, or null when it is not the form's shape (a forged request: 400). */
export function parseAlertForm(json: FormDataEntryValue | null): AlertFormValues | null {
  if (typeof json !== "string") return null;
  let data: unknown;
  try {
    data = JSON.parse(json);
  } catch {
    return null;
  }
  const parsed = AlertFormValues.safeParse(data);
  return parsed.success ? parsed.data : null;
}

const text = (value: number | null) => (value === null ? "" : String(value));

function scopeToForm(scope: AlertScope): ScopeFormValues {
  return {
    vendors: [...scope.vendors],
    productTypes: [...scope.productTypes],
    abcClasses: [...scope.abcClasses],
    locationIds: [...scope.locationIds],
  };
}

function ruleToForm(rule: AlertRule): RuleFormValues {
  const common = { id: rule.id, enabled: rule.enabled, frequency: rule.frequency };
  switch (rule.type) {
    case "out_of_stock":
      return { ...common, type: rule.type, scope: scopeToForm(rule.scope), minLostRevenuePerDay: text(rule.minLostRevenuePerDay) };
    case "stockout_predicted":
      return { ...common, type: rule.type, scope: scopeToForm(rule.scope), withinDays: String(rule.withinDays) };
    case "reorder_point":
      return { ...common, type: rule.type, scope: scopeToForm(rule.scope) };
    case "low_stock":
      return {
        ...common,
        type: rule.type,
        scope: scopeToForm(rule.scope),
        belowUnits: text(rule.belowUnits),
        belowDaysOfCover: text(rule.belowDaysOfCover),
      };
    case "dead_stock":
      return {
        ...common,
        type: rule.type,
        scope: scopeToForm(rule.scope),
        noSaleForDays: String(rule.noSaleForDays),
        minStockValue: text(rule.minStockValue),
      };
    case "forecast_failed":
      return { ...common, type: rule.type };
  }
}

/** Stored settings → what the form shows. */
export function settingsToForm(settings: AlertSettings): AlertFormValues {
  return {
    rules: settings.rules.map(ruleToForm),
    deliveryHour: String(settings.deliveryHour),
    weeklyDay: settings.weeklyDay,
    quietHours: settings.quietHours
      ? { enabled: true, start: String(settings.quietHours.start), end: String(settings.quietHours.end) }
      : { enabled: false, start: "22", end: "7" },
    locale: settings.locale ?? "",
    recipients: settings.recipients.map((r) => ({ email: r.email, disabledTypes: [...r.disabledTypes] })),
    branding: {
      senderName: settings.branding.senderName ?? "",
      logoUrl: settings.branding.logoUrl ?? "",
      accentColor: settings.branding.accentColor ?? "",
    },
  };
}

/** A typed number: spaces dropped, a decimal comma accepted; "" and words → NaN, which the schema reports. */
export function numberFrom(value: string): number {
  const cleaned = value.trim().replace(/\s/g, "").replace(",", ".");
  return cleaned === "" ? Number.NaN : Number(cleaned);
}

const optionalNumber = (value: string) => (value.trim() === "" ? null : numberFrom(value));
const optionalText = (value: string) => (value.trim() === "" ? null : value.trim());
/** A select's value back to the schema's type: digits → a number, anything else as it is. */
const choice = (value: string): number | string => (/^\d+$/.test(value) ? Number(value) : value);

/** The form's values → the raw input of `parseAlertSettings` / `saveAlertSettings`. */
export function formToSettings(values: AlertFormValues): Record<string, unknown> {
  return {
    version: 1,
    rules: values.rules.map((rule) => {
      const { type, id, enabled, frequency } = rule;
      const common = { type, id, enabled, frequency };
      switch (rule.type) {
        case "out_of_stock":
          return { ...common, scope: rule.scope, minLostRevenuePerDay: numberFrom(rule.minLostRevenuePerDay) };
        case "stockout_predicted":
          return { ...common, scope: rule.scope, withinDays: choice(rule.withinDays) };
        case "reorder_point":
          return { ...common, scope: rule.scope };
        case "low_stock":
          return {
            ...common,
            scope: rule.scope,
            belowUnits: optionalNumber(rule.belowUnits),
            belowDaysOfCover: optionalNumber(rule.belowDaysOfCover),
          };
        case "dead_stock":
          return { ...common, scope: rule.scope, noSaleForDays: choice(rule.noSaleForDays), minStockValue: numberFrom(rule.minStockValue) };
        case "forecast_failed":
          return common;
      }
    }),
    deliveryHour: numberFrom(values.deliveryHour),
    weeklyDay: values.weeklyDay,
    quietHours: values.quietHours.enabled ? { start: numberFrom(values.quietHours.start), end: numberFrom(values.quietHours.end) } : null,
    locale: values.locale === "" ? null : values.locale,
    recipients: values.recipients.map((r) => ({ email: r.email, disabledTypes: r.disabledTypes })),
    branding: {
      senderName: optionalText(values.branding.senderName),
      logoUrl: optionalText(values.branding.logoUrl),
      accentColor: optionalText(values.branding.accentColor),
    },
  };
}

/** Message keys (namespace `alerts`, under `errors.`) by the field a path ends with. */
const MESSAGE_OF_FIELD: Readonly<Record<string, string>> = {
  id: "ruleId",
  enabled: "invalid",
  frequency: "frequency",
  minLostRevenuePerDay: "money",
  minStockValue: "money",
  belowUnits: "count",
  belowDaysOfCover: "count",
  withinDays: "withinDays",
  noSaleForDays: "noSaleForDays",
  vendors: "scope",
  productTypes: "scope",
  abcClasses: "scope",
  locationIds: "scope",
  deliveryHour: "hour",
  start: "hour",
  end: "hour",
  weeklyDay: "weeklyDay",
  locale: "locale",
  email: "email",
  recipients: "tooManyRecipients",
  rules: "tooManyRules",
  senderName: "senderName",
  logoUrl: "logoUrl",
  accentColor: "accentColor",
};

/** Where the form shows an error of `path`: an item of a scope list is shown on the list, anything unknown on the form. */
export function formFieldOf(path: string): string {
  const parts = path.split(".");
  const scopeAt = parts.indexOf("scope");
  if (scopeAt >= 0 && parts.length > scopeAt + 1) return parts.slice(0, scopeAt + 2).join(".");
  const last = parts[parts.length - 1] ?? "";
  return Object.hasOwn(MESSAGE_OF_FIELD, last) ? path : "form";
}

function messageFor(field: string, values: AlertFormValues): string {
  const parts = field.split(".");
  const last = parts[parts.length - 1] ?? "";
  const index = Number(parts[1]);
  // A few fields fail for more than one reason: the values tell which.
  if (parts[0] === "rules" && last === "belowUnits") {
    const rule = values.rules[index];
    if (rule?.type === "low_stock" && rule.belowUnits.trim() === "" && rule.belowDaysOfCover.trim() === "")
      return "errors.lowStockNeedsOne";
  }
  if (field === "quietHours.end" && values.quietHours.start === values.quietHours.end) return "errors.quietSame";
  if (parts[0] === "recipients" && last === "email") {
    const email = values.recipients[index]?.email.trim().toLowerCase();
    if (email && values.recipients.slice(0, index).some((r) => r.email.trim().toLowerCase() === email)) return "errors.recipientDuplicate";
  }
  return `errors.${MESSAGE_OF_FIELD[last] ?? "invalid"}`;
}

/**
 * The settings' field errors (from `parseAlertSettings` / `saveAlertSettings`) as the form shows them: keyed by
 * the form's field (the same dotted path; "form" for what belongs to no field), valued by a message key of the
 * `alerts` namespace. The first error of a field wins.
 */
export function formErrors(fieldErrors: Readonly<Record<string, string>>, values: AlertFormValues): Record<string, string> {
  const out: Record<string, string> = {};
  for (const path of Object.keys(fieldErrors)) {
    const field = formFieldOf(path);
    out[field] ??= field === "form" ? "errors.invalid" : messageFor(field, values);
  }
  return out;
}

/** At most this many extra recipients (the schema's limit). */
const MAX_RECIPIENTS = 20;

/**
 * Why an address cannot be added to the list (a message key), or null: not an address, already listed, the
 * shop's own (it always receives), the list is full, or the shop's plan has no more extra recipients (`plan`:
 * its number and the message naming the plan with more; null: not limited).
 */
export function addRecipientError(
  email: string,
  values: AlertFormValues,
  shopEmail: string | null,
  plan: Pick<AlertPlanView, "extraRecipients" | "recipientsError"> | null = null,
): string | null {
  const parsed = Recipient.shape.email.safeParse(email);
  if (!parsed.success) return "errors.email";
  const own = shopEmail?.trim().toLowerCase() ?? null;
  if (parsed.data === own) return "errors.recipientIsShop";
  if (values.recipients.some((r) => r.email.trim().toLowerCase() === parsed.data)) return "errors.recipientDuplicate";
  if (values.recipients.length >= MAX_RECIPIENTS) return "errors.tooManyRecipients";
  const extras = values.recipients.filter((r) => r.email.trim().toLowerCase() !== own).length;
  if (plan !== null && extras >= plan.extraRecipients) return plan.recipientsError;
  return null;
}

/** The normalised address (trimmed, lowercase) the list keeps. */
export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** The emails the preview can show: each alert type about products, and the digest. */
export const PREVIEW_TYPES = ["out_of_stock", "stockout_predicted", "reorder_point", "low_stock", "dead_stock", "digest"] as const;
export type PreviewType = (typeof PREVIEW_TYPES)[number];

export function isPreviewType(value: unknown): value is PreviewType {
  return typeof value === "string" && (PREVIEW_TYPES as readonly string[]).includes(value);
}

/** The scope's summary counts, for a collapsed rule ("all products" when nothing is chosen). */
export function scopeSize(scope: ScopeFormValues): number {
  return scope.vendors.length + scope.productTypes.length + scope.abcClasses.length + scope.locationIds.length;
}

/** The email language the form offers: "" (the merchant's own) and each supported one. */
export const LOCALE_CHOICES: readonly ("" | Locale)[] = ["", ...SUPPORTED_LOCALES];
