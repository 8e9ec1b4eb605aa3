import type { ActionFunctionArgs } from "@remix-run/node";
import { handleShopRedact, ShopRedactPayload } from "../privacy/compliance.server";
import { verifyWebhook } from "../webhooks/verify.server";

export const action = async ({ request, context }: ActionFunctionArgs) => {
  const { shop } = await verifyWebhook(request, context, ShopRedactPayload);
  await handleShopRedact(shop);
  return new Response();
};
