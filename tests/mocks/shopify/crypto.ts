/** Shopify's signatures: query HMAC (hex), webhook HMAC (base64) and session tokens (HS256 JWT). */
import { createHmac, randomBytes, randomUUID, timingSafeEqual } from "node:crypto";

export function base64url(input: Buffer | string): string {
  return Buffer.from(input).toString("base64url");
}

/** `host` as the admin sends it: base64url of `admin.shopify.com/store/{handle}` (no padding). */
export function hostParam(shop: string): string {
  return base64url(`admin.shopify.com/store/${storeHandle(shop)}`);
}

export function storeHandle(shop: string): string {
  return shop.replace(/\.myshopify\.com$/, "");
}

/**
 * HMAC of an admin query string exactly as Shopify (and the library's validateHmac) computes it: drop
 * `hmac`/`signature`, sort keys with localeCompare, URL-encode as URLSearchParams, HMAC-SHA256 hex.
 */
export function signQuery(secret: string, params: Record<string, string>): string {
  const sorted = new URLSearchParams();
  for (const key of Object.keys(params).sort((a, b) => a.localeCompare(b))) {
    if (key === "hmac" || key === "signature") continue;
    sorted.append(key, params[key] ?? "");
  }
  return createHmac("sha256", secret).update(sorted.toString()).digest("hex");
}

/** `params` plus their `hmac`, as a query string. */
export function signedQuery(secret: string, params: Record<string, string>): URLSearchParams {
  return new URLSearchParams({ ...params, hmac: signQuery(secret, params) });
}

/** X-Shopify-Hmac-Sha256: base64 HMAC-SHA256 of the raw body with the app secret. */
export function webhookHmac(secret: string, rawBody: string | Buffer): string {
  return createHmac("sha256", secret).update(rawBody).digest("base64");
}

export function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

export function randomToken(prefix: string, bytes = 16): string {
  return `${prefix}${randomBytes(bytes).toString("hex")}`;
}

export interface SessionTokenClaims {
  iss: string;
  dest: string;
  aud: string;
  sub: string;
  exp: number;
  nbf: number;
  iat: number;
  jti: string;
  sid: string;
  sig: string;
}

export interface MintOptions {
  /** The staff member (user id) the token is for; default 42 (the shop owner). */
  userId?: number;
  /** Lifetime; Shopify's tokens live 60 s. */
  ttlSeconds?: number;
  /** Sign with another secret (to forge a bad token in tests). */
  secret?: string;
  /** Override `aud` (to forge a token for another app). */
  audience?: string;
  /** Seconds since the epoch to use as "now" (expired tokens in tests). */
  now?: number;
}

/** A session token (id_token) as the admin issues it: HS256, signed with the app secret, 60 s lifetime. */
export function mintSessionToken(app: { apiKey: string; apiSecret: string }, shop: string, options: MintOptions = {}): string {
  const now = options.now ?? Math.floor(Date.now() / 1000);
  const claims: SessionTokenClaims = {
    iss: `https://${shop}/admin`,
    dest: `https://${shop}`,
    aud: options.audience ?? app.apiKey,
    sub: String(options.userId ?? 42),
    exp: now + (options.ttlSeconds ?? 60),
    nbf: now,
    iat: now,
    jti: randomUUID(),
    sid: randomBytes(16).toString("hex"),
    sig: randomBytes(32).toString("hex"),
  };
  const header = base64url(JSON.stringify({ alg: "HS256", typ: "JWT" }));
  const payload = base64url(JSON.stringify(claims));
  const signature = createHmac("sha256", options.secret ?? app.apiSecret)
    .update(`${header}.${payload}`)
    .digest("base64url");
  return `${header}.${payload}.${signature}`;
}

export type VerifyResult = { ok: true; claims: SessionTokenClaims; shop: string } | { ok: false; reason: string };

/** Verifies a session token the way Shopify's token endpoint does (signature, alg, aud, exp/nbf with 10 s leeway, dest). */
export function verifySessionToken(app: { apiKey: string; apiSecret: string }, token: string): VerifyResult {
  const [header, payload, signature, ...rest] = token.split(".");
  if (!header || !payload || !signature || rest.length) return { ok: false, reason: "malformed token" };
  const expected = createHmac("sha256", app.apiSecret).update(`${header}.${payload}`).digest("base64url");
  if (!safeEqual(signature, expected)) return { ok: false, reason: "signature verification failed" };
  let claims: Partial<SessionTokenClaims>;
  try {
    const head = JSON.parse(Buffer.from(header, "base64url").toString("utf8")) as { alg?: string };
    if (head.alg !== "HS256") return { ok: false, reason: "unexpected alg" };
    claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as Partial<SessionTokenClaims>;
  } catch {
    return { ok: false, reason: "malformed token" };
  }
  const now = Date.now() / 1000;
  if (claims.aud !== app.apiKey) return { ok: false, reason: "invalid audience" };
  if (typeof claims.exp !== "number" || claims.exp < now - 10) return { ok: false, reason: "token expired" };
  if (typeof claims.nbf === "number" && claims.nbf > now + 10) return { ok: false, reason: "token not yet valid" };
  if (typeof claims.dest !== "string" || typeof claims.iss !== "string") return { ok: false, reason: "missing dest/iss" };
  const shop = new URL(claims.dest).hostname;
  if (new URL(claims.iss).hostname !== shop) return { ok: false, reason: "iss and dest disagree" };
  return { ok: true, claims: claims as SessionTokenClaims, shop };
}
