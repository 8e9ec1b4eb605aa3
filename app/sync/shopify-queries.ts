/**
 * Every Admin GraphQL document the store sync sends (API 2025-10), one constant each. The comment on
 * each says what the local Shopify stand-in must support for it (see ./STAND-IN-CONTRACT.md).
 *
 * Bulk-query rules that shape these documents (Shopify's bulk operation guide): one top-level
 * connection, at most 5 connections, nesting at most 2 levels, and no connection inside a list field
 * (so refund line items, a connection inside the `refunds` list, are fetched after the orders bulk
 * query with REFUND_LINES_QUERY for the few orders that have refunds).
 */

/**
 * Locations, paged (a shop has few). Stand-in: `locations(first, after, includeInactive)` with
 * `id`, `name`, `isActive`, `updatedAt`, `pageInfo { hasNextPage endCursor }`.
 */
export const LOCATIONS_QUERY = /* GraphQL */ `
  query FluxorLocations($after: String) {
    locations(first: 250, after: $after, includeInactive: true) {
      nodes {
        id
        name
        isActive
        updatedAt
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`;

/**
 * Starts a bulk query. Stand-in: `bulkOperationRunQuery(query: String!)` returning
 * `bulkOperation { id status }` and `userErrors { field message code }`; a second run while one runs
 * answers the userError code `OPERATION_IN_PROGRESS` (API < 2026-01 allows one bulk query per shop).
 */
export const BULK_RUN_MUTATION = /* GraphQL */ `
  mutation FluxorBulkRun($query: String!) {
    bulkOperationRunQuery(query: $query) {
      bulkOperation {
        id
        status
      }
      userErrors {
        field
        message
        code
      }
    }
  }
`;

/**
 * Polls one bulk operation. Stand-in: `node(id:)` resolving a `BulkOperation` with `id status errorCode
 * objectCount rootObjectCount url partialDataUrl createdAt completedAt`; `url` serves the JSONL file
 * (any host: the app downloads it with a plain GET, no token).
 */
export const BULK_OPERATION_QUERY = /* GraphQL */ `
  query FluxorBulkOperation($id: ID!) {
    node(id: $id) {
      ... on BulkOperation {
        id
        status
        errorCode
        objectCount
        rootObjectCount
        url
        partialDataUrl
        createdAt
        completedAt
      }
    }
  }
`;

/**
 * The app's running bulk query, to adopt one started before a crash. Stand-in:
 * `currentBulkOperation(type: QUERY)` with the same fields as above plus `query`.
 */
export const CURRENT_BULK_OPERATION_QUERY = /* GraphQL */ `
  query FluxorCurrentBulkOperation {
    currentBulkOperation(type: QUERY) {
      id
      status
      errorCode
      objectCount
      url
      query
    }
  }
`;

/**
 * Bulk: products and their variants (SKU ↔ variant ↔ inventory item). JSONL: one Product line, then
 * its ProductVariant lines with `__parentId` = the product's id. The featured image comes from
 * `featuredMedia` (`featuredImage` is deprecated in 2025-10): a MediaImage has `image { url altText }`,
 * other media (video, 3D model) an empty object, a product without media null.
 */
export const BULK_PRODUCTS = /* GraphQL */ `
  {
    products {
      edges {
        node {
          __typename
          id
          title
          handle
          status
          productType
          vendor
          createdAt
          updatedAt
          featuredMedia {
            ... on MediaImage {
              image {
                url
                altText
              }
            }
          }
          variants {
            edges {
              node {
                __typename
                id
                title
                sku
                price
                updatedAt
                inventoryItem {
                  id
                }
              }
            }
          }
        }
      }
    }
  }
`;

/**
 * Bulk: stock per location. JSONL: a Location line, then its InventoryLevel lines (`__parentId` = the
 * location). `quantities(names:)` returns `[{ name, quantity }]` for the names asked.
 */
export const BULK_INVENTORY = /* GraphQL */ `
  {
    locations(includeInactive: true) {
      edges {
        node {
          __typename
          id
          inventoryLevels {
            edges {
              node {
                __typename
                id
                updatedAt
                item {
                  id
                }
                quantities(names: ["available", "on_hand"]) {
                  name
                  quantity
                }
              }
            }
          }
        }
      }
    }
  }
`;

/**
 * Bulk: orders since a date (`query: "created_at:>=2024-01-01T00:00:00Z"`), with what demand needs and
 * no customer data. JSONL: an Order line (with `refunds` headers and `fulfillments` as nested lists),
 * then its LineItem lines (`__parentId` = the order). `retailLocation` is the POS location; online
 * orders take the location of their first fulfillment. `sourceName` (API 2024-07+: "web", "pos",
 * "shopify_draft_order", an app's handle or id) gives the sales channel, `displayFulfillmentStatus` the
 * fulfillment status (docs/decisions/0052-order-channels-and-fulfillment.md).
 */
export function bulkOrdersQuery(createdFrom: string): string {
  return /* GraphQL */ `
  {
    orders(query: "created_at:>=${createdFrom}", sortKey: CREATED_AT) {
      edges {
        node {
          __typename
          id
          name
          createdAt
          processedAt
          updatedAt
          cancelledAt
          test
          currencyCode
          sourceName
          displayFulfillmentStatus
          retailLocation {
            id
          }
          fulfillments(first: 5) {
            location {
              id
            }
          }
          refunds(first: 50) {
            id
            createdAt
          }
          lineItems {
            edges {
              node {
                __typename
                id
                quantity
                sku
                variant {
                  id
                }
                product {
                  id
                }
                discountedTotalSet {
                  shopMoney {
                    amount
                  }
                }
              }
            }
          }
        }
      }
    }
  }
`;
}

/**
 * Bulk (reconciliation): the channel and fulfillment status of the orders created since `createdFrom` and,
 * when given, updated since `updatedFrom` (Shopify's search terms are ANDed). JSONL: Order lines only, no
 * children. With `updatedAt` they show which orders Shopify holds newer than we do (a missed webhook).
 */
export function bulkOrderStatesQuery(createdFrom: string, updatedFrom?: string): string {
  // Whole seconds, as Shopify prints its times (the initial sync's orders query does the same).
  const at = (iso: string) => iso.replace(/\.\d{3}Z$/, "Z");
  const search = `created_at:>=${at(createdFrom)}${updatedFrom ? ` updated_at:>=${at(updatedFrom)}` : ""}`;
  return /* GraphQL */ `
  {
    orders(query: "${search}", sortKey: CREATED_AT) {
      edges {
        node {
          __typename
          id
          updatedAt
          sourceName
          displayFulfillmentStatus
          retailLocation {
            id
          }
        }
      }
    }
  }
`;
}

/**
 * Refund line items of up to 25 orders (not possible inside the bulk query). Stand-in: `nodes(ids:)`
 * resolving `Order` with `refunds { id createdAt refundLineItems(first) { nodes { quantity restockType
 * lineItem { id } location { id } } } }`; restockType is one of NO_RESTOCK, CANCEL, RETURN, LEGACY_RESTOCK.
 */
/**
 * Refund line items of up to REFUND_ORDERS_PER_REQUEST orders. Sized so that the requested cost stays under
 * Shopify's 1 000-point limit even when list fields are charged for their full size: per order
 * 1 + 3 refunds × (1 + 2 + 15 lines × 2) = 100 points. Orders with more (3 refunds, or a page of lines
 * with more after it) are fetched again one at a time with REFUND_LINES_ONE_QUERY.
 */
export const REFUND_ORDERS_PER_REQUEST = 9;
export const REFUND_LINES_QUERY = /* GraphQL */ `
  query FluxorRefundLines($ids: [ID!]!) {
    nodes(ids: $ids) {
      ... on Order {
        id
        refunds(first: 3) {
          id
          createdAt
          refundLineItems(first: 15) {
            nodes {
              quantity
              restockType
              lineItem {
                id
              }
            }
            pageInfo {
              hasNextPage
            }
          }
        }
      }
    }
  }
`;

/** One order's refunds in full (1 + 10 × (1 + 2 + 45 × 2) = 931 points). */
export const REFUND_LINES_ONE_QUERY = /* GraphQL */ `
  query FluxorRefundLinesOne($id: ID!) {
    node(id: $id) {
      ... on Order {
        id
        refunds(first: 10) {
          id
          createdAt
          refundLineItems(first: 45) {
            nodes {
              quantity
              restockType
              lineItem {
                id
              }
            }
            pageInfo {
              hasNextPage
            }
          }
        }
      }
    }
  }
`;

/**
 * Reconciliation: Shopify's counts. Stand-in: `productsCount(limit: null) { count precision }`,
 * `ordersCount(query:, limit: null) { count precision }` (precision EXACT).
 */
export const COUNTS_QUERY = /* GraphQL */ `
  query FluxorCounts($ordersQuery: String) {
    productsCount(limit: null) {
      count
      precision
    }
    ordersCount(query: $ordersQuery, limit: null) {
      count
      precision
    }
  }
`;

/**
 * Reconciliation and conflict refetch: one item's available quantity at a location. Stand-in:
 * `inventoryItem(id:) { inventoryLevel(locationId:) { quantities(names: ["available"]) { name quantity } updatedAt } }`.
 */
export const INVENTORY_LEVEL_QUERY = /* GraphQL */ `
  query FluxorInventoryLevel($inventoryItemId: ID!, $locationId: ID!) {
    inventoryItem(id: $inventoryItemId) {
      id
      inventoryLevel(locationId: $locationId) {
        id
        updatedAt
        quantities(names: ["available"]) {
          name
          quantity
        }
      }
    }
  }
`;

/**
 * Bidirectional stock: set `available` with compare-and-set (API 2025-10: `compareQuantity` per
 * quantity; a mismatch answers userError code `COMPARE_QUANTITY_STALE` and changes nothing). Stand-in:
 * `inventorySetQuantities(input: { name, reason, referenceDocumentUri, quantities: [{ inventoryItemId,
 * locationId, quantity, compareQuantity }] })` → `inventoryAdjustmentGroup { id changes { name delta
 * quantityAfterChange } }`, `userErrors { code field message }`, and an `inventory_levels/update` webhook.
 */
export const INVENTORY_SET_MUTATION = /* GraphQL */ `
  mutation FluxorSetAvailable($input: InventorySetQuantitiesInput!) {
    inventorySetQuantities(input: $input) {
      inventoryAdjustmentGroup {
        id
        changes {
          name
          delta
          quantityAfterChange
        }
      }
      userErrors {
        code
        field
        message
      }
    }
  }
`;

// ---------------------------------------------------------------------------------------------------
// Promotions (issue 17, decision 0055): discounts (read_discounts) and marketing events (read_marketing_events).

/** Targets per list in a page of discounts; a list with more is read on with DISCOUNT_TARGETS_QUERY. */
export const DISCOUNT_TARGETS_FIRST = 25;

/**
 * What we read of a discount: its kind (`__typename`), title, dates, update time, value and items (the first
 * page of each list). Shopify's cost counts a union's most costly member, so a page of 10 costs about 650 points.
 */
const DISCOUNT_FIELDS = /* GraphQL */ `
  fragment FluxorCustomerGets on DiscountCustomerGets {
    value {
      __typename
      ... on DiscountPercentage {
        percentage
      }
      ... on DiscountAmount {
        amount {
          amount
          currencyCode
        }
        appliesOnEachItem
      }
      ... on DiscountOnQuantity {
        effect {
          __typename
          ... on DiscountPercentage {
            percentage
          }
          ... on DiscountAmount {
            amount {
              amount
              currencyCode
            }
            appliesOnEachItem
          }
        }
      }
    }
    items {
      __typename
      ... on AllDiscountItems {
        allItems
      }
      ... on DiscountProducts {
        products(first: ${DISCOUNT_TARGETS_FIRST}) {
          nodes {
            id
          }
          pageInfo {
            hasNextPage
            endCursor
          }
        }
        productVariants(first: ${DISCOUNT_TARGETS_FIRST}) {
          nodes {
            id
          }
          pageInfo {
            hasNextPage
            endCursor
          }
        }
      }
      ... on DiscountCollections {
        collections(first: 10) {
          nodes {
            id
          }
          pageInfo {
            hasNextPage
            endCursor
          }
        }
      }
    }
  }

  fragment FluxorDiscount on DiscountNode {
    id
    discount {
      __typename
      ... on DiscountAutomaticBasic {
        title
        startsAt
        endsAt
        updatedAt
        customerGets {
          ...FluxorCustomerGets
        }
      }
      ... on DiscountCodeBasic {
        title
        startsAt
        endsAt
        updatedAt
        customerGets {
          ...FluxorCustomerGets
        }
      }
      ... on DiscountAutomaticBxgy {
        title
        startsAt
        endsAt
        updatedAt
        customerGets {
          ...FluxorCustomerGets
        }
      }
      ... on DiscountCodeBxgy {
        title
        startsAt
        endsAt
        updatedAt
        customerGets {
          ...FluxorCustomerGets
        }
      }
      ... on DiscountAutomaticFreeShipping {
        title
        startsAt
        endsAt
        updatedAt
      }
      ... on DiscountCodeFreeShipping {
        title
        startsAt
        endsAt
        updatedAt
      }
    }
  }
`;

/**
 * Every discount of the shop, 10 a page. Stand-in: `discountNodes(first, after, sortKey: ID)` →
 * `nodes { id discount { __typename … } }`, `pageInfo`; ACCESS_DENIED without read_discounts.
 */
export const DISCOUNTS_QUERY = /* GraphQL */ `
  query FluxorDiscounts($after: String) {
    discountNodes(first: 10, after: $after, sortKey: ID) {
      nodes {
        ...FluxorDiscount
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
  ${DISCOUNT_FIELDS}
`;

/**
 * One discount, after its webhook (which names it as a DiscountAutomaticNode or DiscountCodeNode). Stand-in:
 * `discountNode(id:)` taking any of the three node ids; null once deleted.
 */
export const DISCOUNT_NODE_QUERY = /* GraphQL */ `
  query FluxorDiscountNode($id: ID!) {
    discountNode(id: $id) {
      ...FluxorDiscount
    }
  }
  ${DISCOUNT_FIELDS}
`;

/**
 * The rest of one target list of a discount (products, productVariants or collections), 250 a page, whichever
 * discount type holds it. Stand-in: the same connections with `after`.
 */
export function discountTargetsQuery(list: "products" | "productVariants" | "collections"): string {
  const items =
    list === "collections"
      ? `... on DiscountCollections { collections(first: 250, after: $after) { nodes { id } pageInfo { hasNextPage endCursor } } }`
      : `... on DiscountProducts { ${list}(first: 250, after: $after) { nodes { id } pageInfo { hasNextPage endCursor } } }`;
  const types = ["DiscountAutomaticBasic", "DiscountCodeBasic", "DiscountAutomaticBxgy", "DiscountCodeBxgy"];
  return /* GraphQL */ `
    query FluxorDiscountTargets($id: ID!, $after: String) {
      discountNode(id: $id) {
        discount {
          __typename
          ${types.map((type) => `... on ${type} { customerGets { items { __typename ${items} } } }`).join("\n          ")}
        }
      }
    }
  `;
}

/** A collection's products, 250 a page (a discount on collections promotes them). Stand-in: `collection(id:) { products }`. */
export const COLLECTION_PRODUCTS_QUERY = /* GraphQL */ `
  query FluxorCollectionProducts($id: ID!, $after: String) {
    collection(id: $id) {
      products(first: 250, after: $after) {
        nodes {
          id
        }
        pageInfo {
          hasNextPage
          endCursor
        }
      }
    }
  }
`;

/**
 * Every marketing activity, 100 a page. Stand-in: `marketingEvents(first, after)` → MarketingEvent `{ id type
 * remoteId startedAt endedAt scheduledToEndAt utmCampaign marketingChannelType description }`; ACCESS_DENIED without
 * read_marketing_events.
 */
export const MARKETING_EVENTS_QUERY = /* GraphQL */ `
  query FluxorMarketingEvents($after: String) {
    marketingEvents(first: 100, after: $after) {
      nodes {
        id
        type
        remoteId
        startedAt
        endedAt
        scheduledToEndAt
        utmCampaign
        marketingChannelType
        description
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`;
