/**
 * The products of an alert, ready to show: ranked by urgency, capped, and each turned into its title,
 * status line, facts and links. Pure (words and formats come from the EmailEnv), so the HTML and the text
 * part show exactly the same facts.
 */
import { ALERT_TYPES, type AlertItem, type AlertSection, type EmailLinks, type EmailShop } from "../model";
import { type EmailEnv } from "./env";
import { adminProductUrl, alertListUrl, variantUrl } from "./links";

/** Most products shown in one alert email, and in each section of a digest; the rest are "and N more". */
export const ITEM_LIMIT = { alert: 20, digestSection: 10, sample: 3 } as const;

const byNullableAsc = (a: number | string | null, b: number | string | null): number => {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return a < b ? -1 : 1;
};
const lostPerDay = (item: AlertItem) => item.lostSalesPerDay?.amount ?? 0;

/** Most urgent first: out of stock by lost revenue, the soonest stockouts, the lowest cover, the most valuable dead stock. */
function compareItems(a: AlertItem, b: AlertItem): number {
  if (a.alertType !== b.alertType) return ALERT_TYPES.indexOf(a.alertType) - ALERT_TYPES.indexOf(b.alertType);
  let order = 0;
  if (a.alertType === "out_of_stock")
    order = lostPerDay(b) - lostPerDay(a) || (b.lostSalesToDate?.amount ?? 0) - (a.lostSalesToDate?.amount ?? 0);
  else if (a.alertType === "stockout_predicted") order = byNullableAsc(a.stockoutDate, b.stockoutDate) || lostPerDay(b) - lostPerDay(a);
  else if (a.alertType === "dead_stock" && b.alertType === "dead_stock") order = b.stockValue - a.stockValue;
  else order = byNullableAsc(a.daysOfCover, b.daysOfCover) || a.available - b.available;
  return order || a.productTitle.localeCompare(b.productTitle) || a.variantId.localeCompare(b.variantId);
}

/** Sections in the order of urgency (out of stock first). */
export function sortSections<T extends AlertSection>(sections: readonly T[]): T[] {
  return [...sections].sort((a, b) => ALERT_TYPES.indexOf(a.alertType) - ALERT_TYPES.indexOf(b.alertType));
}

export interface SectionSummary {
  /** How many products the alert is about (more than `shown` when the list was capped). */
  count: number;
  shown: AlertItem[];
  more: number;
  moreUrl: string;
  lostSalesPerDay: number;
  stockValue: number;
}

export function summarize(section: AlertSection, limit: number, links: EmailLinks): SectionSummary {
  const items: AlertItem[] = [...section.items].sort(compareItems);
  const count = Math.max(section.totals?.items ?? 0, items.length);
  const shown = items.slice(0, limit);
  const sum = (value: (item: AlertItem) => number) => items.reduce((total, item) => total + value(item), 0);
  return {
    count,
    shown,
    more: count - shown.length,
    moreUrl: section.listUrl ?? alertListUrl(links.fluxorBaseUrl, section.alertType),
    lostSalesPerDay: section.totals?.lostSalesPerDay ?? sum(lostPerDay),
    stockValue: section.totals?.stockValue ?? sum((item) => (item.alertType === "dead_stock" ? item.stockValue : 0)),
  };
}

export type StatusTone = "danger" | "warning" | "neutral";

export interface Fact {
  label: string;
  value: string;
}

/** Width asked of Shopify's CDN for a thumbnail: 2.5× the 64 px it is shown at, sharp on high-density screens. */
export const THUMBNAIL_REQUEST_WIDTH = 160;

/**
 * The address of a product's thumbnail: on Shopify's CDN (`cdn.shopify.com`), which resizes on request, the
 * image at THUMBNAIL_REQUEST_WIDTH (its other parameters, such as `v`, kept); any other host as it is.
 */
export function thumbnailUrl(imageUrl: string): string {
  let url: URL;
  try {
    url = new URL(imageUrl);
  } catch {
    return imageUrl;
  }
  if (url.hostname !== "cdn.shopify.com") return imageUrl;
  url.searchParams.set("width", String(THUMBNAIL_REQUEST_WIDTH));
  return url.toString();
}

export interface ItemView {
  key: string;
  title: string;
  /** Variant title and SKU, when there are any. */
  details: string[];
  imageUrl: string | null;
  imageAlt: string;
  /** The first letter, on the placeholder when there is no image. */
  initial: string;
  status: { text: string; tone: StatusTone };
  facts: Fact[];
  fluxorUrl: string;
  adminUrl: string;
}

function status(item: AlertItem, { t, fmt }: EmailEnv): ItemView["status"] {
  switch (item.alertType) {
    case "out_of_stock":
      if (!item.outOfStockSince) return { text: t("item.status.out"), tone: "danger" };
      return {
        text: t(item.outOfStockSinceEstimated ? "item.status.outSinceEstimated" : "item.status.outSince", {
          day: fmt.day(item.outOfStockSince),
        }),
        tone: "danger",
      };
    case "stockout_predicted":
      return {
        text: item.stockoutDate ? t("item.status.runsOut", { day: fmt.day(item.stockoutDate) }) : t("item.status.runsOutSoon"),
        tone: "warning",
      };
    case "reorder_point":
      return { text: t("item.status.reorderPoint"), tone: "warning" };
    case "low_stock":
      return { text: t("item.status.lowStock"), tone: "warning" };
    case "dead_stock":
      return {
        text: item.lastSaleDay ? t("item.status.noSaleSince", { day: fmt.day(item.lastSaleDay) }) : t("item.status.neverSold"),
        tone: "neutral",
      };
  }
}

export function unitsText({ t, fmt }: EmailEnv, units: number): string {
  return t("units", { count: units, formatted: fmt.quantity(units) });
}

export function daysText({ t, fmt }: EmailEnv, days: number): string {
  return t("days", { count: days, formatted: fmt.quantity(days) });
}

function facts(item: AlertItem, env: EmailEnv): Fact[] {
  const { t, fmt } = env;
  const lost = (sales: AlertItem["lostSalesPerDay"]) => {
    if (!sales) return null;
    const amount = fmt.money(sales.amount);
    return sales.units === null ? amount : t("unitsAndMoney", { units: unitsText(env, sales.units), amount });
  };
  const list: [string, string | null][] = [
    ["item.available", unitsText(env, item.available)],
    ["item.daysOfCover", item.daysOfCover === null ? null : fmt.quantity(item.daysOfCover)],
    // The status line already gives the day for these two.
    ["item.stockoutDate", item.stockoutDate && item.alertType !== "stockout_predicted" ? fmt.day(item.stockoutDate) : null],
    ["item.lostPerDay", lost(item.lostSalesPerDay)],
    ["item.lostToDate", lost(item.lostSalesToDate)],
    ["item.leadTime", item.alertType === "stockout_predicted" ? daysText(env, item.leadTimeDays) : null],
    ["item.reorderPoint", item.alertType === "reorder_point" ? unitsText(env, item.reorderPoint) : null],
    ["item.stockValue", item.alertType === "dead_stock" ? fmt.money(item.stockValue) : null],
    ["item.suggestedOrder", item.suggestedOrderQty ? unitsText(env, item.suggestedOrderQty) : null],
  ];
  return list.flatMap(([label, value]) => (value === null ? [] : [{ label: t(label), value }]));
}

export function itemView(item: AlertItem, env: EmailEnv, shop: EmailShop, links: EmailLinks): ItemView {
  const variant = item.variantTitle && item.variantTitle !== "Default Title" ? item.variantTitle : null;
  const details = [variant, item.sku ? env.t("item.sku", { sku: item.sku }) : null].filter((part): part is string => part !== null);
  return {
    key: `${item.alertType}:${item.variantId}`,
    title: item.productTitle,
    details,
    imageUrl: item.imageUrl ? thumbnailUrl(item.imageUrl) : null,
    imageAlt: variant ? `${item.productTitle} – ${variant}` : item.productTitle,
    initial: [...item.productTitle][0]?.toUpperCase() ?? "",
    status: status(item, env),
    facts: facts(item, env),
    fluxorUrl: variantUrl(links.fluxorBaseUrl, item.variantId),
    adminUrl: adminProductUrl(links.shopifyAdminUrl, shop, item.productId),
  };
}
