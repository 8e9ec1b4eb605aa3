/**
 * Admin GraphQL, executed by graphql-js against an SDL whose names mirror Shopify's Admin API
 * (2025-10), with Shopify's cost envelope and leaky-bucket throttling.
 */
import {
  buildSchema,
  execute,
  type GraphQLError,
  Kind,
  parse,
  validate,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type SelectionSetNode,
} from "graphql";
import type { DemoLocation, DemoProduct, DemoStore, DemoVariant } from "./demo-store";
import { ordersOn, type DemoLineItem, type DemoOrder } from "./orders";

export const SDL = /* GraphQL */ `
  scalar URL
  scalar DateTime
  scalar Money
  type Query {
    shop: Shop!
    locations(first: Int, after: String, includeInactive: Boolean): LocationConnection!
    products(first: Int, after: String, query: String): ProductConnection!
    orders(first: Int, after: String, query: String): OrderConnection!
  }
  type Product {
    id: ID!
    legacyResourceId: ID!
    title: String!
    handle: String!
    vendor: String!
    productType: String!
    status: ProductStatus!
    createdAt: DateTime!
    updatedAt: DateTime!
    variants(first: Int, after: String): ProductVariantConnection!
  }
  enum ProductStatus {
    ACTIVE
    ARCHIVED
    DRAFT
  }
  type ProductVariant {
    id: ID!
    legacyResourceId: ID!
    title: String!
    sku: String
    price: Money!
    updatedAt: DateTime!
    product: Product!
    inventoryItem: InventoryItem!
  }
  type InventoryItem {
    id: ID!
    tracked: Boolean!
    inventoryLevels(first: Int, after: String): InventoryLevelConnection!
  }
  type InventoryLevel {
    id: ID!
    location: Location!
    updatedAt: DateTime!
    quantities(names: [String!]!): [InventoryQuantity!]!
  }
  type InventoryQuantity {
    name: String!
    quantity: Int!
  }
  type MoneyV2 {
    amount: Money!
    currencyCode: CurrencyCode!
  }
  type MoneyBag {
    shopMoney: MoneyV2!
  }
  type Order {
    id: ID!
    legacyResourceId: ID!
    name: String!
    createdAt: DateTime!
    processedAt: DateTime!
    updatedAt: DateTime!
    cancelledAt: DateTime
    sourceName: String
    displayFulfillmentStatus: OrderDisplayFulfillmentStatus!
    retailLocation: Location
    lineItems(first: Int, after: String): LineItemConnection!
    refunds(first: Int): [Refund!]!
  }
  enum OrderDisplayFulfillmentStatus {
    FULFILLED
    UNFULFILLED
    PARTIALLY_FULFILLED
  }
  type LineItem {
    id: ID!
    quantity: Int!
    sku: String
    title: String!
    variant: ProductVariant
    originalUnitPriceSet: MoneyBag!
  }
  type Refund {
    id: ID!
    createdAt: DateTime
    refundLineItems(first: Int, after: String): RefundLineItemConnection!
  }
  type RefundLineItem {
    lineItem: LineItem!
    quantity: Int!
    restockType: RefundLineItemRestockType!
  }
  enum RefundLineItemRestockType {
    RETURN
    CANCEL
    LEGACY_RESTOCK
    NO_RESTOCK
  }
  type ProductEdge {
    cursor: String!
    node: Product!
  }
  type ProductConnection {
    edges: [ProductEdge!]!
    nodes: [Product!]!
    pageInfo: PageInfo!
  }
  type ProductVariantEdge {
    cursor: String!
    node: ProductVariant!
  }
  type ProductVariantConnection {
    edges: [ProductVariantEdge!]!
    nodes: [ProductVariant!]!
    pageInfo: PageInfo!
  }
  type InventoryLevelEdge {
    cursor: String!
    node: InventoryLevel!
  }
  type InventoryLevelConnection {
    edges: [InventoryLevelEdge!]!
    nodes: [InventoryLevel!]!
    pageInfo: PageInfo!
  }
  type OrderEdge {
    cursor: String!
    node: Order!
  }
  type OrderConnection {
    edges: [OrderEdge!]!
    nodes: [Order!]!
    pageInfo: PageInfo!
  }
  type LineItemEdge {
    cursor: String!
    node: LineItem!
  }
  type LineItemConnection {
    edges: [LineItemEdge!]!
    nodes: [LineItem!]!
    pageInfo: PageInfo!
  }
  type RefundLineItemEdge {
    cursor: String!
    node: RefundLineItem!
  }
  type RefundLineItemConnection {
    edges: [RefundLineItemEdge!]!
    nodes: [RefundLineItem!]!
    pageInfo: PageInfo!
  }
  type Shop {
    id: ID!
    name: String!
    email: String!
    myshopifyDomain: String!
    currencyCode: CurrencyCode!
    ianaTimezone: String!
    timezoneAbbreviation: String!
    billingAddress: ShopAddress!
    plan: ShopPlan!
  }
  enum CurrencyCode {
    GBP
    USD
    EUR
  }
  type ShopAddress {
    countryCodeV2: CountryCode
    city: String
  }
  enum CountryCode {
    GB
    US
    FR
    ES
    DE
  }
  type ShopPlan {
    publicDisplayName: String!
    partnerDevelopment: Boolean!
    shopifyPlus: Boolean!
  }
  type Location {
    id: ID!
    legacyResourceId: ID!
    name: String!
    isActive: Boolean!
    fulfillsOnlineOrders: Boolean!
    address: LocationAddress!
  }
  type LocationAddress {
    city: String
    countryCode: String
  }
  type PageInfo {
    hasNextPage: Boolean!
    hasPreviousPage: Boolean!
    startCursor: String
    endCursor: String
  }
  type LocationEdge {
    cursor: String!
    node: Location!
  }
  type LocationConnection {
    edges: [LocationEdge!]!
    nodes: [Location!]!
    pageInfo: PageInfo!
  }
`;

const schema = buildSchema(SDL);

function connection<T>(items: T[], first: number | undefined, after: string | undefined, key: (item: T) => string) {
  const start = after ? items.findIndex((item) => key(item) === Buffer.from(after, "base64url").toString()) + 1 : 0;
  const page = items.slice(start, start + Math.min(first ?? 50, 250));
  const cursor = (item: T) => Buffer.from(key(item)).toString("base64url");
  return {
    edges: page.map((node) => ({ cursor: cursor(node), node })),
    nodes: page,
    pageInfo: {
      hasNextPage: start + page.length < items.length,
      hasPreviousPage: start > 0,
      startCursor: page[0] ? cursor(page[0]) : null,
      endCursor: page.at(-1) ? cursor(page.at(-1) as T) : null,
    },
  };
}

const gid = (type: string, id: number | string) => `gid://shopify/${type}/${id}`;

function rootValue(store: DemoStore) {
  const historyStart = `${store.historyStart}T00:00:00Z`;
  const locationById = new Map(store.locations.map((location) => [location.id, location]));
  const locationNode = (location: DemoLocation) => ({
    id: gid("Location", location.id),
    legacyResourceId: String(location.id),
    name: location.name,
    isActive: true,
    fulfillsOnlineOrders: true,
    address: { city: location.city, countryCode: "GB" },
  });
  const variantNode = (product: DemoProduct, variant: DemoVariant): Record<string, unknown> => ({
    id: gid("ProductVariant", variant.id),
    legacyResourceId: String(variant.id),
    title: variant.title,
    sku: variant.sku,
    price: variant.price,
    updatedAt: historyStart,
    product: () => productNode(product),
    inventoryItem: {
      id: gid("InventoryItem", variant.inventoryItemId),
      tracked: true,
      inventoryLevels: ({ first, after }: PageArgs) =>
        connection(
          Object.entries(variant.stock).map(([locationId, onHand]) => ({
            id: `gid://shopify/InventoryLevel/${locationId}?inventory_item_id=${variant.inventoryItemId}`,
            location: locationNode(locationById.get(Number(locationId)) as DemoLocation),
            updatedAt: historyStart,
            quantities: ({ names }: { names: string[] }) =>
              names.map((name) => ({ name, quantity: name === "available" || name === "on_hand" ? onHand : 0 })),
          })),
          first,
          after,
          (level) => level.id,
        ),
    },
  });
  const productNode = (product: DemoProduct): Record<string, unknown> => ({
    id: gid("Product", product.id),
    legacyResourceId: String(product.id),
    title: product.title,
    handle: product.handle,
    vendor: product.vendor,
    productType: product.productType,
    status: "ACTIVE",
    createdAt: historyStart,
    updatedAt: historyStart,
    variants: ({ first, after }: PageArgs) =>
      connection(
        product.variants.map((variant) => variantNode(product, variant)),
        first,
        after,
        (node) => String(node.id),
      ),
  });
  const variantById = new Map(
    store.products.flatMap((product) => product.variants.map((variant) => [variant.id, { product, variant }] as const)),
  );
  const orderNode = (order: DemoOrder) => ({
    id: gid("Order", order.id),
    legacyResourceId: String(order.id),
    name: order.name,
    createdAt: order.createdAt,
    processedAt: order.createdAt,
    updatedAt: order.updatedAt,
    cancelledAt: order.cancelledAt,
    sourceName: order.sourceName,
    displayFulfillmentStatus: order.displayFulfillmentStatus,
    retailLocation: order.sourceName === "pos" ? locationNode(locationById.get(order.locationId) as DemoLocation) : null,
    lineItems: ({ first, after }: PageArgs) => connection(order.lineItems.map(lineItemNode), first, after, (line) => line.id),
    refunds: ({ first }: { first?: number }) =>
      order.refunds.slice(0, first ?? 50).map((refund) => ({
        id: gid("Refund", refund.id),
        createdAt: refund.createdAt,
        refundLineItems: ({ first: n, after }: PageArgs) =>
          connection(
            refund.lineItems.map((item) => ({
              lineItem: lineItemNode(order.lineItems.find((line) => line.id === item.lineItemId) as DemoLineItem),
              quantity: item.quantity,
              restockType: item.restockType === "return" ? "RETURN" : "NO_RESTOCK",
              key: `${item.lineItemId}`,
            })),
            n,
            after,
            (item) => item.key,
          ),
      })),
  });
  const lineItemNode = (line: DemoLineItem) => {
    const found = variantById.get(line.variantId);
    return {
      id: gid("LineItem", line.id),
      quantity: line.quantity,
      sku: line.sku,
      title: line.title,
      variant: found ? variantNode(found.product, found.variant) : null,
      originalUnitPriceSet: { shopMoney: { amount: line.price, currencyCode: store.info.currencyCode } },
    };
  };
  return {
    shop: () => ({
      id: gid("Shop", store.info.shopId),
      name: store.info.name,
      email: `owner@${store.domain}`,
      myshopifyDomain: store.domain,
      currencyCode: store.info.currencyCode,
      ianaTimezone: store.info.ianaTimezone,
      timezoneAbbreviation: "GMT",
      billingAddress: { countryCodeV2: store.info.countryCode, city: "London" },
      plan: { publicDisplayName: store.info.plan, partnerDevelopment: false, shopifyPlus: false },
    }),
    locations: ({ first, after }: PageArgs) => connection(store.locations.map(locationNode), first, after, (location) => location.id),
    products: ({ first, after }: PageArgs) => connection(store.products.map(productNode), first, after, (node) => String(node.id)),
    orders: ({ first, after, query }: PageArgs & { query?: string }) => ordersPage(store, first, after, query, orderNode),
  };
}

interface PageArgs {
  first?: number;
  after?: string;
}

/** Orders, oldest first, generated day by day; `query` understands `created_at:>=DATE` and `created_at:<DATE`. */
function ordersPage<T>(
  store: DemoStore,
  first: number | undefined,
  after: string | undefined,
  query: string | undefined,
  node: (order: DemoOrder) => T,
) {
  const dayOf = (iso: string) =>
    Math.floor((Date.parse(iso.length === 10 ? `${iso}T00:00:00Z` : iso) - Date.parse(`${store.historyStart}T00:00:00Z`)) / 86_400_000);
  const from = query?.match(/created_at:>=?'?"?([0-9T:.Z-]+)/)?.[1];
  const until = query?.match(/created_at:<'?"?([0-9T:.Z-]+)/)?.[1];
  let day = Math.max(0, from ? dayOf(from) : 0);
  const lastDay = Math.min(store.historyDays - 1, until ? dayOf(until) - 1 : store.historyDays - 1);
  let index = 0;
  if (after) {
    const [afterDay, afterIndex] = Buffer.from(after, "base64url").toString().split(":").map(Number);
    day = afterDay ?? 0;
    index = (afterIndex ?? -1) + 1;
  }
  const size = Math.min(first ?? 50, 250);
  const edges: { cursor: string; node: T }[] = [];
  let hasNextPage = false;
  while (day <= lastDay) {
    const orders = ordersOn(store, day);
    while (index < orders.length) {
      if (edges.length === size) {
        hasNextPage = true;
        break;
      }
      edges.push({ cursor: Buffer.from(`${day}:${index}`).toString("base64url"), node: node(orders[index] as DemoOrder) });
      index++;
    }
    if (hasNextPage) break;
    day++;
    index = 0;
  }
  return {
    edges,
    nodes: edges.map((edge) => edge.node),
    pageInfo: {
      hasNextPage,
      hasPreviousPage: Boolean(after),
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}

/** Shopify's documented cost model: objects 1, scalars/enums 0, connections 2 + first × (child cost), mutations 10. */
export function queryCost(document: DocumentNode, variables: Record<string, unknown>): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions)
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  const argument = (field: FieldNode, name: string): number | undefined => {
    const arg = field.arguments?.find((a) => a.name.value === name);
    if (!arg) return undefined;
    if (arg.value.kind === Kind.INT) return Number(arg.value.value);
    if (arg.value.kind === Kind.VARIABLE) {
      const value = variables[arg.value.name.value];
      return typeof value === "number" ? value : undefined;
    }
    return undefined;
  };
  const cost = (set: SelectionSetNode | undefined): number => {
    if (!set) return 0;
    let total = 0;
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        if (!selection.selectionSet) continue; // scalar
        const first = argument(selection, "first") ?? argument(selection, "last");
        if (first === undefined) {
          total += 1 + cost(selection.selectionSet);
          continue;
        }
        // A connection: 2, plus `first` times each node's cost; pageInfo is counted once.
        const pageInfo = selection.selectionSet.selections.filter((s) => s.kind === Kind.FIELD && s.name.value === "pageInfo");
        const perNode = selection.selectionSet.selections.filter((s) => !(s.kind === Kind.FIELD && s.name.value === "pageInfo"));
        total +=
          2 + first * cost({ ...selection.selectionSet, selections: perNode }) + cost({ ...selection.selectionSet, selections: pageInfo });
      } else if (selection.kind === Kind.INLINE_FRAGMENT) total += cost(selection.selectionSet);
      else total += cost(fragments.get(selection.name.value)?.selectionSet);
    }
    return total;
  };
  let total = 0;
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    total += definition.operation === "mutation" ? 10 : Math.max(1, cost(definition.selectionSet));
  }
  return total;
}

/** Shopify's standard-plan bucket: 1 000 points, restored at 50 points per second. */
export class LeakyBucket {
  private available: number;
  private updatedAt = Date.now();
  constructor(
    readonly maximum = 1000,
    readonly restoreRate = 50,
  ) {
    this.available = maximum;
  }
  private refill(): void {
    const now = Date.now();
    this.available = Math.min(this.maximum, this.available + ((now - this.updatedAt) / 1000) * this.restoreRate);
    this.updatedAt = now;
  }
  take(cost: number): boolean {
    this.refill();
    if (cost > this.available) return false;
    this.available -= cost;
    return true;
  }
  give(points: number): void {
    this.refill();
    this.available = Math.min(this.maximum, this.available + points);
  }
  status() {
    this.refill();
    return { maximumAvailable: this.maximum, currentlyAvailable: Math.floor(this.available), restoreRate: this.restoreRate };
  }
  drain(): void {
    this.refill();
    this.available = 0;
  }
}

export interface GraphqlAnswer {
  status: number;
  body: unknown;
}

export async function runGraphql(
  store: DemoStore,
  bucket: LeakyBucket,
  request: { query?: unknown; variables?: unknown },
): Promise<GraphqlAnswer> {
  if (typeof request.query !== "string") return { status: 400, body: { errors: { query: ["Required parameter missing or invalid"] } } };
  const variables = (request.variables && typeof request.variables === "object" ? request.variables : {}) as Record<string, unknown>;
  let document: DocumentNode;
  try {
    document = parse(request.query);
  } catch (error) {
    return { status: 200, body: { errors: [formatError(error as GraphQLError)] } };
  }
  const validationErrors = validate(schema, document);
  if (validationErrors.length > 0) return { status: 200, body: { errors: validationErrors.map(formatError) } };
  const requested = queryCost(document, variables);
  if (requested > bucket.maximum) {
    return {
      status: 200,
      body: {
        errors: [
          {
            message: `Query cost is ${requested}, which exceeds the single query max cost limit (${bucket.maximum}).`,
            extensions: {
              code: "MAX_COST_EXCEEDED",
              cost: requested,
              maxCost: bucket.maximum,
              documentation: "https://shopify.dev/api/usage/rate-limits",
            },
          },
        ],
        extensions: { cost: { requestedQueryCost: requested, actualQueryCost: null, throttleStatus: bucket.status() } },
      },
    };
  }
  if (!bucket.take(requested)) {
    return {
      status: 200,
      body: {
        errors: [{ message: "Throttled", extensions: { code: "THROTTLED", documentation: "https://shopify.dev/api/usage/rate-limits" } }],
        extensions: { cost: { requestedQueryCost: requested, actualQueryCost: null, throttleStatus: bucket.status() } },
      },
    };
  }
  const result = await execute({ schema, document, rootValue: rootValue(store), variableValues: variables });
  const actual = requested; // our resolvers return full pages: actual = requested (Shopify refunds unused points)
  return {
    status: 200,
    body: {
      ...(result.data !== undefined ? { data: result.data } : {}),
      ...(result.errors ? { errors: result.errors.map(formatError) } : {}),
      extensions: { cost: { requestedQueryCost: requested, actualQueryCost: actual, throttleStatus: bucket.status() } },
    },
  };
}

function formatError(error: GraphQLError) {
  return { message: error.message, locations: error.locations, path: error.path, extensions: { code: "GRAPHQL_VALIDATION_FAILED" } };
}
