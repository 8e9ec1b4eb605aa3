/** Shopify's webhook signature: base64 HMAC-SHA256 of the raw body under the app secret (X-Shopify-Hmac-Sha256). */
import { createHmac, timingSafeEqual } from "node:crypto";

/** Whether `signature` (base64, from X-Shopify-Hmac-Sha256) is the HMAC of `body` under `secret`. */
export function validWebhookSignature(body: string, signature: string, secret: string): boolean {
  const expected = createHmac("sha256", secret).update(body, "utf8").digest();
  const given = Buffer.from(signature, "base64");
  return secret !== "" && given.length === expected.length && timingSafeEqual(given, expected);
}
