/**
 * Campaigns the merchant plans (issue 17 item 1): a title, the days it runs (inclusive, in the shop's time zone), what
 * it targets (every product, chosen products, or product types: collections are not synced), an optional depth (percent
 * off) and an optional expected uplift (empty = let Fluxor measure it). Stored as `Promotion` rows of source
 * `campaign` (prisma/schema/signals.prisma); campaigns.server.ts reads and writes them.
 *
 * Pure: the form's zod schema, its per-field errors (i18n keys of the `signals` namespace), the form values of a stored
 * campaign and a campaign's status on a given day. Whether chosen products and product types are the shop's is checked
 * by the server module.
 */
import { z } from "zod";
import { DbId, IsoDay, UserText } from "../api/params";
import { addDays, isIsoDate, toDay } from "../forecasting";

export const TITLE_MAX = 120;
/** The last day may be at most this many days after the first. */
export const MAX_SPAN_DAYS = 366;
/** The first day may be at most this many years before the shop's today. */
export const MAX_PAST_YEARS = 2;
export const PERCENT_OFF = { min: 0, max: 100 } as const;
export const UPLIFT_PCT = { min: -90, max: 500 } as const;
/** At most this many chosen products, and as many product types. */
export const MAX_TARGETS = 200;
/** A product type is stored text (Shopify allows 255 characters). */
const PRODUCT_TYPE_MAX = 255;

export const TARGET_KINDS = ["all", "products", "productTypes"] as const;
export type TargetKind = (typeof TARGET_KINDS)[number];

export const CAMPAIGN_FIELDS = [
  "title",
  "startDay",
  "endDay",
  "target",
  "productIds",
  "productTypes",
  "percentOff",
  "expectedUpliftPct",
] as const;
export type CampaignField = (typeof CAMPAIGN_FIELDS)[number];
/** Form-wide problems (read-only mode) are reported under `form`. */
export type CampaignErrors = Partial<Record<CampaignField | "form", string>>;

/** The i18n key of a field's problem: `signals:campaigns.errors.<field>.<problem>`. */
export function errorKey(field: CampaignField, problem: string): string {
  return `signals:campaigns.errors.${field}.${problem}`;
}
const KEY_PREFIX = "signals:campaigns.errors.";

export type CampaignTarget =
  { kind: "all" } | { kind: "products"; productIds: string[] } | { kind: "productTypes"; productTypes: string[] };

/** A valid campaign, as stored. */
export interface CampaignInput {
  title: string;
  startDay: string;
  endDay: string;
  target: CampaignTarget;
  /** Percentage off (0–100), or null when the merchant does not say. */
  percentOff: number | null;
  /** The uplift the merchant expects, in percent (−90 … 500), or null: let Fluxor measure it. */
  expectedUpliftPct: number | null;
}

/** What the form shows and posts: text as typed. */
export interface CampaignFormValues {
  title: string;
  startDay: string;
  endDay: string;
  target: TargetKind;
  productIds: string[];
  productTypes: string[];
  percentOff: string;
  expectedUpliftPct: string;
}

/** The first day a campaign may start on: `MAX_PAST_YEARS` years before `today` (28 February for a 29th). */
export function earliestStart(today: string): string {
  const year = String(Number(today.slice(0, 4)) - MAX_PAST_YEARS).padStart(4, "0");
  const sameDay = `${year}${today.slice(4)}`;
  return isIsoDate(sameDay) ? sameDay : addDays(`${year}${today.slice(4, 8)}01`, 27);
}

const NUMBER_TEXT = /^[+-]?(\d{1,6}(\.\d{0,6})?|\.\d{1,6})$/;

/** A number as typed ("12.5", "12,5", "-10", "+5"), or null when empty; NaN when it is not one. */
function numberOrNull(raw: string): number | null {
  const text = raw.trim().replace(",", ".");
  if (text === "") return null;
  return NUMBER_TEXT.test(text) ? Number(text) + 0 : Number.NaN;
}

/**
 * An optional number field: words, exponents and 20 digits are its `invalid`, a number outside [min, max] its
 * `range`. Checks rather than a transform, so that the form's other rules still run beside a bad number.
 */
function optionalNumber(field: CampaignField, range: { min: number; max: number }) {
  return z
    .string()
    .refine((raw) => !Number.isNaN(numberOrNull(raw)), errorKey(field, "invalid"))
    .refine(
      (raw) => {
        const value = numberOrNull(raw);
        return value === null || Number.isNaN(value) || (value >= range.min && value <= range.max);
      },
      errorKey(field, "range"),
    );
}

/** The chosen products: ids, at most MAX_TARGETS of them once duplicates are dropped. */
const ProductIds = z.array(DbId).refine((ids) => new Set(ids).size <= MAX_TARGETS, errorKey("productIds", "tooMany"));

/** The chosen product types: storable text of 1–255 characters, at most MAX_TARGETS once duplicates are dropped. */
const ProductTypes = z
  .array(UserText.trim().min(1).max(PRODUCT_TYPE_MAX))
  .refine((types) => new Set(types).size <= MAX_TARGETS, errorKey("productTypes", "tooMany"));

/** The form's schema as of the shop's `today` (YYYY-MM-DD in its time zone): raw fields in, a CampaignInput out. */
export function campaignSchema(today: string) {
  const earliest = earliestStart(today);
  return z
    .object({
      title: UserText.trim().min(1, errorKey("title", "required")).max(TITLE_MAX, errorKey("title", "tooLong")),
      startDay: z
        .string()
        .min(1, errorKey("startDay", "required"))
        .pipe(IsoDay)
        .refine((day) => day >= earliest, errorKey("startDay", "tooOld")),
      endDay: z.string().min(1, errorKey("endDay", "required")).pipe(IsoDay),
      // A check rather than an enum, so that the days are still compared beside a bad target.
      target: z.string().refine((kind) => (TARGET_KINDS as readonly string[]).includes(kind), errorKey("target", "invalid")),
      productIds: ProductIds,
      productTypes: ProductTypes,
      percentOff: optionalNumber("percentOff", PERCENT_OFF),
      expectedUpliftPct: optionalNumber("expectedUpliftPct", UPLIFT_PCT),
    })
    .superRefine((form, ctx) => {
      // Runs even when a field failed a check: compare the days only when both are real days.
      if (isIsoDate(form.startDay) && isIsoDate(form.endDay)) {
        const span = toDay(form.endDay) - toDay(form.startDay);
        if (span < 0) ctx.addIssue({ code: "custom", path: ["endDay"], message: errorKey("endDay", "beforeStart") });
        else if (span > MAX_SPAN_DAYS) ctx.addIssue({ code: "custom", path: ["endDay"], message: errorKey("endDay", "tooLong") });
      }
      if (form.target === "products" && form.productIds.length === 0)
        ctx.addIssue({ code: "custom", path: ["productIds"], message: errorKey("productIds", "required") });
      if (form.target === "productTypes" && form.productTypes.length === 0)
        ctx.addIssue({ code: "custom", path: ["productTypes"], message: errorKey("productTypes", "required") });
    })
    .transform((form): CampaignInput => ({
      title: form.title,
      startDay: form.startDay,
      endDay: form.endDay,
      target:
        form.target === "products"
          ? { kind: "products", productIds: [...new Set(form.productIds)] }
          : form.target === "productTypes"
            ? { kind: "productTypes", productTypes: [...new Set(form.productTypes)] }
            : { kind: "all" },
      percentOff: numberOrNull(form.percentOff),
      expectedUpliftPct: numberOrNull(form.expectedUpliftPct),
    }));
}

/**
 * The form's fields as the schema's raw input. A single field sent twice, or as a file, stays as it came so that the
 * schema refuses it; an absent one is empty.
 */
export function campaignFromForm(form: FormData): Record<CampaignField, unknown> {
  const single = (name: CampaignField): unknown => {
    const values = form.getAll(name);
    if (values.length === 0) return "";
    return values.length === 1 ? values[0] : values;
  };
  return {
    title: single("title"),
    startDay: single("startDay"),
    endDay: single("endDay"),
    target: single("target"),
    productIds: form.getAll("productIds"),
    productTypes: form.getAll("productTypes"),
    percentOff: single("percentOff"),
    expectedUpliftPct: single("expectedUpliftPct"),
  };
}

/** The first problem of each field, as an i18n key (a message from a shared schema becomes the field's `invalid`). */
export function campaignErrors(error: z.ZodError): CampaignErrors {
  const errors: CampaignErrors = {};
  for (const issue of error.issues) {
    const field = issue.path[0];
    if (typeof field !== "string" || !(CAMPAIGN_FIELDS as readonly string[]).includes(field)) continue;
    const name = field as CampaignField;
    errors[name] ??= issue.message.startsWith(KEY_PREFIX) ? issue.message : errorKey(name, "invalid");
  }
  return errors;
}

export type CampaignParse = { ok: true; campaign: CampaignInput } | { ok: false; errors: CampaignErrors };

/** Reads and validates a posted campaign form as of the shop's `today`. */
export function parseCampaignForm(form: FormData, today: string): CampaignParse {
  const parsed = campaignSchema(today).safeParse(campaignFromForm(form));
  return parsed.success ? { ok: true, campaign: parsed.data } : { ok: false, errors: campaignErrors(parsed.error) };
}

/** The form's values for a stored campaign (or a new one starting today, for a week). */
export function campaignFormValues(campaign: CampaignInput | null, today: string): CampaignFormValues {
  if (!campaign)
    return {
      title: "",
      startDay: today,
      endDay: addDays(today, 6),
      target: "all",
      productIds: [],
      productTypes: [],
      percentOff: "",
      expectedUpliftPct: "",
    };
  const { target } = campaign;
  return {
    title: campaign.title,
    startDay: campaign.startDay,
    endDay: campaign.endDay,
    target: target.kind,
    productIds: target.kind === "products" ? target.productIds : [],
    productTypes: target.kind === "productTypes" ? target.productTypes : [],
    percentOff: campaign.percentOff === null ? "" : String(campaign.percentOff),
    expectedUpliftPct: campaign.expectedUpliftPct === null ? "" : String(campaign.expectedUpliftPct),
  };
}

export type CampaignStatus = "upcoming" | "running" | "past";

/** Where a campaign stands on the shop's `today`. */
export function campaignStatus(campaign: Pick<CampaignInput, "startDay" | "endDay">, today: string): CampaignStatus {
  if (campaign.startDay > today) return "upcoming";
  return campaign.endDay < today ? "past" : "running";
}

const STATUS_ORDER: Record<CampaignStatus, number> = { running: 0, upcoming: 1, past: 2 };

/** Running first, then upcoming (soonest first), then past (latest first). */
export function sortCampaigns<T extends Pick<CampaignInput, "startDay" | "endDay" | "title">>(campaigns: readonly T[], today: string): T[] {
  const key = (c: T) => STATUS_ORDER[campaignStatus(c, today)];
  return [...campaigns].sort((a, b) => {
    const byStatus = key(a) - key(b);
    if (byStatus !== 0) return byStatus;
    const past = campaignStatus(a, today) === "past";
    const byDay = past ? b.endDay.localeCompare(a.endDay) : a.startDay.localeCompare(b.startDay);
    return byDay !== 0 ? byDay : a.title.localeCompare(b.title);
  });
}
