/**
 * The operator's session and the console's CSRF tokens: stateless, HMAC-SHA256 signed with keys derived from
 * `FLUXOR_OPS_SESSION_SECRET` (app/ops/config.server.ts), every comparison constant-time.
 *
 * Session cookie: `v1.<payload>.<mac>` (base64url), the payload `{ u, sid, iat, exp, fp }`: the operator, a random
 * session id, issue and expiry (seconds), and the fingerprint of the operator's password hash, so a changed
 * password or a removed operator ends the session at once. HttpOnly, SameSite=Strict, Path=/, Max-Age = the
 * expiry; Secure and the `__Host-` prefix when the console is served over https.
 *
 * CSRF: a token is the MAC of what it is bound to. Before sign-in, a random nonce in its own short-lived cookie
 * (double submit: the form must carry the MAC of the cookie's nonce); after, the session id. A cross-site page
 * can neither read the cookie nor compute the MAC.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import type { OpsConfig } from "./config.server";

const VERSION = "v1";

const Payload = z.object({
  u: z.string().min(1).max(64),
  sid: z.string().regex(/^[A-Za-z0-9_-]{16,64}$/),
  iat: z.int(),
  exp: z.int(),
  fp: z.string().min(1).max(64),
});

export interface OpsSession {
  user: string;
  sid: string;
  issuedAt: Date;
  expiresAt: Date;
}

const mac = (key: Buffer, data: string) => createHmac("sha256", key).update(data).digest();
const digest = (text: string) => createHash("sha256").update(text).digest();

/** Constant-time string equality (of their digests, so lengths may differ). */
export function safeEqual(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

/** Constant-time: whether `given` (base64url) is the MAC of `data` under one of the keys. */
function macMatches(keys: readonly Buffer[], data: string, given: string): boolean {
  // 32 bytes in canonical base64url only: the last character's two spare bits must be zero, or one signature would
  // have four spellings that all verify.
  if (!/^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$/.test(given)) return false;
  const received = Buffer.from(given, "base64url");
  // Every key is tried, so the time does not depend on which one matched.
  return keys.reduce((ok, key) => timingSafeEqual(mac(key, data), received) || ok, false);
}

export function signSession(config: OpsConfig, user: string, now: Date = new Date()): { value: string; session: OpsSession } {
  const operator = config.users.get(user);
  if (!operator) throw new Error(`unknown operator ${user}`);
  const iat = Math.floor(now.getTime() / 1000);
  const payload = {
    u: operator.name,
    sid: randomBytes(18).toString("base64url"),
    iat,
    exp: iat + config.sessionSeconds,
    fp: operator.fingerprint,
  };
  const body = `${VERSION}.${Buffer.from(JSON.stringify(payload)).toString("base64url")}`;
  return {
    value: `${body}.${mac(config.sessionKeys[0]!, body).toString("base64url")}`,
    session: { user: payload.u, sid: payload.sid, issuedAt: new Date(iat * 1000), expiresAt: new Date(payload.exp * 1000) },
  };
}

/** The session a cookie value carries, or null: bad signature, expired, issued in the future, operator gone or password changed. */
export function readSession(config: OpsConfig, value: string | null | undefined, now: Date = new Date()): OpsSession | null {
  if (!value || value.length > 1024) return null;
  const parts = value.split(".");
  if (parts.length !== 3 || parts[0] !== VERSION) return null;
  const body = `${parts[0]}.${parts[1]}`;
  if (!macMatches(config.sessionKeys, body, parts[2]!)) return null;
  let payload: z.infer<typeof Payload>;
  try {
    payload = Payload.parse(JSON.parse(Buffer.from(parts[1]!, "base64url").toString("utf8")));
  } catch {
    return null;
  }
  const t = Math.floor(now.getTime() / 1000);
  if (payload.exp <= t || payload.iat > t + 60 || payload.exp - payload.iat > config.sessionSeconds) return null;
  const operator = config.users.get(payload.u);
  if (!operator || !safeEqual(operator.fingerprint, payload.fp)) return null;
  return { user: operator.name, sid: payload.sid, issuedAt: new Date(payload.iat * 1000), expiresAt: new Date(payload.exp * 1000) };
}

/** A CSRF token bound to `binding` (`login:<nonce>` before sign-in, `session:<sid>` after). */
export function csrfToken(config: OpsConfig, binding: string): string {
  return mac(config.csrfKeys[0]!, binding).toString("base64url");
}

export function csrfMatches(config: OpsConfig, binding: string, token: string | null | undefined): boolean {
  return typeof token === "string" && macMatches(config.csrfKeys, binding, token);
}

export function newNonce(): string {
  return randomBytes(18).toString("base64url");
}

// ---- Cookies ------------------------------------------------------------------------------------------------

export interface CookieNames {
  session: string;
  login: string;
}

/** `__Host-` names over https (the browser then insists on Secure, Path=/ and no Domain). */
export function cookieNames(secure: boolean): CookieNames {
  return secure ? { session: "__Host-fluxor-ops", login: "__Host-fluxor-ops-login" } : { session: "fluxor-ops", login: "fluxor-ops-login" };
}

export function serializeCookie(name: string, value: string, options: { maxAgeSeconds: number; secure: boolean }): string {
  const parts = [`${name}=${value}`, "Path=/", `Max-Age=${Math.max(0, Math.floor(options.maxAgeSeconds))}`, "HttpOnly", "SameSite=Strict"];
  if (options.maxAgeSeconds <= 0) parts.push("Expires=Thu, 01 Jan 1970 00:00:00 GMT");
  if (options.secure) parts.push("Secure");
  return parts.join("; ");
}

/** One cookie's value from a Cookie header (values this module writes are base64url and dots: no decoding). */
export function readCookie(header: string | null, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}
