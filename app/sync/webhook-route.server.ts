/**
 * The action of every sync webhook route: verify HMAC and validate the payload (verifyWebhook: 401/400,
 * audited, nothing stored), then one statement stores the stripped event and adds its job, then 200.
 */
import type { ActionFunctionArgs } from "@remix-run/node";
import { verifyWebhook } from "../webhooks/verify.server";
import { pool } from "../db/pool.server";
import { TOPIC_PAYLOADS, type WebhookTopic } from "./records";
import { receiveWebhook } from "./webhooks.server";

export function syncWebhookAction(topic: WebhookTopic) {
  return async ({ request, context }: ActionFunctionArgs) => {
    const hook = await verifyWebhook(request, context, TOPIC_PAYLOADS[topic]);
    // An unknown shop (erased, never installed) is acknowledged: Shopify would otherwise retry for 48 h.
    await receiveWebhook(pool(), {
      shop: hook.shop,
      webhookId: hook.webhookId,
      topic,
      apiVersion: hook.apiVersion,
      payload: hook.payload,
    });
    return new Response(null, { status: 200 });
  };
}
