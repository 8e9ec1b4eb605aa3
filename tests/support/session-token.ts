import { createHmac, randomUUID } from "node:crypto";

const b64 = (x: object) => Buffer.from(JSON.stringify(x)).toString("base64url");

/**
 * A session token for `shop` as the admin issues it (App Bridge's `idToken()`): HS256 over the app's key and secret
 * from the environment, valid for a minute. `secret` forges one the app must refuse.
 */
export function sessionToken(shop: string, secret: string = process.env.SHOPIFY_API_SECRET ?? ""): string {
  const now = Math.floor(Date.now() / 1000);
  const head = b64({ alg: "HS256", typ: "JWT" });
  const body = b64({
    iss: `https://${shop}/admin`,
    dest: `https://${shop}`,
    aud: process.env.SHOPIFY_API_KEY,
    sub: "42",
    exp: now + 60,
    nbf: now - 5,
    iat: now - 5,
    jti: randomUUID(),
    sid: randomUUID(),
  });
  const sig = createHmac("sha256", secret).update(`${head}.${body}`).digest("base64url");
  return `${head}.${body}.${sig}`;
}

/** The header a fetch from inside the embedded admin carries (App Bridge adds it): `Authorization: Bearer <session token>`. */
export function sessionHeaders(shop: string, secret?: string): { Authorization: string } {
  return { Authorization: `Bearer ${sessionToken(shop, secret)}` };
}
