/** The shop lifecycle's jobs (handlers: app/sync/tasks.server.ts for shop details, app/shops/tasks.server.ts for erasure). */
import { z } from "zod";
import { ShopDomain } from "../../db/shop-domain";
import { defineJob } from "../contract";

/** After install: read the shop's name, currency, time zone, country and plan from the Admin API. */
export const shopSyncInfoJob = defineJob({
  name: "shop.sync-info",
  payload: z.object({ shop: ShopDomain }),
  jobKey: ({ shop }) => `shop.sync-info:${shop}`,
  maxAttempts: 10,
});

/** shop/redact's erasure, off the webhook's clock (one per shop, retried until it has deleted). */
export const shopEraseJob = defineJob({
  name: "shop.erase",
  payload: z.object({ shop: ShopDomain, requestedAt: z.iso.datetime() }),
  jobKey: ({ shop }) => `shop.erase:${shop}`,
  maxAttempts: 25,
});
