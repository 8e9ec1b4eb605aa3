import type { ActionFunctionArgs } from "@remix-run/node";
import { receiveResendWebhook } from "../email/webhook.server";

/** Resend's delivery events (app/email/webhook.server.ts). */
export async function action({ request }: ActionFunctionArgs) {
  if (request.method !== "POST") return new Response("method not allowed", { status: 405 });
  const outcome = await receiveResendWebhook(request);
  return new Response(outcome.body, { status: outcome.status, headers: { "content-type": "text/plain" } });
}
