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
import type { DemoStore } from "./demo-store";

export const SDL = /* GraphQL */ `
  scalar URL
  scalar DateTime
  type Query {
    shop: Shop!
    locations(first: Int, after: String, includeInactive: Boolean): LocationConnection!
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

function rootValue(store: DemoStore) {
  return {
    shop: () => ({
      id: `gid://shopify/Shop/${store.info.shopId}`,
      name: store.info.name,
      email: `owner@${store.domain}`,
      myshopifyDomain: store.domain,
      currencyCode: store.info.currencyCode,
      ianaTimezone: store.info.ianaTimezone,
      timezoneAbbreviation: "GMT",
      billingAddress: { countryCodeV2: store.info.countryCode, city: "London" },
      plan: { publicDisplayName: store.info.plan, partnerDevelopment: false, shopifyPlus: false },
    }),
    locations: ({ first, after }: { first?: number; after?: string }) =>
      connection(
        store.locations.map((location) => ({
          id: `gid://shopify/Location/${location.id}`,
          legacyResourceId: String(location.id),
          name: location.name,
          isActive: true,
          fulfillsOnlineOrders: true,
          address: { city: location.city, countryCode: "GB" },
        })),
        first,
        after,
        (location) => location.id,
      ),
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
        const child = cost(selection.selectionSet);
        total += first !== undefined ? 2 + first * child : 1 + child;
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
