/**
 * The mandatory privacy webhooks. Fluxor stores no customer personal data: orders are kept as
 * line-item quantities, prices, dates, channels and locations, with no customer id, name, email,
 * phone or address (tests/integration/privacy.test.ts checks the columns). So:
 * - customers/data_request: we hold nothing about the customer; the request is recorded, and the
 *   answer for the merchant is "no data held".
 * - customers/redact: nothing to delete; the request is recorded.
 * - shop/redact: the request is recorded and the `shop.erase` job deletes every row of the shop
 *   (app/shops/shop.server.ts eraseShop).
 */
import type { PrismaClient } from "@prisma/client";
import { z } from "zod";
import { audit } from "../auth/audit.server";
import { enqueue } from "../jobs/queue.server";
import { eraseShopTask } from "../jobs/tasks/erase-shop";

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
  prisma: PrismaClient,
  shop: string,
  payload: z.infer<typeof CustomersDataRequestPayload>,
): Promise<CustomerDataReport> {
  await audit(prisma, {
    event: "customer_data_request",
    outcome: "success",
    shopDomain: shop,
    detail: { dataRequestId: payload.data_request?.id ?? null, ordersRequested: payload.orders_requested.length, customerDataHeld: false },
  });
  return { customerDataHeld: false, ordersRequested: payload.orders_requested.length };
}

export async function handleCustomerRedact(
  prisma: PrismaClient,
  shop: string,
  payload: z.infer<typeof CustomersRedactPayload>,
): Promise<void> {
  await audit(prisma, {
    event: "customer_redact_request",
    outcome: "success",
    shopDomain: shop,
    detail: { ordersToRedact: payload.orders_to_redact.length, customerDataHeld: false },
  });
}

/** Records the request and queues the erasure (app/jobs/tasks/erase-shop.ts): a duplicate delivery queues nothing more. */
export async function handleShopRedact(prisma: PrismaClient, shop: string, requestedAt: Date = new Date()): Promise<void> {
  await audit(prisma, { event: "shop_redact_request", outcome: "success", shopDomain: shop });
  await enqueue(eraseShopTask, { shop, requestedAt: requestedAt.toISOString() });
}
