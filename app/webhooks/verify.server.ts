/**
 * The one way a webhook route reads its request: Shopify's headers required (400), the HMAC-SHA256 of the
 * raw body checked against the app secret in constant time (401), the body parsed as JSON and validated
 * with the topic's zod schema (400). Every refusal leaves an audit entry and nothing else.
 *
 * We verify the signature with node:crypto rather than `authenticate.webhook`: the library also loads and
 * decrypts the shop's offline session for every delivery (a database query we never use), which capped
 * webhook receipt at a few hundred per second (docs/decisions/0021-webhook-receipt.md).
 */
import type { AppLoadContext } from "@remix-run/node";
import type { z } from "zod";
import { audit } from "../auth/audit.server";
import { auditRefusals } from "../auth/guard.server";
import { SHOP_DOMAIN } from "../db/shop-domain";
import { storableJson } from "../db/storable";
import { validWebhookSignature } from "./signature";

async function readSignedWebhook(
  request: Request,
): Promise<{ shop: string; topic: string; webhookId: string; apiVersion: string; payload: unknown }> {
  if (request.method !== "POST") throw new Response("Method not allowed", { status: 405 });
  const header = (name: string) => request.headers.get(name)?.trim() ?? "";
  const signature = header("x-shopify-hmac-sha256");
  const shop = header("x-shopify-shop-domain");
  const topic = header("x-shopify-topic");
  const webhookId = header("x-shopify-webhook-id");
  const apiVersion = header("x-shopify-api-version");
  if (!signature || !shop || !topic || !webhookId || !apiVersion) throw new Response("Missing Shopify webhook headers", { status: 400 });
  const body = await request.text();
  if (!validWebhookSignature(body, signature, process.env.SHOPIFY_API_SECRET ?? "")) {
    throw new Response("Webhook signature is not valid", { status: 401 });
  }
  if (!SHOP_DOMAIN.test(shop)) throw new Response("Invalid shop domain", { status: 400 });
  let payload: unknown;
  try {
    payload = JSON.parse(body) as unknown;
  } catch {
    throw new Response("Webhook body is not valid JSON", { status: 400 });
  }
  // Every topic's payload is stored (jsonb) or read into text columns: a U+0000 or a lone surrogate in any string
  // would fail there, and a 500 is retried by Shopify for 48 hours. The escape is in the raw body whenever one is.
  if (/\\u(0000|d[89a-f])/i.test(body) && !storableJson(payload)) {
    throw new Response("Webhook payload holds a NUL character or a lone surrogate", { status: 400 });
  }
  return { shop, topic, webhookId, apiVersion, payload };
}

export interface VerifiedWebhook<T> {
  shop: string;
  topic: string;
  webhookId: string;
  apiVersion: string;
  payload: T;
}

export async function verifyWebhook<Schema extends z.ZodType>(
  request: Request,
  context: AppLoadContext,
  schema: Schema,
): Promise<VerifiedWebhook<z.infer<Schema>>> {
  const claimedShop = request.headers.get("x-shopify-shop-domain");
  const topicHeader = request.headers.get("x-shopify-topic") ?? "";
  const refusal = { event: "webhook_rejected" as const, ip: context.clientIp, shopDomain: claimedShop, detail: { topic: topicHeader } };
  const webhook = await auditRefusals(refusal, () => readSignedWebhook(request));
  const parsed = schema.safeParse(webhook.payload);
  if (!parsed.success) {
    await audit({
      event: "webhook_rejected",
      outcome: "failure",
      ip: context.clientIp,
      detail: { topic: webhook.topic, status: 400, claimedShop: webhook.shop, reason: "payload failed validation" },
    });
    throw new Response(`Webhook payload for ${webhook.topic} is invalid`, { status: 400 });
  }
  return {
    shop: webhook.shop,
    topic: webhook.topic,
    webhookId: webhook.webhookId,
    apiVersion: webhook.apiVersion,
    payload: parsed.data,
  };
}
