import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { validWebhookSignature } from "../../app/webhooks/signature";

const sign = (body: string, secret: string) => createHmac("sha256", secret).update(body, "utf8").digest("base64");

describe("webhook signature", () => {
  it("accepts Shopify's HMAC-SHA256 (base64) of the raw body and refuses anything else", () => {
    const body = JSON.stringify({ id: 1, title: "Café ☕" });
    expect(validWebhookSignature(body, sign(body, "s3cret"), "s3cret")).toBe(true);
    expect(validWebhookSignature(body, sign(body, "other"), "s3cret")).toBe(false);
    expect(validWebhookSignature(body + " ", sign(body, "s3cret"), "s3cret")).toBe(false);
    expect(validWebhookSignature(body, "not-base64!", "s3cret")).toBe(false);
    expect(validWebhookSignature(body, sign(body, ""), "")).toBe(false); // no secret configured: refuse all
  });
});
