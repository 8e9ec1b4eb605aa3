import type { ActionFunctionArgs } from "@remix-run/node";
import { z } from "zod";
import { audit } from "../auth/audit.server";
import { recordShopifyUninstall } from "../billing/shopify-rail.server";
import { markUninstalled } from "../shops/lifecycle.server";
import { verifyWebhook } from "../webhooks/verify.server";

const Payload = z.object({ id: z.union([z.number(), z.string()]), myshopify_domain: z.string().optional() }).passthrough();

export const action = async ({ request, context }: ActionFunctionArgs) => {
  const { shop } = await verifyWebhook(request, context, Payload);
  // Repeated deliveries are harmless: deleting nothing and marking twice leave the same state, and the
  // subscription's cancellation is stored once.
  const at = new Date();
  await markUninstalled(shop, at);
  // Shopify cancels the app's subscriptions with the uninstall: the billing ledger says so even if the
  // app_subscriptions/update that tells it comes later or never.
  await recordShopifyUninstall(shop, at);
  await audit({ event: "uninstall", outcome: "success", shopDomain: shop });
  return new Response();
};
