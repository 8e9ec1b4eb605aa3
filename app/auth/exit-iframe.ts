/**
 * Where `/auth/exit-iframe` may send the merchant's whole window. The library renders
 * `window.open(<exitIframe>, "_top")` for any https URL in the query, an open redirect under the app's
 * name (decision 0048). Fluxor only ever leaves the iframe for its own pages (the library's OAuth
 * restart, `/auth?shop=…`) and for the shop's admin (billing approval pages), so only those pass.
 */
import { SHOP_DOMAIN } from "../db/shop-domain";

export interface ExitIframeOrigins {
  /** SHOPIFY_APP_URL; a relative target resolves against it, as the library resolves it. */
  appUrl: string;
  /** The admin's origin (SHOPIFY_ADMIN_URL, https://admin.shopify.com unless the demo points it elsewhere). */
  adminUrl: string;
}

/**
 * The absolute URL to open for `raw` (the `exitIframe` parameter) on behalf of `shop` (the request's
 * `shop`), or null when either is missing or the target leads anywhere but Fluxor or that shop's admin:
 * `/store/<handle>/…` on the admin, `/admin/…` on `<handle>.myshopify.com`.
 */
export function exitIframeTarget(raw: string | null, shop: string | null, origins: ExitIframeOrigins): URL | null {
  if (!raw || !shop || !SHOP_DOMAIN.test(shop)) return null;
  // Parsers and browsers read these differently: `/\evil.example` is `//evil.example`, `java\tscript:` is `javascript:`.
  if (/[\\\s\p{Cc}]/u.test(raw)) return null;
  let url: URL;
  let appOrigin: string;
  let adminOrigin: string;
  try {
    url = new URL(raw, origins.appUrl);
    appOrigin = new URL(origins.appUrl).origin;
    adminOrigin = new URL(origins.adminUrl).origin;
  } catch {
    return null;
  }
  // The library opens https only, and refuses `//` in a path or `///` anywhere by throwing (a 500): refuse them here as a 400.
  if (url.protocol !== "https:" || url.pathname.includes("//") || url.href.includes("///")) return null;
  // `https://admin.shopify.com@evil.example` reads like the admin but is evil.example.
  if (url.username || url.password) return null;
  const handle = shop.slice(0, -".myshopify.com".length);
  const allowed =
    url.origin === appOrigin ||
    (url.origin === adminOrigin && isUnder(url.pathname, `/store/${handle}`)) ||
    (url.origin === `https://${shop}` && isUnder(url.pathname, "/admin"));
  return allowed ? url : null;
}

/** `path` is `prefix` or below it; the parser has already resolved `..` and `%2e%2e`. */
function isUnder(path: string, prefix: string): boolean {
  return path === prefix || path.startsWith(`${prefix}/`);
}
