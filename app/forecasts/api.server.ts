/**
 * The frame of every forecast API route (app/routes/api.*): a correlation id per request (X-Request-Id
 * taken when well-formed, else generated) on the response and on every log line; admin session-token
 * authentication (`authenticate.admin`, whose `cors` helper wraps the answer for the admin block); for the routes
 * that are the API, read-only mode (decision 0044) and the plan's API access (decision 0047); JSON errors
 * (`{ error, issues? }`); and ETag / If-None-Match for stored forecasts.
 */
import { readOnlyRefusal } from "../billing/dunning";
import { featureRefusal, type PlanFeature } from "../billing/entitlements";
import { shopAccess, shopEntitlements } from "../billing/limits.server";
import { authenticate } from "../shopify.server";
import { json, requestIdOf } from "./http";
import { pool } from "../db/pool.server";
import { shopByDomain } from "../shops/lookup.server";

export type ApiLog = (message: string, fields?: Record<string, string | number | boolean | null>) => void;

/** One JSON line per event, always with the request's correlation id. */
export function apiLogger(requestId: string, route: string): ApiLog {
  return (message, fields = {}) => console.log(JSON.stringify({ at: new Date().toISOString(), requestId, route, message, ...fields }));
}

export interface ApiContext {
  shopId: string;
  shopDomain: string;
  requestId: string;
  log: ApiLog;
}

function unauthorized(from?: Response): Response {
  const headers: Record<string, string> = { "Cache-Control": "no-store" };
  const retry = from?.headers.get("X-Shopify-Retry-Invalid-Session-Request");
  if (retry) headers["X-Shopify-Retry-Invalid-Session-Request"] = retry;
  return json({ error: "unauthorized: a valid admin session token is required (Authorization: Bearer …)" }, 401, headers);
}

function withRequestId(response: Response, requestId: string): Response {
  const out = new Response(response.status === 204 || response.status === 304 ? null : response.body, response);
  out.headers.set("X-Request-Id", requestId);
  return out;
}

export interface ApiRouteOptions {
  /**
   * The plan feature the route is part of: without it, 403 `{ error: "plan_feature", feature, requiredPlan }`; and
   * the API (`"api"`) answers 403 `{ error: "read_only", reason }` in read-only mode, whatever the plan. The routes
   * the app's own pages and the admin block call take none (they come with every plan, and only read stored data,
   * which read-only mode leaves open).
   */
  feature?: PlanFeature;
}

/**
 * Authenticates the request and runs `handler` for the session's shop. 401 without a valid session token;
 * OPTIONS preflights are answered by the library (with CORS headers).
 */
export async function apiRoute(
  request: Request,
  route: string,
  handler: (ctx: ApiContext) => Promise<Response>,
  options: ApiRouteOptions = {},
): Promise<Response> {
  const requestId = requestIdOf(request);
  const log = apiLogger(requestId, route);
  const t0 = performance.now();
  const done = (response: Response) => {
    log("answered", { method: request.method, status: response.status, ms: Math.round(performance.now() - t0) });
    return withRequestId(response, requestId);
  };
  if (request.method !== "OPTIONS" && !/^Bearer\s+\S+/i.test(request.headers.get("Authorization") ?? "")) return done(unauthorized());
  let auth: Awaited<ReturnType<typeof authenticate.admin>>;
  try {
    auth = await authenticate.admin(request);
  } catch (thrown) {
    if (thrown instanceof Response) return done(thrown.status === 204 || thrown.status === 200 ? thrown : unauthorized(thrown));
    throw thrown;
  }
  const shop = await shopByDomain(pool(), auth.session.shop);
  if (!shop?.installed) return done(auth.cors(unauthorized()));
  try {
    // Read-only first: paying again is what the caller needs to know, and a plan with the API would not be enough.
    const readOnly = options.feature === "api" ? readOnlyRefusal(await shopAccess(pool(), shop.id), "api") : null;
    if (readOnly) {
      log("refused: the shop is read-only", { reason: readOnly.reason });
      return done(auth.cors(json(readOnly, 403, { "Cache-Control": "no-store" })));
    }
    const refusal = options.feature ? featureRefusal(await shopEntitlements(pool(), shop.id), options.feature) : null;
    if (refusal) {
      log("refused: not in the shop's plan", { feature: refusal.feature, requiredPlan: refusal.requiredPlan });
      return done(auth.cors(json(refusal, 403, { "Cache-Control": "no-store" })));
    }
    return done(auth.cors(await handler({ shopId: shop.id, shopDomain: auth.session.shop, requestId, log })));
  } catch (error) {
    log("failed", { error: error instanceof Error ? error.message : String(error) });
    return done(auth.cors(json({ error: "internal error", requestId }, 500, { "Cache-Control": "no-store" })));
  }
}

export * from "./http";
