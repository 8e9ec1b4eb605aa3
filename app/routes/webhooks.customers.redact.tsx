import type { ActionFunctionArgs } from "@remix-run/node";
import { CustomersRedactPayload, handleCustomerRedact } from "../privacy/compliance.server";
import { verifyWebhook } from "../webhooks/verify.server";

export const action = async ({ request, context }: ActionFunctionArgs) => {
  const { shop, payload } = await verifyWebhook(request, context, CustomersRedactPayload);
  await handleCustomerRedact(shop, payload);
  return new Response();
};
