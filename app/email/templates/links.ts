/**
 * The links in an email: a variant in Fluxor, a product in the Shopify admin, and the filtered list of
 * Fluxor's variants behind "and N more". Fluxor's paths are appended to the base the sender passes
 * (keeping its query, e.g. `?shop=…`); the list's parameters are those of `/app/variants`.
 */
import { type AlertType, type EmailShop } from "../model";

function fluxorUrl(base: string, path: string, params: Record<string, string> = {}): string {
  const url = new URL(base);
  url.pathname = `${url.pathname.replace(/\/+$/, "")}${path}`;
  for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
  return url.toString();
}

export function variantUrl(base: string, variantId: string): string {
  return fluxorUrl(base, `/app/variants/${variantId}`);
}

/** The product's page in the Shopify admin (<admin.shopify.com>/store/<handle>/products/<id>). */
export function adminProductUrl(adminUrl: string, shop: EmailShop, productId: string): string {
  const handle = shop.domain.replace(/\.myshopify\.com$/, "");
  return `${adminUrl.replace(/\/+$/, "")}/store/${handle}/products/${productId}`;
}

/** The variants list filtered and sorted the way the alert ranks them. */
const LIST_QUERY: Record<AlertType, Record<string, string>> = {
  out_of_stock: { risk: "stockout", sort: "available" },
  stockout_predicted: { risk: "stockout", sort: "stockoutDate" },
  reorder_point: { risk: "reorder", sort: "daysOfCover" },
  low_stock: { sort: "daysOfCover" },
  dead_stock: { risk: "dead", sort: "stockValue", direction: "desc" },
};

export function alertListUrl(base: string, alertType: AlertType): string {
  return fluxorUrl(base, "/app/variants", LIST_QUERY[alertType]);
}

export function homeUrl(base: string): string {
  return fluxorUrl(base, "/app");
}
