/** The local Shopify stand-in (dev/test only). See README.md. */
export { loadAppConfig, parseScopes, type AppConfig, type WebhookSubscription } from "./config";
export { hostParam, mintSessionToken, signQuery, signedQuery, verifySessionToken, webhookHmac, type MintOptions } from "./crypto";
export { startShopifyStandIn, type AdminFailure, type ShopifyStandIn, type StandInOptions, type StoreOptions } from "./server";
export { redirectShopifyFetch, toStandInUrl } from "./redirect";
export { startTunnel, APP_BRIDGE_CDN_URL, type Tunnel, type TunnelOptions } from "./tunnel";
export { buildDemoStore, ID_SPACES, isoDay, storeIds, type DemoStore, type ScaleOptions, type StoreIds } from "./store/demo-store";
export { netUnitsOn, ordersOn, type DemoOrder, type DemoLineItem, type DemoRefund } from "./store/orders";
export { StoreState, type StoreView, type ProductRecord, type VariantRecord, type LevelRecord } from "./store/state";
export { compileBulkQuery, bulkLines, type BulkFailure, type DownloadCut } from "./bulk";
export { WebhookDispatcher, type DeliveryMode, type DeliveryAttempt, type WebhookStats, type DeliveryResult } from "./webhooks";
export { Simulator, type SimulatorOptions, type SimEvent, type SimEventKind } from "./simulator";
export { LeakyBucket } from "./graphql/bucket";
export { BillingHub, type BillingFault, type SubscriptionView } from "./billing";
