/**
 * The part of Shopify's Admin GraphQL schema (API 2025-10) the stand-in serves. Type, field, argument
 * and enum names are Shopify's; only what the app (and its tests) use is here. Adding a field the app
 * starts to read means adding it here, with its resolver in schema.ts.
 */
export const SDL = /* GraphQL */ `
  "An ISO-8601 encoded UTC date time string, e.g. 2019-09-07T15:50:00Z."
  scalar DateTime
  "A signed decimal number, serialized as a string."
  scalar Decimal
  "A monetary value string, e.g. 29.99."
  scalar Money
  scalar URL
  "An unsigned 64-bit integer, serialized as a string."
  scalar UnsignedInt64

  interface Node {
    id: ID!
  }

  type PageInfo {
    hasNextPage: Boolean!
    hasPreviousPage: Boolean!
    startCursor: String
    endCursor: String
  }

  enum CurrencyCode {
    GBP
    USD
    EUR
  }
  enum CountryCode {
    GB
    IE
    US
    FR
    ES
    DE
  }
  enum CountPrecision {
    EXACT
    AT_LEAST
  }
  type Count {
    count: Int!
    precision: CountPrecision!
  }

  type Query {
    shop: Shop!
    node(id: ID!): Node
    nodes(ids: [ID!]!): [Node]!
    location(id: ID): Location
    locations(
      first: Int
      after: String
      last: Int
      before: String
      reverse: Boolean = false
      sortKey: LocationSortKeys = NAME
      query: String
      includeInactive: Boolean = false
      includeLegacy: Boolean = false
    ): LocationConnection!
    product(id: ID!): Product
    products(
      first: Int
      after: String
      last: Int
      before: String
      reverse: Boolean = false
      sortKey: ProductSortKeys = ID
      query: String
    ): ProductConnection!
    productsCount(query: String, limit: Int = 10000): Count
    productVariant(id: ID!): ProductVariant
    productVariants(
      first: Int
      after: String
      last: Int
      before: String
      reverse: Boolean = false
      query: String
    ): ProductVariantConnection!
    inventoryItem(id: ID!): InventoryItem
    inventoryItems(first: Int, after: String, last: Int, before: String, reverse: Boolean = false, query: String): InventoryItemConnection!
    inventoryLevel(id: ID!): InventoryLevel
    order(id: ID!): Order
    orders(
      first: Int
      after: String
      last: Int
      before: String
      reverse: Boolean = false
      sortKey: OrderSortKeys = ID
      query: String
    ): OrderConnection!
    ordersCount(query: String, limit: Int = 10000): Count
    currentBulkOperation(type: BulkOperationType = QUERY): BulkOperation
  }

  type Mutation {
    bulkOperationRunQuery(query: String!, groupObjects: Boolean = false): BulkOperationRunQueryPayload
    bulkOperationCancel(id: ID!): BulkOperationCancelPayload
    inventorySetQuantities(input: InventorySetQuantitiesInput!): InventorySetQuantitiesPayload
    inventoryAdjustQuantities(input: InventoryAdjustQuantitiesInput!): InventoryAdjustQuantitiesPayload
  }

  # --- shop -------------------------------------------------------------------------------------------

  type Shop implements Node {
    id: ID!
    name: String!
    email: String!
    contactEmail: String!
    myshopifyDomain: String!
    url: URL!
    currencyCode: CurrencyCode!
    ianaTimezone: String!
    timezoneAbbreviation: String!
    billingAddress: ShopAddress!
    plan: ShopPlan!
  }
  type ShopAddress {
    city: String
    countryCodeV2: CountryCode
  }
  type ShopPlan {
    publicDisplayName: String!
    partnerDevelopment: Boolean!
    shopifyPlus: Boolean!
  }

  # --- locations --------------------------------------------------------------------------------------

  enum LocationSortKeys {
    ID
    NAME
  }
  type Location implements Node {
    id: ID!
    legacyResourceId: UnsignedInt64!
    name: String!
    isActive: Boolean!
    fulfillsOnlineOrders: Boolean!
    createdAt: DateTime!
    updatedAt: DateTime!
    address: LocationAddress!
    inventoryLevels(
      first: Int
      after: String
      last: Int
      before: String
      reverse: Boolean = false
      query: String
    ): InventoryLevelConnection!
    inventoryLevel(inventoryItemId: ID!): InventoryLevel
  }
  type LocationAddress {
    city: String
    countryCode: String
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

  # --- products ---------------------------------------------------------------------------------------

  enum ProductSortKeys {
    ID
    TITLE
    UPDATED_AT
    CREATED_AT
  }
  enum ProductStatus {
    ACTIVE
    ARCHIVED
    DRAFT
  }
  type Product implements Node {
    id: ID!
    legacyResourceId: UnsignedInt64!
    title: String!
    handle: String!
    vendor: String!
    productType: String!
    status: ProductStatus!
    createdAt: DateTime!
    updatedAt: DateTime!
    totalInventory: Int!
    variantsCount: Count
    variants(first: Int, after: String, last: Int, before: String, reverse: Boolean = false): ProductVariantConnection!
    "The featured media (null without media). Image files are served by the stand-in at /cdn/shop/files/<id>.png."
    featuredMedia: Media
    featuredImage: Image @deprecated(reason: "Use \`featuredMedia\` instead.")
  }
  enum MediaContentType {
    EXTERNAL_VIDEO
    IMAGE
    MODEL_3D
    VIDEO
  }
  enum MediaStatus {
    UPLOADED
    PROCESSING
    READY
    FAILED
  }
  enum MediaPreviewImageStatus {
    UPLOADED
    PROCESSING
    READY
    FAILED
  }
  interface Media {
    id: ID!
    alt: String
    mediaContentType: MediaContentType!
    status: MediaStatus!
    preview: MediaPreviewImage
  }
  type MediaPreviewImage {
    image: Image
    status: MediaPreviewImageStatus!
  }
  type MediaImage implements Media & Node {
    id: ID!
    alt: String
    mediaContentType: MediaContentType!
    status: MediaStatus!
    preview: MediaPreviewImage
    image: Image
    mimeType: String
    createdAt: DateTime!
    updatedAt: DateTime!
  }
  type Image {
    id: ID
    url: URL!
    altText: String
    width: Int
    height: Int
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
  type ProductVariant implements Node {
    id: ID!
    legacyResourceId: UnsignedInt64!
    title: String!
    displayName: String!
    sku: String
    price: Money!
    position: Int!
    inventoryQuantity: Int
    createdAt: DateTime!
    updatedAt: DateTime!
    product: Product!
    inventoryItem: InventoryItem!
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

  # --- inventory --------------------------------------------------------------------------------------

  type InventoryItem implements Node {
    id: ID!
    legacyResourceId: UnsignedInt64!
    sku: String
    tracked: Boolean!
    createdAt: DateTime!
    updatedAt: DateTime!
    variant: ProductVariant!
    inventoryLevels(
      first: Int
      after: String
      last: Int
      before: String
      reverse: Boolean = false
      query: String
    ): InventoryLevelConnection!
    inventoryLevel(locationId: ID!): InventoryLevel
  }
  type InventoryItemEdge {
    cursor: String!
    node: InventoryItem!
  }
  type InventoryItemConnection {
    edges: [InventoryItemEdge!]!
    nodes: [InventoryItem!]!
    pageInfo: PageInfo!
  }
  type InventoryLevel implements Node {
    id: ID!
    createdAt: DateTime!
    updatedAt: DateTime!
    canDeactivate: Boolean!
    item: InventoryItem!
    location: Location!
    quantities(names: [String!]!): [InventoryQuantity!]!
  }
  type InventoryQuantity implements Node {
    id: ID!
    name: String!
    quantity: Int!
    updatedAt: DateTime
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

  input InventoryQuantityInput {
    inventoryItemId: ID!
    locationId: ID!
    quantity: Int!
    compareQuantity: Int
  }
  input InventorySetQuantitiesInput {
    name: String!
    reason: String!
    referenceDocumentUri: String
    quantities: [InventoryQuantityInput!]!
    ignoreCompareQuantity: Boolean = false
  }
  input InventoryChangeInput {
    delta: Int!
    inventoryItemId: ID!
    locationId: ID!
    ledgerDocumentUri: String
  }
  input InventoryAdjustQuantitiesInput {
    name: String!
    reason: String!
    referenceDocumentUri: String
    changes: [InventoryChangeInput!]!
  }
  type InventoryChange {
    name: String!
    delta: Int!
    quantityAfterChange: Int
    ledgerDocumentUri: String
    item: InventoryItem
    location: Location
  }
  type InventoryAdjustmentGroup implements Node {
    id: ID!
    createdAt: DateTime!
    reason: String!
    referenceDocumentUri: String
    changes(inventoryItemIds: [ID!], locationIds: [ID!], quantityNames: [String!]): [InventoryChange!]!
  }
  enum InventorySetQuantitiesUserErrorCode {
    INVALID_INVENTORY_ITEM
    INVALID_LOCATION
    INVALID_QUANTITY_NAME
    INVALID_REASON
    INVALID_REFERENCE_DOCUMENT
    ITEM_NOT_STOCKED_AT_LOCATION
    COMPARE_QUANTITY_REQUIRED
    COMPARE_QUANTITY_STALE
    INVALID_QUANTITY_DOCUMENTS
    NO_DUPLICATE_INVENTORY_ITEM_ID_GROUP_ID_PAIR
  }
  type InventorySetQuantitiesUserError {
    code: InventorySetQuantitiesUserErrorCode
    field: [String!]
    message: String!
  }
  type InventorySetQuantitiesPayload {
    inventoryAdjustmentGroup: InventoryAdjustmentGroup
    userErrors: [InventorySetQuantitiesUserError!]!
  }
  enum InventoryAdjustQuantitiesUserErrorCode {
    INVALID_INVENTORY_ITEM
    INVALID_LOCATION
    INVALID_QUANTITY_NAME
    INVALID_REASON
    ITEM_NOT_STOCKED_AT_LOCATION
    INVALID_QUANTITY_TOO_HIGH
    INVALID_QUANTITY_TOO_LOW
  }
  type InventoryAdjustQuantitiesUserError {
    code: InventoryAdjustQuantitiesUserErrorCode
    field: [String!]
    message: String!
  }
  type InventoryAdjustQuantitiesPayload {
    inventoryAdjustmentGroup: InventoryAdjustmentGroup
    userErrors: [InventoryAdjustQuantitiesUserError!]!
  }

  # --- orders -----------------------------------------------------------------------------------------

  enum OrderSortKeys {
    ID
    CREATED_AT
    PROCESSED_AT
    UPDATED_AT
  }
  enum OrderDisplayFulfillmentStatus {
    FULFILLED
    FULFILLMENT_NOT_REQUIRED
    IN_PROGRESS
    ON_HOLD
    OPEN
    PARTIALLY_FULFILLED
    PENDING_FULFILLMENT
    REQUEST_DECLINED
    RESTOCKED
    SCHEDULED
    UNFULFILLED
  }
  enum OrderCancelReason {
    CUSTOMER
    INVENTORY
    OTHER
    DECLINED
    FRAUD
    STAFF
  }
  type MoneyV2 {
    amount: Decimal!
    currencyCode: CurrencyCode!
  }
  type MoneyBag {
    shopMoney: MoneyV2!
    presentmentMoney: MoneyV2!
  }
  type Order implements Node {
    id: ID!
    legacyResourceId: UnsignedInt64!
    name: String!
    createdAt: DateTime!
    processedAt: DateTime!
    updatedAt: DateTime!
    cancelledAt: DateTime
    cancelReason: OrderCancelReason
    test: Boolean!
    currencyCode: CurrencyCode!
    sourceName: String
    displayFulfillmentStatus: OrderDisplayFulfillmentStatus!
    retailLocation: Location
    totalPriceSet: MoneyBag!
    lineItems(first: Int, after: String, last: Int, before: String, reverse: Boolean = false): LineItemConnection!
    fulfillments(first: Int): [Fulfillment!]!
    refunds(first: Int): [Refund!]!
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
  type LineItem implements Node {
    id: ID!
    quantity: Int!
    currentQuantity: Int!
    sku: String
    name: String!
    title: String!
    variantTitle: String
    variant: ProductVariant
    product: Product
    originalUnitPriceSet: MoneyBag!
    discountedTotalSet: MoneyBag!
    originalTotalSet: MoneyBag!
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
  type Fulfillment implements Node {
    id: ID!
    status: String!
    createdAt: DateTime!
    location: Location
  }
  enum RefundLineItemRestockType {
    RETURN
    CANCEL
    LEGACY_RESTOCK
    NO_RESTOCK
  }
  type Refund implements Node {
    id: ID!
    legacyResourceId: UnsignedInt64!
    createdAt: DateTime
    note: String
    refundLineItems(first: Int, after: String, last: Int, before: String, reverse: Boolean = false): RefundLineItemConnection!
  }
  type RefundLineItem {
    id: ID
    lineItem: LineItem!
    quantity: Int!
    restockType: RefundLineItemRestockType!
    restocked: Boolean!
    location: Location
    subtotalSet: MoneyBag!
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

  # --- bulk operations --------------------------------------------------------------------------------

  enum BulkOperationType {
    QUERY
    MUTATION
  }
  enum BulkOperationStatus {
    CREATED
    RUNNING
    COMPLETED
    CANCELING
    CANCELED
    FAILED
    EXPIRED
  }
  enum BulkOperationErrorCode {
    ACCESS_DENIED
    INTERNAL_SERVER_ERROR
    TIMEOUT
  }
  type BulkOperation implements Node {
    id: ID!
    type: BulkOperationType!
    status: BulkOperationStatus!
    errorCode: BulkOperationErrorCode
    createdAt: DateTime!
    completedAt: DateTime
    objectCount: UnsignedInt64!
    rootObjectCount: UnsignedInt64!
    fileSize: UnsignedInt64
    url: URL
    partialDataUrl: URL
    query: String!
  }
  enum BulkOperationUserErrorCode {
    INVALID
    OPERATION_IN_PROGRESS
  }
  type BulkOperationUserError {
    code: BulkOperationUserErrorCode
    field: [String!]
    message: String!
  }
  type BulkOperationRunQueryPayload {
    bulkOperation: BulkOperation
    userErrors: [BulkOperationUserError!]!
  }
  type UserError {
    field: [String!]
    message: String!
  }
  type BulkOperationCancelPayload {
    bulkOperation: BulkOperation
    userErrors: [UserError!]!
  }
`;
