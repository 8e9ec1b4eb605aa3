/**
 * The shop a Shopify session token (the admin's `id_token`, an HS256 JWT) was issued for, checked as the Shopify
 * library checks it: signed with the app's secret, for the app's key (`aud`), within its validity (10 s of clock
 * tolerance). Used where the library's own verification is not exposed: the document's framing headers (decision 0049).
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import { SHOP_DOMAIN } from "../db/shop-domain";

const CLOCK_TOLERANCE_SECONDS = 10;

const Header = z.object({ alg: z.literal("HS256") });
const Payload = z.object({ dest: z.string(), aud: z.string(), exp: z.number(), nbf: z.number().optional() });

function decodePart(part: string): unknown {
  try {
    return JSON.parse(Buffer.from(part, "base64url").toString("utf8")) as unknown;
  } catch {
    return null;
  }
}

/** The `{handle}.myshopify.com` domain the token is for, or null when it is not a valid token of this app. */
export function sessionTokenShop(token: string, app: { apiKey: string; apiSecret: string }, now: Date = new Date()): string | null {
  const [header, payload, signature, ...rest] = token.split(".");
  if (!header || !payload || !signature || rest.length > 0 || !app.apiSecret) return null;
  const expected = createHmac("sha256", app.apiSecret).update(`${header}.${payload}`).digest();
  const given = Buffer.from(signature, "base64url");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  if (!Header.safeParse(decodePart(header)).success) return null;
  const claims = Payload.safeParse(decodePart(payload));
  if (!claims.success || claims.data.aud !== app.apiKey) return null;
  const seconds = now.getTime() / 1000;
  if (claims.data.exp + CLOCK_TOLERANCE_SECONDS < seconds) return null;
  if (claims.data.nbf !== undefined && claims.data.nbf - CLOCK_TOLERANCE_SECONDS > seconds) return null;
  let shop: string;
  try {
    shop = new URL(claims.data.dest).hostname;
  } catch {
    return null;
  }
  return SHOP_DOMAIN.test(shop) ? shop : null;
}
