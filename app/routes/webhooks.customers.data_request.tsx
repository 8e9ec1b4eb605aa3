import type { ActionFunctionArgs } from "@remix-run/node";
import { CustomersDataRequestPayload, handleCustomerDataRequest } from "../privacy/compliance.server";
import { verifyWebhook } from "../webhooks/verify.server";

export const action = async ({ request, context }: ActionFunctionArgs) => {
  const { shop, payload } = await verifyWebhook(request, context, CustomersDataRequestPayload);
  await handleCustomerDataRequest(shop, payload);
  return new Response();
};
