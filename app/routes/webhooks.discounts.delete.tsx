import { syncWebhookAction } from "../sync/webhook-route.server";

export const action = syncWebhookAction("discounts/delete");
