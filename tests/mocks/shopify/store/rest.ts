/**
 * Webhook payloads in Shopify's REST shapes (API 2025-10): what `products/*`, `inventory_levels/update`,
 * `orders/*`, `refunds/create` and `bulk_operations/finish` carry. Timestamps are in the shop's time zone
 * with an offset, as Shopify prints them in REST ("2026-03-14T10:15:00+00:00"). Orders carry a customer,
 * like the real ones: the app must strip it.
 */
import { unfulfilledLines, type DemoOrder, type DemoRefund } from "./orders";
import type { DemoDiscount } from "./promotions";
import { discountStatus, type LevelRecord, type ProductRecord, type StoreView } from "./state";

const PARTS = new Map<string, Intl.DateTimeFormat>();

/** An ISO instant as Shopify's REST API prints it: local time in the shop's zone with its offset. */
export function restTime(iso: string | null, timeZone = "Europe/London"): string | null {
  if (!iso) return null;
  let format = PARTS.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-GB", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      timeZoneName: "longOffset",
    });
    PARTS.set(timeZone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(new Date(iso)).map((part) => [part.type, part.value]));
  const offset = /GMT([+-]\d{2}:\d{2})?/.exec(parts.timeZoneName ?? "")?.[1] ?? "+00:00";
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}${offset}`;
}

const money = (amount: number) => amount.toFixed(2);
const moneySet = (amount: string, currency: string) => ({
  shop_money: { amount, currency_code: currency },
  presentment_money: { amount, currency_code: currency },
});

/** The featured image as REST prints it in `image` / `images[]` (its admin id is the MediaImage's since 2025-01), and as `media[]`. */
function productImagePayloads(
  product: ProductRecord,
  view: StoreView,
): { image: Record<string, unknown>; media: Record<string, unknown> } | null {
  const image = product.image;
  if (!image) return null;
  const src = view.imageUrl(image);
  const common = {
    id: image.id,
    product_id: product.id,
    position: 1,
    created_at: restTime(product.createdAt),
    updated_at: restTime(product.updatedAt),
    alt: image.altText,
    admin_graphql_api_id: `gid://shopify/MediaImage/${image.id}`,
    variant_ids: [],
  };
  return {
    image: { ...common, width: image.width, height: image.height, src },
    media: {
      ...common,
      status: "READY",
      media_content_type: "IMAGE",
      preview_image: { width: image.width, height: image.height, src, status: "READY" },
    },
  };
}

export function productPayload(product: ProductRecord, stock: StoreView): Record<string, unknown> {
  const picture = productImagePayloads(product, stock);
  return {
    admin_graphql_api_id: `gid://shopify/Product/${product.id}`,
    body_html: "",
    created_at: restTime(product.createdAt),
    handle: product.handle,
    id: product.id,
    product_type: product.productType,
    published_at: restTime(product.createdAt),
    template_suffix: null,
    title: product.title,
    updated_at: restTime(product.updatedAt),
    vendor: product.vendor,
    status: product.status.toLowerCase(),
    published_scope: "global",
    tags: "",
    variants: product.variants.map((variant) => ({
      admin_graphql_api_id: `gid://shopify/ProductVariant/${variant.id}`,
      barcode: null,
      compare_at_price: null,
      created_at: restTime(variant.createdAt),
      id: variant.id,
      inventory_policy: "deny",
      position: variant.position,
      price: variant.price,
      product_id: product.id,
      sku: variant.sku,
      taxable: true,
      title: variant.title,
      updated_at: restTime(variant.updatedAt),
      option1: variant.title,
      option2: null,
      option3: null,
      image_id: null,
      inventory_item_id: variant.inventoryItemId,
      inventory_quantity: stock.levelsOfItem(variant.inventoryItemId).reduce((sum, level) => sum + level.available, 0),
      old_inventory_quantity: stock.levelsOfItem(variant.inventoryItemId).reduce((sum, level) => sum + level.available, 0),
    })),
    options: [{ name: product.variants.length > 1 ? "Option" : "Title", position: 1, values: product.variants.map((v) => v.title) }],
    images: picture ? [picture.image] : [],
    image: picture?.image ?? null,
    media: picture ? [picture.media] : [],
    variant_gids: product.variants.map((variant) => ({
      admin_graphql_api_id: `gid://shopify/ProductVariant/${variant.id}`,
      updated_at: variant.updatedAt,
    })),
  };
}

export function levelPayload(level: LevelRecord): Record<string, unknown> {
  return {
    inventory_item_id: level.inventoryItemId,
    location_id: level.locationId,
    available: level.available,
    updated_at: restTime(level.updatedAt),
    admin_graphql_api_id: `gid://shopify/InventoryLevel/${level.locationId}?inventory_item_id=${level.inventoryItemId}`,
  };
}

/** `fulfilledQuantity`: units of the line shipped so far (REST `fulfillable_quantity` is what is left). */
function lineItemPayload(line: DemoOrder["lineItems"][number], currency: string, fulfilledQuantity: number): Record<string, unknown> {
  const fulfilled = fulfilledQuantity >= line.quantity;
  return {
    id: line.id,
    admin_graphql_api_id: `gid://shopify/LineItem/${line.id}`,
    variant_id: line.variantId,
    product_id: line.productId,
    sku: line.sku,
    title: line.title.split(" - ")[0],
    variant_title: line.title.includes(" - ") ? line.title.split(" - ").slice(1).join(" - ") : null,
    name: line.title,
    vendor: null,
    quantity: line.quantity,
    current_quantity: line.quantity,
    fulfillable_quantity: Math.max(0, line.quantity - fulfilledQuantity),
    fulfillment_status: fulfilled ? "fulfilled" : fulfilledQuantity > 0 ? "partial" : null,
    price: line.price,
    price_set: moneySet(line.price, currency),
    total_discount: "0.00",
    total_discount_set: moneySet("0.00", currency),
    discount_allocations: [],
    gift_card: false,
    grams: 250,
    requires_shipping: true,
    taxable: true,
    tax_lines: [],
    properties: [],
  };
}

export function refundPayload(order: DemoOrder, refund: DemoRefund, currency = "GBP"): Record<string, unknown> {
  return {
    id: refund.id,
    admin_graphql_api_id: `gid://shopify/Refund/${refund.id}`,
    order_id: order.id,
    created_at: restTime(refund.createdAt),
    processed_at: restTime(refund.createdAt),
    note: null,
    restock: refund.lineItems.some((line) => line.restockType !== "no_restock"),
    user_id: null,
    refund_line_items: refund.lineItems.map((line, index) => {
      const item = order.lineItems.find((candidate) => candidate.id === line.lineItemId);
      const subtotal = money(Number(item?.price ?? 0) * line.quantity);
      return {
        id: refund.id * 10 + index,
        line_item_id: line.lineItemId,
        location_id: line.restockType === "no_restock" ? null : (line.locationId ?? order.locationId),
        quantity: line.quantity,
        restock_type: line.restockType,
        subtotal,
        subtotal_set: moneySet(subtotal, currency),
        total_tax: "0.00",
        line_item: item ? lineItemPayload(item, currency, 0) : null,
      };
    }),
    transactions: [],
    order_adjustments: [],
  };
}

/**
 * REST `fulfillment_status`: "fulfilled", "partial", null (nothing shipped), or "restocked" for a cancelled order
 * whose every line went back to stock (where GraphQL's displayFulfillmentStatus says UNFULFILLED).
 */
function restFulfillmentStatus(order: DemoOrder): string | null {
  if (order.cancelledAt) {
    const refunded = new Map<number, number>();
    for (const line of order.refunds.flatMap((refund) => refund.lineItems))
      if (line.restockType !== "no_restock") refunded.set(line.lineItemId, (refunded.get(line.lineItemId) ?? 0) + line.quantity);
    if (order.lineItems.every((line) => (refunded.get(line.id) ?? 0) >= line.quantity)) return "restocked";
  }
  if (order.fulfillments.length === 0) return null;
  return unfulfilledLines(order).length === 0 ? "fulfilled" : "partial";
}

export function orderPayload(order: DemoOrder, currency = "GBP"): Record<string, unknown> {
  const shipped = new Map<number, number>();
  for (const line of order.fulfillments.flatMap((fulfillment) => fulfillment.lineItems))
    shipped.set(line.lineItemId, (shipped.get(line.lineItemId) ?? 0) + line.quantity);
  const total = money(order.lineItems.reduce((sum, line) => sum + Number(line.price) * line.quantity, 0));
  const number = Number(order.name.slice(1));
  return {
    id: order.id,
    admin_graphql_api_id: `gid://shopify/Order/${order.id}`,
    name: order.name,
    number: number - 1000,
    order_number: number,
    confirmed: true,
    created_at: restTime(order.createdAt),
    processed_at: restTime(order.createdAt),
    updated_at: restTime(order.updatedAt),
    cancelled_at: restTime(order.cancelledAt),
    cancel_reason: order.cancelledAt ? (order.cancelReason ?? "customer") : null,
    closed_at: null,
    test: false,
    currency,
    presentment_currency: currency,
    current_total_price: total,
    total_price: total,
    subtotal_price: total,
    total_discounts: "0.00",
    total_tax: "0.00",
    financial_status: order.cancelledAt ? "refunded" : order.refunds.length > 0 ? "partially_refunded" : "paid",
    fulfillment_status: restFulfillmentStatus(order),
    source_name: order.sourceName,
    location_id: order.sourceName === "pos" ? order.locationId : null,
    email: "customer@example.com",
    contact_email: "customer@example.com",
    customer: {
      id: 7_100_000_000 + (order.id % 100_000),
      email: "customer@example.com",
      first_name: "Demo",
      last_name: "Customer",
      phone: null,
    },
    note: null,
    tags: "",
    line_items: order.lineItems.map((line) => lineItemPayload(line, currency, shipped.get(line.id) ?? 0)),
    fulfillments: order.fulfillments.map((fulfillment) => ({
      id: fulfillment.id,
      admin_graphql_api_id: `gid://shopify/Fulfillment/${fulfillment.id}`,
      order_id: order.id,
      status: "success",
      location_id: fulfillment.locationId,
      created_at: restTime(fulfillment.createdAt),
      updated_at: restTime(fulfillment.createdAt),
      line_items: fulfillment.lineItems.map((line) => ({ id: line.lineItemId, quantity: line.quantity })),
    })),
    refunds: order.refunds.map((refund) => refundPayload(order, refund, currency)),
  };
}

export interface BulkFinish {
  id: number;
  status: string;
  errorCode: string | null;
  createdAt: string;
  completedAt: string | null;
}

export function bulkFinishPayload(operation: BulkFinish): Record<string, unknown> {
  return {
    admin_graphql_api_id: `gid://shopify/BulkOperation/${operation.id}`,
    completed_at: restTime(operation.completedAt),
    created_at: restTime(operation.createdAt),
    error_code: operation.errorCode ? operation.errorCode.toLowerCase() : null,
    status: operation.status.toLowerCase(),
    type: "query",
  };
}

/**
 * `discounts/create`, `discounts/update` and `discounts/delete`: the discount's id (as `DiscountAutomaticNode` or
 * `DiscountCodeNode`), title, status and times; nothing of its dates, value or items (the app reads the node).
 */
export function discountPayload(discount: DemoDiscount, at: string, nowMs: number, timeZone = "Europe/London") {
  return {
    admin_graphql_api_id: discountNodeGid(discount),
    title: discount.title,
    status: discountStatus(discount, nowMs),
    created_at: restTime(discount.createdAt, timeZone),
    updated_at: restTime(at, timeZone),
  };
}

/** The id Shopify's discount webhooks carry: the automatic or code discount node. */
export function discountNodeGid(discount: Pick<DemoDiscount, "id" | "method">): string {
  return `gid://shopify/${discount.method === "automatic" ? "DiscountAutomaticNode" : "DiscountCodeNode"}/${discount.id}`;
}
