/**
 * Who may frame a Fluxor page (issue 16 item 8, docs/decisions/0049-edge-headers-and-limits.md).
 *
 * The embedded pages (`/app…`) may be framed by the Shopify admin and by the admin of the shop whose session token
 * was verified; the library would name whatever shop `?shop=` says, plus Shopify's internal development hosts.
 * Every other page (the landing page, the login form, the email and operator pages, error pages) may not be framed
 * at all: a login form in an attacker's frame is a clickjacking target.
 */
import { SHOP_DOMAIN } from "../db/shop-domain";

export const SHOPIFY_ADMIN_ORIGIN = "https://admin.shopify.com";

/** The pages Shopify's admin shows in its iframe. */
export function isEmbeddedPath(pathname: string): boolean {
  return pathname === "/app" || pathname.startsWith("/app/");
}

/**
 * `frame-ancestors` for a page inside the admin: the admin, and the shop's own domain when `shop` is a
 * `{handle}.myshopify.com` domain (anything else is not echoed).
 */
export function embeddedFrameAncestors(shop: string | null): string {
  const own = shop !== null && SHOP_DOMAIN.test(shop) ? `https://${shop} ` : "";
  return `frame-ancestors ${own}${SHOPIFY_ADMIN_ORIGIN};`;
}

/** `csp` with its frame-ancestors directive set to 'none' (in place, or added), its other directives kept as they are. */
export function withoutFraming(csp: string | null): string {
  if (!csp?.trim()) return "frame-ancestors 'none';";
  const directives = csp.split(";");
  const at = directives.findIndex((directive) => /^\s*frame-ancestors(\s|$)/i.test(directive));
  if (at === -1) return `${csp.replace(/[\s;]*$/, "")}; frame-ancestors 'none';`;
  directives[at] = `${at === 0 ? "" : " "}frame-ancestors 'none'`;
  return directives.join(";");
}

/**
 * Sets a document's framing headers. Embedded: the CSP names `verifiedShop` (null when none was verified) and no
 * X-Frame-Options (it cannot allow a frame). Elsewhere: no frame at all, other directives a route set (the
 * operator console's) kept.
 */
export function applyFramePolicy(headers: Headers, page: { embedded: true; verifiedShop: string | null } | { embedded: false }): void {
  if (page.embedded) {
    headers.set("Content-Security-Policy", embeddedFrameAncestors(page.verifiedShop));
    headers.delete("X-Frame-Options");
    return;
  }
  headers.set("Content-Security-Policy", withoutFraming(headers.get("Content-Security-Policy")));
  headers.set("X-Frame-Options", "DENY");
}
