import type { ActionFunctionArgs } from "@remix-run/node";
import { z } from "zod";
import { audit } from "../auth/audit.server";
import { updateScopes } from "../shops/lifecycle.server";
import { verifyWebhook } from "../webhooks/verify.server";

const Payload = z.object({ id: z.union([z.number(), z.string()]).optional(), previous: z.array(z.string()), current: z.array(z.string()) });

export const action = async ({ request, context }: ActionFunctionArgs) => {
  const { shop, payload } = await verifyWebhook(request, context, Payload);
  await updateScopes(shop, payload.current);
  await audit({
    event: "scopes_update",
    outcome: "success",
    shopDomain: shop,
    detail: { previous: payload.previous, current: payload.current },
  });
  return new Response();
};
