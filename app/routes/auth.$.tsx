import type { LoaderFunctionArgs } from "@remix-run/node";
import { auditRefusals, limitAuthAttempts } from "../auth/guard.server";
import db from "../db.server";
import { authCodeFlow } from "../shopify.server";

/** OAuth begin and callback count as authentication attempts; the App Bridge bounce pages do not. */
const ATTEMPT_PATHS = new Set(["/auth", "/auth/callback"]);

export const loader = async ({ request, context }: LoaderFunctionArgs) => {
  const url = new URL(request.url);
  if (ATTEMPT_PATHS.has(url.pathname)) await limitAuthAttempts(db, context.clientIp, url.pathname);
  await auditRefusals(
    db,
    { event: "oauth_failed", ip: context.clientIp, shopDomain: url.searchParams.get("shop"), detail: { path: url.pathname } },
    () => authCodeFlow.authenticate.admin(request),
  );
  return null;
};
