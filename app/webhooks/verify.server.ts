/**
 * The one way a webhook route reads its request: HMAC verified by the library (401 on a bad
 * signature, 400 on missing headers), the body parsed as JSON and validated with the topic's zod
 * schema (400 on failure). Every refusal leaves an audit entry and nothing else.
 */
import type { AppLoadContext } from "@remix-run/node";
import type { z } from "zod";
import { audit } from "../auth/audit.server";
import { auditRefusals } from "../auth/guard.server";
import prisma from "../db.server";
import { authenticate } from "../shopify.server";

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
  const webhook = await auditRefusals(prisma, refusal, async () => {
    try {
      return await authenticate.webhook(request);
    } catch (error) {
      // A correctly signed body that is not JSON: the library's JSON.parse throws.
      if (error instanceof SyntaxError) throw new Response("Webhook body is not valid JSON", { status: 400 });
      throw error;
    }
  });
  const parsed = schema.safeParse(webhook.payload);
  if (!parsed.success) {
    await audit(prisma, {
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
