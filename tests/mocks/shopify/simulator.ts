/**
 * Live store activity for a hosted shop: new orders, fulfilments, refunds (restocked or not),
 * cancellations, restocks and stock corrections, price and title edits, new and deleted products; on a timer,
 * now and then, a discount created or ended (`discountShare`; `stepDiscount()` does one now).
 * Every event changes the store state (what the Admin API answers) and so sends the matching webhooks.
 * The sequence of events is deterministic for a seed; `step(n)` runs n events at once (tests), a
 * positive `ratePerSecond` runs them on a timer (the demo).
 */
import { prng } from "./store/demo-store";
import { OTHER_SOURCES, type DemoOrder } from "./store/orders";
import { isoSeconds, type ProductRecord, type StoreState } from "./store/state";

export type SimEventKind =
  "order" | "fulfil" | "refund" | "cancel" | "restock" | "correction" | "price" | "title" | "newProduct" | "deleteProduct";

export interface SimulatorOptions {
  /** Events per second on a timer; 0 (default) = only `step()`. */
  ratePerSecond?: number;
  seed?: number;
  /** Relative weights of the event kinds. */
  mix?: Partial<Record<SimEventKind, number>>;
  /**
   * On the timer, the share of events followed by a discount created or ended (default 0.002: one in 500). Drawn
   * from a stream of its own, so the other events are what they would be without it; `step()` never does one.
   */
  discountShare?: number;
}

export interface SimEvent {
  kind: SimEventKind;
  at: string;
  /** Ids of what changed (order, product, variant, inventory item, location, refund). */
  detail: Record<string, number | string>;
}

export const DEFAULT_MIX: Record<SimEventKind, number> = {
  order: 40,
  fulfil: 10,
  refund: 8,
  cancel: 4,
  restock: 10,
  correction: 6,
  price: 6,
  title: 5,
  newProduct: 6,
  deleteProduct: 5,
};

const EDITIONS = ["Spring Edition", "Gift Boxed", "Limited Run", "Heritage", "Studio Pick"];

export class Simulator {
  readonly events: SimEvent[] = [];
  private readonly random: () => number;
  /** Channels and partial shipments draw from a stream of their own: the other choices stay what they were. */
  private readonly detail: () => number;
  private readonly mix: [SimEventKind, number][];
  private timer: NodeJS.Timeout | undefined;
  private created: number[] = [];
  /** Discounts draw from a stream of their own. */
  private readonly discountRandom: () => number;
  private readonly discountShare: number;

  constructor(
    private readonly state: StoreState,
    options: SimulatorOptions = {},
  ) {
    this.random = prng(options.seed ?? 1);
    this.detail = prng((options.seed ?? 1) * 977 + 5);
    this.mix = Object.entries({ ...DEFAULT_MIX, ...options.mix }) as [SimEventKind, number][];
    this.discountRandom = prng((options.seed ?? 1) * 7_919 + 11);
    this.discountShare = options.discountShare ?? 0.002;
    if (options.ratePerSecond && options.ratePerSecond > 0) this.start(options.ratePerSecond);
  }

  start(ratePerSecond: number): void {
    this.stop();
    this.timer = setInterval(
      () => {
        this.step(1);
        if (this.discountRandom() < this.discountShare) this.stepDiscount();
      },
      Math.max(5, 1000 / ratePerSecond),
    );
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  get running(): boolean {
    return this.timer !== undefined;
  }

  /** Runs `count` events now; returns them. */
  step(count = 1): SimEvent[] {
    const out: SimEvent[] = [];
    for (let i = 0; i < count; i++) {
      const event = this.one(this.pickKind());
      this.events.push(event);
      out.push(event);
    }
    return out;
  }

  /**
   * A merchant's discount move now: ends a running discount this simulator created, or creates one (a code discount,
   * 10–30 % off two to four products, for a week from now). Sends discounts/create or discounts/update.
   */
  stepDiscount(): { created?: number; ended?: number } {
    const state = this.state;
    const running = state
      .discounts()
      .filter((d) => d.title.startsWith("Flash sale") && (d.endsAt === null || Date.parse(d.endsAt) > state.nowMs()));
    const mine = running[Math.floor(this.discountRandom() * running.length)];
    if (mine && this.discountRandom() < 0.5) return { ended: state.endDiscount(mine.id).id };
    const products = state.products();
    const chosen = new Set<number>();
    const wanted = 2 + Math.floor(this.discountRandom() * 3);
    for (let tries = 0; chosen.size < Math.min(wanted, products.length) && tries < 50; tries++)
      chosen.add(products[Math.floor(this.discountRandom() * products.length)]!.id);
    const percentOff = 10 + 5 * Math.floor(this.discountRandom() * 5);
    const n = state.discounts().length + 1;
    const discount = state.createDiscount({
      title: `Flash sale ${n}: ${percentOff}% off`,
      method: "code",
      type: "basic",
      code: `FLASH${n}`,
      startsAt: state.now(),
      endsAt: isoSeconds(state.nowMs() + 7 * 86_400_000),
      percentOff,
      amountOff: null,
      appliesOnEachItem: false,
      items: { kind: "products", productIds: [...chosen], variantIds: [] },
    });
    return { created: discount.id };
  }

  private pick<T>(items: readonly T[]): T | undefined {
    return items.length ? items[Math.floor(this.random() * items.length)] : undefined;
  }
  private int(min: number, max: number): number {
    return min + Math.floor(this.random() * (max - min + 1));
  }
  private pickKind(): SimEventKind {
    const total = this.mix.reduce((sum, [, weight]) => sum + weight, 0);
    let r = this.random() * total;
    for (const [kind, weight] of this.mix) {
      r -= weight;
      if (r < 0) return kind;
    }
    return "order";
  }
  private product(): ProductRecord | undefined {
    return this.pick(this.state.products());
  }
  private openOrders(filter: (order: DemoOrder) => boolean): DemoOrder[] {
    return this.state.liveOrders().filter((order) => !order.cancelledAt && filter(order));
  }
  /** Orders waiting to ship (not cancelled): live ones, then the history's last week. */
  private toShip(): DemoOrder[] {
    const waiting = (order: DemoOrder) => !order.cancelledAt && order.displayFulfillmentStatus !== "FULFILLED";
    const recent: DemoOrder[] = [];
    for (let day = this.state.store.historyDays - 7; day < this.state.store.historyDays; day++)
      recent.push(...this.state.ordersOfDay(day).filter(waiting));
    return [...this.openOrders(waiting), ...recent];
  }

  private one(kind: SimEventKind): SimEvent {
    const state = this.state;
    const event = (detail: Record<string, number | string>): SimEvent => ({ kind, at: state.now(), detail });
    const [warehouse, ...shops] = state.locations;
    switch (kind) {
      case "order": {
        const pos = this.random() < 0.3 && shops.length > 0;
        const location = pos ? (this.pick(shops) ?? warehouse) : warehouse;
        if (!location) return this.one("title");
        const lines = new Map<number, number>();
        for (let i = this.int(1, 3); i > 0; i--) {
          const variant = this.pick(this.product()?.variants ?? []);
          if (variant && state.level(variant.inventoryItemId, location.id))
            lines.set(variant.id, (lines.get(variant.id) ?? 0) + this.int(1, 3));
        }
        if (lines.size === 0) return this.one("restock");
        // A few orders come from other channels: a draft order the merchant keys in, a marketplace.
        const channel = this.detail();
        const sourceName = pos ? "pos" : channel < 0.06 ? OTHER_SOURCES[channel < 0.035 ? 0 : 1] : "web";
        const order = state.createOrder({
          sourceName,
          locationId: location.id,
          lines: [...lines].map(([variantId, quantity]) => ({ variantId, quantity })),
        });
        return event({ order: order.id, location: location.id });
      }
      case "fulfil": {
        const order = this.pick(this.toShip());
        if (!order) return this.one("order");
        // One shipment in four leaves a line of a multi-line order for later.
        const next = state.fulfilOrder(order.id, { partial: this.detail() < 0.25 });
        return event({ order: order.id, status: next.displayFulfillmentStatus });
      }
      case "refund": {
        let order = this.pick(this.openOrders((o) => state.refundable(o).length > 0));
        if (!order) {
          // A recent order from the history instead.
          const day = state.store.historyDays - 1 - this.int(0, 6);
          order = this.pick(state.ordersOfDay(day).filter((o) => !o.cancelledAt && state.refundable(o).length > 0));
        }
        const line = order ? state.refundable(order)[0] : undefined;
        if (!order || !line) return this.one("order");
        const restock = this.random() < 0.7 ? "return" : "no_restock";
        const { refund } = state.refund(order.id, [{ lineItemId: line.lineItemId, quantity: 1 }], restock);
        return event({ order: order.id, refund: refund.id, restockType: restock });
      }
      case "cancel": {
        const order = this.pick(this.openOrders((o) => o.displayFulfillmentStatus === "UNFULFILLED"));
        if (!order) return this.one("order");
        state.cancelOrder(order.id);
        return event({ order: order.id });
      }
      case "restock":
      case "correction": {
        const variant = this.pick(this.product()?.variants ?? []);
        const level = variant ? this.pick(state.levelsOfItem(variant.inventoryItemId)) : undefined;
        if (!level) return this.one("order");
        if (kind === "restock") state.adjustQuantity(level.inventoryItemId, level.locationId, "available", this.int(6, 48));
        else state.setQuantity(level.inventoryItemId, level.locationId, "available", this.int(0, 30));
        return event({ inventoryItem: level.inventoryItemId, location: level.locationId });
      }
      case "price": {
        const product = this.product();
        const variant = this.pick(product?.variants ?? []);
        if (!product || !variant) return this.one("order");
        const price = (Math.max(0.25, Math.round(Number(variant.price) * (0.85 + this.random() * 0.35) * 20) / 20) || 1).toFixed(2);
        state.updateProduct(product.id, { prices: { [variant.id]: price } });
        return event({ product: product.id, variant: variant.id, price });
      }
      case "title": {
        const product = this.product();
        if (!product) return this.one("newProduct");
        const title = `${product.title.replace(/ · .*$/, "")} · ${this.pick(EDITIONS) ?? "New"}`;
        state.updateProduct(product.id, { title });
        return event({ product: product.id, title });
      }
      case "newProduct": {
        const n = this.created.length + 1;
        const size = this.int(1, 3);
        const variants: { title: string; sku: string; price: string; stock: Record<number, number> }[] = [];
        for (let k = 0; k < size; k++) {
          const stock: Record<number, number> = {};
          state.locations.forEach((location, i) => {
            if (i === 0 || this.random() < 0.6) stock[location.id] = this.int(0, 40);
          });
          variants.push({
            title: size === 1 ? "Default Title" : (["Small", "Medium", "Large"][k] ?? `Size ${k + 1}`),
            sku: `SIM-${n}-${k + 1}`,
            price: (this.int(150, 1500) / 100).toFixed(2),
            stock,
          });
        }
        const product = state.createProduct({
          title: `Workshop Piece No. ${n}`,
          vendor: "Hollow Oak Studio",
          productType: "Gifts",
          variants,
        });
        this.created.push(product.id);
        return event({ product: product.id });
      }
      case "deleteProduct": {
        const id = this.created.length && this.random() < 0.6 ? this.created.shift() : this.product()?.id;
        if (id === undefined || !state.product(id)) return this.one("newProduct");
        state.deleteProduct(id);
        return event({ product: id });
      }
    }
  }
}
