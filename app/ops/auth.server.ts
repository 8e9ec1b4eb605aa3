/**
 * Who may use the operator console at `/ops`, and the answers that keep it closed (decision 0046).
 *
 * - Off unless `FLUXOR_OPS_USERS` is set: every `/ops` URL answers 404, never an open console.
 * - Sign-in: a form with a CSRF token (double submit against a nonce cookie), refused from a cross-site page
 *   (`Sec-Fetch-Site`), rate-limited per client IP and per operator name in Postgres (app/auth/rate-limit), the
 *   password checked with scrypt in constant time (an unknown name costs the same time as a wrong password).
 * - The console's own forms (sign-out, a rail change) carry the MAC of the session id as their CSRF token.
 * - Audited: `ops_login`, `ops_login_failed` (the claimed name only when it is an operator's: a password typed
 *   into the name field is never stored), `ops_logout`, `ops_export`, and `rate_limited` (a rail change is audited
 *   as `billing_change` by app/billing/rail-change.server.ts). Never the password.
 * - Every answer: `X-Frame-Options: DENY`, `frame-ancestors 'none'`, `Cache-Control: no-store`, no referrer.
 */
import type { HeadersFunction } from "@remix-run/node";
import { audit } from "../auth/audit.server";
import { hit, type RateLimitRule } from "../auth/rate-limit.server";
import { localeFromRequest, type Locale } from "../i18n/i18n";
import { opsConfig, OPS_USER_NAME, type OpsConfig } from "./config.server";
import { verifyNobody, verifyPassword } from "./password.server";
import {
  cookieNames,
  csrfMatches,
  csrfToken,
  newNonce,
  readCookie,
  readSession,
  serializeCookie,
  signSession,
  type OpsSession,
} from "./session.server";

/** Sign-in attempts (successful ones too) of one client IP, and for one operator name from anywhere. */
export const OPS_LOGIN_PER_IP: RateLimitRule = { limit: 10, windowSeconds: 15 * 60 };
export const OPS_LOGIN_PER_USER: RateLimitRule = { limit: 20, windowSeconds: 60 * 60 };
const LOGIN_NONCE_SECONDS = 3600;

export const OPS_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "X-Frame-Options": "DENY",
  "Content-Security-Policy": "frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'",
  "Cache-Control": "no-store",
  "Referrer-Policy": "no-referrer",
  "X-Robots-Tag": "noindex, nofollow",
  "X-Content-Type-Options": "nosniff",
};

function headers(extra: Record<string, string> = {}, cookies: string[] = []): Headers {
  const out = new Headers({ ...OPS_SECURITY_HEADERS, ...extra });
  for (const cookie of cookies) out.append("Set-Cookie", cookie);
  return out;
}

function notFound(): Response {
  return new Response("Not Found", { status: 404, headers: headers({ "Content-Type": "text/plain; charset=utf-8" }) });
}

/** A redirect of the console (also after a form's action), with the security headers. */
export function opsRedirect(location: string, cookies: string[] = []): Response {
  return new Response(null, { status: 302, headers: headers({ Location: location }, cookies) });
}

function forbidden(): Response {
  return new Response("Forbidden", { status: 403, headers: headers({ "Content-Type": "text/plain; charset=utf-8" }) });
}

/** Over https (or when the app's public URL is https): Secure cookies with the `__Host-` prefix. */
function isSecure(request: Request): boolean {
  return new URL(request.url).protocol === "https:" || (process.env.SHOPIFY_APP_URL ?? "").startsWith("https://");
}

/**
 * The console's configuration, or a thrown 404 when it is off. A `shop` query parameter is dropped by a redirect:
 * the Shopify library would otherwise answer it with a CSP that lets the Shopify admin frame the page.
 */
function gate(request: Request): OpsConfig {
  const config = opsConfig();
  if (config === null) throw notFound();
  const url = new URL(request.url);
  if (url.searchParams.has("shop")) {
    url.searchParams.delete("shop");
    throw opsRedirect(`${url.pathname}${url.search}`);
  }
  return config;
}

export interface Operator {
  name: string;
  /** The CSRF token of the operator's forms (sign out, rail changes). */
  csrf: string;
  expiresAt: string;
}

function sessionOf(request: Request, config: OpsConfig): OpsSession | null {
  return readSession(config, readCookie(request.headers.get("Cookie"), cookieNames(isSecure(request)).session));
}

const operatorOf = (config: OpsConfig, session: OpsSession): Operator => ({
  name: session.user,
  csrf: csrfToken(config, `session:${session.sid}`),
  expiresAt: session.expiresAt.toISOString(),
});

/** Where sign-in may send the operator back to: a console path only. */
export function safeNext(next: string | null | undefined): string {
  if (!next || next.length > 512 || !/^\/ops(?:[/?]|$)/.test(next) || /[\\\s]|\/\/|\.\./.test(next)) return "/ops";
  return next;
}

/** The layout's view: off → 404; the operator when signed in, else null (the sign-in page renders inside it). */
export function opsShell(request: Request): { locale: Locale; operator: Operator | null } {
  const config = gate(request);
  const session = sessionOf(request, config);
  return { locale: localeFromRequest(request), operator: session ? operatorOf(config, session) : null };
}

/** The signed-in operator's session, or a thrown redirect to the sign-in page (404 when the console is off). */
function requireSession(request: Request): { config: OpsConfig; session: OpsSession } {
  const config = gate(request);
  const session = sessionOf(request, config);
  if (session) return { config, session };
  const url = new URL(request.url);
  throw opsRedirect(`/ops/login?next=${encodeURIComponent(safeNext(`${url.pathname}${url.search}`))}`);
}

/** The signed-in operator, or a thrown redirect to the sign-in page (404 when the console is off). */
export function requireOperator(request: Request): Operator {
  const { config, session } = requireSession(request);
  return operatorOf(config, session);
}

/**
 * A form the signed-in operator posted (a console action): the operator and the form, or a thrown answer: the
 * sign-in redirect without a session, 403 without the session's CSRF token or from a cross-site page.
 */
export async function requireOperatorForm(request: Request): Promise<{ operator: Operator; form: FormData }> {
  const { config, session } = requireSession(request);
  const form = await request.formData();
  const token = form.get("csrf");
  const crossSite = request.headers.get("Sec-Fetch-Site") === "cross-site";
  if (crossSite || !csrfMatches(config, `session:${session.sid}`, typeof token === "string" ? token : null)) throw forbidden();
  return { operator: operatorOf(config, session), form };
}

export type LoginError = "invalid" | "csrf" | "tooMany";

export interface LoginPageData {
  locale: Locale;
  csrf: string;
  next: string;
  error: LoginError | null;
  retryAfterSeconds: number | null;
}

/** The login nonce of the request's cookie, or a new one with the cookie that sets it. */
function loginNonce(request: Request): { nonce: string; cookies: string[] } {
  const secure = isSecure(request);
  const name = cookieNames(secure).login;
  const existing = readCookie(request.headers.get("Cookie"), name);
  if (existing && /^[A-Za-z0-9_-]{24}$/.test(existing)) return { nonce: existing, cookies: [] };
  const nonce = newNonce();
  return { nonce, cookies: [serializeCookie(name, nonce, { maxAgeSeconds: LOGIN_NONCE_SECONDS, secure })] };
}

function loginPage(
  request: Request,
  config: OpsConfig,
  next: string,
  status: number,
  error: LoginError | null,
  retryAfterSeconds: number | null = null,
): Response {
  const { nonce, cookies } = loginNonce(request);
  const data: LoginPageData = {
    locale: localeFromRequest(request),
    csrf: csrfToken(config, `login:${nonce}`),
    next,
    error,
    retryAfterSeconds,
  };
  const extra: Record<string, string> = { "Content-Type": "application/json; charset=utf-8" };
  if (retryAfterSeconds !== null) extra["Retry-After"] = String(retryAfterSeconds);
  return new Response(JSON.stringify(data), { status, headers: headers(extra, cookies) });
}

/** GET /ops/login: the form (a signed-in operator goes straight to the console). */
export function opsLoginPage(request: Request): Response {
  const config = gate(request);
  const next = safeNext(new URL(request.url).searchParams.get("next"));
  if (sessionOf(request, config)) return opsRedirect(next);
  return loginPage(request, config, next, 200, null);
}

/**
 * The limiter's decision; its transaction could not start in time (Prisma P2028, a database too busy) → tried
 * again twice, then the error: sign-in fails closed, it never skips the limit.
 */
async function decide(key: string, rule: RateLimitRule): Promise<Awaited<ReturnType<typeof hit>>> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await hit(key, rule);
    } catch (error) {
      if (attempt >= 3 || (error as { code?: unknown }).code !== "P2028") throw error;
    }
  }
}

async function limited(key: string, rule: RateLimitRule, ip: string, scope: "ip" | "user"): Promise<number | null> {
  const decision = await decide(key, rule);
  if (decision.allowed) return null;
  await audit({
    event: "rate_limited",
    outcome: "failure",
    ip,
    detail: { path: "/ops/login", scope, retryAfterSeconds: decision.retryAfterSeconds },
  });
  return decision.retryAfterSeconds;
}

/** POST /ops/login. */
export async function opsLogin(request: Request, clientIp: string): Promise<Response> {
  const config = gate(request);
  const form = await request.formData();
  const field = (name: string) => {
    const value = form.get(name);
    return typeof value === "string" ? value : "";
  };
  const next = safeNext(field("next"));
  const claimed = field("user").trim().toLowerCase();
  const known = config.users.get(claimed);
  const failed = (reason: string) =>
    audit({
      event: "ops_login_failed",
      outcome: "failure",
      ip: clientIp,
      detail: { user: known?.name ?? null, knownUser: known !== undefined, reason },
    });

  const nonce = readCookie(request.headers.get("Cookie"), cookieNames(isSecure(request)).login);
  const crossSite = request.headers.get("Sec-Fetch-Site") === "cross-site";
  if (crossSite || !nonce || !csrfMatches(config, `login:${nonce}`, field("csrf"))) {
    await failed(crossSite ? "cross_site" : "csrf");
    return loginPage(request, config, next, 403, "csrf");
  }

  const byIp = await limited(`ops:login:ip:${clientIp}`, OPS_LOGIN_PER_IP, clientIp, "ip");
  const byUser =
    byIp ?? (await limited(`ops:login:user:${OPS_USER_NAME.test(claimed) ? claimed : "?"}`, OPS_LOGIN_PER_USER, clientIp, "user"));
  if (byUser !== null) return loginPage(request, config, next, 429, "tooMany", byUser);

  const password = field("password");
  const ok = known ? await verifyPassword(password, known.hash) : await verifyNobody(password);
  if (!known || !ok) {
    await failed("bad_credentials");
    return loginPage(request, config, next, 401, "invalid");
  }

  const secure = isSecure(request);
  const names = cookieNames(secure);
  const { value, session } = signSession(config, known.name);
  await audit({
    event: "ops_login",
    outcome: "success",
    ip: clientIp,
    detail: { user: known.name, expiresAt: session.expiresAt.toISOString() },
  });
  return opsRedirect(next, [
    serializeCookie(names.session, value, { maxAgeSeconds: config.sessionSeconds, secure }),
    serializeCookie(names.login, "", { maxAgeSeconds: 0, secure }),
  ]);
}

/** POST /ops/logout: ends the session in this browser (the cookie is stateless: see decision 0046). */
export async function opsLogout(request: Request, clientIp: string): Promise<Response> {
  const config = gate(request);
  const session = sessionOf(request, config);
  if (!session) return opsRedirect("/ops/login");
  const form = await request.formData();
  const token = form.get("csrf");
  if (!csrfMatches(config, `session:${session.sid}`, typeof token === "string" ? token : null)) return forbidden();
  const secure = isSecure(request);
  await audit({ event: "ops_logout", outcome: "success", ip: clientIp, detail: { user: session.user } });
  return opsRedirect("/ops/login", [serializeCookie(cookieNames(secure).session, "", { maxAgeSeconds: 0, secure })]);
}

/** Records an export (what, not its content). */
export async function auditOpsExport(operator: Operator, clientIp: string, detail: Record<string, string | number>): Promise<void> {
  await audit({ event: "ops_export", outcome: "success", ip: clientIp, detail: { user: operator.name, ...detail } });
}

/** A JSON answer of the console, with its security headers. */
export function opsJson(data: unknown, init: { status?: number; headers?: Record<string, string> } = {}): Response {
  return new Response(JSON.stringify(data), {
    status: init.status ?? 200,
    headers: headers({ "Content-Type": "application/json; charset=utf-8", ...init.headers }),
  });
}

/** The security headers merged into a response of the console (CSV downloads). */
export function withOpsHeaders(response: Response): Response {
  for (const [name, value] of Object.entries(OPS_SECURITY_HEADERS)) response.headers.set(name, value);
  return response;
}

/**
 * The `headers` of every console route: the security headers, and a refusal's Retry-After (cookies are passed
 * on by Remix itself).
 */
export const opsHeaders: HeadersFunction = ({ loaderHeaders, actionHeaders, errorHeaders }) => {
  const out = new Headers(OPS_SECURITY_HEADERS);
  const retryAfter = (errorHeaders ?? actionHeaders)?.get("Retry-After") ?? loaderHeaders.get("Retry-After");
  if (retryAfter) out.set("Retry-After", retryAfter);
  return out;
};
