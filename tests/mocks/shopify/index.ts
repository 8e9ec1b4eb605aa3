export { buildDemoStore, type DemoStore } from "./demo-store";
export { netUnitsOn, ordersOn, type DemoOrder } from "./orders";
export { redirectShopifyFetch, toStandInUrl } from "./redirect";
export { loadAppConfig, signQuery, signSessionToken, startShopifyStandIn, type AppConfig, type ShopifyStandIn } from "./server";
export { startTunnel, type Tunnel } from "./tunnel";
