/**
 * Signed links in emails: one-click unsubscribe and the preference page (RFC 8058), and the confirmation
 * of an extra recipient. A token is `base64url(JSON claims).base64url(HMAC-SHA256)` under a key derived
 * (HKDF) from the app's secret with a label per purpose, so an unsubscribe token can never confirm an
 * address. Unsubscribe tokens do not expire (a link in an old email must keep working); confirmation
 * tokens expire after 7 days. Nothing is stored: the claims are the state.
 */
import { createHmac, hkdfSync, timingSafeEqual } from "node:crypto";
import { z } from "zod";

export const LINK_PURPOSES = ["unsubscribe", "confirm"] as const;
export type LinkPurpose = (typeof LINK_PURPOSES)[number];

const CONFIRM_TTL_SECONDS = 7 * 86_400;

const Claims = z.object({
  p: z.enum(LINK_PURPOSES),
  s: z.uuid(),
  e: z.email(),
  /** Issued at, seconds since the epoch. */
  i: z.number().int().nonnegative(),
});
export type LinkClaims = z.infer<typeof Claims>;

function key(secret: string, purpose: LinkPurpose): Buffer {
  if (secret.length < 16) throw new Error("the link secret is too short");
  return Buffer.from(hkdfSync("sha256", secret, "fluxor-email-links", `v1:${purpose}`, 32));
}

function mac(secret: string, purpose: LinkPurpose, body: string): Buffer {
  return createHmac("sha256", key(secret, purpose)).update(body).digest();
}

export function signLink(secret: string, purpose: LinkPurpose, shopId: string, email: string, now: Date = new Date()): string {
  const claims: LinkClaims = { p: purpose, s: shopId, e: email.toLowerCase(), i: Math.floor(now.getTime() / 1000) };
  const body = Buffer.from(JSON.stringify(claims)).toString("base64url");
  return `${body}.${mac(secret, purpose, body).toString("base64url")}`;
}

export type LinkCheck = { ok: true; shopId: string; email: string } | { ok: false; reason: "malformed" | "signature" | "expired" };

export function verifyLink(secret: string, purpose: LinkPurpose, token: string, now: Date = new Date()): LinkCheck {
  const parts = token.split(".");
  // The signature in canonical base64url only (the last character's two spare bits zero): one spelling per signature.
  if (parts.length !== 2 || !/^[A-Za-z0-9_-]{10,2000}$/.test(parts[0]!) || !/^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$/.test(parts[1]!))
    return { ok: false, reason: "malformed" };
  const [body, signature] = parts as [string, string];
  const given = Buffer.from(signature, "base64url");
  const expected = mac(secret, purpose, body);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: "signature" };
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(body, "base64url").toString("utf8"));
  } catch {
    return { ok: false, reason: "malformed" };
  }
  const claims = Claims.safeParse(json);
  if (!claims.success || claims.data.p !== purpose) return { ok: false, reason: "malformed" };
  if (purpose === "confirm" && now.getTime() / 1000 - claims.data.i > CONFIRM_TTL_SECONDS) return { ok: false, reason: "expired" };
  return { ok: true, shopId: claims.data.s, email: claims.data.e };
}
