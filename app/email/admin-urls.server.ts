/**
 * Where an email's links into the Shopify admin go: Fluxor's pages open inside the admin
 * (`<admin>/store/<handle>/apps/<client id>/app/…`), the shop's own admin pages at `<admin>/store/<handle>/…`.
 * SHOPIFY_ADMIN_URL (default https://admin.shopify.com) points them at a local admin in the demo.
 *
 * Here, below app/alerts and app/billing, so that both build the same links without importing each other
 * (app/alerts/envelope.server.ts re-exports these).
 */

export function shopifyAdminUrl(): string {
  return (process.env.SHOPIFY_ADMIN_URL ?? "https://admin.shopify.com").replace(/\/+$/, "");
}

/** `acme.myshopify.com` → `acme`, the store's handle in admin URLs. */
export function storeHandle(shopDomain: string): string {
  return shopDomain.replace(/\.myshopify\.com$/, "");
}

export function fluxorAdminUrl(shopDomain: string): string {
  return `${shopifyAdminUrl()}/store/${storeHandle(shopDomain)}/apps/${encodeURIComponent(process.env.SHOPIFY_API_KEY ?? "fluxor")}`;
}
