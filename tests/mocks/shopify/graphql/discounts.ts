/**
 * Discounts, collections and marketing events in the Admin API (2025-10 names): `discountNodes`, `discountNode`,
 * `collection`, `collections`, `marketingEvents`. Sources are the shop's live state (store/state.ts: the promotion
 * plan plus what changed since). `read_discounts`, `read_products` and `read_marketing_events` are required as on
 * Shopify (ACCESS_DENIED without them). Discount node ids: `gid://shopify/DiscountNode/{id}`; `discountNode(id:)`
 * also takes the `DiscountAutomaticNode` / `DiscountCodeNode` ids the webhooks carry (the same number).
 */
import type { GraphQLResolveInfo } from "graphql";
import type { DemoCollection, DemoDiscount, DemoMarketingEvent } from "../store/promotions";
import { discountStatus, type ProductRecord } from "../store/state";
import { arrayConnection, type ConnectionArgs } from "./connection";
import { gid, parseGid, requireScope, type AdminContext } from "./context";

type Resolver = (source: unknown, args: Record<string, unknown>, context: AdminContext, info: GraphQLResolveInfo) => unknown;

function f<TSource, TArgs = Record<string, never>>(
  resolve: (source: TSource, args: TArgs, context: AdminContext, info: GraphQLResolveInfo) => unknown,
): Resolver {
  return (source, args, context, info) => resolve(source as TSource, args as TArgs, context, info);
}

export const DISCOUNTS_SDL = /* GraphQL */ `
  extend type Query {
    discountNodes(
      first: Int
      after: String
      last: Int
      before: String
      reverse: Boolean = false
      sortKey: DiscountSortKeys = ID
      query: String
    ): DiscountNodeConnection!
    discountNode(id: ID!): DiscountNode
    collection(id: ID!): Collection
    collections(first: Int, after: String, last: Int, before: String, reverse: Boolean = false, query: String): CollectionConnection!
    marketingEvents(
      first: Int
      after: String
      last: Int
      before: String
      reverse: Boolean = false
      sortKey: MarketingEventSortKeys = ID
      query: String
    ): MarketingEventConnection!
  }

  enum DiscountSortKeys {
    CREATED_AT
    ENDS_AT
    ID
    RELEVANCE
    STARTS_AT
    TITLE
    UPDATED_AT
  }
  enum DiscountStatus {
    ACTIVE
    EXPIRED
    SCHEDULED
  }
  type DiscountNode implements Node {
    id: ID!
    discount: Discount!
  }
  type DiscountNodeEdge {
    cursor: String!
    node: DiscountNode!
  }
  type DiscountNodeConnection {
    edges: [DiscountNodeEdge!]!
    nodes: [DiscountNode!]!
    pageInfo: PageInfo!
  }
  union Discount =
    | DiscountAutomaticBasic
    | DiscountAutomaticBxgy
    | DiscountAutomaticFreeShipping
    | DiscountCodeBasic
    | DiscountCodeBxgy
    | DiscountCodeFreeShipping
  type DiscountAutomaticBasic {
    title: String!
    status: DiscountStatus!
    startsAt: DateTime!
    endsAt: DateTime
    createdAt: DateTime!
    updatedAt: DateTime!
    customerGets: DiscountCustomerGets!
  }
  type DiscountCodeBasic {
    title: String!
    status: DiscountStatus!
    startsAt: DateTime!
    endsAt: DateTime
    createdAt: DateTime!
    updatedAt: DateTime!
    customerGets: DiscountCustomerGets!
  }
  type DiscountAutomaticBxgy {
    title: String!
    status: DiscountStatus!
    startsAt: DateTime!
    endsAt: DateTime
    createdAt: DateTime!
    updatedAt: DateTime!
    customerGets: DiscountCustomerGets!
  }
  type DiscountCodeBxgy {
    title: String!
    status: DiscountStatus!
    startsAt: DateTime!
    endsAt: DateTime
    createdAt: DateTime!
    updatedAt: DateTime!
    customerGets: DiscountCustomerGets!
  }
  type DiscountAutomaticFreeShipping {
    title: String!
    status: DiscountStatus!
    startsAt: DateTime!
    endsAt: DateTime
    createdAt: DateTime!
    updatedAt: DateTime!
  }
  type DiscountCodeFreeShipping {
    title: String!
    status: DiscountStatus!
    startsAt: DateTime!
    endsAt: DateTime
    createdAt: DateTime!
    updatedAt: DateTime!
  }
  type DiscountCustomerGets {
    value: DiscountCustomerGetsValue!
    items: DiscountItems!
    appliesOnOneTimePurchase: Boolean!
    appliesOnSubscription: Boolean!
  }
  union DiscountCustomerGetsValue = DiscountAmount | DiscountOnQuantity | DiscountPercentage
  union DiscountEffect = DiscountAmount | DiscountPercentage
  type DiscountPercentage {
    "Between 0 and 1."
    percentage: Float!
  }
  type DiscountAmount {
    amount: MoneyV2!
    appliesOnEachItem: Boolean!
  }
  type DiscountQuantity {
    quantity: UnsignedInt64!
  }
  type DiscountOnQuantity {
    quantity: DiscountQuantity!
    effect: DiscountEffect!
  }
  union DiscountItems = AllDiscountItems | DiscountCollections | DiscountProducts
  type AllDiscountItems {
    allItems: Boolean!
  }
  type DiscountProducts {
    products(first: Int, after: String, last: Int, before: String, reverse: Boolean = false): ProductConnection!
    productVariants(first: Int, after: String, last: Int, before: String, reverse: Boolean = false): ProductVariantConnection!
  }
  type DiscountCollections {
    collections(first: Int, after: String, last: Int, before: String, reverse: Boolean = false): CollectionConnection!
  }

  type Collection implements Node {
    id: ID!
    legacyResourceId: UnsignedInt64!
    title: String!
    handle: String!
    productsCount: Count
    products(first: Int, after: String, last: Int, before: String, reverse: Boolean = false): ProductConnection!
  }
  type CollectionEdge {
    cursor: String!
    node: Collection!
  }
  type CollectionConnection {
    edges: [CollectionEdge!]!
    nodes: [Collection!]!
    pageInfo: PageInfo!
  }

  enum MarketingEventSortKeys {
    ID
    RELEVANCE
    STARTED_AT
  }
  enum MarketingTactic {
    ABANDONED_CART
    AD
    AFFILIATE
    DIRECT
    DISPLAY
    LINK
    LOYALTY
    MESSAGE
    NEWSLETTER
    NOTIFICATION
    POST
    RETARGETING
    SEO
    STOREFRONT_APP
    TRANSACTIONAL
  }
  enum MarketingChannel {
    DISPLAY
    EMAIL
    REFERRAL
    SEARCH
    SOCIAL
  }
  type MarketingEvent implements Node {
    id: ID!
    legacyResourceId: UnsignedInt64!
    type: MarketingTactic!
    remoteId: String
    startedAt: DateTime!
    endedAt: DateTime
    scheduledToEndAt: DateTime
    utmCampaign: String
    utmMedium: String
    utmSource: String
    marketingChannelType: MarketingChannel
    description: String
    sourceAndMedium: String!
  }
  type MarketingEventEdge {
    cursor: String!
    node: MarketingEvent!
  }
  type MarketingEventConnection {
    edges: [MarketingEventEdge!]!
    nodes: [MarketingEvent!]!
    pageInfo: PageInfo!
  }
`;

/** The `__typename` of a discount in the `Discount` union. */
function discountType(discount: DemoDiscount): string {
  const method = discount.method === "automatic" ? "Automatic" : "Code";
  const type = discount.type === "basic" ? "Basic" : discount.type === "bxgy" ? "Bxgy" : "FreeShipping";
  return `Discount${method}${type}`;
}

const DISCOUNT_NODE_TYPES = new Set(["DiscountNode", "DiscountAutomaticNode", "DiscountCodeNode"]);

const SORTS: Record<string, (d: DemoDiscount) => string | number> = {
  ID: (d) => d.id,
  CREATED_AT: (d) => d.createdAt,
  UPDATED_AT: (d) => d.updatedAt,
  STARTS_AT: (d) => d.startsAt,
  ENDS_AT: (d) => d.endsAt ?? "9999",
  TITLE: (d) => d.title,
  RELEVANCE: (d) => d.id,
};

/** The `query:` terms the stand-in understands on discounts: `status:active|expired|scheduled`; others are ignored. */
function discountFilter(query: string | null | undefined, nowMs: number): (discount: DemoDiscount) => boolean {
  const status = /(?:^|\s)status:(\w+)/i.exec(query ?? "")?.[1]?.toUpperCase();
  return (discount) => !status || discountStatus(discount, nowMs) === status;
}

function discountSource(context: AdminContext, id: number) {
  const discount = context.shop.state.discount(id);
  return discount ? { __typename: "DiscountNode", discount } : null;
}

interface NodeSource {
  discount: DemoDiscount;
}

const withType = (discount: DemoDiscount) => ({ ...discount, __typename: discountType(discount) });

const productsOf = (context: AdminContext, ids: readonly number[]): ProductRecord[] =>
  ids.flatMap((id) => context.shop.state.product(id) ?? []);

const discountFields = {
  status: f<DemoDiscount>((d, _a, c) => discountStatus(d, c.shop.state.nowMs())),
  customerGets: f<DemoDiscount>((d) => d),
};

export const DISCOUNT_RESOLVERS: Record<string, Record<string, Resolver>> = {
  Query: {
    discountNodes: f<unknown, ConnectionArgs & { sortKey?: string; query?: string | null }>((_s, args, context, info) => {
      requireScope(context, info, "read_discounts");
      const state = context.shop.state;
      const key = SORTS[args.sortKey ?? "ID"] ?? SORTS.ID!;
      const list = state
        .discounts()
        .filter(discountFilter(args.query, state.nowMs()))
        .sort((a, b) => {
          const x = key(a);
          const y = key(b);
          return x < y ? -1 : x > y ? 1 : a.id - b.id;
        })
        .map((discount) => ({ __typename: "DiscountNode", discount }));
      return arrayConnection(list, args, (node) => node.discount.id, context.bulk);
    }),
    discountNode: f<unknown, { id: string }>((_s, args, context, info) => {
      requireScope(context, info, "read_discounts");
      const parsed = parseGid(args.id);
      return parsed && DISCOUNT_NODE_TYPES.has(parsed.type) ? discountSource(context, parsed.id) : null;
    }),
    collection: f<unknown, { id: string }>((_s, args, context, info) => {
      requireScope(context, info, "read_products");
      const parsed = parseGid(args.id);
      return parsed?.type === "Collection" ? (context.shop.state.collection(parsed.id) ?? null) : null;
    }),
    collections: f<unknown, ConnectionArgs>((_s, args, context, info) => {
      requireScope(context, info, "read_products");
      return arrayConnection(context.shop.state.collections, args, (collection) => collection.id, context.bulk);
    }),
    marketingEvents: f<unknown, ConnectionArgs & { sortKey?: string }>((_s, args, context, info) => {
      requireScope(context, info, "read_marketing_events");
      const events = [...context.shop.state.marketingEvents].sort((a, b) =>
        args.sortKey === "STARTED_AT" ? a.startedAt.localeCompare(b.startedAt) || a.id - b.id : a.id - b.id,
      );
      return arrayConnection(events, args, (event) => event.id, context.bulk);
    }),
  },

  DiscountNode: {
    id: f<NodeSource>((n) => gid("DiscountNode", n.discount.id)),
    discount: f<NodeSource>((n) => withType(n.discount)),
  },
  DiscountAutomaticBasic: discountFields,
  DiscountCodeBasic: discountFields,
  DiscountAutomaticBxgy: discountFields,
  DiscountCodeBxgy: discountFields,
  DiscountAutomaticFreeShipping: { status: discountFields.status },
  DiscountCodeFreeShipping: { status: discountFields.status },

  DiscountCustomerGets: {
    value: f<DemoDiscount>((d, _a, c) => {
      const effect =
        d.amountOff !== null
          ? {
              __typename: "DiscountAmount",
              amount: { amount: d.amountOff, currencyCode: c.shop.state.store.info.currencyCode },
              appliesOnEachItem: d.appliesOnEachItem,
            }
          : { __typename: "DiscountPercentage", percentage: (d.percentOff ?? 0) / 100 };
      // Buy X get Y: the Y items get the effect on a quantity.
      return d.type === "bxgy" ? { __typename: "DiscountOnQuantity", quantity: { quantity: "1" }, effect } : effect;
    }),
    items: f<DemoDiscount>((d) => {
      const items = d.items;
      if (items.kind === "all") return { __typename: "AllDiscountItems", allItems: true };
      if (items.kind === "collections") return { __typename: "DiscountCollections", collectionIds: items.collectionIds };
      return { __typename: "DiscountProducts", productIds: items.productIds, variantIds: items.variantIds };
    }),
    appliesOnOneTimePurchase: f(() => true),
    appliesOnSubscription: f(() => false),
  },
  DiscountProducts: {
    products: f<{ productIds: number[] }, ConnectionArgs>((items, args, context) =>
      arrayConnection(productsOf(context, items.productIds), args, (product) => product.id, context.bulk),
    ),
    productVariants: f<{ variantIds: number[] }, ConnectionArgs>((items, args, context) =>
      arrayConnection(
        items.variantIds.flatMap((id) => context.shop.state.variant(id) ?? []),
        args,
        (v) => v.variant.id,
        context.bulk,
      ),
    ),
  },
  DiscountCollections: {
    collections: f<{ collectionIds: number[] }, ConnectionArgs>((items, args, context) =>
      arrayConnection(
        items.collectionIds.flatMap((id) => context.shop.state.collection(id) ?? []),
        args,
        (collection) => collection.id,
        context.bulk,
      ),
    ),
  },

  Collection: {
    id: f<DemoCollection>((c) => gid("Collection", c.id)),
    legacyResourceId: f<DemoCollection>((c) => String(c.id)),
    productsCount: f<DemoCollection>((c, _a, context) => ({ count: productsOf(context, c.productIds).length, precision: "EXACT" })),
    products: f<DemoCollection, ConnectionArgs>((c, args, context) =>
      arrayConnection(productsOf(context, c.productIds), args, (product) => product.id, context.bulk),
    ),
  },

  MarketingEvent: {
    id: f<DemoMarketingEvent>((e) => gid("MarketingEvent", e.id)),
    legacyResourceId: f<DemoMarketingEvent>((e) => String(e.id)),
    marketingChannelType: f<DemoMarketingEvent>((e) => e.channel),
    utmMedium: f<DemoMarketingEvent>((e) => (e.channel === "EMAIL" ? "email" : "paid_social")),
    utmSource: f<DemoMarketingEvent>((e) => (e.channel === "EMAIL" ? "newsletter" : "instagram")),
    sourceAndMedium: f<DemoMarketingEvent>((e) => (e.channel === "EMAIL" ? "Email newsletter" : "Instagram ad")),
  },
};
