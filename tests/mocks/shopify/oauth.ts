/**
 * OAuth as Shopify answers it: the authorization-code grant (GET /admin/oauth/authorize, the
 * merchant approves, redirect back with a signed query) and POST /admin/oauth/access_token for code
 * exchange, token exchange (session token → offline/online token) and refresh tokens.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AppConfig } from "./config";
import { hostParam, safeEqual, signedQuery, verifySessionToken } from "./crypto";
import { escapeHtml, readParams, redirect, sendHtml, sendJson } from "./http";
import { EXPIRING_OFFLINE_TTL_S, ONLINE_TOKEN_TTL_S, REFRESH_TOKEN_TTL_S, type TokenRegistry } from "./tokens";

export const TOKEN_EXCHANGE_GRANT = "urn:ietf:params:oauth:grant-type:token-exchange";
export const ID_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:id_token";
export const OFFLINE_TOKEN_TYPE = "urn:shopify:params:oauth:token-type:offline-access-token";
export const ONLINE_TOKEN_TYPE = "urn:shopify:params:oauth:token-type:online-access-token";

const SCOPE_PATTERN = /^(unauthenticated_)?(read|write)_[a-z_]+$/;

interface OAuthDeps {
  app: AppConfig;
  tokens: TokenRegistry;
  /** "auto": approve at once (default); "page": show a consent page with an Install button. */
  consent: "auto" | "page";
  /** The staff member who approves (online tokens). */
  user: (shop: string, userId: number) => Record<string, unknown>;
}

function oauthErrorPage(res: ServerResponse, message: string): void {
  sendHtml(res, 400, `<!doctype html><title>Oauth error</title><h1>Oauth error invalid_request: ${escapeHtml(message)}</h1>`);
}

export function redirectUriAllowed(app: AppConfig, redirectUri: string): boolean {
  let target: URL;
  try {
    target = new URL(redirectUri);
  } catch {
    return false;
  }
  const base = new URL(app.appUrl);
  const underApp = target.origin === base.origin && target.pathname.startsWith(base.pathname.replace(/\/?$/, "/").replace(/^\/$/, "/"));
  return underApp || app.redirectUrls.includes(`${target.origin}${target.pathname}`);
}

export function handleAuthorize(deps: OAuthDeps, shop: string, url: URL, res: ServerResponse): void {
  const { app, tokens } = deps;
  const params = url.searchParams;
  if (params.get("client_id") !== app.apiKey) return oauthErrorPage(res, "The client_id is invalid");
  const redirectUri = params.get("redirect_uri") ?? "";
  if (!redirectUriAllowed(app, redirectUri)) return oauthErrorPage(res, "The redirect_uri is not whitelisted");
  const requested = (params.get("scope") ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const invalid = requested.filter((scope) => !SCOPE_PATTERN.test(scope));
  if (invalid.length) return oauthErrorPage(res, `The requested scope is invalid: ${invalid.join(", ")}`);
  const undeclared = requested.filter((scope) => !app.scopes.includes(scope));
  if (undeclared.length)
    return oauthErrorPage(res, `The requested scope is not declared in the app configuration: ${undeclared.join(", ")}`);
  const online = params.getAll("grant_options[]").includes("per-user");
  if (deps.consent === "page" && params.get("approved") !== "1") {
    const approve = new URL(url);
    approve.searchParams.set("approved", "1");
    return sendHtml(
      res,
      200,
      `<!doctype html><meta charset="utf-8"><title>Install ${escapeHtml(app.name)}</title>
<main style="font-family:system-ui;max-width:520px;margin:48px auto"><h1>Install ${escapeHtml(app.name)} on ${escapeHtml(shop)}?</h1>
<p>${escapeHtml(app.name)} will be able to:</p><ul>${requested.map((s) => `<li>${escapeHtml(s)}</li>`).join("")}</ul>
<a id="install" href="${escapeHtml(approve.pathname + approve.search)}" style="background:#1a1a1a;color:#fff;padding:10px 16px;border-radius:8px;text-decoration:none">Install app</a></main>`,
    );
  }
  const code = tokens.issueCode({ shop, scopes: requested.length ? requested : app.scopes, online, redirectUri });
  const query: Record<string, string> = {
    code,
    host: hostParam(shop),
    shop,
    state: params.get("state") ?? "",
    timestamp: String(Math.floor(Date.now() / 1000)),
  };
  const target = new URL(redirectUri);
  for (const [key, value] of signedQuery(app.apiSecret, query)) target.searchParams.set(key, value);
  redirect(res, target.toString());
}

export async function handleAccessToken(deps: OAuthDeps, shop: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { app, tokens } = deps;
  const body = await readParams(req);
  if (!body) return sendJson(res, 400, { error: "invalid_request", error_description: "The request body could not be parsed" });
  if (body.client_id !== app.apiKey || !safeEqual(body.client_secret ?? "", app.apiSecret)) {
    return sendJson(res, 400, {
      error: "invalid_client",
      error_description: "Client authentication failed: the client_id or client_secret is invalid",
    });
  }
  const expiring = body.expiring === "1";
  const offline = (scopes: string[]) => {
    if (!expiring) return { access_token: tokens.issue({ shop, scopes, online: false }), scope: scopes.join(",") };
    return {
      access_token: tokens.issue({ shop, scopes, online: false, expiresAt: Date.now() + EXPIRING_OFFLINE_TTL_S * 1000 }),
      scope: scopes.join(","),
      expires_in: EXPIRING_OFFLINE_TTL_S,
      refresh_token: tokens.issueRefresh(shop, scopes),
      refresh_token_expires_in: REFRESH_TOKEN_TTL_S,
    };
  };
  const online = (scopes: string[], userId: number) => ({
    access_token: tokens.issue({ shop, scopes, online: true, userId, expiresAt: Date.now() + ONLINE_TOKEN_TTL_S * 1000 }),
    scope: scopes.join(","),
    expires_in: ONLINE_TOKEN_TTL_S,
    associated_user_scope: scopes.join(","),
    session: tokens.issueCode({ shop, scopes, online: true, redirectUri: "" }),
    account_number: 0,
    associated_user: deps.user(shop, userId),
  });

  if (body.grant_type === TOKEN_EXCHANGE_GRANT) {
    if (body.subject_token_type !== ID_TOKEN_TYPE)
      return sendJson(res, 400, {
        error: "invalid_request",
        error_description: "subject_token_type must be urn:ietf:params:oauth:token-type:id_token",
      });
    const verified = verifySessionToken(app, body.subject_token ?? "");
    if (!verified.ok || verified.shop !== shop) {
      return sendJson(res, 400, {
        error: "invalid_subject_token",
        error_description: verified.ok ? "The session token is for another shop" : `Invalid subject token: ${verified.reason}`,
      });
    }
    if (body.requested_token_type === ONLINE_TOKEN_TYPE) return sendJson(res, 200, online(app.scopes, Number(verified.claims.sub)));
    if (body.requested_token_type && body.requested_token_type !== OFFLINE_TOKEN_TYPE)
      return sendJson(res, 400, { error: "invalid_request", error_description: "Unsupported requested_token_type" });
    return sendJson(res, 200, offline(app.scopes));
  }
  if (body.grant_type === "refresh_token") {
    const entry = tokens.consumeRefresh(body.refresh_token ?? "", shop);
    if (!entry)
      return sendJson(res, 400, { error: "invalid_grant", error_description: "The refresh token is invalid, expired or already used" });
    return sendJson(res, 200, { ...offline(entry.scopes), expires_in: EXPIRING_OFFLINE_TTL_S });
  }
  // Authorization code grant.
  const code = tokens.consumeCode(body.code ?? "", shop);
  if (!code)
    return sendJson(res, 400, { error: "invalid_request", error_description: "The authorization code was not found or was already used" });
  return sendJson(res, 200, code.online ? online(code.scopes, 42) : offline(code.scopes));
}
