/**
 * The shop lifecycle's job handler (listed in app/server/jobs.server.ts): shop/redact's erasure, off the
 * webhook's clock. Shopify waits 5 s for an answer, and erasing a shop with years of orders takes longer.
 * The webhook validates, records the request and queues this job (one per shop); the job deletes in one
 * transaction and is retried until it has.
 */
import { shopEraseJob } from "../jobs/contracts/shops";
import { handle, type JobHandler } from "../jobs/handler";
import { eraseShop } from "./lifecycle.server";

export const shopHandlers: readonly JobHandler[] = [
  handle(shopEraseJob, async ({ shop, requestedAt }, helpers) => {
    const outcome = await eraseShop(shop, new Date(requestedAt));
    helpers.logger.info(`shop.erase ${shop}: ${outcome}`);
  }),
];
