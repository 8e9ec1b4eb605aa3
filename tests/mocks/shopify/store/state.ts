/**
 * The live state of a hosted shop: the deterministic demo store (catalogue, stock, orders derived day by
 * day) plus everything that changed since it was built (mutations, the simulator). The Admin API, the
 * bulk operations and the webhooks all read and write through this one object, so what GraphQL answers
 * is always what the webhooks said.
 *
 * Records are immutable: a change replaces the record, so `snapshot()` (a bulk operation's view of the
 * shop when it started) only copies the maps, never the records. Historical orders are never stored:
 * a day's orders are generated when asked (cached for a few days); changed ones live in `orderPatches`.
 */
import type { DemoStore } from "./demo-store";
import type { DemoCollection, DemoDiscount, DemoMarketingEvent } from "./promotions";
import {
  fulfillmentStatusOf,
  ORDER_ID_DAY,
  ordersOn,
  unfulfilledLines,
  type DemoLineItem,
  type DemoOrder,
  type DemoRefund,
  type RestockType,
} from "./orders";

export const DAY_MS = 86_400_000;

export interface LocationRecord {
  id: number;
  name: string;
  city: string;
  isActive: boolean;
  fulfillsOnlineOrders: boolean;
  createdAt: string;
  updatedAt: string;
}
export interface VariantRecord {
  id: number;
  productId: number;
  inventoryItemId: number;
  title: string;
  sku: string;
  price: string;
  position: number;
  createdAt: string;
  updatedAt: string;
}
/** A product's featured image (a MediaImage). Its file is served by the stand-in at `/cdn/shop/files/<id>.png`. */
export interface ImageRecord {
  /** The MediaImage id (a new image gets a new id, so a new URL). */
  id: number;
  altText: string | null;
  width: number;
  height: number;
}
export interface ProductRecord {
  id: number;
  title: string;
  handle: string;
  vendor: string;
  productType: string;
  status: "ACTIVE" | "ARCHIVED" | "DRAFT";
  createdAt: string;
  updatedAt: string;
  variants: VariantRecord[];
  /** The featured image; null when the product has no media. */
  image: ImageRecord | null;
}
export interface LevelRecord {
  inventoryItemId: number;
  locationId: number;
  available: number;
  onHand: number;
  updatedAt: string;
}

/** A parsed `query:` filter of the orders connection (`created_at:>=…`, `updated_at:<…`, `status:…`). */
export interface OrderFilter {
  createdFrom?: number;
  createdUntil?: number;
  updatedFrom?: number;
  updatedUntil?: number;
  cancelled?: boolean;
  /** Orders created before this (epoch ms) are invisible: no read_all_orders scope. */
  visibleFrom?: number;
}

/** Whole seconds, as Shopify prints its timestamps. */
export function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** Side of the generated product images, in pixels. */
export const IMAGE_SIZE = 256;
/** Path of an image's file on the stand-in (Shopify's storefront CDN path on a shop's own domain). */
export function imagePath(image: Pick<ImageRecord, "id">): string {
  return `/cdn/shop/files/${image.id}.png`;
}

function key(item: number, location: number): string {
  return `${item}:${location}`;
}

/** A read-only view of a shop at one moment (the live state is one too). */
export class StoreView {
  constructor(
    readonly store: DemoStore,
    protected readonly productsById: Map<number, ProductRecord>,
    protected readonly levels: Map<string, LevelRecord>,
    protected readonly orderPatches: Map<number, DemoOrder>,
    protected readonly live: Map<number, DemoOrder>,
    readonly locations: LocationRecord[],
    protected readonly dayCache: Map<number, DemoOrder[]>,
  ) {}

  /**
   * Where image URLs point: the stand-in's own origin once it listens (it serves the files), otherwise the
   * shop's domain (what Shopify's storefront CDN URLs look like).
   */
  mediaOrigin: string | null = null;

  /** The absolute URL of an image's file. */
  imageUrl(image: ImageRecord): string {
    return `${this.mediaOrigin ?? `https://${this.store.domain}`}${imagePath(image)}`;
  }

  get historyStartMs(): number {
    return Date.parse(`${this.store.historyStart}T00:00:00Z`);
  }

  /** Products in id order (Shopify's default sort). */
  products(): ProductRecord[] {
    return [...this.productsById.values()];
  }
  product(id: number): ProductRecord | undefined {
    return this.productsById.get(id);
  }
  productCount(): number {
    return this.productsById.size;
  }
  variant(id: number): { product: ProductRecord; variant: VariantRecord } | undefined {
    const productId = this.variantIndex().get(id);
    const product = productId === undefined ? undefined : this.productsById.get(productId);
    const variant = product?.variants.find((v) => v.id === id);
    return product && variant ? { product, variant } : undefined;
  }
  /** The variant whose inventory item this is (inventory item id = variant id + 5e9 in the demo store). */
  variantOfItem(itemId: number): { product: ProductRecord; variant: VariantRecord } | undefined {
    return this.variant(itemId - 5_000_000_000);
  }
  location(id: number): LocationRecord | undefined {
    return this.locations.find((location) => location.id === id);
  }
  level(itemId: number, locationId: number): LevelRecord | undefined {
    return this.levels.get(key(itemId, locationId));
  }
  levelsOfItem(itemId: number): LevelRecord[] {
    return this.locations.flatMap((location) => this.levels.get(key(itemId, location.id)) ?? []);
  }
  /** Levels stocked at a location, in product then variant order. */
  *levelsAt(locationId: number): Generator<LevelRecord> {
    for (const product of this.productsById.values())
      for (const variant of product.variants) {
        const level = this.levels.get(key(variant.inventoryItemId, locationId));
        if (level) yield level;
      }
  }

  private variantIndexCache: Map<number, number> | undefined;
  private variantIndexSize = -1;
  protected variantIndex(): Map<number, number> {
    if (!this.variantIndexCache || this.variantIndexSize !== this.productsById.size) {
      const index = new Map<number, number>();
      for (const product of this.productsById.values()) for (const variant of product.variants) index.set(variant.id, product.id);
      this.variantIndexCache = index;
      this.variantIndexSize = this.productsById.size;
    }
    return this.variantIndexCache;
  }
  protected forgetVariantIndex(): void {
    this.variantIndexCache = undefined;
  }

  // ---------------------------------------------------------------------------------------------------
  // Orders

  /** A history day's orders as generated (shared, never mutated), cached for a few days. */
  protected baseDay(day: number): DemoOrder[] {
    const hit = this.dayCache.get(day);
    if (hit) {
      this.dayCache.delete(day);
      this.dayCache.set(day, hit);
      return hit;
    }
    const orders = ordersOn(this.store, day);
    this.dayCache.set(day, orders);
    // A few days only (by order count): walking a 24-month history must not keep it.
    let cached = 0;
    for (const day of this.dayCache.values()) cached += day.length;
    while (this.dayCache.size > 1 && (this.dayCache.size > 32 || cached > 20_000)) {
      const oldest = this.dayCache.keys().next().value as number;
      cached -= this.dayCache.get(oldest)?.length ?? 0;
      this.dayCache.delete(oldest);
    }
    return orders;
  }
  /** A history day's orders as they are now (changed ones replaced). */
  ordersOfDay(day: number): DemoOrder[] {
    const base = this.baseDay(day);
    if (this.orderPatches.size === 0) return base;
    return base.map((order) => this.orderPatches.get(order.id) ?? order);
  }
  liveOrders(): DemoOrder[] {
    return [...this.live.values()];
  }
  order(id: number): DemoOrder | undefined {
    const live = this.live.get(id);
    if (live) return live;
    const patched = this.orderPatches.get(id);
    if (patched) return patched;
    const day = Math.floor((id - this.store.ids.order) / ORDER_ID_DAY);
    if (day < 0 || day >= this.store.historyDays) return undefined;
    return this.baseDay(day).find((order) => order.id === id);
  }
  /** The order that holds a line item (line ids are order id × 10 + index). */
  orderOfLine(lineId: number): DemoOrder | undefined {
    return this.order(Math.floor(lineId / 10));
  }

  private dayOf(ms: number): number {
    return Math.floor((ms - this.historyStartMs) / DAY_MS);
  }

  private matches(order: DemoOrder, filter: OrderFilter): boolean {
    const created = Date.parse(order.createdAt);
    if (filter.visibleFrom !== undefined && created < filter.visibleFrom) return false;
    if (filter.createdFrom !== undefined && created < filter.createdFrom) return false;
    if (filter.createdUntil !== undefined && created >= filter.createdUntil) return false;
    const updated = Date.parse(order.updatedAt);
    if (filter.updatedFrom !== undefined && updated < filter.updatedFrom) return false;
    if (filter.updatedUntil !== undefined && updated >= filter.updatedUntil) return false;
    if (filter.cancelled !== undefined && Boolean(order.cancelledAt) !== filter.cancelled) return false;
    return true;
  }

  private dayRange(filter: OrderFilter): [number, number] {
    const from = Math.max(filter.createdFrom ?? -Infinity, filter.visibleFrom ?? -Infinity);
    const first = Number.isFinite(from) ? Math.max(0, this.dayOf(from)) : 0;
    const last =
      filter.createdUntil !== undefined
        ? Math.min(this.store.historyDays - 1, this.dayOf(filter.createdUntil - 1))
        : this.store.historyDays - 1;
    return [first, last];
  }

  /**
   * Orders matching a filter in id order (= creation order), starting after `afterId`; generated day by
   * day, so a whole 24-month history can be walked without holding it.
   */
  *orders(filter: OrderFilter = {}, afterId?: number): Generator<DemoOrder> {
    const [first, last] = this.dayRange(filter);
    const base = this.store.ids.order;
    const startDay = afterId !== undefined && afterId >= base ? Math.max(first, Math.floor((afterId - base) / ORDER_ID_DAY)) : first;
    for (let day = startDay; day <= last; day++) {
      for (const order of this.ordersOfDay(day)) {
        if (afterId !== undefined && order.id <= afterId) continue;
        if (this.matches(order, filter)) yield order;
      }
    }
    for (const order of this.live.values()) {
      if (afterId !== undefined && order.id <= afterId) continue;
      if (this.matches(order, filter)) yield order;
    }
  }
  /** The same, newest first, starting before `beforeId`. */
  *ordersReversed(filter: OrderFilter = {}, beforeId?: number): Generator<DemoOrder> {
    const live = [...this.live.values()].reverse();
    for (const order of live) {
      if (beforeId !== undefined && order.id >= beforeId) continue;
      if (this.matches(order, filter)) yield order;
    }
    const [first, last] = this.dayRange(filter);
    const base = this.store.ids.order;
    const startDay =
      beforeId !== undefined && beforeId < base + this.store.historyDays * ORDER_ID_DAY
        ? Math.min(last, Math.floor((beforeId - base) / ORDER_ID_DAY))
        : last;
    for (let day = startDay; day >= first; day--) {
      const orders = this.ordersOfDay(day);
      for (let i = orders.length - 1; i >= 0; i--) {
        const order = orders[i] as DemoOrder;
        if (beforeId !== undefined && order.id >= beforeId) continue;
        if (this.matches(order, filter)) yield order;
      }
    }
  }

  private baseCounts: Int32Array | undefined;
  /** Orders per history day (generated once, then cached: the history never changes its count). */
  protected dayCounts(): Int32Array {
    if (!this.baseCounts) {
      const counts = new Int32Array(this.store.historyDays);
      for (let day = 0; day < counts.length; day++) counts[day] = ordersOn(this.store, day).length;
      this.baseCounts = counts;
    }
    return this.baseCounts;
  }
  countOrders(filter: OrderFilter = {}): number {
    const [first, last] = this.dayRange(filter);
    const onlyDates = filter.updatedFrom === undefined && filter.updatedUntil === undefined && filter.cancelled === undefined;
    let count = 0;
    const edge = (day: number) => {
      for (const order of this.ordersOfDay(day)) if (this.matches(order, filter)) count++;
    };
    if (first <= last) {
      if (!onlyDates) for (let day = first; day <= last; day++) edge(day);
      else {
        const counts = this.dayCounts();
        edge(first);
        for (let day = first + 1; day < last; day++) count += counts[day] ?? 0;
        if (last > first) edge(last);
      }
    }
    for (const order of this.live.values()) if (this.matches(order, filter)) count++;
    return count;
  }
}

export type StoreEvent = { topic: string; payload: unknown };

/** What changed, for the webhooks (REST payloads are built by the caller from these records). */
export type StateChange =
  | { kind: "level"; level: LevelRecord }
  | { kind: "product-create" | "product-update"; product: ProductRecord }
  | { kind: "product-delete"; productId: number }
  | { kind: "order-create" | "order-update" | "order-cancel" | "order-fulfil"; order: DemoOrder }
  | { kind: "refund"; order: DemoOrder; refund: DemoRefund }
  | { kind: "discount-create" | "discount-update" | "discount-delete"; discount: DemoDiscount; at: string };

/** Shopify's DiscountStatus of a discount at an instant. */
export function discountStatus(discount: Pick<DemoDiscount, "startsAt" | "endsAt">, nowMs: number): "ACTIVE" | "EXPIRED" | "SCHEDULED" {
  if (Date.parse(discount.startsAt) > nowMs) return "SCHEDULED";
  if (discount.endsAt !== null && Date.parse(discount.endsAt) <= nowMs) return "EXPIRED";
  return "ACTIVE";
}

export interface QuantityChange {
  inventoryItemId: number;
  locationId: number;
  name: "available" | "on_hand";
  delta: number;
  quantityAfterChange: number;
}

/** The live, changeable state of a hosted shop. */
export class StoreState extends StoreView {
  private listeners: ((change: StateChange) => void)[] = [];
  private nextProductId: number;
  private nextVariantId: number;
  private nextLiveOrder = 0;
  private nextRefundId: number;
  private nextMediaId: number;
  private nextDiscountId: number;
  /** Discounts (by id, in id order), collections and marketing events: the promotion plan, then live changes. */
  private readonly discountsById = new Map<number, DemoDiscount>();
  readonly collections: DemoCollection[];
  readonly marketingEvents: DemoMarketingEvent[];
  /** Every image id ever given (a replaced image's file stays on the CDN). */
  private readonly mediaIds = new Set<number>();
  private readonly builtAt = Date.now();

  constructor(
    store: DemoStore,
    private readonly clock?: () => number,
  ) {
    const productsById = new Map<number, ProductRecord>();
    const levels = new Map<string, LevelRecord>();
    const historyStart = `${store.historyStart}T00:00:00Z`;
    const end = Date.parse(`${store.historyStart}T00:00:00Z`) + store.historyDays * DAY_MS;
    // Stock was last counted at the end of yesterday.
    const stockAt = isoSeconds(end - 1000);
    let maxProduct = 0;
    let maxVariant = 0;
    // The demo products' images follow in product order from the store's first MediaImage id.
    let mediaId = store.ids.media;
    for (const product of store.products) {
      // Seeded new products were created recently (their variants with them); the rest with the history.
      const createdAt = product.createdAt ?? historyStart;
      const variants = product.variants.map((variant, index) => {
        for (const [locationId, quantity] of Object.entries(variant.stock)) {
          levels.set(key(variant.inventoryItemId, Number(locationId)), {
            inventoryItemId: variant.inventoryItemId,
            locationId: Number(locationId),
            available: quantity,
            onHand: quantity,
            updatedAt: stockAt,
          });
        }
        maxVariant = Math.max(maxVariant, variant.id);
        return {
          id: variant.id,
          productId: product.id,
          inventoryItemId: variant.inventoryItemId,
          title: variant.title,
          sku: variant.sku,
          price: variant.price,
          position: index + 1,
          createdAt,
          updatedAt: createdAt,
        };
      });
      maxProduct = Math.max(maxProduct, product.id);
      productsById.set(product.id, {
        id: product.id,
        title: product.title,
        handle: product.handle,
        vendor: product.vendor,
        productType: product.productType,
        status: "ACTIVE",
        createdAt,
        updatedAt: createdAt,
        variants,
        image: StoreState.newImage(mediaId++, product.title),
      });
    }
    const locations: LocationRecord[] = store.locations.map((location) => ({
      id: location.id,
      name: location.name,
      city: location.city,
      isActive: true,
      fulfillsOnlineOrders: location.id === store.locations[0]?.id,
      createdAt: historyStart,
      updatedAt: historyStart,
    }));
    super(store, productsById, levels, new Map(), new Map(), locations, new Map());
    this.nextProductId = maxProduct + 1;
    this.nextVariantId = maxVariant + 1;
    this.nextMediaId = mediaId;
    this.nextRefundId = store.ids.refund;
    for (const discount of store.promotions.discounts) this.discountsById.set(discount.id, discount);
    this.nextDiscountId = Math.max(store.ids.discount, ...store.promotions.discounts.map((d) => d.id + 1));
    this.collections = store.promotions.collections.map((collection) => ({ ...collection, productIds: [...collection.productIds] }));
    this.marketingEvents = store.promotions.marketingEvents.map((event) => ({ ...event }));
    for (const product of productsById.values()) if (product.image) this.mediaIds.add(product.image.id);
  }

  /** A product image; alt text as merchants leave it: the title, or none for one product in five. */
  private static newImage(id: number, title: string, altText?: string | null): ImageRecord {
    return { id, altText: altText !== undefined ? altText : id % 5 === 0 ? null : title, width: IMAGE_SIZE, height: IMAGE_SIZE };
  }

  /** Whether an image file exists (the CDN route answers 404 otherwise). */
  hasImage(id: number): boolean {
    return this.mediaIds.has(id);
  }

  /** The shop's clock: real time, or (for a store built with a fixed `today`) that day plus the time since it was built. */
  nowMs(): number {
    if (this.clock) return this.clock();
    const today = this.historyStartMs + this.store.historyDays * DAY_MS;
    return Math.max(Date.now(), today + (Date.now() - this.builtAt));
  }
  now(): string {
    return isoSeconds(this.nowMs());
  }

  onChange(listener: (change: StateChange) => void): () => void {
    this.listeners.push(listener);
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }
  private emit(change: StateChange): void {
    for (const listener of this.listeners) listener(change);
  }

  /** A frozen copy of the current state (records are shared: they are never mutated). */
  snapshot(): StoreView {
    const view = new StoreView(
      this.store,
      new Map(this.productsById),
      new Map(this.levels),
      new Map(this.orderPatches),
      new Map(this.live),
      this.locations.map((l) => ({ ...l })),
      this.dayCache,
    );
    view.mediaOrigin = this.mediaOrigin;
    return view;
  }

  // ---------------------------------------------------------------------------------------------------
  // Inventory

  private writeLevel(level: LevelRecord): LevelRecord {
    this.levels.set(key(level.inventoryItemId, level.locationId), level);
    this.emit({ kind: "level", level });
    return level;
  }

  /** Sets (`name` available or on_hand) quantities; returns the changes (both names move together). */
  setQuantity(itemId: number, locationId: number, name: "available" | "on_hand", quantity: number): QuantityChange[] {
    const level = this.level(itemId, locationId);
    if (!level) throw new Error(`item ${itemId} is not stocked at location ${locationId}`);
    const delta = quantity - (name === "available" ? level.available : level.onHand);
    return this.adjustQuantity(itemId, locationId, name, delta);
  }

  adjustQuantity(itemId: number, locationId: number, name: "available" | "on_hand", delta: number): QuantityChange[] {
    const level = this.level(itemId, locationId);
    if (!level) throw new Error(`item ${itemId} is not stocked at location ${locationId}`);
    if (delta === 0) return [];
    const next = this.writeLevel({ ...level, available: level.available + delta, onHand: level.onHand + delta, updatedAt: this.now() });
    return [
      { inventoryItemId: itemId, locationId, name: "available", delta, quantityAfterChange: next.available },
      { inventoryItemId: itemId, locationId, name: "on_hand", delta, quantityAfterChange: next.onHand },
    ];
  }

  // ---------------------------------------------------------------------------------------------------
  // Products

  /** `image`: a new featured image (new id, new file; alt text given or the usual default), or null to remove it. */
  updateProduct(
    id: number,
    patch: {
      title?: string;
      status?: ProductRecord["status"];
      prices?: Record<number, string>;
      image?: { altText?: string | null } | null;
    },
  ): ProductRecord {
    const product = this.product(id);
    if (!product) throw new Error(`no product ${id}`);
    const now = this.now();
    const variants = patch.prices
      ? product.variants.map((variant) => {
          const price = patch.prices?.[variant.id];
          return price === undefined ? variant : { ...variant, price, updatedAt: now };
        })
      : product.variants;
    const next: ProductRecord = {
      ...product,
      ...(patch.title ? { title: patch.title } : {}),
      ...(patch.status ? { status: patch.status } : {}),
      ...(patch.image !== undefined ? { image: patch.image === null ? null : this.addImage(product.title, patch.image.altText) } : {}),
      variants,
      updatedAt: now,
    };
    this.productsById.set(id, next);
    this.emit({ kind: "product-update", product: next });
    return next;
  }

  private addImage(title: string, altText?: string | null): ImageRecord {
    const image = StoreState.newImage(this.nextMediaId++, title, altText);
    this.mediaIds.add(image.id);
    return image;
  }

  createProduct(input: {
    title: string;
    vendor: string;
    productType: string;
    variants: { title: string; sku: string; price: string; stock: Record<number, number> }[];
  }): ProductRecord {
    const id = this.nextProductId++;
    const now = this.now();
    const variants = input.variants.map((v, index) => {
      const variantId = this.nextVariantId++;
      return {
        id: variantId,
        productId: id,
        inventoryItemId: variantId + 5_000_000_000,
        title: v.title,
        sku: v.sku,
        price: v.price,
        position: index + 1,
        createdAt: now,
        updatedAt: now,
      };
    });
    const product: ProductRecord = {
      id,
      title: input.title,
      handle: `${input.title
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, "-")
        .replace(/^-|-$/g, "")}-${id}`,
      vendor: input.vendor,
      productType: input.productType,
      status: "ACTIVE",
      createdAt: now,
      updatedAt: now,
      variants,
      image: this.addImage(input.title),
    };
    this.productsById.set(id, product);
    this.forgetVariantIndex();
    this.emit({ kind: "product-create", product });
    input.variants.forEach((v, index) => {
      const variant = variants[index] as VariantRecord;
      for (const [locationId, quantity] of Object.entries(v.stock)) {
        const level: LevelRecord = {
          inventoryItemId: variant.inventoryItemId,
          locationId: Number(locationId),
          available: 0,
          onHand: 0,
          updatedAt: now,
        };
        this.levels.set(key(level.inventoryItemId, level.locationId), level);
        if (quantity !== 0) this.adjustQuantity(level.inventoryItemId, level.locationId, "available", quantity);
      }
    });
    return product;
  }

  deleteProduct(id: number): void {
    const product = this.product(id);
    if (!product) throw new Error(`no product ${id}`);
    this.productsById.delete(id);
    this.forgetVariantIndex();
    for (const variant of product.variants)
      for (const location of this.locations) this.levels.delete(key(variant.inventoryItemId, location.id));
    this.emit({ kind: "product-delete", productId: id });
  }

  // ---------------------------------------------------------------------------------------------------
  // Orders

  private writeOrder(order: DemoOrder): void {
    if (this.live.has(order.id)) this.live.set(order.id, order);
    else this.orderPatches.set(order.id, order);
  }

  /**
   * A new order now; stock is taken at the order's location. `sourceName` "pos" is a sale at a shop, handed over
   * (fulfilled) at once; any other ("web", "shopify_draft_order", an app's id) waits for `fulfilOrder`.
   */
  createOrder(input: { sourceName: string; locationId: number; lines: { variantId: number; quantity: number }[] }): DemoOrder {
    const now = this.now();
    const k = this.nextLiveOrder++;
    const id = this.store.ids.order + this.store.historyDays * ORDER_ID_DAY + k;
    const lineItems: DemoLineItem[] = input.lines.map((line, index) => {
      const found = this.variant(line.variantId);
      if (!found) throw new Error(`no variant ${line.variantId}`);
      const { product, variant } = found;
      return {
        id: id * 10 + index,
        productId: product.id,
        variantId: variant.id,
        sku: variant.sku,
        title: `${product.title}${variant.title === "Default Title" ? "" : ` - ${variant.title}`}`,
        quantity: line.quantity,
        price: variant.price,
      };
    });
    const handedOver = input.sourceName === "pos";
    const order: DemoOrder = {
      id,
      name: `#${1001 + this.store.historyDays * ORDER_ID_DAY + k}`,
      createdAt: now,
      updatedAt: now,
      cancelledAt: null,
      sourceName: input.sourceName,
      locationId: input.locationId,
      displayFulfillmentStatus: handedOver ? "FULFILLED" : "UNFULFILLED",
      fulfillments: handedOver
        ? [
            {
              id: id * 10 + 7,
              createdAt: now,
              locationId: input.locationId,
              lineItems: lineItems.map((line) => ({ lineItemId: line.id, quantity: line.quantity })),
            },
          ]
        : [],
      lineItems,
      refunds: [],
    };
    this.live.set(id, order);
    this.emit({ kind: "order-create", order });
    for (const line of lineItems) {
      const variant = this.variant(line.variantId)?.variant;
      if (variant && this.level(variant.inventoryItemId, input.locationId))
        this.adjustQuantity(variant.inventoryItemId, input.locationId, "available", -line.quantity);
    }
    return order;
  }

  /**
   * Ships what is left of an order from its location (`partial`: every line left but the last, when two or
   * more are left). A shipment that completes the order sends orders/fulfilled and orders/updated, one that
   * does not orders/updated (Shopify's orders/partially_fulfilled is not a topic the app subscribes to).
   */
  fulfilOrder(id: number, options: { partial?: boolean } = {}): DemoOrder {
    const order = this.order(id);
    if (!order) throw new Error(`no order ${id}`);
    if (order.cancelledAt) throw new Error(`order ${id} is cancelled`);
    const left = unfulfilledLines(order);
    if (left.length === 0) return order;
    const now = this.now();
    const lines = options.partial && left.length >= 2 ? left.slice(0, -1) : left;
    const fulfillment = {
      id: order.id * 10 + 7 + order.fulfillments.length,
      createdAt: now,
      locationId: order.locationId,
      lineItems: lines,
    };
    const shipped = { ...order, fulfillments: [...order.fulfillments, fulfillment] };
    const next: DemoOrder = { ...shipped, displayFulfillmentStatus: fulfillmentStatusOf(shipped), updatedAt: now };
    this.writeOrder(next);
    this.emit(
      next.displayFulfillmentStatus === "FULFILLED" ? { kind: "order-fulfil", order: next } : { kind: "order-update", order: next },
    );
    return next;
  }

  private putBack(order: DemoOrder, lines: { lineItemId: number; quantity: number }[]): void {
    for (const line of lines) {
      const item = order.lineItems.find((l) => l.id === line.lineItemId);
      const variant = item ? this.variant(item.variantId)?.variant : undefined;
      if (variant && this.level(variant.inventoryItemId, order.locationId))
        this.adjustQuantity(variant.inventoryItemId, order.locationId, "available", line.quantity);
    }
  }

  private newRefund(order: DemoOrder, lines: { lineItemId: number; quantity: number }[], restockType: RestockType, at: string): DemoRefund {
    return {
      id: this.nextRefundId++,
      createdAt: at,
      lineItems: lines.map((line) => ({ ...line, restockType, locationId: order.locationId })),
    };
  }

  /** Refunds units of lines; `restockType` other than no_restock puts them back at the order's location. */
  refund(
    orderId: number,
    lines: { lineItemId: number; quantity: number }[],
    restockType: RestockType,
  ): { order: DemoOrder; refund: DemoRefund } {
    const order = this.order(orderId);
    if (!order) throw new Error(`no order ${orderId}`);
    const now = this.now();
    const refund = this.newRefund(order, lines, restockType, now);
    const next: DemoOrder = { ...order, refunds: [...order.refunds, refund], updatedAt: now };
    this.writeOrder(next);
    this.emit({ kind: "refund", order: next, refund });
    this.emit({ kind: "order-update", order: next });
    if (restockType !== "no_restock") this.putBack(order, lines);
    return { order: next, refund };
  }

  /** Units of each line not refunded yet. */
  refundable(order: DemoOrder): { lineItemId: number; quantity: number }[] {
    const refunded = new Map<number, number>();
    for (const refund of order.refunds)
      for (const line of refund.lineItems) refunded.set(line.lineItemId, (refunded.get(line.lineItemId) ?? 0) + line.quantity);
    return order.lineItems
      .map((line) => ({ lineItemId: line.id, quantity: line.quantity - (refunded.get(line.id) ?? 0) }))
      .filter((line) => line.quantity > 0);
  }

  /** Cancels an order, refunding and restocking every unit not yet refunded (restock type cancel). */
  cancelOrder(orderId: number): DemoOrder {
    const order = this.order(orderId);
    if (!order) throw new Error(`no order ${orderId}`);
    if (order.cancelledAt) return order;
    const lines = this.refundable(order);
    const now = this.now();
    const refund = lines.length > 0 ? this.newRefund(order, lines, "cancel", now) : undefined;
    const cancelled: DemoOrder = {
      ...order,
      cancelledAt: now,
      cancelReason: "customer",
      displayFulfillmentStatus: "UNFULFILLED",
      refunds: refund ? [...order.refunds, refund] : order.refunds,
      updatedAt: now,
    };
    this.writeOrder(cancelled);
    this.emit({ kind: "order-cancel", order: cancelled });
    if (refund) this.emit({ kind: "refund", order: cancelled, refund });
    this.emit({ kind: "order-update", order: cancelled });
    this.putBack(order, lines);
    return cancelled;
  }

  // ---------------------------------------------------------------------------------------------------
  // Discounts (read with read_discounts; webhooks discounts/create, discounts/update, discounts/delete)

  /** Discounts in id order (Shopify's default sort). */
  discounts(): DemoDiscount[] {
    return [...this.discountsById.values()];
  }
  discount(id: number): DemoDiscount | undefined {
    return this.discountsById.get(id);
  }
  collection(id: number): DemoCollection | undefined {
    return this.collections.find((collection) => collection.id === id);
  }

  /** A new discount (created now unless `createdAt` says); sends discounts/create. */
  createDiscount(input: Omit<DemoDiscount, "id" | "createdAt" | "updatedAt"> & { createdAt?: string }): DemoDiscount {
    const at = input.createdAt ?? this.now();
    const discount: DemoDiscount = { ...input, id: this.nextDiscountId++, createdAt: at, updatedAt: at };
    this.discountsById.set(discount.id, discount);
    this.emit({ kind: "discount-create", discount, at });
    return discount;
  }

  /** Changes a discount (its `updatedAt` becomes now); sends discounts/update. */
  updateDiscount(id: number, patch: Partial<Omit<DemoDiscount, "id" | "createdAt" | "updatedAt">>): DemoDiscount {
    const current = this.discountsById.get(id);
    if (!current) throw new Error(`no discount ${id}`);
    const at = this.now();
    const next: DemoDiscount = { ...current, ...patch, id, updatedAt: at };
    this.discountsById.set(id, next);
    this.emit({ kind: "discount-update", discount: next, at });
    return next;
  }

  /** Ends a discount now (as the admin's "Deactivate" does: `endsAt` becomes now). */
  endDiscount(id: number): DemoDiscount {
    return this.updateDiscount(id, { endsAt: this.now() });
  }

  /** Deletes a discount; sends discounts/delete. */
  deleteDiscount(id: number): void {
    const current = this.discountsById.get(id);
    if (!current) throw new Error(`no discount ${id}`);
    this.discountsById.delete(id);
    this.emit({ kind: "discount-delete", discount: current, at: this.now() });
  }
}
