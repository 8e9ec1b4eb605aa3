import type { ActionFunctionArgs } from "@remix-run/node";
import { receiveShopifySubscriptionUpdate, SubscriptionUpdatePayload } from "../billing/shopify-rail.server";
import { unauthenticated } from "../shopify.server";
import { verifyWebhook } from "../webhooks/verify.server";

/**
 * app_subscriptions/update (Shopify rail, decision 0045): the subscription is read back from the Admin API and
 * recorded in the billing ledger; a duplicate or late delivery changes nothing (the ledger's unique event ids and
 * its order-independent state).
 */
export const action = async ({ request, context }: ActionFunctionArgs) => {
  const hook = await verifyWebhook(request, context, SubscriptionUpdatePayload);
  const adminFor = async (domain: string) => (await unauthenticated.admin(domain)).admin;
  await receiveShopifySubscriptionUpdate(adminFor, hook.shop, hook.payload, hook.webhookId);
  return new Response(null, { status: 200 });
};
