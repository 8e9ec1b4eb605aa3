/** After install: read the shop's name, currency, time zone, country and plan from the Admin API. */
import { z } from "zod";
import prisma from "../../db.server";
import { unauthenticated } from "../../shopify.server";
import { ShopDomain } from "../../shops/shop-domain";
import { ShopInfoResponse, SHOP_INFO_QUERY, toShopDetails } from "../../shops/shop-info";
import { findShop, saveShopDetails } from "../../shops/shop.server";
import { defineTask } from "../define-task";

export const syncShopInfo = defineTask({
  name: "shop.sync-info",
  payload: z.object({ shop: ShopDomain }),
  jobKey: ({ shop }) => `shop.sync-info:${shop}`,
  maxAttempts: 10,
  run: async ({ shop }, helpers) => {
    const row = await findShop(prisma, shop);
    if (!row || row.installState !== "INSTALLED") {
      helpers.logger.info(`skipping shop info for ${shop}: not installed`);
      return;
    }
    const { admin } = await unauthenticated.admin(shop);
    const response = await admin.graphql(SHOP_INFO_QUERY);
    const body: unknown = await response.json();
    const parsed = ShopInfoResponse.safeParse(body);
    if (!parsed.success) throw new Error(`unexpected shop info answer for ${shop}: ${parsed.error.message}`);
    // Writing the same details twice is harmless: the task is idempotent.
    await saveShopDetails(prisma, shop, toShopDetails(parsed.data));
  },
});
