import { abstractFetch, setAbstractFetchFunc } from "@shopify/shopify-api/runtime";

/**
 * Sends every HTTPS call to `https://{shop}.myshopify.com/...` made in this process to the stand-in,
 * at `{standIn}/shops/{shop}/...`, by wrapping the global fetch. Call it from a demo/test entry point
 * only, BEFORE anything imports a Shopify adapter: `@shopify/shopify-api/adapters/node` captures
 * `globalThis.fetch` when it loads, and the app's Remix build and the worker each load their own copy
 * (so `setAbstractFetchFunc` from one copy does not reach the others; wrapping the global does).
 * It also wraps the fetch of the `@shopify/shopify-api/runtime` this module resolves to, so a process
 * that loaded the adapter first (a test file) is redirected too. Returns a function that undoes both.
 */
export function redirectShopifyFetch(standInUrl: string): () => void {
  const realFetch = globalThis.fetch;
  const redirected: typeof fetch = async (input, init) => {
    const raw = typeof input === "string" ? input : input instanceof URL ? input.toString() : input.url;
    const local = toStandInUrl(standInUrl, raw);
    if (local === raw) return realFetch(input, init);
    return realFetch(input instanceof Request ? new Request(local, input) : local, init);
  };
  globalThis.fetch = redirected;
  const previousAbstract = abstractFetch;
  const abstractRedirected: typeof fetch = (input, init) => {
    const raw = typeof input === "string" ? input : input instanceof URL ? input.toString() : input.url;
    const local = toStandInUrl(standInUrl, raw);
    const target = local === raw ? input : input instanceof Request ? new Request(local, input) : local;
    try {
      return previousAbstract(target, init);
    } catch {
      // No adapter loaded yet (the runtime's default throws): the platform's fetch.
      return realFetch(target, init);
    }
  };
  setAbstractFetchFunc(abstractRedirected);
  return () => {
    if (globalThis.fetch === redirected) globalThis.fetch = realFetch;
    if (abstractFetch === abstractRedirected) setAbstractFetchFunc(previousAbstract);
  };
}

/** `https://{shop}.myshopify.com/p?q` → `{standIn}/shops/{shop}.myshopify.com/p?q`; other URLs unchanged. */
export function toStandInUrl(standInUrl: string, url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url;
  }
  if (parsed.protocol !== "https:" || !/^[a-z0-9][a-z0-9-]*\.myshopify\.com$/.test(parsed.hostname)) return url;
  return `${standInUrl.replace(/\/$/, "")}/shops/${parsed.hostname}${parsed.pathname}${parsed.search}`;
}
