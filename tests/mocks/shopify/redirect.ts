/**
 * Sends every HTTPS call to `https://{shop}.myshopify.com/...` made in this process to the stand-in,
 * at `{standIn}/shops/{shop}/...`, by wrapping the global fetch. Call it from a demo/test entry point
 * only, BEFORE anything imports a Shopify adapter: `@shopify/shopify-api/adapters/node` captures
 * `globalThis.fetch` when it loads, and the app's Remix build and the worker each load their own copy.
 */
export function redirectShopifyFetch(standInUrl: string): void {
  const realFetch = globalThis.fetch;
  const redirected: typeof fetch = async (input, init) => {
    const url = new URL(typeof input === "string" || input instanceof URL ? String(input) : input.url);
    if (url.protocol === "https:" && url.hostname.endsWith(".myshopify.com")) {
      const local = toStandInUrl(standInUrl, url.toString());
      return realFetch(input instanceof Request ? new Request(local, input) : local, init);
    }
    return realFetch(input, init);
  };
  globalThis.fetch = redirected;
}

/** The stand-in URL for a `https://{shop}/...` URL (for tests that follow redirects like a browser). */
export function toStandInUrl(standInUrl: string, url: string): string {
  const parsed = new URL(url);
  return parsed.hostname.endsWith(".myshopify.com") ? `${standInUrl}/shops/${parsed.hostname}${parsed.pathname}${parsed.search}` : url;
}
