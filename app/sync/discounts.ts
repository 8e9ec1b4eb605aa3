/**
 * Promotions read from Shopify (issue 17, decision 0055), pure: the Admin API's discount nodes and marketing events,
 * validated with zod, become `Promotion` rows (prisma/schema/signals.prisma). Days are the shop's: a discount that
 * starts at 00:00 in London in summer (23:00 UTC the day before) starts on the London day, as an order placed then
 * counts on it. No customer data is read: a discount's codes, customer eligibility and usage are never asked for.
 */
import { z } from "zod";
import { withoutLoneSurrogates } from "../db/storable";
import { numericId } from "./ids";

/** What the `Promotion` table takes for a row read from Shopify (ids are decimal strings, days YYYY-MM-DD). */
export interface PromotionRow {
  source: "discount" | "marketing";
  /** The discount's `gid://shopify/DiscountNode/{id}` (whatever node type named it) or the marketing event's GID. */
  externalId: string;
  title: string;
  kind: string | null;
  startDay: string;
  /** Inclusive; null = open-ended. */
  endDay: string | null;
  percentOff: number | null;
  amountOff: string | null;
  appliesToAll: boolean;
  /** Listed products, and the products of the listed collections when they were read. */
  productIds: string[];
  variantIds: string[];
  collectionIds: string[];
  sourceUpdatedAt: string;
}

/** The scopes each source needs (a `write_` scope implies its `read_`). */
export const PROMOTION_SCOPES = { discount: "read_discounts", marketing: "read_marketing_events" } as const;

export function hasScope(granted: string, scope: string): boolean {
  const list = granted.split(",").map((s) => s.trim());
  return list.includes(scope) || list.includes(scope.replace(/^read_/, "write_"));
}

// ---------------------------------------------------------------------------------------------------
// Days in the shop's time zone

const DAY_FORMATS = new Map<string, Intl.DateTimeFormat>();

/** The shop's calendar day (YYYY-MM-DD) of an instant. */
export function shopDay(at: string | Date, timeZone: string): string {
  let format = DAY_FORMATS.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" });
    DAY_FORMATS.set(timeZone, format);
  }
  return format.format(typeof at === "string" ? new Date(at) : at);
}

/**
 * The last day a promotion covers, given the instant it ends: the day of the instant just before it, so an end at
 * midnight (Shopify's "ends at 00:00") closes the day before, never opening a day with no minute of promotion.
 * Never before the first day.
 */
export function lastShopDay(endsAt: string, startDay: string, timeZone: string): string {
  const day = shopDay(new Date(Date.parse(endsAt) - 1), timeZone);
  return day < startDay ? startDay : day;
}

// ---------------------------------------------------------------------------------------------------
// GraphQL shapes (shopify-queries.ts: DISCOUNTS_QUERY, DISCOUNT_NODE_QUERY, MARKETING_EVENTS_QUERY)

const DateTime = z.iso.datetime({ offset: true });
const Gid = z.string().regex(/^gid:\/\/shopify\/\w+\/\d+(\?.*)?$/, "not a Shopify global id");
/** Text PostgreSQL can store (no NUL, no lone surrogate), cut to the column's 255 characters. */
const storable = (text: string) => withoutLoneSurrogates(text.split("\u0000").join("")).slice(0, 255);
const Title = z.string().transform(storable);
const PageInfo = z.object({ hasNextPage: z.boolean(), endCursor: z.string().nullable().optional() });
const IdPage = z.object({ nodes: z.array(z.object({ id: Gid })), pageInfo: PageInfo });

const Percentage = z.object({ __typename: z.literal("DiscountPercentage"), percentage: z.number().min(0).max(1) });
const Amount = z.object({
  __typename: z.literal("DiscountAmount"),
  amount: z.object({ amount: z.string().regex(/^-?\d+(\.\d+)?$/, "not an amount"), currencyCode: z.string() }),
  appliesOnEachItem: z.boolean(),
});
const Effect = z.discriminatedUnion("__typename", [Percentage, Amount]);
const Value = z.discriminatedUnion("__typename", [
  Percentage,
  Amount,
  z.object({ __typename: z.literal("DiscountOnQuantity"), effect: Effect }),
]);
const Items = z.discriminatedUnion("__typename", [
  z.object({ __typename: z.literal("AllDiscountItems"), allItems: z.boolean() }),
  z.object({ __typename: z.literal("DiscountProducts"), products: IdPage, productVariants: IdPage }),
  z.object({ __typename: z.literal("DiscountCollections"), collections: IdPage }),
]);
const CustomerGets = z.object({ value: Value, items: Items });
const Common = { title: Title, startsAt: DateTime, endsAt: DateTime.nullable(), updatedAt: DateTime };
const WithGets = (name: string) => z.object({ __typename: z.literal(name), ...Common, customerGets: CustomerGets });
const FreeShipping = (name: string) => z.object({ __typename: z.literal(name), ...Common });

export const DiscountNodeRecord = z.object({
  id: Gid,
  discount: z.discriminatedUnion("__typename", [
    WithGets("DiscountAutomaticBasic"),
    WithGets("DiscountCodeBasic"),
    WithGets("DiscountAutomaticBxgy"),
    WithGets("DiscountCodeBxgy"),
    FreeShipping("DiscountAutomaticFreeShipping"),
    FreeShipping("DiscountCodeFreeShipping"),
  ]),
});
export type DiscountNodeRecord = z.infer<typeof DiscountNodeRecord>;

export const MarketingEventRecord = z.object({
  id: Gid,
  type: z.string().min(1),
  remoteId: z.string().nullable().optional(),
  startedAt: DateTime,
  endedAt: DateTime.nullable().optional(),
  scheduledToEndAt: DateTime.nullable().optional(),
  utmCampaign: z.string().nullable().optional(),
  marketingChannelType: z.string().nullable().optional(),
  description: z.string().nullable().optional(),
});
export type MarketingEventRecord = z.infer<typeof MarketingEventRecord>;

/** One page of a connection, its nodes unvalidated (each is validated alone, so one bad node never hides the others). */
export const NodesPage = z.object({ nodes: z.array(z.unknown()), pageInfo: PageInfo });
export type NodesPage = z.infer<typeof NodesPage>;
export { IdPage };

/** Why a node is refused, in one line: which record, which field, what is wrong. */
export function rejection(kind: string, node: unknown, error: z.ZodError): string {
  const id = typeof node === "object" && node !== null && "id" in node && typeof node.id === "string" ? node.id : "(no id)";
  const issue = error.issues[0];
  return `${kind} ${id} refused: ${issue ? `${issue.path.join(".") || "record"}: ${issue.message}` : "invalid"}`;
}

// ---------------------------------------------------------------------------------------------------
// Discounts → rows

/** Any of the ids Shopify gives a discount (DiscountNode, DiscountAutomaticNode, DiscountCodeNode) → the one we key on. */
export function discountExternalId(gid: string): string {
  return `gid://shopify/DiscountNode/${numericId(gid)}`;
}

export type TargetList = "products" | "productVariants" | "collections";

/** The first page of a discount's targets, and where each list goes on (a cursor) when it has more. */
export function targetsOf(node: DiscountNodeRecord): {
  appliesToAll: boolean;
  ids: Record<TargetList, string[]>;
  more: Partial<Record<TargetList, string>>;
} {
  const ids: Record<TargetList, string[]> = { products: [], productVariants: [], collections: [] };
  const more: Partial<Record<TargetList, string>> = {};
  const discount = node.discount;
  if (!("customerGets" in discount)) return { appliesToAll: true, ids, more };
  const items = discount.customerGets.items;
  if (items.__typename === "AllDiscountItems") return { appliesToAll: items.allItems, ids, more };
  const lists: [TargetList, z.infer<typeof IdPage>][] =
    items.__typename === "DiscountProducts"
      ? [
          ["products", items.products],
          ["productVariants", items.productVariants],
        ]
      : [["collections", items.collections]];
  for (const [list, page] of lists) {
    ids[list] = page.nodes.map((n) => numericId(n.id));
    if (page.pageInfo.hasNextPage && page.pageInfo.endCursor) more[list] = page.pageInfo.endCursor;
  }
  return { appliesToAll: false, ids, more };
}

const KINDS: Record<DiscountNodeRecord["discount"]["__typename"], string> = {
  DiscountAutomaticBasic: "automatic",
  DiscountCodeBasic: "code",
  DiscountAutomaticBxgy: "bxgy",
  DiscountCodeBxgy: "bxgy",
  DiscountAutomaticFreeShipping: "free_shipping",
  DiscountCodeFreeShipping: "free_shipping",
};

/** Percentage off (0–100) or an amount off each item; an amount spread over the order says nothing per item. */
function depthOf(node: DiscountNodeRecord): { percentOff: number | null; amountOff: string | null } {
  const discount = node.discount;
  if (!("customerGets" in discount)) return { percentOff: null, amountOff: null };
  const value = discount.customerGets.value;
  const effect = value.__typename === "DiscountOnQuantity" ? value.effect : value;
  if (effect.__typename === "DiscountPercentage") return { percentOff: Math.round(effect.percentage * 10_000) / 100, amountOff: null };
  return { percentOff: null, amountOff: effect.appliesOnEachItem ? Number(effect.amount.amount).toFixed(2) : null };
}

/**
 * A discount node as a row. `targets` are its complete lists (the first page and the rest), `collectionProducts`
 * the products of each listed collection (by collection id), added to `productIds`.
 */
export function promotionFromDiscount(
  node: DiscountNodeRecord,
  targets: { appliesToAll: boolean; ids: Record<TargetList, string[]> },
  collectionProducts: ReadonlyMap<string, readonly string[]>,
  timeZone: string,
): PromotionRow {
  const discount = node.discount;
  const startDay = shopDay(discount.startsAt, timeZone);
  const fromCollections = targets.ids.collections.flatMap((id) => collectionProducts.get(id) ?? []);
  return {
    source: "discount",
    externalId: discountExternalId(node.id),
    title: discount.title,
    kind: KINDS[discount.__typename] ?? null,
    startDay,
    endDay: discount.endsAt ? lastShopDay(discount.endsAt, startDay, timeZone) : null,
    ...depthOf(node),
    appliesToAll: targets.appliesToAll,
    productIds: [...new Set([...targets.ids.products, ...fromCollections])],
    variantIds: [...new Set(targets.ids.productVariants)],
    collectionIds: [...new Set(targets.ids.collections)],
    sourceUpdatedAt: discount.updatedAt,
  };
}

// ---------------------------------------------------------------------------------------------------
// Marketing events → rows

/**
 * A marketing activity as a row: store-wide (Shopify does not say which products it shows), its tactic as the kind,
 * its campaign name (else description, else tactic) as the title, ending when it ended or is scheduled to. It has no
 * update time of its own: `readAt` (when we read it) orders what we write.
 */
export function promotionFromMarketingEvent(event: MarketingEventRecord, timeZone: string, readAt: string): PromotionRow {
  const startDay = shopDay(event.startedAt, timeZone);
  const end = event.endedAt ?? event.scheduledToEndAt ?? null;
  const title = event.utmCampaign || event.description || event.type;
  return {
    source: "marketing",
    externalId: event.id,
    title: storable(title),
    kind: event.type.toLowerCase().slice(0, 32),
    startDay,
    endDay: end ? lastShopDay(end, startDay, timeZone) : null,
    percentOff: null,
    amountOff: null,
    appliesToAll: true,
    productIds: [],
    variantIds: [],
    collectionIds: [],
    sourceUpdatedAt: readAt,
  };
}

// ---------------------------------------------------------------------------------------------------
// Webhooks: discounts/create, discounts/update, discounts/delete carry the id and a few facts, never the details.

export const DiscountPayload = z.object({
  admin_graphql_api_id: Gid,
  title: z.string().optional(),
  status: z.string().optional(),
  created_at: DateTime.nullable().optional(),
  updated_at: DateTime.nullable().optional(),
  deleted_at: DateTime.nullable().optional(),
});
export type DiscountPayload = z.infer<typeof DiscountPayload>;

export const DISCOUNT_TOPICS = ["discounts/create", "discounts/update", "discounts/delete"] as const;
export type DiscountTopic = (typeof DISCOUNT_TOPICS)[number];

export function isDiscountTopic(topic: string): topic is DiscountTopic {
  return (DISCOUNT_TOPICS as readonly string[]).includes(topic);
}
