/**
 * The mandatory privacy webhooks. Fluxor stores no customer personal data: orders are kept as
 * line-item quantities, prices, dates, channels and locations, with no customer id, name, email,
 * phone or address (tests/integration/privacy.test.ts checks the columns). So:
 * - customers/data_request: we hold nothing about the customer; the request is recorded, and the
 *   answer for the merchant is "no data held".
 * - customers/redact: nothing to delete; the request is recorded.
 * - shop/redact: the request is recorded and the `shop.erase` job deletes every row of the shop
 *   (app/shops/lifecycle.server.ts eraseShop).
 */
import { z } from "zod";
import { audit } from "../auth/audit.server";
import { pool } from "../db/pool.server";
import { shopEraseJob } from "../jobs/contracts/shops";
import { addJob } from "../jobs/queue.server";

const id = z.union([z.number().int(), z.string().regex(/^\d+$/)]).transform(String);

export const CustomersDataRequestPayload = z.object({
  shop_id: id,
  shop_domain: z.string(),
  customer: z.object({ id }),
  orders_requested: z.array(id).default([]),
  data_request: z.object({ id }).optional(),
});

export const CustomersRedactPayload = z.object({
  shop_id: id,
  shop_domain: z.string(),
  customer: z.object({ id }),
  orders_to_redact: z.array(id).default([]),
});

export const ShopRedactPayload = z.object({ shop_id: id, shop_domain: z.string() });

export interface CustomerDataReport {
  customerDataHeld: false;
  ordersRequested: number;
}

export async function handleCustomerDataRequest(
  shop: string,
  payload: z.infer<typeof CustomersDataRequestPayload>,
): Promise<CustomerDataReport> {
  await audit({
    event: "customer_data_request",
    outcome: "success",
    shopDomain: shop,
    detail: { dataRequestId: payload.data_request?.id ?? null, ordersRequested: payload.orders_requested.length, customerDataHeld: false },
  });
  return { customerDataHeld: false, ordersRequested: payload.orders_requested.length };
}

export async function handleCustomerRedact(shop: string, payload: z.infer<typeof CustomersRedactPayload>): Promise<void> {
  await audit({
    event: "customer_redact_request",
    outcome: "success",
    shopDomain: shop,
    detail: { ordersToRedact: payload.orders_to_redact.length, customerDataHeld: false },
  });
}

/** Records the request and queues the erasure (app/shops/tasks.server.ts): a duplicate delivery queues nothing more. */
export async function handleShopRedact(shop: string, requestedAt: Date = new Date()): Promise<void> {
  await audit({ event: "shop_redact_request", outcome: "success", shopDomain: shop });
  await addJob(pool(), shopEraseJob, { shop, requestedAt: requestedAt.toISOString() });
}
