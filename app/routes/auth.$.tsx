import type { HeadersFunction, LoaderFunctionArgs } from "@remix-run/node";
import { exitIframeTarget } from "../auth/exit-iframe";
import { embeddedFrameAncestors } from "../auth/frame-policy";
import { auditRefusals, limitAuthAttempts } from "../auth/guard.server";
import { oauthParamRefusal } from "../auth/oauth-params";
import { shopifyAdminUrl } from "../email/admin-urls.server";
import { authCodeFlow } from "../shopify.server";

/** OAuth begin and callback count as authentication attempts; the App Bridge bounce pages do not. */
const ATTEMPT_PATHS = new Set(["/auth", "/auth/callback"]);
/** The library's exit page (`${authPathPrefix}/exit-iframe`), matched as it matches it. */
const EXIT_IFRAME_PATH = "/auth/exit-iframe";

export const loader = async ({ request, context }: LoaderFunctionArgs) => {
  const url = new URL(request.url);
  if (ATTEMPT_PATHS.has(url.pathname)) {
    const limited = await limitAuthAttempts(context.clientIp, url.pathname);
    if (limited) return new Response("Too many authentication attempts. Try again later.", { status: 429, headers: limited });
  }
  const refusal = oauthParamRefusal(url.searchParams);
  if (refusal) return new Response(refusal, { status: 400 });
  if (url.pathname === EXIT_IFRAME_PATH) {
    // The library would open any target (decision 0048): check it first, then hand the library the
    // absolute URL that was checked, so that it opens exactly that.
    const target = exitIframeTarget(url.searchParams.get("exitIframe"), url.searchParams.get("shop"), {
      appUrl: process.env.SHOPIFY_APP_URL ?? "",
      adminUrl: shopifyAdminUrl(),
    });
    if (!target) return new Response("exitIframe must lead to Fluxor or this shop's admin.", { status: 400 });
    url.searchParams.set("exitIframe", target.href);
  }
  const libraryRequest = url.pathname === EXIT_IFRAME_PATH ? new Request(url, request) : request;
  try {
    await auditRefusals(
      { event: "oauth_failed", ip: context.clientIp, shopDomain: url.searchParams.get("shop"), detail: { path: url.pathname } },
      () => authCodeFlow.authenticate.admin(libraryRequest),
    );
  } catch (thrown) {
    throw thrown instanceof Response ? withFramePolicy(thrown, url.searchParams.get("shop")) : thrown;
  }
  return null;
};

/**
 * The library's App Bridge pages (session-token bounce, exit-iframe) name `?shop=` in frame-ancestors as long as it
 * looks like any Shopify host, plus Shopify's internal development hosts. Here: the admin, and the shop only when it
 * is a myshopify domain (decision 0049). These pages exist to obtain a session token, so no verified shop exists yet.
 */
function withFramePolicy(response: Response, shop: string | null): Response {
  if (!response.headers.has("Content-Security-Policy")) return response;
  const headers = new Headers(response.headers);
  headers.set("Content-Security-Policy", embeddedFrameAncestors(shop));
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

/** Keep the headers of refusals (Retry-After on 429) when Remix renders the thrown response. */
export const headers: HeadersFunction = ({ errorHeaders, loaderHeaders, actionHeaders }) => errorHeaders ?? actionHeaders ?? loaderHeaders;
