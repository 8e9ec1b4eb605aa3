/**
 * The Admin API schema: the SDL in sdl.ts, executed by graphql-js with the resolvers below. Sources
 * are the store's records (store/state.ts); ids are `gid://shopify/{Type}/{id}`. Connections page
 * normally and expose every node inside bulk operations (connection.ts).
 */
import { buildSchema, GraphQLError, isObjectType, type GraphQLResolveInfo, type GraphQLSchema } from "graphql";
import type { DemoFulfillment, DemoLineItem, DemoOrder, DemoRefund } from "../store/orders";
import type { ImageRecord, LevelRecord, LocationRecord, ProductRecord, QuantityChange, VariantRecord } from "../store/state";
import { ALL, arrayConnection, streamConnection, type ConnectionArgs } from "./connection";
import { gid, parseGid, requireScope, type AdminContext, type BulkOperationRecord } from "./context";
import { parseOrderQuery } from "./search";
import { SDL } from "./sdl";
import { BILLING_RESOLVERS, billingNode } from "../billing/resolvers";
import { BILLING_SDL } from "../billing/sdl";
import { DISCOUNT_RESOLVERS, DISCOUNTS_SDL } from "./discounts";

type Resolver = (source: unknown, args: Record<string, unknown>, context: AdminContext, info: GraphQLResolveInfo) => unknown;

/** Typed resolver: `f<Source, Args>((source, args, context, info) => …)`. */
function f<TSource, TArgs = Record<string, never>>(
  resolve: (source: TSource, args: TArgs, context: AdminContext, info: GraphQLResolveInfo) => unknown,
): Resolver {
  return (source, args, context, info) => resolve(source as TSource, args as TArgs, context, info);
}

interface VariantSource {
  product: ProductRecord;
  variant: VariantRecord;
}
/** A product's featured image, as `MediaImage` (tagged for the `Media` interface) and as `Image`. */
interface ImageSource {
  product: ProductRecord;
  image: ImageRecord;
}
interface LineSource {
  order: DemoOrder;
  line: DemoLineItem;
}
interface RefundSource {
  order: DemoOrder;
  refund: DemoRefund;
}
interface FulfillmentSource {
  order: DemoOrder;
  fulfillment: DemoFulfillment;
}
interface RefundLineSource extends RefundSource {
  line: DemoRefund["lineItems"][number];
}
interface AdjustmentGroupSource {
  id: number;
  createdAt: string;
  reason: string;
  referenceDocumentUri: string | null;
  changes: QuantityChange[];
}

const RESTOCK: Record<string, string> = { return: "RETURN", cancel: "CANCEL", no_restock: "NO_RESTOCK", legacy_restock: "LEGACY_RESTOCK" };
const ORDER_HISTORY_WITHOUT_ALL_ORDERS_MS = 60 * 86_400_000;

const money = (amount: number | string) => {
  const value = { amount: Number(amount).toFixed(2), currencyCode: "GBP" };
  return { shopMoney: value, presentmentMoney: value };
};
const levelId = (level: LevelRecord) => `gid://shopify/InventoryLevel/${level.locationId}?inventory_item_id=${level.inventoryItemId}`;

function orderFilter(context: AdminContext, query: string | null | undefined) {
  const filter = parseOrderQuery(query, context.shop.state.store.info.ianaTimezone);
  // Without read_all_orders Shopify shows only the last 60 days of orders.
  if (!context.scopes.has("read_all_orders")) filter.visibleFrom = context.shop.state.nowMs() - ORDER_HISTORY_WITHOUT_ALL_ORDERS_MS;
  return filter;
}

function count(total: number, limit: number | null | undefined) {
  if (limit !== null && limit !== undefined && total > limit) return { count: limit, precision: "AT_LEAST" };
  return { count: total, precision: "EXACT" };
}

/** `node(id:)` / `nodes(ids:)`: the record behind a global id, tagged with its type; null when unknown. */
function lookup(context: AdminContext, id: string): unknown {
  const parsed = parseGid(id);
  if (!parsed) throw new GraphQLError(`Invalid global id '${id}'`, { extensions: { code: "argumentLiteralsIncompatible" } });
  const view = context.view;
  const tag = <T extends object>(type: string, value: T | undefined | null) => (value ? { ...value, __typename: type } : null);
  switch (parsed.type) {
    case "Product":
      return tag("Product", view.product(parsed.id));
    case "ProductVariant":
      return tag("ProductVariant", view.variant(parsed.id));
    case "InventoryItem":
      return tag("InventoryItem", view.variantOfItem(parsed.id));
    case "Location":
      return tag("Location", view.location(parsed.id));
    case "Order":
      return tag("Order", view.order(parsed.id));
    case "LineItem": {
      const order = view.orderOfLine(parsed.id);
      const line = order?.lineItems.find((l) => l.id === parsed.id);
      return order && line ? tag("LineItem", { order, line }) : null;
    }
    case "BulkOperation":
      return tag("BulkOperation", context.shop.bulk.get(parsed.id));
    case "Shop":
      return parsed.id === context.shop.state.store.info.shopId ? tag("Shop", { shop: true }) : null;
    default:
      return billingNode(context, parsed.type, parsed.id, id);
  }
}

const RESOLVERS: Record<string, Record<string, Resolver>> = {
  Query: {
    shop: f(() => ({})),
    node: f<unknown, { id: string }>((_s, args, context) => lookup(context, args.id)),
    nodes: f<unknown, { ids: string[] }>((_s, args, context) => args.ids.map((id) => lookup(context, id))),
    location: f<unknown, { id?: string | null }>((_s, args, context, info) => {
      requireScope(context, info, "read_locations");
      if (!args.id) return context.view.locations[0];
      const parsed = parseGid(args.id);
      return parsed?.type === "Location" ? context.view.location(parsed.id) : null;
    }),
    locations: f<unknown, ConnectionArgs & { sortKey?: string; includeInactive?: boolean }>((_s, args, context, info) => {
      requireScope(context, info, "read_locations");
      const visible = context.view.locations.filter((location) => location.isActive || args.includeInactive);
      const sorted = [...visible].sort((a, b) => (args.sortKey === "ID" ? a.id - b.id : a.name.localeCompare(b.name)));
      return arrayConnection(sorted, args, (location) => location.id, context.bulk);
    }),
    product: f<unknown, { id: string }>((_s, args, context, info) => {
      requireScope(context, info, "read_products");
      const parsed = parseGid(args.id);
      return parsed?.type === "Product" ? context.view.product(parsed.id) : null;
    }),
    products: f<unknown, ConnectionArgs>((_s, args, context, info) => {
      requireScope(context, info, "read_products");
      return arrayConnection(context.view.products(), args, (product) => product.id, context.bulk);
    }),
    productsCount: f<unknown, { limit?: number | null }>((_s, args, context, info) => {
      requireScope(context, info, "read_products");
      return count(context.view.productCount(), args.limit);
    }),
    productVariant: f<unknown, { id: string }>((_s, args, context, info) => {
      requireScope(context, info, "read_products");
      const parsed = parseGid(args.id);
      return parsed?.type === "ProductVariant" ? context.view.variant(parsed.id) : null;
    }),
    productVariants: f<unknown, ConnectionArgs>((_s, args, context, info) => {
      requireScope(context, info, "read_products");
      const all = context.view.products().flatMap((product) => product.variants.map((variant) => ({ product, variant })));
      return arrayConnection(all, args, (v) => v.variant.id, context.bulk);
    }),
    inventoryItem: f<unknown, { id: string }>((_s, args, context, info) => {
      requireScope(context, info, "read_inventory");
      const parsed = parseGid(args.id);
      return parsed?.type === "InventoryItem" ? context.view.variantOfItem(parsed.id) : null;
    }),
    inventoryItems: f<unknown, ConnectionArgs>((_s, args, context, info) => {
      requireScope(context, info, "read_inventory");
      const all = context.view.products().flatMap((product) => product.variants.map((variant) => ({ product, variant })));
      return arrayConnection(all, args, (v) => v.variant.inventoryItemId, context.bulk);
    }),
    inventoryLevel: f<unknown, { id: string }>((_s, args, context, info) => {
      requireScope(context, info, "read_inventory");
      const match = /^gid:\/\/shopify\/InventoryLevel\/(\d+)\?inventory_item_id=(\d+)$/.exec(args.id);
      return match ? context.view.level(Number(match[2]), Number(match[1])) : null;
    }),
    order: f<unknown, { id: string }>((_s, args, context, info) => {
      requireScope(context, info, "read_orders");
      const parsed = parseGid(args.id);
      return parsed?.type === "Order" ? context.view.order(parsed.id) : null;
    }),
    orders: f<unknown, ConnectionArgs & { query?: string | null }>((_s, args, context, info) => {
      requireScope(context, info, "read_orders");
      const filter = orderFilter(context, args.query);
      const view = context.view;
      return streamConnection<DemoOrder>(
        args,
        (order) => order.id,
        (after) => view.orders(filter, after),
        (before) => view.ordersReversed(filter, before),
        context.bulk,
      );
    }),
    ordersCount: f<unknown, { query?: string | null; limit?: number | null }>((_s, args, context, info) => {
      requireScope(context, info, "read_orders");
      return count(context.view.countOrders(orderFilter(context, args.query)), args.limit);
    }),
    currentBulkOperation: f<unknown, { type?: string }>((_s, args, context) =>
      args.type === "MUTATION" ? null : (context.shop.bulk.current() ?? null),
    ),
  },

  Shop: {
    id: f((_s, _a, c) => gid("Shop", c.shop.state.store.info.shopId)),
    name: f((_s, _a, c) => c.shop.state.store.info.name),
    email: f((_s, _a, c) => `hello@${c.shop.domain.replace(/\.myshopify\.com$/, "")}.co.uk`),
    contactEmail: f((_s, _a, c) => `hello@${c.shop.domain.replace(/\.myshopify\.com$/, "")}.co.uk`),
    myshopifyDomain: f((_s, _a, c) => c.shop.domain),
    url: f((_s, _a, c) => `https://${c.shop.domain}`),
    currencyCode: f((_s, _a, c) => c.shop.state.store.info.currencyCode),
    ianaTimezone: f((_s, _a, c) => c.shop.state.store.info.ianaTimezone),
    timezoneAbbreviation: f(
      (_s, _a, c) =>
        new Intl.DateTimeFormat("en-GB", { timeZone: c.shop.state.store.info.ianaTimezone, timeZoneName: "short" })
          .formatToParts(new Date(c.shop.state.nowMs()))
          .find((part) => part.type === "timeZoneName")?.value ?? "GMT",
    ),
    billingAddress: f((_s, _a, c) => ({ city: "London", countryCodeV2: c.shop.state.store.info.countryCode })),
    plan: f((_s, _a, c) => ({
      publicDisplayName: c.shop.state.store.info.plan,
      partnerDevelopment: false,
      shopifyPlus: c.shop.state.store.info.plan === "Shopify Plus",
    })),
  },

  Location: {
    id: f<LocationRecord>((l) => gid("Location", l.id)),
    legacyResourceId: f<LocationRecord>((l) => String(l.id)),
    address: f<LocationRecord>((l) => ({ city: l.city, countryCode: "GB" })),
    inventoryLevels: f<LocationRecord, ConnectionArgs>((l, args, context, info) => {
      requireScope(context, info, "read_inventory");
      const view = context.view;
      if (context.bulk) return { [ALL]: () => view.levelsAt(l.id) };
      return arrayConnection([...view.levelsAt(l.id)], args, (level) => level.inventoryItemId, false);
    }),
    inventoryLevel: f<LocationRecord, { inventoryItemId: string }>((l, args, context) => {
      const parsed = parseGid(args.inventoryItemId);
      return parsed ? (context.view.level(parsed.id, l.id) ?? null) : null;
    }),
  },

  Product: {
    id: f<ProductRecord>((p) => gid("Product", p.id)),
    legacyResourceId: f<ProductRecord>((p) => String(p.id)),
    totalInventory: f<ProductRecord>((p, _a, c) =>
      p.variants.reduce((sum, v) => sum + c.view.levelsOfItem(v.inventoryItemId).reduce((n, level) => n + level.available, 0), 0),
    ),
    variantsCount: f<ProductRecord>((p) => ({ count: p.variants.length, precision: "EXACT" })),
    variants: f<ProductRecord, ConnectionArgs>((p, args, context) =>
      arrayConnection(
        p.variants.map((variant) => ({ product: p, variant })),
        args,
        (v) => v.variant.id,
        context.bulk,
      ),
    ),
    featuredMedia: f<ProductRecord>((p) => (p.image ? { __typename: "MediaImage", product: p, image: p.image } : null)),
    featuredImage: f<ProductRecord>((p) => (p.image ? { product: p, image: p.image } : null)),
  },

  MediaImage: {
    id: f<ImageSource>((m) => gid("MediaImage", m.image.id)),
    alt: f<ImageSource>((m) => m.image.altText),
    mediaContentType: f(() => "IMAGE"),
    status: f(() => "READY"),
    preview: f<ImageSource>((m) => ({ image: m, status: "READY" })),
    image: f<ImageSource>((m) => m),
    mimeType: f(() => "image/png"),
    createdAt: f<ImageSource>((m) => m.product.createdAt),
    updatedAt: f<ImageSource>((m) => m.product.updatedAt),
  },
  Image: {
    id: f<ImageSource>((m) => gid("ImageSource", m.image.id)),
    url: f<ImageSource>((m, _a, c) => c.view.imageUrl(m.image)),
    altText: f<ImageSource>((m) => m.image.altText),
    width: f<ImageSource>((m) => m.image.width),
    height: f<ImageSource>((m) => m.image.height),
  },

  ProductVariant: {
    id: f<VariantSource>((v) => gid("ProductVariant", v.variant.id)),
    legacyResourceId: f<VariantSource>((v) => String(v.variant.id)),
    title: f<VariantSource>((v) => v.variant.title),
    displayName: f<VariantSource>((v) => `${v.product.title} - ${v.variant.title}`),
    sku: f<VariantSource>((v) => v.variant.sku),
    price: f<VariantSource>((v) => v.variant.price),
    position: f<VariantSource>((v) => v.variant.position),
    inventoryQuantity: f<VariantSource>((v, _a, c) =>
      c.view.levelsOfItem(v.variant.inventoryItemId).reduce((n, level) => n + level.available, 0),
    ),
    createdAt: f<VariantSource>((v) => v.variant.createdAt),
    updatedAt: f<VariantSource>((v) => v.variant.updatedAt),
    product: f<VariantSource>((v) => v.product),
    inventoryItem: f<VariantSource>((v) => v),
  },

  InventoryItem: {
    id: f<VariantSource>((v) => gid("InventoryItem", v.variant.inventoryItemId)),
    legacyResourceId: f<VariantSource>((v) => String(v.variant.inventoryItemId)),
    sku: f<VariantSource>((v) => v.variant.sku),
    tracked: f(() => true),
    createdAt: f<VariantSource>((v) => v.variant.createdAt),
    updatedAt: f<VariantSource>((v) => v.variant.updatedAt),
    variant: f<VariantSource>((v) => v),
    inventoryLevels: f<VariantSource, ConnectionArgs>((v, args, context, info) => {
      requireScope(context, info, "read_inventory");
      return arrayConnection(context.view.levelsOfItem(v.variant.inventoryItemId), args, (level) => level.locationId, context.bulk);
    }),
    inventoryLevel: f<VariantSource, { locationId: string }>((v, args, context, info) => {
      requireScope(context, info, "read_inventory");
      const parsed = parseGid(args.locationId);
      return parsed ? (context.view.level(v.variant.inventoryItemId, parsed.id) ?? null) : null;
    }),
  },

  InventoryLevel: {
    id: f<LevelRecord>(levelId),
    createdAt: f<LevelRecord>((_l, _a, c) => `${c.view.store.historyStart}T00:00:00Z`),
    canDeactivate: f(() => true),
    item: f<LevelRecord>((l, _a, c) => c.view.variantOfItem(l.inventoryItemId)),
    location: f<LevelRecord>((l, _a, c) => c.view.location(l.locationId)),
    quantities: f<LevelRecord, { names: string[] }>((l, args) =>
      args.names.map((name) => ({
        id: `gid://shopify/InventoryQuantity/${l.locationId}?inventory_item_id=${l.inventoryItemId}&name=${name}`,
        name,
        quantity: name === "available" ? l.available : name === "on_hand" ? l.onHand : 0,
        updatedAt: l.updatedAt,
      })),
    ),
  },

  InventoryAdjustmentGroup: {
    id: f<AdjustmentGroupSource>((g) => gid("InventoryAdjustmentGroup", g.id)),
    changes: f<
      AdjustmentGroupSource,
      { inventoryItemIds?: string[] | null; locationIds?: string[] | null; quantityNames?: string[] | null }
    >((g, args) =>
      g.changes
        .filter((change) => !args.quantityNames || args.quantityNames.includes(change.name))
        .filter((change) => !args.inventoryItemIds || args.inventoryItemIds.includes(gid("InventoryItem", change.inventoryItemId)))
        .filter((change) => !args.locationIds || args.locationIds.includes(gid("Location", change.locationId)))
        .map((change) => ({ ...change, ledgerDocumentUri: null, itemId: change.inventoryItemId })),
    ),
  },
  InventoryChange: {
    item: f<QuantityChange>((change, _a, c) => c.shop.state.variantOfItem(change.inventoryItemId) ?? null),
    location: f<QuantityChange>((change, _a, c) => c.shop.state.location(change.locationId) ?? null),
  },

  Order: {
    id: f<DemoOrder>((o) => gid("Order", o.id)),
    legacyResourceId: f<DemoOrder>((o) => String(o.id)),
    processedAt: f<DemoOrder>((o) => o.createdAt),
    cancelReason: f<DemoOrder>((o) => (o.cancelledAt ? (o.cancelReason ?? "customer").toUpperCase() : null)),
    test: f(() => false),
    currencyCode: f(() => "GBP"),
    displayFulfillmentStatus: f<DemoOrder>((o) => o.displayFulfillmentStatus),
    retailLocation: f<DemoOrder>((o, _a, c) => (o.sourceName === "pos" ? (c.view.location(o.locationId) ?? null) : null)),
    totalPriceSet: f<DemoOrder>((o) => money(o.lineItems.reduce((sum, line) => sum + Number(line.price) * line.quantity, 0))),
    lineItems: f<DemoOrder, ConnectionArgs>((o, args, context) =>
      arrayConnection(
        o.lineItems.map((line) => ({ order: o, line })),
        args,
        (l) => l.line.id,
        context.bulk,
      ),
    ),
    fulfillments: f<DemoOrder, { first?: number | null }>((o, args) =>
      o.fulfillments.slice(0, args.first ?? undefined).map((fulfillment) => ({ order: o, fulfillment })),
    ),
    refunds: f<DemoOrder, { first?: number | null }>((o, args) =>
      o.refunds.slice(0, args.first ?? undefined).map((refund) => ({ order: o, refund })),
    ),
  },

  Fulfillment: {
    id: f<FulfillmentSource>((s) => gid("Fulfillment", s.fulfillment.id)),
    status: f(() => "SUCCESS"),
    createdAt: f<FulfillmentSource>((s) => s.fulfillment.createdAt),
    location: f<FulfillmentSource>((s, _a, c) => c.view.location(s.fulfillment.locationId) ?? null),
  },

  LineItem: {
    id: f<LineSource>((l) => gid("LineItem", l.line.id)),
    quantity: f<LineSource>((l) => l.line.quantity),
    currentQuantity: f<LineSource>((l) => {
      const removed = l.order.refunds.flatMap((r) => r.lineItems).filter((r) => r.lineItemId === l.line.id);
      return l.line.quantity - removed.reduce((sum, r) => sum + r.quantity, 0);
    }),
    sku: f<LineSource>((l) => l.line.sku),
    name: f<LineSource>((l) => l.line.title),
    title: f<LineSource>((l) => l.line.title.split(" - ")[0]),
    variantTitle: f<LineSource>((l) => (l.line.title.includes(" - ") ? l.line.title.split(" - ").slice(1).join(" - ") : null)),
    variant: f<LineSource>((l, _a, c) => c.view.variant(l.line.variantId) ?? null),
    product: f<LineSource>((l, _a, c) => c.view.product(l.line.productId) ?? null),
    originalUnitPriceSet: f<LineSource>((l) => money(l.line.price)),
    discountedTotalSet: f<LineSource>((l) => money(Number(l.line.price) * l.line.quantity)),
    originalTotalSet: f<LineSource>((l) => money(Number(l.line.price) * l.line.quantity)),
  },

  Refund: {
    id: f<RefundSource>((r) => gid("Refund", r.refund.id)),
    legacyResourceId: f<RefundSource>((r) => String(r.refund.id)),
    createdAt: f<RefundSource>((r) => r.refund.createdAt),
    note: f(() => null),
    refundLineItems: f<RefundSource, ConnectionArgs>((r, args, context) =>
      arrayConnection(
        r.refund.lineItems.map((line) => ({ ...r, line })),
        args,
        (s) => s.line.lineItemId,
        context.bulk,
      ),
    ),
  },

  RefundLineItem: {
    id: f<RefundLineSource>((r) => gid("RefundLineItem", r.refund.id * 10 + r.refund.lineItems.indexOf(r.line))),
    lineItem: f<RefundLineSource>((r) => {
      const line = r.order.lineItems.find((l) => l.id === r.line.lineItemId);
      return line ? { order: r.order, line } : null;
    }),
    quantity: f<RefundLineSource>((r) => r.line.quantity),
    restockType: f<RefundLineSource>((r) => RESTOCK[r.line.restockType] ?? "NO_RESTOCK"),
    restocked: f<RefundLineSource>((r) => r.line.restockType !== "no_restock"),
    location: f<RefundLineSource>((r, _a, c) =>
      r.line.restockType === "no_restock" ? null : (c.view.location(r.line.locationId ?? r.order.locationId) ?? null),
    ),
    subtotalSet: f<RefundLineSource>((r) => {
      const line = r.order.lineItems.find((l) => l.id === r.line.lineItemId);
      return money(Number(line?.price ?? 0) * r.line.quantity);
    }),
  },

  BulkOperation: {
    id: f<BulkOperationRecord>((op) => gid("BulkOperation", op.id)),
    type: f(() => "QUERY"),
    objectCount: f<BulkOperationRecord>((op) => String(op.objectCount)),
    rootObjectCount: f<BulkOperationRecord>((op) => String(op.rootObjectCount)),
    fileSize: f<BulkOperationRecord>((op) => (op.fileSize === null ? null : String(op.fileSize))),
  },
};

export function buildAdminSchema(extra: Record<string, Record<string, Resolver>> = {}): GraphQLSchema {
  const schema = buildSchema(SDL + BILLING_SDL + DISCOUNTS_SDL);
  for (const byType of [RESOLVERS, BILLING_RESOLVERS, DISCOUNT_RESOLVERS, extra]) {
    for (const [typeName, fields] of Object.entries(byType)) {
      const type = schema.getType(typeName);
      if (!isObjectType(type)) throw new Error(`schema: resolvers for unknown object type ${typeName}`);
      const definitions = type.getFields();
      for (const [fieldName, resolve] of Object.entries(fields)) {
        const definition = definitions[fieldName];
        if (!definition) throw new Error(`schema: resolver for unknown field ${typeName}.${fieldName}`);
        definition.resolve = resolve as typeof definition.resolve;
      }
    }
  }
  return schema;
}

export { f as resolver, type Resolver, type VariantSource, type AdjustmentGroupSource };
