import type { ActionFunctionArgs } from "@remix-run/node";
import { receiveStripeWebhook } from "../billing/stripe-rail.server";

/** Stripe's billing events (the Stripe rail, app/billing/stripe-rail.server.ts): signed, verified on the raw body. */
export async function action({ request }: ActionFunctionArgs) {
  if (request.method !== "POST") return new Response("method not allowed", { status: 405 });
  const outcome = await receiveStripeWebhook(request);
  return new Response(outcome.body, { status: outcome.status, headers: { "content-type": "text/plain" } });
}
