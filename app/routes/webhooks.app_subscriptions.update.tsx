import type { ActionFunctionArgs } from "@remix-run/node";
import { receiveShopifySubscriptionUpdate, ShopifyUnavailable, SubscriptionUpdatePayload } from "../billing/shopify-rail.server";
import { unauthenticated } from "../shopify.server";
import { verifyWebhook } from "../webhooks/verify.server";

/**
 * app_subscriptions/update (Shopify rail, decision 0045): the subscription is read back from the Admin API and
 * recorded in the billing ledger; a duplicate or late delivery changes nothing (the ledger's unique event ids and
 * its order-independent state). When the Admin API cannot be reached the answer is 503 with Retry-After, and Shopify
 * delivers the webhook again.
 */
export const action = async ({ request, context }: ActionFunctionArgs) => {
  const hook = await verifyWebhook(request, context, SubscriptionUpdatePayload);
  const adminFor = async (domain: string) => (await unauthenticated.admin(domain)).admin;
  try {
    await receiveShopifySubscriptionUpdate(adminFor, hook.shop, hook.payload, hook.webhookId);
  } catch (error) {
    if (!(error instanceof ShopifyUnavailable)) throw error;
    console.warn(`app_subscriptions/update for ${hook.shop}: the Admin API did not answer (${String(error.cause)}); Shopify will retry`);
    return new Response("The Admin API could not be reached; deliver again later", { status: 503, headers: { "Retry-After": "60" } });
  }
  return new Response(null, { status: 200 });
};
