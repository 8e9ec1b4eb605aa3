/**
 * The Billing API part of the Admin GraphQL schema (API 2025-10), added to sdl.ts's SDL by schema.ts:
 * Shopify's type, field, argument and enum names for what @shopify/shopify-api's billing functions
 * send (lib/billing/*.mjs) plus `allSubscriptions`, `node` and `appSubscriptionTrialExtend`.
 */
export const BILLING_SDL = /* GraphQL */ `
  extend type Query {
    currentAppInstallation: AppInstallation!
  }

  extend type Mutation {
    appSubscriptionCreate(
      name: String!
      lineItems: [AppSubscriptionLineItemInput!]!
      test: Boolean
      trialDays: Int
      returnUrl: URL!
      replacementBehavior: AppSubscriptionReplacementBehavior = STANDARD
    ): AppSubscriptionCreatePayload
    appSubscriptionCancel(id: ID!, prorate: Boolean = false): AppSubscriptionCancelPayload
    appSubscriptionLineItemUpdate(id: ID!, cappedAmount: MoneyInput!): AppSubscriptionLineItemUpdatePayload
    appSubscriptionTrialExtend(id: ID!, days: Int!): AppSubscriptionTrialExtendPayload
    appUsageRecordCreate(
      subscriptionLineItemId: ID!
      price: MoneyInput!
      description: String!
      idempotencyKey: String
    ): AppUsageRecordCreatePayload
  }

  input MoneyInput {
    amount: Decimal!
    currencyCode: CurrencyCode!
  }

  enum AppSubscriptionStatus {
    PENDING
    ACCEPTED
    ACTIVE
    DECLINED
    EXPIRED
    FROZEN
    CANCELLED
  }
  enum AppPricingInterval {
    EVERY_30_DAYS
    ANNUAL
  }
  enum AppSubscriptionReplacementBehavior {
    APPLY_IMMEDIATELY
    APPLY_ON_NEXT_BILLING_CYCLE
    STANDARD
  }
  enum AppSubscriptionSortKeys {
    CREATED_AT
    ID
    RELEVANCE
  }
  enum AppTransactionSortKeys {
    CREATED_AT
    ID
    RELEVANCE
  }
  enum AppPurchaseStatus {
    ACCEPTED
    ACTIVE
    DECLINED
    EXPIRED
    PENDING
  }

  input AppSubscriptionLineItemInput {
    plan: AppPlanInput!
  }
  input AppPlanInput {
    appRecurringPricingDetails: AppRecurringPricingInput
    appUsagePricingDetails: AppUsagePricingInput
  }
  input AppRecurringPricingInput {
    price: MoneyInput!
    interval: AppPricingInterval = EVERY_30_DAYS
    discount: AppSubscriptionDiscountInput
    planHandle: String
  }
  input AppSubscriptionDiscountInput {
    value: AppSubscriptionDiscountValueInput
    durationLimitInIntervals: Int
  }
  input AppSubscriptionDiscountValueInput {
    percentage: Float
    amount: Decimal
  }
  input AppUsagePricingInput {
    cappedAmount: MoneyInput!
    terms: String!
  }

  type AppInstallation implements Node {
    id: ID!
    launchUrl: URL!
    activeSubscriptions: [AppSubscription!]!
    allSubscriptions(
      first: Int
      after: String
      last: Int
      before: String
      reverse: Boolean = false
      sortKey: AppSubscriptionSortKeys = CREATED_AT
    ): AppSubscriptionConnection!
    oneTimePurchases(
      first: Int
      after: String
      last: Int
      before: String
      reverse: Boolean = false
      sortKey: AppTransactionSortKeys = CREATED_AT
    ): AppPurchaseOneTimeConnection!
  }

  type AppSubscription implements Node {
    id: ID!
    name: String!
    status: AppSubscriptionStatus!
    test: Boolean!
    trialDays: Int!
    createdAt: DateTime!
    currentPeriodEnd: DateTime
    returnUrl: URL!
    lineItems: [AppSubscriptionLineItem!]!
  }
  type AppSubscriptionEdge {
    cursor: String!
    node: AppSubscription!
  }
  type AppSubscriptionConnection {
    edges: [AppSubscriptionEdge!]!
    nodes: [AppSubscription!]!
    pageInfo: PageInfo!
  }

  type AppSubscriptionLineItem {
    id: ID!
    plan: AppPlanV2!
    usageRecords(
      first: Int
      after: String
      last: Int
      before: String
      reverse: Boolean = false
      sortKey: AppUsageRecordSortKeys = CREATED_AT
    ): AppUsageRecordConnection!
  }
  enum AppUsageRecordSortKeys {
    CREATED_AT
    ID
    RELEVANCE
  }
  type AppPlanV2 {
    pricingDetails: AppPricingDetails!
  }
  union AppPricingDetails = AppRecurringPricing | AppUsagePricing
  type AppRecurringPricing {
    interval: AppPricingInterval!
    price: MoneyV2!
    discount: AppSubscriptionDiscount
    planHandle: String
  }
  type AppUsagePricing {
    balanceUsed: MoneyV2!
    cappedAmount: MoneyV2!
    interval: AppPricingInterval!
    terms: String!
  }
  type AppSubscriptionDiscount {
    durationLimitInIntervals: Int
    remainingDurationInIntervals: Int
    priceAfterDiscount: MoneyV2!
    value: AppSubscriptionDiscountValue!
  }
  union AppSubscriptionDiscountValue = AppSubscriptionDiscountAmount | AppSubscriptionDiscountPercentage
  type AppSubscriptionDiscountAmount {
    amount: MoneyV2!
  }
  type AppSubscriptionDiscountPercentage {
    percentage: Float!
  }

  type AppUsageRecord implements Node {
    id: ID!
    createdAt: DateTime!
    description: String!
    idempotencyKey: String
    price: MoneyV2!
    subscriptionLineItem: AppSubscriptionLineItem!
  }
  type AppUsageRecordEdge {
    cursor: String!
    node: AppUsageRecord!
  }
  type AppUsageRecordConnection {
    edges: [AppUsageRecordEdge!]!
    nodes: [AppUsageRecord!]!
    pageInfo: PageInfo!
  }

  type AppPurchaseOneTime implements Node {
    id: ID!
    name: String!
    price: MoneyV2!
    status: AppPurchaseStatus!
    test: Boolean!
    createdAt: DateTime!
  }
  type AppPurchaseOneTimeEdge {
    cursor: String!
    node: AppPurchaseOneTime!
  }
  type AppPurchaseOneTimeConnection {
    edges: [AppPurchaseOneTimeEdge!]!
    nodes: [AppPurchaseOneTime!]!
    pageInfo: PageInfo!
  }

  type AppSubscriptionCreatePayload {
    appSubscription: AppSubscription
    confirmationUrl: URL
    userErrors: [UserError!]!
  }
  type AppSubscriptionCancelPayload {
    appSubscription: AppSubscription
    userErrors: [UserError!]!
  }
  type AppSubscriptionLineItemUpdatePayload {
    appSubscription: AppSubscription
    confirmationUrl: URL
    userErrors: [UserError!]!
  }
  enum AppSubscriptionTrialExtendUserErrorCode {
    SUBSCRIPTION_NOT_FOUND
    SUBSCRIPTION_NOT_ACTIVE
    TRIAL_NOT_ACTIVE
  }
  type AppSubscriptionTrialExtendUserError {
    code: AppSubscriptionTrialExtendUserErrorCode
    field: [String!]
    message: String!
  }
  type AppSubscriptionTrialExtendPayload {
    appSubscription: AppSubscription
    userErrors: [AppSubscriptionTrialExtendUserError!]!
  }
  type AppUsageRecordCreatePayload {
    appUsageRecord: AppUsageRecord
    userErrors: [UserError!]!
  }
`;
