import type { HeadersFunction, LoaderFunctionArgs } from "@remix-run/node";
import { auditRefusals, limitAuthAttempts } from "../auth/guard.server";
import { authCodeFlow } from "../shopify.server";

/** OAuth begin and callback count as authentication attempts; the App Bridge bounce pages do not. */
const ATTEMPT_PATHS = new Set(["/auth", "/auth/callback"]);

export const loader = async ({ request, context }: LoaderFunctionArgs) => {
  const url = new URL(request.url);
  if (ATTEMPT_PATHS.has(url.pathname)) {
    const limited = await limitAuthAttempts(context.clientIp, url.pathname);
    if (limited) return new Response("Too many authentication attempts. Try again later.", { status: 429, headers: limited });
  }
  await auditRefusals(
    { event: "oauth_failed", ip: context.clientIp, shopDomain: url.searchParams.get("shop"), detail: { path: url.pathname } },
    () => authCodeFlow.authenticate.admin(request),
  );
  return null;
};

/** Keep the headers of refusals (Retry-After on 429) when Remix renders the thrown response. */
export const headers: HeadersFunction = ({ errorHeaders, loaderHeaders, actionHeaders }) => errorHeaders ?? actionHeaders ?? loaderHeaders;
