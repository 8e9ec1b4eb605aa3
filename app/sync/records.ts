/**
 * Every record the sync reads from Shopify is validated here with zod and turned into the one shape the
 * writers take, whichever way it came: a bulk JSONL line (GraphQL shape) or a webhook payload (REST
 * shape, parsed per API version). zod objects strip unknown keys, so customer data in a webhook payload
 * (names, emails, addresses, phones, notes) never gets past this file.
 */
import { z } from "zod";
import { withoutLoneSurrogates } from "../db/storable";
import { DiscountPayload } from "./discounts";
import { numericId } from "./ids";

// ---------------------------------------------------------------------------------------------------
// Normalised rows (what the writers take). Ids are decimal strings (bigint-safe).

export interface ProductRow {
  id: string;
  title: string;
  handle: string;
  status: string;
  productType: string;
  vendor: string;
  createdAt: string;
  updatedAt: string;
  /** The featured image; null: the product has none; undefined: the record does not say (what we hold stays). */
  image?: ProductImage | null;
}
export interface ProductImage {
  url: string;
  alt: string | null;
}
export interface VariantRow {
  id: string;
  productId: string;
  title: string;
  sku: string | null;
  price: string;
  inventoryItemId: string | null;
  updatedAt: string;
}
export interface LevelRow {
  inventoryItemId: string;
  locationId: string;
  available: number;
  onHand: number | null;
  updatedAt: string;
}
export interface OrderRow {
  id: string;
  name: string;
  createdAt: string;
  processedAt: string;
  updatedAt: string;
  cancelledAt: string | null;
  test: boolean;
  currencyCode: string;
  locationId: string;
  hasRefunds: boolean;
  /** The sales channel; null: the record does not say (what we hold stays). */
  channel: OrderChannel | null;
  /** Shopify's source name, cleaned and bounded (meaningful only with a channel: null there = Shopify names none). */
  sourceName: string | null;
  /** The display fulfillment status in GraphQL's spelling; null: the record does not say (what we hold stays). */
  fulfillmentStatus: string | null;
}
export interface LineRow {
  id: string;
  orderId: string;
  variantId: string | null;
  productId: string | null;
  sku: string | null;
  quantity: number;
  discountedTotal: string;
}
export interface RefundLineRow {
  refundId: string;
  lineItemId: string;
  orderId: string;
  quantity: number;
  /** GraphQL enum spelling: NO_RESTOCK, CANCEL, RETURN, LEGACY_RESTOCK. */
  restockType: string;
  locationId: string | null;
  createdAt: string;
}

// ---------------------------------------------------------------------------------------------------
// Bulk JSONL records (GraphQL 2025-10 field names). `__parentId` links a child line to its parent.

const Gid = z.string().regex(/^gid:\/\/shopify\/\w+\/\d+/);
const DateTime = z.iso.datetime({ offset: true });
const Money = z.union([z.string(), z.number()]).transform((value) => String(value));
const Ref = z.object({ id: Gid }).nullable().optional();

// ---------------------------------------------------------------------------------------------------
// Sales channel and fulfillment status (docs/decisions/0052-order-channels-and-fulfillment.md). Shopify adds
// source names and statuses over time: any value is stored, cleaned and cut to a bound, never refused.

export const ORDER_CHANNELS = ["online_store", "pos", "other"] as const;
export type OrderChannel = (typeof ORDER_CHANNELS)[number];
export const SOURCE_NAME_MAX = 255;
export const FULFILLMENT_STATUS_MAX = 64;

const CONTROL = /[\u0000-\u001f\u007f]/g; // eslint-disable-line no-control-regex -- what boundedText removes
/**
 * Text from Shopify as we store it: control characters dropped (PostgreSQL refuses U+0000), lone surrogates
 * replaced, trimmed, and cut to `max` characters (code points, so a pair is never split). Null when empty.
 */
export function boundedText(value: string, max: number): string | null {
  const clean = withoutLoneSurrogates(value.replace(CONTROL, "")).trim();
  const text = Array.from(clean).slice(0, max).join("").trim();
  return text === "" ? null : text;
}

/**
 * The channel of an order from its source name: Shopify's own "web" (the online store) and "pos" (Point of
 * Sale); every other name ("shopify_draft_order", "iphone", "android", a marketplace's handle, an app's id) is
 * another channel. An order without a source name sold at a retail location is a POS sale.
 */
export function channelOf(sourceName: string | null, soldAtRetailLocation: boolean): OrderChannel {
  const name = sourceName?.trim().toLowerCase() ?? "";
  if (name === "web") return "online_store";
  if (name === "pos") return "pos";
  if (name === "") return soldAtRetailLocation ? "pos" : "other";
  return "other";
}

const REST_FULFILLMENT: Record<string, string> = {
  fulfilled: "FULFILLED",
  partial: "PARTIALLY_FULFILLED",
  restocked: "RESTOCKED",
};
/**
 * REST `fulfillment_status` → the GraphQL `OrderDisplayFulfillmentStatus` spelling; null means nothing fulfilled
 * yet. A value we do not know is kept, upper-cased like the enum (a later "on_hold" reads as GraphQL's ON_HOLD).
 */
export function fulfillmentStatusFromRest(value: string | null): string {
  if (value === null) return "UNFULFILLED";
  const known = REST_FULFILLMENT[value.trim().toLowerCase()];
  return known ?? boundedText(value.toUpperCase(), FULFILLMENT_STATUS_MAX) ?? "UNFULFILLED";
}

/** A value that must never fail its record: an unexpected type reads as absent (the stored value stays). */
const LooseText = (max: number) =>
  z
    .union([z.string(), z.number()])
    .transform((value) => boundedText(String(value), max))
    .nullable()
    .optional()
    .catch(undefined);

// ---------------------------------------------------------------------------------------------------
// Product images. The URL goes into emails and pages as it is, so only an absolute http(s) URL of a
// sensible length is kept (Shopify's are https://cdn.shopify.com/…; the local stand-in serves its own over
// http); anything else counts as no image, without failing the product.

export const IMAGE_URL_MAX = 2048;
export const IMAGE_ALT_MAX = 512;

/** An absolute http(s) URL with a host, no credentials and no white space, at most IMAGE_URL_MAX long. */
export function isImageUrl(value: unknown): value is string {
  if (typeof value !== "string" || value.length > IMAGE_URL_MAX || !/^https?:\/\/\S+$/i.test(value)) return false;
  try {
    const url = new URL(value);
    return (url.protocol === "https:" || url.protocol === "http:") && url.hostname !== "" && url.username === "" && url.password === "";
  } catch {
    return false;
  }
}

/** A featured image from what Shopify sent: null when there is none or its URL is not one we keep. */
export function productImage(url: string | null | undefined, alt: string | null | undefined): ProductImage | null {
  if (!isImageUrl(url)) return null;
  const text = alt?.trim().slice(0, IMAGE_ALT_MAX) ?? "";
  return { url, alt: text === "" ? null : text };
}

/** `featuredMedia { ... on MediaImage { image { url altText } } }`: other media (video, 3D model) have no `image`. */
const FeaturedMedia = z
  .object({ image: z.object({ url: z.string().nullable().optional(), altText: z.string().nullable().optional() }).nullable().optional() })
  .nullable()
  .optional()
  .catch(null);

export const BulkProduct = z.object({
  __typename: z.literal("Product").optional(),
  id: Gid.refine((id) => id.includes("/Product/")),
  title: z.string(),
  handle: z.string(),
  status: z.string(),
  productType: z.string().nullable().optional(),
  vendor: z.string().nullable().optional(),
  createdAt: DateTime,
  updatedAt: DateTime,
  featuredMedia: FeaturedMedia,
});
export const BulkVariant = z.object({
  __typename: z.literal("ProductVariant").optional(),
  id: Gid.refine((id) => id.includes("/ProductVariant/")),
  title: z.string(),
  sku: z.string().nullable().optional(),
  price: Money,
  updatedAt: DateTime,
  inventoryItem: Ref,
  __parentId: Gid,
});
export const BulkLocation = z.object({ __typename: z.literal("Location").optional(), id: Gid.refine((id) => id.includes("/Location/")) });
const Quantity = z.object({ name: z.string(), quantity: z.number().int() });
export const BulkInventoryLevel = z.object({
  __typename: z.literal("InventoryLevel").optional(),
  id: z.string(),
  updatedAt: DateTime,
  item: z.object({ id: Gid }),
  quantities: z.array(Quantity),
  __parentId: Gid,
});
export const BulkOrder = z.object({
  __typename: z.literal("Order").optional(),
  id: Gid.refine((id) => id.includes("/Order/")),
  name: z.string(),
  createdAt: DateTime,
  processedAt: DateTime.nullable().optional(),
  updatedAt: DateTime,
  cancelledAt: DateTime.nullable().optional(),
  test: z.boolean().optional(),
  currencyCode: z.string(),
  retailLocation: Ref,
  fulfillments: z.array(z.object({ location: Ref })).optional(),
  refunds: z.array(z.object({ id: Gid, createdAt: DateTime.nullable().optional() })).optional(),
  sourceName: LooseText(SOURCE_NAME_MAX),
  displayFulfillmentStatus: LooseText(FULFILLMENT_STATUS_MAX),
});
/** Lines of the reconciliation's `bulkOrderStatesQuery`: what an order's channel and fulfillment status need. */
export const BulkOrderState = BulkOrder.pick({
  __typename: true,
  id: true,
  updatedAt: true,
  retailLocation: true,
  sourceName: true,
  displayFulfillmentStatus: true,
});
export const BulkLineItem = z.object({
  __typename: z.literal("LineItem").optional(),
  id: Gid.refine((id) => id.includes("/LineItem/")),
  quantity: z.number().int().nonnegative(),
  sku: z.string().nullable().optional(),
  variant: Ref,
  product: Ref,
  discountedTotalSet: z.object({ shopMoney: z.object({ amount: Money }) }),
  __parentId: Gid,
});

export function productFromBulk(p: z.infer<typeof BulkProduct>): ProductRow {
  return {
    id: numericId(p.id),
    title: p.title,
    handle: p.handle,
    status: p.status.toUpperCase(),
    productType: p.productType ?? "",
    vendor: p.vendor ?? "",
    createdAt: p.createdAt,
    updatedAt: p.updatedAt,
    // The query always asks for featuredMedia: its absence means no featured image.
    image: productImage(p.featuredMedia?.image?.url, p.featuredMedia?.image?.altText),
  };
}
export function variantFromBulk(v: z.infer<typeof BulkVariant>): VariantRow {
  return {
    id: numericId(v.id),
    productId: numericId(v.__parentId),
    title: v.title,
    sku: v.sku || null,
    price: v.price,
    inventoryItemId: v.inventoryItem ? numericId(v.inventoryItem.id) : null,
    updatedAt: v.updatedAt,
  };
}
export function levelFromBulk(l: z.infer<typeof BulkInventoryLevel>): LevelRow {
  const quantity = (name: string) => l.quantities.find((q) => q.name === name)?.quantity;
  return {
    inventoryItemId: numericId(l.item.id),
    locationId: numericId(l.__parentId),
    available: quantity("available") ?? 0,
    onHand: quantity("on_hand") ?? null,
    updatedAt: l.updatedAt,
  };
}
export function orderFromBulk(o: z.infer<typeof BulkOrder>): OrderRow {
  const location = o.retailLocation?.id ?? o.fulfillments?.find((f) => f.location)?.location?.id;
  return {
    id: numericId(o.id),
    name: o.name,
    createdAt: o.createdAt,
    processedAt: o.processedAt ?? o.createdAt,
    updatedAt: o.updatedAt,
    cancelledAt: o.cancelledAt ?? null,
    test: o.test ?? false,
    currencyCode: o.currencyCode,
    locationId: location ? numericId(location) : "0",
    hasRefunds: (o.refunds?.length ?? 0) > 0,
    ...orderStateFromBulk(o),
  };
}
export interface OrderState {
  channel: OrderChannel;
  sourceName: string | null;
  /** Null only when Shopify sent none (the field is non-null in its schema). */
  fulfillmentStatus: string | null;
}
/** The channel and fulfillment status of a bulk order line. The query always asks for both: absent means none. */
export function orderStateFromBulk(o: z.infer<typeof BulkOrderState>): OrderState {
  const sourceName = o.sourceName ?? null;
  return {
    channel: channelOf(sourceName, Boolean(o.retailLocation)),
    sourceName,
    fulfillmentStatus: o.displayFulfillmentStatus ?? null,
  };
}
export function lineFromBulk(l: z.infer<typeof BulkLineItem>): LineRow {
  return {
    id: numericId(l.id),
    orderId: numericId(l.__parentId),
    variantId: l.variant ? numericId(l.variant.id) : null,
    productId: l.product ? numericId(l.product.id) : null,
    sku: l.sku || null,
    quantity: l.quantity,
    discountedTotal: l.discountedTotalSet.shopMoney.amount,
  };
}

/** REFUND_LINES_QUERY's answer for one order. */
export const RefundLinesNode = z.object({
  id: Gid,
  refunds: z.array(
    z.object({
      id: Gid,
      createdAt: DateTime.nullable().optional(),
      refundLineItems: z.object({
        nodes: z.array(
          z.object({
            quantity: z.number().int(),
            restockType: z.string(),
            lineItem: z.object({ id: Gid }),
            location: Ref,
          }),
        ),
        pageInfo: z.object({ hasNextPage: z.boolean() }).optional(),
      }),
    }),
  ),
});
/** Whether the answer may lack refunds or lines (a full page came back). */
export function refundLinesTruncated(node: z.infer<typeof RefundLinesNode>, maxRefunds: number): boolean {
  return node.refunds.length >= maxRefunds || node.refunds.some((refund) => refund.refundLineItems.pageInfo?.hasNextPage === true);
}

export function refundLinesFromNode(node: z.infer<typeof RefundLinesNode>, orderCreatedAt: string): RefundLineRow[] {
  const orderId = numericId(node.id);
  return node.refunds.flatMap((refund) =>
    refund.refundLineItems.nodes.map((line) => ({
      refundId: numericId(refund.id),
      lineItemId: numericId(line.lineItem.id),
      orderId,
      quantity: line.quantity,
      restockType: line.restockType.toUpperCase(),
      locationId: line.location ? numericId(line.location.id) : null,
      createdAt: refund.createdAt ?? orderCreatedAt,
    })),
  );
}

// ---------------------------------------------------------------------------------------------------
// Webhook payloads (REST shapes). Validated in the route (400 when invalid) and stored stripped.

const Id = z.union([z.number().int().positive(), z.string().regex(/^\d+$/)]).transform((value) => String(value));
const OptionalId = z.union([Id, z.null()]).optional();

/**
 * REST image fields of a product payload: `image` (the featured one) and `images`, and since 2024-07 `media`
 * (`preview_image`). Only the first of each list is kept in the stored event; a malformed one counts as absent.
 */
const RestImage = z.object({ src: z.string(), alt: z.string().nullable().optional() });
const RestMedia = z.object({ alt: z.string().nullable().optional(), preview_image: z.object({ src: z.string() }).nullable().optional() });
const firstOnly = <T>(list: T[] | undefined) => list?.slice(0, 1);

export const ProductPayload = z.object({
  id: Id,
  title: z.string(),
  handle: z.string(),
  status: z.string().optional(),
  product_type: z.string().nullable().optional(),
  vendor: z.string().nullable().optional(),
  created_at: DateTime,
  updated_at: DateTime,
  variants: z.array(
    z.object({
      id: Id,
      title: z.string(),
      sku: z.string().nullable().optional(),
      price: Money,
      inventory_item_id: OptionalId,
      updated_at: DateTime,
    }),
  ),
  image: RestImage.nullable().optional().catch(null),
  images: z.array(RestImage).optional().catch(undefined).transform(firstOnly),
  media: z.array(RestMedia).optional().catch(undefined).transform(firstOnly),
});
export const ProductDeletePayload = z.object({ id: Id });

export const InventoryLevelPayload = z.object({
  inventory_item_id: Id,
  location_id: Id,
  /** null when the item is not tracked. */
  available: z.number().int().nullable(),
  updated_at: DateTime,
});

const RefundLinePayload = z.object({
  line_item_id: Id,
  quantity: z.number().int(),
  restock_type: z.string(),
  location_id: OptionalId,
});
export const RefundPayload = z.object({
  id: Id,
  order_id: Id,
  created_at: DateTime,
  refund_line_items: z.array(RefundLinePayload),
});

export const OrderPayload = z.object({
  id: Id,
  name: z.string(),
  created_at: DateTime,
  processed_at: DateTime.nullable().optional(),
  updated_at: DateTime,
  cancelled_at: DateTime.nullable().optional(),
  test: z.boolean().optional(),
  currency: z.string(),
  location_id: OptionalId,
  /** Absent only in events stored by a release that did not keep it: then what we hold stays. */
  source_name: LooseText(SOURCE_NAME_MAX),
  /** null: nothing fulfilled yet; "fulfilled", "partial", "restocked", or a value Shopify adds later. */
  fulfillment_status: z
    .string()
    .transform((value) => boundedText(value, FULFILLMENT_STATUS_MAX) ?? "")
    .nullable()
    .optional()
    .catch(undefined),
  fulfillments: z.array(z.object({ location_id: OptionalId })).optional(),
  line_items: z.array(
    z.object({
      id: Id,
      variant_id: OptionalId,
      product_id: OptionalId,
      sku: z.string().nullable().optional(),
      quantity: z.number().int().nonnegative(),
      price: Money,
      total_discount: Money.optional(),
      discount_allocations: z.array(z.object({ amount: Money })).optional(),
    }),
  ),
  refunds: z.array(RefundPayload.omit({ order_id: true }).extend({ order_id: OptionalId })).optional(),
});

export const BulkFinishPayload = z.object({
  admin_graphql_api_id: Gid,
  status: z.string(),
  type: z.string().optional(),
  error_code: z.string().nullable().optional(),
  completed_at: DateTime.nullable().optional(),
  created_at: DateTime.optional(),
});

export type WebhookTopic =
  | "products/create"
  | "products/update"
  | "products/delete"
  | "inventory_levels/update"
  | "orders/create"
  | "orders/updated"
  | "orders/cancelled"
  | "orders/fulfilled"
  | "refunds/create"
  | "bulk_operations/finish"
  | "discounts/create"
  | "discounts/update"
  | "discounts/delete";

export const TOPIC_PAYLOADS = {
  "products/create": ProductPayload,
  "products/update": ProductPayload,
  "products/delete": ProductDeletePayload,
  "inventory_levels/update": InventoryLevelPayload,
  "orders/create": OrderPayload,
  "orders/updated": OrderPayload,
  "orders/cancelled": OrderPayload,
  "orders/fulfilled": OrderPayload,
  "refunds/create": RefundPayload,
  "bulk_operations/finish": BulkFinishPayload,
  // Applied apart from the batches (discounts.server.ts): each names a discount to read back by id.
  "discounts/create": DiscountPayload,
  "discounts/update": DiscountPayload,
  "discounts/delete": DiscountPayload,
} as const satisfies Record<WebhookTopic, z.ZodType>;

export function isSyncTopic(topic: string): topic is WebhookTopic {
  return topic in TOPIC_PAYLOADS;
}

/** The webhook header spells topics in upper snake case (ORDERS_UPDATED); subscriptions use orders/updated. */
export function topicFromHeader(header: string): string {
  if (header.includes("/")) return header.toLowerCase();
  const lower = header.toLowerCase();
  const cut = lower.indexOf("_");
  // INVENTORY_LEVELS_UPDATE and BULK_OPERATIONS_FINISH have an underscore inside the resource name.
  for (const topic of Object.keys(TOPIC_PAYLOADS)) if (topic.replace("/", "_") === lower) return topic;
  return cut < 0 ? lower : `${lower.slice(0, cut)}/${lower.slice(cut + 1)}`;
}

// ---------------------------------------------------------------------------------------------------
// Per-version normalisation of webhook payloads. Each entry applies from its version on; the newest
// entry not after the delivery's X-Shopify-API-Version wins. Versions before the first are refused.

export interface NormalisedOrder {
  order: OrderRow;
  lines: LineRow[];
  refunds: RefundLineRow[];
}

type OrderParser = (payload: z.infer<typeof OrderPayload>) => NormalisedOrder;

function lineTotal(line: z.infer<typeof OrderPayload>["line_items"][number]): string {
  const gross = Number(line.price) * line.quantity;
  // total_discount is deprecated in favour of discount_allocations (both present in 2025-10).
  const discount = line.discount_allocations
    ? line.discount_allocations.reduce((sum, allocation) => sum + Number(allocation.amount), 0)
    : Number(line.total_discount ?? 0);
  return (Math.round((gross - discount) * 100) / 100).toFixed(2);
}

const orderParser2024: OrderParser = (p) => {
  const orderId = p.id;
  const location = p.location_id ?? p.fulfillments?.find((f) => f.location_id)?.location_id ?? null;
  return {
    order: {
      id: orderId,
      name: p.name,
      createdAt: p.created_at,
      processedAt: p.processed_at ?? p.created_at,
      updatedAt: p.updated_at,
      cancelledAt: p.cancelled_at ?? null,
      test: p.test ?? false,
      currencyCode: p.currency,
      locationId: location ?? "0",
      hasRefunds: false, // refunds arrive complete in the payload
      channel: p.source_name === undefined ? null : channelOf(p.source_name, Boolean(p.location_id)),
      sourceName: p.source_name ?? null,
      fulfillmentStatus: p.fulfillment_status === undefined ? null : fulfillmentStatusFromRest(p.fulfillment_status),
    },
    lines: p.line_items.map((line) => ({
      id: line.id,
      orderId,
      variantId: line.variant_id ?? null,
      productId: line.product_id ?? null,
      sku: line.sku || null,
      quantity: line.quantity,
      discountedTotal: lineTotal(line),
    })),
    refunds: (p.refunds ?? []).flatMap((refund) => refundLinesFromPayload({ ...refund, order_id: orderId })),
  };
};

export const ORDER_PARSERS: { from: string; parse: OrderParser }[] = [
  { from: "2024-07", parse: orderParser2024 },
  // 2025-10: same fields as 2024-07 for what we read; a future version that changes them adds an entry.
  { from: "2025-10", parse: orderParser2024 },
];

export function parserFor<T extends { from: string }>(parsers: T[], apiVersion: string): T {
  const usable = parsers.filter((p) => p.from <= apiVersion).sort((a, b) => (a.from < b.from ? 1 : -1));
  const parser = usable[0];
  if (!parser) throw new Error(`webhook API version ${apiVersion} is older than any version we parse`);
  return parser;
}

export function normaliseOrder(apiVersion: string, payload: z.infer<typeof OrderPayload>): NormalisedOrder {
  return parserFor(ORDER_PARSERS, apiVersion).parse(payload);
}

/** REST restock_type (no_restock, cancel, return, legacy_restock) → the GraphQL enum spelling. */
export function restockTypeFromRest(value: string): string {
  return value.toUpperCase();
}

export function refundLinesFromPayload(p: {
  id: string;
  order_id: string | null | undefined;
  created_at: string;
  refund_line_items: z.infer<typeof RefundLinePayload>[];
}): RefundLineRow[] {
  const orderId = p.order_id ?? "0";
  return p.refund_line_items.map((line) => ({
    refundId: p.id,
    lineItemId: line.line_item_id,
    orderId,
    quantity: line.quantity,
    restockType: restockTypeFromRest(line.restock_type),
    locationId: line.location_id ?? null,
    createdAt: p.created_at,
  }));
}

/** The featured image of a product payload: `image`, else the first of `images`, else of `media`; undefined when it names none of them. */
export function imageFromPayload(p: Pick<z.infer<typeof ProductPayload>, "image" | "images" | "media">): ProductImage | null | undefined {
  if (p.image === undefined && p.images === undefined && p.media === undefined) return undefined;
  if (p.image) return productImage(p.image.src, p.image.alt);
  const first = p.images?.[0];
  if (first) return productImage(first.src, first.alt);
  const media = p.media?.[0];
  return media?.preview_image ? productImage(media.preview_image.src, media.alt) : null;
}

export function productFromPayload(p: z.infer<typeof ProductPayload>): { product: ProductRow; variants: VariantRow[] } {
  return {
    product: {
      id: p.id,
      title: p.title,
      handle: p.handle,
      status: (p.status ?? "active").toUpperCase(),
      productType: p.product_type ?? "",
      vendor: p.vendor ?? "",
      createdAt: p.created_at,
      updatedAt: p.updated_at,
      image: imageFromPayload(p),
    },
    variants: p.variants.map((v) => ({
      id: v.id,
      productId: p.id,
      title: v.title,
      sku: v.sku || null,
      price: v.price,
      inventoryItemId: v.inventory_item_id ?? null,
      updatedAt: v.updated_at,
    })),
  };
}

/** A restock type that puts the units back: the sale did not happen as demand. */
export function isRestock(restockType: string): boolean {
  return restockType !== "NO_RESTOCK";
}

// ---------------------------------------------------------------------------------------------------
// A stored webhook event, read back for processing: what it asks the batch to write. The payload was
// validated at receipt; it is parsed again here, since the row may come from an older release.

export interface StoredWebhookEvent {
  id: string;
  topic: string;
  apiVersion: string;
  payload: unknown;
}

export type PlannedEvent = { id: string } & (
  | { kind: "product"; product: ProductRow; variants: VariantRow[] }
  | { kind: "product-delete"; productId: string }
  | { kind: "level"; level: LevelRow }
  | { kind: "order"; order: NormalisedOrder }
  | { kind: "refund"; orderId: string; refunds: RefundLineRow[] }
  | { kind: "bulk-finish"; detail: string }
  /** Nothing to write (an untracked item, a topic we do not sync): recorded as skipped. */
  | { kind: "ignored"; detail: string }
  /** The payload does not parse (or its API version is older than every parser): a failed attempt. */
  | { kind: "invalid"; error: string }
);

export function planEvent(event: StoredWebhookEvent): PlannedEvent {
  const id = event.id;
  try {
    switch (event.topic) {
      case "products/create":
      case "products/update":
        return { id, kind: "product", ...productFromPayload(ProductPayload.parse(event.payload)) };
      case "products/delete":
        return { id, kind: "product-delete", productId: ProductDeletePayload.parse(event.payload).id };
      case "inventory_levels/update": {
        const p = InventoryLevelPayload.parse(event.payload);
        if (p.available === null) return { id, kind: "ignored", detail: "item not tracked" };
        const level = {
          inventoryItemId: p.inventory_item_id,
          locationId: p.location_id,
          available: p.available,
          onHand: null,
          updatedAt: p.updated_at,
        };
        return { id, kind: "level", level };
      }
      case "orders/create":
      case "orders/updated":
      case "orders/cancelled":
      case "orders/fulfilled":
        return { id, kind: "order", order: normaliseOrder(event.apiVersion, OrderPayload.parse(event.payload)) };
      case "refunds/create": {
        const p = RefundPayload.parse(event.payload);
        return { id, kind: "refund", orderId: p.order_id, refunds: refundLinesFromPayload(p) };
      }
      case "bulk_operations/finish": {
        const p = BulkFinishPayload.parse(event.payload);
        return { id, kind: "bulk-finish", detail: `${p.admin_graphql_api_id} ${p.status}` };
      }
      default:
        return { id, kind: "ignored", detail: `topic ${event.topic} is not synced` };
    }
  } catch (error) {
    return { id, kind: "invalid", error: error instanceof Error ? error.message : String(error) };
  }
}
