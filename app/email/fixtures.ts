/**
 * Realistic sample content for every template: a British outdoor shop with out-of-stock best sellers,
 * stockouts to come, dead stock, a failed forecast run, a failed payment and a trial about to end. Used by
 * the tests, the screenshots (tests/support/email-screenshots.ts) and the settings preview before a shop has
 * data of its own.
 * The content is in model.ts's input form: `EmailContent.parse` it before `renderEmail`.
 */
import { type Locale } from "../i18n/i18n";
import { type EmailContentInput, type EmailTemplate } from "./model";

type Fixture<K extends EmailTemplate> = Extract<EmailContentInput, { template: K }>;
type SectionInput = NonNullable<Fixture<"test">["sample"]>;
type ItemInput<T extends SectionInput["alertType"]> = Extract<SectionInput, { alertType: T }>["items"][number];

export const FIXTURE_NOW = "2026-03-05T07:00:00Z";
const IMAGES = "https://cdn.shopify.com/s/files/1/0612/3581/files";

const shop = {
  name: "Northwind Outfitters",
  domain: "northwind-outfitters.myshopify.com",
  currency: "GBP",
  locale: "en",
  countryCode: "GB",
  timezone: "Europe/London",
};
const branding = { senderName: "Northwind Outfitters", logoUrl: null, accentColor: "#1a6b3c" };
const links = {
  fluxorBaseUrl: "https://admin.shopify.com/store/northwind-outfitters/apps/fluxor",
  preferencesUrl: "https://fluxor.app/email/preferences/eyJzIjoibm9ydGh3aW5kIn0.sig",
  unsubscribeUrl: "https://fluxor.app/email/unsubscribe/eyJzIjoibm9ydGh3aW5kIn0.sig",
};
const envelope = { shop, branding, recipient: "maya@northwind.example", generatedAt: FIXTURE_NOW };

const outOfStock: ItemInput<"out_of_stock">[] = [
  {
    alertType: "out_of_stock",
    variantId: "44712003190831",
    productId: "8123400011823",
    productTitle: "Colouring Pencils Brown Tube",
    variantTitle: "Default Title",
    sku: "10133",
    // As Shopify gives it: a version parameter that the thumbnail's `width` joins.
    imageUrl: `${IMAGES}/colouring-pencils.png?v=1709550000`,
    available: 0,
    daysOfCover: 0,
    stockoutDate: null,
    outOfStockSince: "2026-02-14",
    outOfStockSinceEstimated: true,
    lostSalesPerDay: { units: 27.4, amount: 136.73 },
    lostSalesToDate: { units: 520, amount: 2594.8 },
    suggestedOrderQty: 960,
  },
  {
    alertType: "out_of_stock",
    variantId: "44712003223599",
    productId: "8123400044591",
    productTitle: "Merino Wool Beanie",
    variantTitle: "Charcoal",
    sku: "MWB-CHA",
    imageUrl: null,
    available: 0,
    daysOfCover: 0,
    stockoutDate: null,
    outOfStockSince: "2026-02-27",
    outOfStockSinceEstimated: false,
    lostSalesPerDay: { units: 6.1, amount: 140.3 },
    lostSalesToDate: { units: 43, amount: 989 },
    suggestedOrderQty: 180,
  },
  {
    alertType: "out_of_stock",
    variantId: "44712003256367",
    productId: "8123400077359",
    productTitle: "Trail Runner Socks",
    variantTitle: "M / Blue",
    sku: "TRS-M-BLU",
    imageUrl: `${IMAGES}/trail-socks.png`,
    available: -2,
    daysOfCover: 0,
    stockoutDate: null,
    outOfStockSince: "2026-03-01",
    outOfStockSinceEstimated: true,
    lostSalesPerDay: { units: 9.8, amount: 88.2 },
    lostSalesToDate: { units: 39, amount: 351 },
    suggestedOrderQty: 240,
  },
  {
    alertType: "out_of_stock",
    variantId: "44712003289135",
    productId: "8123400110127",
    productTitle: "Enamel Camping Mug",
    variantTitle: "Forest Green",
    sku: "ECM-FG",
    imageUrl: null,
    available: 0,
    daysOfCover: 0,
    stockoutDate: null,
    outOfStockSince: "2026-03-03",
    outOfStockSinceEstimated: false,
    lostSalesPerDay: { units: 4.4, amount: 48.4 },
    lostSalesToDate: { units: 9, amount: 99 },
    suggestedOrderQty: 96,
  },
];

const predicted: ItemInput<"stockout_predicted">[] = [
  {
    alertType: "stockout_predicted",
    variantId: "44712003321903",
    productId: "8123400142895",
    productTitle: "Waxed Canvas Backpack",
    variantTitle: "Olive / 24 L",
    sku: "WCB-OL-24",
    imageUrl: `${IMAGES}/canvas-backpack.png`,
    available: 14,
    daysOfCover: 4.6,
    stockoutDate: "2026-03-09",
    leadTimeDays: 21,
    suggestedOrderQty: 120,
  },
  {
    alertType: "stockout_predicted",
    variantId: "44712003354671",
    productId: "8123400175663",
    productTitle: "Insulated Water Bottle",
    variantTitle: "750 ml / Slate",
    sku: "IWB-750-SL",
    imageUrl: null,
    available: 38,
    daysOfCover: 9.3,
    stockoutDate: "2026-03-14",
    leadTimeDays: 14,
    suggestedOrderQty: 200,
  },
];

const reorder: ItemInput<"reorder_point">[] = [
  {
    alertType: "reorder_point",
    variantId: "44712003387439",
    productId: "8123400208431",
    productTitle: "Packable Rain Jacket",
    variantTitle: "Women's / M / Navy",
    sku: "PRJ-W-M-NV",
    imageUrl: `${IMAGES}/rain-jacket.png`,
    available: 22,
    daysOfCover: 11,
    stockoutDate: "2026-03-16",
    reorderPoint: 30,
    suggestedOrderQty: 64,
  },
];

const lowStock: ItemInput<"low_stock">[] = [
  {
    alertType: "low_stock",
    variantId: "44712003420207",
    productId: "8123400241199",
    productTitle: "Fleece Neck Gaiter",
    variantTitle: "Black",
    sku: "FNG-BLK",
    imageUrl: null,
    available: 6,
    daysOfCover: 3.5,
    stockoutDate: "2026-03-08",
    suggestedOrderQty: 50,
  },
  {
    alertType: "low_stock",
    variantId: "44712003452975",
    productId: "8123400273967",
    productTitle: "Titanium Spork",
    variantTitle: null,
    sku: "TSP-01",
    imageUrl: `${IMAGES}/spork.png`,
    available: 8,
    daysOfCover: 12,
    stockoutDate: "2026-03-17",
    suggestedOrderQty: 40,
  },
];

const deadStock: ItemInput<"dead_stock">[] = [
  {
    alertType: "dead_stock",
    variantId: "44712003485743",
    productId: "8123400306735",
    productTitle: "Snowshoe Trekking Kit",
    variantTitle: "Large",
    sku: "SNK-L",
    imageUrl: `${IMAGES}/snowshoes.png`,
    available: 31,
    daysOfCover: null,
    stockoutDate: null,
    lastSaleDay: "2025-10-28",
    stockValue: 5549,
    suggestedOrderQty: 0,
  },
  {
    alertType: "dead_stock",
    variantId: "44712003518511",
    productId: "8123400339503",
    productTitle: "Solar Lantern",
    variantTitle: "Default Title",
    sku: "SOL-LAN",
    imageUrl: null,
    available: 57,
    daysOfCover: null,
    stockoutDate: null,
    lastSaleDay: null,
    stockValue: 1653,
    suggestedOrderQty: 0,
  },
];

export const EMAIL_FIXTURES: { [K in EmailTemplate]: Fixture<K> } = {
  out_of_stock: {
    template: "out_of_stock",
    ...envelope,
    links,
    section: { alertType: "out_of_stock", items: outOfStock, totals: { items: 17, lostSalesPerDay: 412.35 } },
  },
  stockout_predicted: {
    template: "stockout_predicted",
    ...envelope,
    links,
    section: { alertType: "stockout_predicted", window: { kind: "days", days: 14 }, items: predicted },
  },
  reorder_point: { template: "reorder_point", ...envelope, links, section: { alertType: "reorder_point", items: reorder } },
  low_stock: {
    template: "low_stock",
    ...envelope,
    links,
    section: { alertType: "low_stock", threshold: { kind: "units", units: 10 }, items: lowStock },
  },
  dead_stock: {
    template: "dead_stock",
    ...envelope,
    links,
    section: { alertType: "dead_stock", noSaleDays: 90, items: deadStock, totals: { items: 42, stockValue: 9514.77 } },
  },
  forecast_failed: {
    template: "forecast_failed",
    ...envelope,
    recipient: "ops@fluxor.example",
    links,
    run: {
      id: "run_2026-03-05_0200_northwind",
      error: [
        "ForecastWorkerError: worker 3 exited with code 137 (out of memory) while fitting MSTL for variant 44712003190831",
        "    at WorkerPool.onExit (app/forecasting/worker-pool.server.ts:88:13)",
        "    at ChildProcess.emit (node:events:519:28)",
      ].join("\n"),
      failedAt: "2026-03-05T02:14:09Z",
      attempt: 3,
      url: null,
    },
  },
  digest: {
    template: "digest",
    ...envelope,
    links,
    frequency: "daily",
    // Not in order of urgency: the digest sorts its sections itself.
    sections: [
      { alertType: "dead_stock", noSaleDays: 90, items: deadStock.slice(0, 1) },
      { alertType: "stockout_predicted", window: { kind: "lead_time" }, items: predicted },
      { alertType: "out_of_stock", items: outOfStock.slice(0, 3) },
      { alertType: "reorder_point", items: reorder },
    ],
  },
  weekly_summary: {
    template: "weekly_summary",
    ...envelope,
    links,
    period: { from: "2026-02-23", to: "2026-03-01" },
    alerts: { sent: 24, opened: 17, clicked: 11, actedOn: 9 },
    lostSalesAvoided: 1240.5,
    atRisk: { out_of_stock: 17, stockout_predicted: 9, reorder_point: 14, low_stock: 6, dead_stock: 42 },
  },
  recipient_confirmation: {
    template: "recipient_confirmation",
    ...envelope,
    recipient: "buyer@northwind.example",
    confirmUrl: "https://fluxor.app/email/confirm/eyJlIjoiYnV5ZXJAbm9ydGh3aW5kLmV4YW1wbGUifQ.sig",
    expiresAt: "2026-03-08T07:00:00Z",
    requestedBy: "Maya Patel",
  },
  test: {
    template: "test",
    ...envelope,
    branding: { ...branding, logoUrl: `${IMAGES}/northwind-logo.png` },
    links,
    sample: { alertType: "out_of_stock", items: outOfStock.slice(0, 2) },
  },
  // Day 0 of a frozen Shopify subscription (the shop's Shopify bill is unpaid: no amount of Fluxor's own).
  dunning: {
    template: "dunning",
    ...envelope,
    step: "payment_failed",
    rail: "shopify",
    planName: "Pro",
    amountDue: null,
    failedAt: "2026-03-05T06:12:00Z",
    graceEndsAt: "2026-03-12T06:12:00Z",
    actionUrl: "https://admin.shopify.com/store/northwind-outfitters/settings/billing",
    billingUrl: `${links.fluxorBaseUrl}/app/billing`,
  },
  trial_ending: {
    template: "trial_ending",
    ...envelope,
    trialEndsAt: "2026-03-07T09:30:00Z",
    trialPlanName: "Pro",
    startingPrice: { amount: 29, currency: "USD" },
    actionUrl: `${links.fluxorBaseUrl}/app/billing`,
  },
};

/** A template's fixture in another language. */
export function emailFixture<K extends EmailTemplate>(template: K, locale: Locale = "en"): Fixture<K> {
  const fixture = EMAIL_FIXTURES[template];
  return { ...fixture, shop: { ...fixture.shop, locale } };
}
