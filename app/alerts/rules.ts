/**
 * A shop's alert configuration (EMAIL-002), stored as JSONB and validated with zod on the way in and out: the
 * rules, when digests go out (the shop's local hour; its IANA time zone comes from the shop, not from here),
 * quiet hours and the recipients. `AlertSettings.parse({})` gives the defaults; `parseAlertSettings` answers
 * field errors keyed by path ("rules.1.withinDays") for the settings form.
 */
import { z } from "zod";
import { AccentColor } from "../email/model";
import { ABC_CLASSES } from "../forecasts/contract";
import { SUPPORTED_LOCALES } from "../i18n/i18n";
import { ALERT_TYPES, FREQUENCIES } from "./model";

/** A Shopify numeric id as a decimal string. */
const NumericId = z.string().regex(/^\d{1,20}$/, { error: "Must be a numeric id" });
const Name = z.string().trim().min(1, { error: "Must not be empty" }).max(255, { error: "At most 255 characters" });

/** A local hour, 0–23. */
const Hour = z
  .int({ error: "Enter a whole hour from 0 to 23" })
  .min(0, { error: "Enter a whole hour from 0 to 23" })
  .max(23, { error: "Enter a whole hour from 0 to 23" });

/**
 * Which variants a rule looks at. Each list empty = all. `locationIds` empty = all counted locations together
 * (the advice's location "0"); listed ids = each of those locations on its own (list "0" too to keep the total).
 */
export const AlertScope = z.object({
  vendors: z.array(Name).max(500, { error: "At most 500 vendors" }).default([]),
  productTypes: z.array(Name).max(500, { error: "At most 500 product types" }).default([]),
  abcClasses: z
    .array(z.enum(ABC_CLASSES, { error: "ABC class must be A, B or C" }))
    .max(3, { error: "At most 3 classes" })
    .default([]),
  locationIds: z.array(NumericId).max(500, { error: "At most 500 locations" }).default([]),
});
export type AlertScope = z.infer<typeof AlertScope>;

const common = {
  /** Names the rule in findings and analytics; unique within the shop's rules. */
  id: z
    .string({ error: "Give the rule an id" })
    .regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, { error: "Use 1–40 lowercase letters, digits, - or _" }),
  enabled: z.boolean({ error: "Must be true or false" }).default(true),
  frequency: z.enum(FREQUENCIES, { error: "Choose immediate, daily or weekly" }),
};
const scoped = { ...common, scope: AlertScope.prefault({}) };

const Money = z.number({ error: "Enter an amount" }).min(0, { error: "Must be 0 or more" }).max(1e12, { error: "Too large" });

export const STOCKOUT_WINDOWS = [7, 14, 30, "lead_time"] as const;
export const DEAD_STOCK_DAYS = [90, 180, 365] as const;

export const OutOfStockRule = z.object({
  ...scoped,
  type: z.literal("out_of_stock"),
  frequency: common.frequency.default("immediate"),
  /** Ignore variants losing less than this per day (0 = every out-of-stock variant that still has demand). */
  minLostRevenuePerDay: Money.default(0),
});

export const StockoutPredictedRule = z.object({
  ...scoped,
  type: z.literal("stockout_predicted"),
  frequency: common.frequency.default("daily"),
  /** Fires when the projected stockout is at most this many days after the run's day ("lead_time": the variant's). */
  withinDays: z.literal(STOCKOUT_WINDOWS, { error: 'Choose 7, 14, 30 or "lead_time"' }).default("lead_time"),
});

export const ReorderPointRule = z.object({
  ...scoped,
  type: z.literal("reorder_point"),
  frequency: common.frequency.default("daily"),
});

const PositiveCount = (what: string) =>
  z
    .number({ error: `Enter a number of ${what}` })
    .positive({ error: `Must be more than 0 ${what}` })
    .max(100_000, { error: `At most 100 000 ${what}` });

export const LowStockRule = z
  .object({
    ...scoped,
    type: z.literal("low_stock"),
    frequency: common.frequency.default("daily"),
    /** Fires when available < belowUnits … */
    belowUnits: PositiveCount("units").nullable().default(5),
    /** … or days of cover < belowDaysOfCover (at most a year: the email states it, rounded up, up to 365 days). */
    belowDaysOfCover: z
      .number({ error: "Enter a number of days" })
      .positive({ error: "Must be more than 0 days" })
      .max(365, { error: "At most 365 days" })
      .nullable()
      .default(null),
  })
  .refine((rule) => rule.belowUnits !== null || rule.belowDaysOfCover !== null, {
    error: "Set a number of units or a number of days of cover",
    path: ["belowUnits"],
  });

export const DeadStockRule = z.object({
  ...scoped,
  type: z.literal("dead_stock"),
  frequency: common.frequency.default("weekly"),
  noSaleForDays: z.literal(DEAD_STOCK_DAYS, { error: "Choose 90, 180 or 365 days" }).default(180),
  /** Fires only when the stock's retail value is above this. */
  minStockValue: Money.default(100),
});

/** For the operator: the shop's forecast run failed. Shop-wide, so no scope. */
export const ForecastFailedRule = z.object({
  ...common,
  type: z.literal("forecast_failed"),
  frequency: common.frequency.default("immediate"),
});

export const AlertRule = z.discriminatedUnion(
  "type",
  [OutOfStockRule, StockoutPredictedRule, ReorderPointRule, LowStockRule, DeadStockRule, ForecastFailedRule],
  {
    error: `Rule type must be one of ${ALERT_TYPES.join(", ")}`,
  },
);
export type AlertRule = z.infer<typeof AlertRule>;

/** What a recipient can turn off on the preference page: an alert type, or the weekly summary. */
export const RECIPIENT_TOPICS = [...ALERT_TYPES, "weekly_summary"] as const;
export type RecipientTopic = (typeof RECIPIENT_TOPICS)[number];

export const Recipient = z.object({
  email: z
    .string({ error: "Enter a valid email address" })
    .trim()
    .toLowerCase()
    .max(254, { error: "Enter a valid email address" })
    .pipe(z.email({ error: "Enter a valid email address" })),
  /** Extra addresses receive mail only after they followed the confirmation link. */
  confirmed: z.boolean({ error: "Must be true or false" }).default(false),
  disabledTypes: z.array(z.enum(RECIPIENT_TOPICS, { error: `Choose from ${RECIPIENT_TOPICS.join(", ")}` })).default([]),
});
export type Recipient = z.infer<typeof Recipient>;

export const WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** Local hours, `start` inclusive to `end` exclusive; `start > end` wraps midnight (22 → 7). */
export const QuietHours = z
  .object({ start: Hour, end: Hour })
  .refine((q) => q.start !== q.end, { error: "Quiet hours must start and end at different hours", path: ["end"] });
export type QuietHours = z.infer<typeof QuietHours>;

/** A merchant's sensible start: urgent things at once, the rest in a morning digest, dead stock weekly. */
export function defaultRules(): AlertRule[] {
  return [
    { id: "out_of_stock", type: "out_of_stock" },
    { id: "stockout_predicted", type: "stockout_predicted" },
    { id: "reorder_point", type: "reorder_point" },
    { id: "low_stock", type: "low_stock", enabled: false },
    { id: "dead_stock", type: "dead_stock" },
    { id: "forecast_failed", type: "forecast_failed" },
  ].map((rule) => AlertRule.parse(rule));
}

export const AlertSettings = z
  .object({
    /** The shape's version, for reading rows stored by an older release. */
    version: z.literal(1).default(1),
    rules: z
      .array(AlertRule)
      .max(50, { error: "At most 50 rules" })
      .default(() => defaultRules()),
    /** Local hour of the daily digest and of the weekly one (on `weeklyDay`). */
    deliveryHour: Hour.default(8),
    weeklyDay: z.enum(WEEKDAYS, { error: "Choose a day of the week" }).default("monday"),
    /**
     * Immediate alerts that fall inside are held until they end; null = none (the default: a stockout is news
     * at any hour, and the merchant who wants quiet nights sets them). Digests keep their hour.
     */
    quietHours: QuietHours.nullable().default(null),
    /** Extra addresses (the shop's own email always receives; an entry with its address holds its preferences). */
    recipients: z.array(Recipient).max(20, { error: "At most 20 recipients" }).default([]),
    /** The emails' language; null = the language the merchant uses Fluxor in. */
    locale: z.enum(SUPPORTED_LOCALES, { error: "Choose English, Spanish or French" }).nullable().default(null),
    /** The emails' look: the sender name (null = the shop's name), a logo (https) and an accent colour. */
    branding: z
      .object({
        senderName: z.string().trim().max(100, { error: "At most 100 characters" }).nullable().default(null),
        logoUrl: z
          .url({ protocol: /^https$/, error: "Enter an https:// address" })
          .max(2048, { error: "At most 2048 characters" })
          .nullable()
          .default(null),
        accentColor: AccentColor.nullable().default(null),
      })
      .prefault({}),
  })
  .superRefine((settings, ctx) => {
    const ids = new Set<string>();
    settings.rules.forEach((rule, i) => {
      if (ids.has(rule.id)) ctx.addIssue({ code: "custom", message: `Duplicate rule id "${rule.id}"`, path: ["rules", i, "id"] });
      ids.add(rule.id);
    });
    const emails = new Set<string>();
    settings.recipients.forEach((recipient, i) => {
      if (emails.has(recipient.email))
        ctx.addIssue({ code: "custom", message: "This address is already a recipient", path: ["recipients", i, "email"] });
      emails.add(recipient.email);
    });
  });
export type AlertSettings = z.infer<typeof AlertSettings>;

export type AlertSettingsResult = { success: true; data: AlertSettings } | { success: false; fieldErrors: Record<string, string> };

/** Validates stored or submitted settings; on failure the first message per field, keyed by its dotted path. */
export function parseAlertSettings(input: unknown): AlertSettingsResult {
  const result = AlertSettings.safeParse(input);
  if (result.success) return { success: true, data: result.data };
  const fieldErrors: Record<string, string> = {};
  for (const issue of result.error.issues) {
    const path = issue.path.map(String).join(".");
    fieldErrors[path] ??= issue.message;
  }
  return { success: false, fieldErrors };
}

/**
 * Who receives an email about `topic`: the shop's own address (no confirmation needed) and the confirmed extra
 * addresses, minus those that turned the topic off. Lowercased, without duplicates, shop's address first.
 */
export function recipientsFor(settings: Pick<AlertSettings, "recipients">, shopEmail: string | null, topic: RecipientTopic): string[] {
  const own = shopEmail?.trim().toLowerCase() || null;
  const byEmail = new Map(settings.recipients.map((r) => [r.email, r]));
  const out: string[] = [];
  if (own !== null && !(byEmail.get(own)?.disabledTypes.includes(topic) ?? false)) out.push(own);
  for (const r of settings.recipients) {
    if (r.email !== own && r.confirmed && !r.disabledTypes.includes(topic)) out.push(r.email);
  }
  return out;
}
