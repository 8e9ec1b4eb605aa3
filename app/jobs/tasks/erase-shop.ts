/**
 * shop/redact's erasure, off the webhook's clock: Shopify waits 5 s for an answer, and erasing a shop with
 * years of orders takes longer. The webhook validates, records the request and queues this job (one per
 * shop); the job deletes in one transaction and is retried until it has.
 */
import { z } from "zod";
import prisma from "../../db.server";
import { ShopDomain } from "../../shops/shop-domain";
import { eraseShop } from "../../shops/shop.server";
import { defineTask } from "../define-task";

export const eraseShopTask = defineTask({
  name: "shop.erase",
  payload: z.object({ shop: ShopDomain, requestedAt: z.iso.datetime() }),
  jobKey: ({ shop }) => `shop.erase:${shop}`,
  maxAttempts: 25,
  run: async ({ shop, requestedAt }, helpers) => {
    const outcome = await eraseShop(prisma, shop, new Date(requestedAt));
    helpers.logger.info(`shop.erase ${shop}: ${outcome}`);
  },
});
