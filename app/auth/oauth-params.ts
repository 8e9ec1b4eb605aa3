/**
 * The query parameters the OAuth and App Bridge routes (/auth/*) hand to the Shopify library, checked first: the
 * library decodes `host` and parses it as a URL unguarded, and writes `shop` into a Content-Security-Policy header
 * unchecked, so a value that is neither throws inside it (a 500). A bad one is a 400 here instead (issue 16).
 */

/** Shopify's `host`: base64 of the admin's host and path (`admin.shopify.com/store/{handle}`). */
const BASE64 = /^[0-9a-zA-Z+/]+={0,2}$/;
const MAX_HOST_LENGTH = 1024;
/** `{handle}.myshopify.com` or `admin.shopify.com/store/{handle}`: the characters the library's check accepts. */
const SHOP_CHARACTERS = /^[a-zA-Z0-9][a-zA-Z0-9._/-]{0,254}$/;

function validHost(host: string): boolean {
  if (host.length > MAX_HOST_LENGTH || !BASE64.test(host)) return false;
  try {
    new URL(`https://${atob(host)}`);
    return true;
  } catch {
    return false;
  }
}

/** Why the parameters cannot be handed to the library, or null when they can (each may also be absent). */
export function oauthParamRefusal(params: URLSearchParams): string | null {
  const host = params.get("host");
  if (host !== null && !validHost(host)) return "host must be the base64 host Shopify sends.";
  const shop = params.get("shop");
  if (shop !== null && shop !== "" && !SHOP_CHARACTERS.test(shop)) return "shop must be a shop domain.";
  return null;
}
