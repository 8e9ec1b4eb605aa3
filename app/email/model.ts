/**
 * The contract of Fluxor's emails: what the alerts engine (and the settings preview, and the operator's
 * forecast monitor) builds, queues as JSON and later hands to `renderEmail`. Zod schemas, because the
 * content crosses a boundary (the job queue) between the code that decides and the code that renders.
 *
 * Conventions: money is in the shop's currency, in major units (41.2 = £41.20); days are `YYYY-MM-DD`
 * in the shop's time zone; instants are ISO timestamps with an offset; ids are Shopify's numeric ids.
 */
import { z } from "zod";
import { DEFAULT_LOCALE, matchLocale } from "../i18n/i18n";

export const ALERT_TYPES = ["out_of_stock", "stockout_predicted", "reorder_point", "low_stock", "dead_stock"] as const;
/** The alert types about products (the forecast-run failure is about the shop, and goes to the operator). */
export type AlertType = (typeof ALERT_TYPES)[number];

/**
 * Every template and its versions. A template with two versions is under an A/B test: version 2 leads the
 * subject with the money at stake and asks for the action in the main button. Stored with each message
 * as `templateVersion` ("out_of_stock@2").
 */
export const TEMPLATE_VERSIONS = {
  out_of_stock: [1, 2],
  stockout_predicted: [1, 2],
  reorder_point: [1, 2],
  low_stock: [1, 2],
  dead_stock: [1, 2],
  forecast_failed: [1],
  digest: [1, 2],
  weekly_summary: [1],
  recipient_confirmation: [1],
  test: [1],
  dunning: [1],
  trial_ending: [1],
} as const satisfies Record<string, readonly [1, ...number[]]>;

export type EmailTemplate = keyof typeof TEMPLATE_VERSIONS;
export const EMAIL_TEMPLATES = Object.keys(TEMPLATE_VERSIONS) as EmailTemplate[];
export type TemplateVersion = { [K in EmailTemplate]: `${K}@${(typeof TEMPLATE_VERSIONS)[K][number]}` }[EmailTemplate];

/** Every version of every template, e.g. for the analytics' breakdown or a test that renders them all. */
export const ALL_TEMPLATE_VERSIONS = EMAIL_TEMPLATES.flatMap((template) =>
  TEMPLATE_VERSIONS[template].map((version) => `${template}@${version}` as TemplateVersion),
);

const version = <K extends EmailTemplate>(template: K) => z.literal(TEMPLATE_VERSIONS[template]).default(1);

// ---------------------------------------------------------------------------------------------------------
// Building blocks

const Day = z.iso.date();
const Instant = z.iso.datetime({ offset: true });
/** http is allowed for the local stand-ins (demo, tests); production links are https. */
const WebUrl = z.url({ protocol: /^https?$/ }).max(2048);
const ShopifyId = z.string().regex(/^\d{1,20}$/, "a numeric Shopify id");
const Count = z.number().int().nonnegative();
const Quantity = z.number().finite().nonnegative();
const Money = z.number().finite();
const Text = (max: number) => z.string().trim().min(1).max(max);
const CurrencyCode = z.string().regex(/^[A-Z]{3}$/, "an ISO 4217 currency code");

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** `#1a2b3c` or `#abc` (any case) → `#1a2b3c`. */
export const AccentColor = z
  .string()
  .trim()
  .regex(/^#(?:[0-9a-fA-F]{3}){1,2}$/, "a hex colour such as #1a6b3c")
  .transform((hex) => {
    const digits = hex.slice(1).toLowerCase();
    return `#${digits.length === 3 ? [...digits].map((digit) => digit + digit).join("") : digits}`;
  });

export const EmailShop = z.object({
  name: Text(255),
  /** The shop's permanent domain: `acme.myshopify.com`. */
  domain: z.string().regex(/^[a-z0-9][a-z0-9-]*\.myshopify\.com$/, "a *.myshopify.com domain"),
  /** ISO 4217. */
  currency: CurrencyCode,
  /** The shop's (or the recipient's) language tag; anything but English, Spanish or French gets English. */
  locale: z
    .string()
    .max(35)
    .transform((tag) => matchLocale(tag) ?? DEFAULT_LOCALE),
  /** ISO 3166 country of the shop, for regional formats ("fr" + "CA" → 1 234,50 $); optional. */
  countryCode: z
    .string()
    .regex(/^[A-Z]{2}$/)
    .nullable()
    .default(null),
  /** IANA time zone of the shop, for instants ("sent at"). */
  timezone: z.string().refine(isTimeZone, "an IANA time zone"),
});
export type EmailShop = z.infer<typeof EmailShop>;

export const Branding = z.object({
  /** The From name, shown in the header when there is no logo. */
  senderName: Text(100),
  logoUrl: WebUrl.nullable().default(null),
  /** Buttons and the header rule; null → Fluxor's blue. Text on it and links derived from it keep WCAG AA contrast. */
  accentColor: AccentColor.nullable().default(null),
});
export type Branding = z.infer<typeof Branding>;

export const EmailLinks = z.object({
  /** Where the app's paths start: `<base>/app/variants/123` opens a variant (e.g. the admin's app URL). */
  fluxorBaseUrl: WebUrl,
  /** The Shopify admin's origin, for product pages (`<admin>/store/<handle>/products/<id>`). */
  shopifyAdminUrl: WebUrl.default("https://admin.shopify.com"),
  preferencesUrl: WebUrl,
  /** The signed one-click unsubscribe page (the same URL as in the List-Unsubscribe header). */
  unsubscribeUrl: WebUrl,
});
export type EmailLinks = z.infer<typeof EmailLinks>;

/** Sales lost while out of stock: their value and, when known, the units. */
const LostSales = z.object({ units: Quantity.nullable().default(null), amount: Money.nonnegative() });

const ItemBase = z.object({
  variantId: ShopifyId,
  productId: ShopifyId,
  productTitle: Text(255),
  /** null, or Shopify's "Default Title", when the product has a single variant. */
  variantTitle: z.string().trim().max(255).nullable(),
  sku: z.string().trim().max(255).nullable(),
  imageUrl: WebUrl.nullable().default(null),
  /** Units available to sell (may be negative when oversold). */
  available: z.number().int(),
  daysOfCover: Quantity.nullable(),
  /** Projected stockout day; null when already out or when nothing is projected. */
  stockoutDate: Day.nullable(),
  lostSalesPerDay: LostSales.nullable().default(null),
  lostSalesToDate: LostSales.nullable().default(null),
  suggestedOrderQty: Count.nullable(),
});

export const OutOfStockItem = ItemBase.extend({
  alertType: z.literal("out_of_stock"),
  /** When it ran out: known from inventory history, or estimated from when sales stopped. */
  outOfStockSince: Day.nullable(),
  outOfStockSinceEstimated: z.boolean(),
});
export const StockoutPredictedItem = ItemBase.extend({
  alertType: z.literal("stockout_predicted"),
  leadTimeDays: Count,
});
export const ReorderPointItem = ItemBase.extend({
  alertType: z.literal("reorder_point"),
  reorderPoint: Quantity,
});
export const LowStockItem = ItemBase.extend({ alertType: z.literal("low_stock") });
export const DeadStockItem = ItemBase.extend({
  alertType: z.literal("dead_stock"),
  lastSaleDay: Day.nullable(),
  /** Retail value of the available stock. */
  stockValue: Money.nonnegative(),
});

export const AlertItem = z.discriminatedUnion("alertType", [
  OutOfStockItem,
  StockoutPredictedItem,
  ReorderPointItem,
  LowStockItem,
  DeadStockItem,
]);
export type AlertItem = z.infer<typeof AlertItem>;

/**
 * Figures for the whole section when `items` holds only the most urgent ones (a large shop can have
 * thousands): the total count and, for out-of-stock and dead stock, the total money at stake. Omitted →
 * computed from `items`.
 */
const SectionTotals = z.object({
  items: Count,
  lostSalesPerDay: Money.nonnegative().nullable().default(null),
  stockValue: Money.nonnegative().nullable().default(null),
});

const section = <T extends z.ZodType<AlertItem>>(item: T) =>
  z.object({
    items: z.array(item).min(1).max(500),
    totals: SectionTotals.nullable().default(null),
    /** The matching filtered list in Fluxor, for "and N more"; null → derived from the alert type. */
    listUrl: WebUrl.nullable().default(null),
  });

export const OutOfStockSection = section(OutOfStockItem).extend({ alertType: z.literal("out_of_stock") });
export const StockoutPredictedSection = section(StockoutPredictedItem).extend({
  alertType: z.literal("stockout_predicted"),
  /** The rule: within N days (7, 14, 30…) or within each variant's lead time. */
  window: z.discriminatedUnion("kind", [
    z.object({ kind: z.literal("days"), days: z.number().int().min(1).max(365) }),
    z.object({ kind: z.literal("lead_time") }),
  ]),
});
export const ReorderPointSection = section(ReorderPointItem).extend({ alertType: z.literal("reorder_point") });
export const LowStockSection = section(LowStockItem).extend({
  alertType: z.literal("low_stock"),
  /** The rule: below N units, or below N days of cover. */
  threshold: z.discriminatedUnion("kind", [
    z.object({ kind: z.literal("units"), units: z.number().int().min(1) }),
    z.object({ kind: z.literal("days"), days: z.number().int().min(1).max(365) }),
  ]),
});
export const DeadStockSection = section(DeadStockItem).extend({
  alertType: z.literal("dead_stock"),
  /** The rule: no sale for 90, 180 or 365 days. */
  noSaleDays: z.number().int().min(1).max(3650),
});

const SECTIONS = {
  out_of_stock: OutOfStockSection,
  stockout_predicted: StockoutPredictedSection,
  reorder_point: ReorderPointSection,
  low_stock: LowStockSection,
  dead_stock: DeadStockSection,
};

export const AlertSection = z.discriminatedUnion("alertType", [
  OutOfStockSection,
  StockoutPredictedSection,
  ReorderPointSection,
  LowStockSection,
  DeadStockSection,
]);
export type AlertSection = z.infer<typeof AlertSection>;

/** What every email carries. */
const Envelope = {
  shop: EmailShop,
  branding: Branding,
  /** The address this copy goes to (named in the footer: why they get it). */
  recipient: z.email(),
  /** When the content was computed ("data as of"). */
  generatedAt: Instant,
};

const alertEmail = <K extends AlertType>(template: K) =>
  z.object({
    template: z.literal(template),
    version: version(template),
    ...Envelope,
    links: EmailLinks,
    section: SECTIONS[template],
  });

/** A forecast run that failed, for the operator. */
const ForecastRun = z.object({
  id: Text(100),
  /** The error message (and stack, if any); cut to 2 000 characters. */
  error: z
    .string()
    .min(1)
    .transform((text) => (text.length > 2000 ? `${text.slice(0, 2000)}…` : text)),
  failedAt: Instant,
  attempt: z.number().int().min(1).nullable().default(null),
  /** Where the operator sees the run; null → the Fluxor base URL. */
  url: WebUrl.nullable().default(null),
});

// ---------------------------------------------------------------------------------------------------------
// Billing emails (issue 15, decisions 0044 and 0045): the dunning series of a failed payment and the trial's
// end. They are about the shop's Fluxor subscription, not stock: transactional, so they carry no `links`
// (no preference page, no unsubscribe link, no List-Unsubscribe header; send.server.ts) and go to the shop
// owner's address even when alert emails are turned off. Charges are in their own currency (USD), not the
// shop's, and are shown in the shop's language and number format.

/** The steps of a grace period (mirrors app/billing/plans.ts `DUNNING_STEPS`: app/email imports no domain). */
export const DUNNING_STEPS = ["payment_failed", "reminder", "read_only"] as const;
export type DunningStep = (typeof DUNNING_STEPS)[number];
/** The payment rails (mirrors app/billing/plans.ts `RAILS`). */
export const BILLING_RAILS = ["shopify", "stripe"] as const;

/** An amount in a currency of its own (a charge in USD), in major units: 79 = $79.00. */
const Charge = z.object({ amount: Money.nonnegative(), currency: CurrencyCode });

const DunningEmail = z
  .object({
    template: z.literal("dunning"),
    version: version("dunning"),
    ...Envelope,
    /** Day 0: the payment failed; day 3: a reminder; day 7: the grace period is over, Fluxor is read-only. */
    step: z.enum(DUNNING_STEPS),
    /** Which CTA: "Review your Shopify bill" (shopify) or "Update your payment method" (stripe). */
    rail: z.enum(BILLING_RAILS),
    /** The plan's display name ("Pro"); null when unknown. */
    planName: Text(100).nullable().default(null),
    /** The charge that failed; null when the provider does not say (a Shopify freeze is about the whole Shopify bill). */
    amountDue: Charge.nullable().default(null),
    /** When the payment failed (the delinquency began): the grace period's start. */
    failedAt: Instant,
    /** Full access until then; read-only from then on. */
    graceEndsAt: Instant,
    /** Where the merchant settles it: the Shopify admin's billing page, or (Stripe) a link to the customer portal. */
    actionUrl: WebUrl,
    /** Fluxor's billing page (plan, status, invoices). */
    billingUrl: WebUrl,
  })
  .refine((e) => Date.parse(e.graceEndsAt) > Date.parse(e.failedAt), {
    error: "The grace period must end after the failure",
    path: ["graceEndsAt"],
  });

const TrialEndingEmail = z.object({
  template: z.literal("trial_ending"),
  version: version("trial_ending"),
  ...Envelope,
  trialEndsAt: Instant,
  /** The plan whose features the trial gives ("Pro"). */
  trialPlanName: Text(100),
  /** The cheapest plan's monthly price, for "plans start at"; null to leave it out. */
  startingPrice: Charge.nullable().default(null),
  /** Fluxor's billing page inside the Shopify admin (`…/apps/<app>/app/billing`), where a plan is chosen. */
  actionUrl: WebUrl,
});

export const EmailContent = z.discriminatedUnion("template", [
  alertEmail("out_of_stock"),
  alertEmail("stockout_predicted"),
  alertEmail("reorder_point"),
  alertEmail("low_stock"),
  alertEmail("dead_stock"),
  z.object({
    template: z.literal("forecast_failed"),
    version: version("forecast_failed"),
    ...Envelope,
    links: EmailLinks,
    run: ForecastRun,
  }),
  z.object({
    template: z.literal("digest"),
    version: version("digest"),
    ...Envelope,
    links: EmailLinks,
    frequency: z.enum(["daily", "weekly"]),
    sections: z
      .array(AlertSection)
      .min(1)
      .max(ALERT_TYPES.length)
      .refine((sections) => new Set(sections.map((s) => s.alertType)).size === sections.length, "one section per alert type"),
  }),
  z.object({
    template: z.literal("weekly_summary"),
    version: version("weekly_summary"),
    ...Envelope,
    links: EmailLinks,
    period: z.object({ from: Day, to: Day }),
    /** Alert emails of the period and what came of them (an action: stock went up or a CTA was used). */
    alerts: z.object({ sent: Count, opened: Count, clicked: Count, actedOn: Count }),
    /** Lost sales avoided (forecast demand over the days it would have been out × price), in the shop's currency. */
    lostSalesAvoided: Money.nonnegative(),
    /** Variants in each state at the end of the period. */
    atRisk: z.object({ out_of_stock: Count, stockout_predicted: Count, reorder_point: Count, low_stock: Count, dead_stock: Count }),
  }),
  z.object({
    template: z.literal("recipient_confirmation"),
    version: version("recipient_confirmation"),
    ...Envelope,
    /** The signed confirmation link; no unsubscribe link: nothing is sent until the address is confirmed. */
    confirmUrl: WebUrl,
    expiresAt: Instant,
    /** Who added the address (name or email), if known. */
    requestedBy: z.string().trim().max(255).nullable().default(null),
  }),
  z.object({
    template: z.literal("test"),
    version: version("test"),
    ...Envelope,
    links: EmailLinks,
    /** Live items to show as an example, or null for a branding-only test. */
    sample: AlertSection.nullable().default(null),
  }),
  DunningEmail,
  TrialEndingEmail,
]);
/** What `renderEmail` accepts (defaults not yet applied) and what it works with (parsed). */
export type EmailContentInput = z.input<typeof EmailContent>;
export type EmailContent = z.infer<typeof EmailContent>;
export type ContentOf<K extends EmailTemplate> = Extract<EmailContent, { template: K }>;

export function templateVersion(content: EmailContent): TemplateVersion {
  return `${content.template}@${content.version}` as TemplateVersion;
}

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
  templateVersion: TemplateVersion;
}
