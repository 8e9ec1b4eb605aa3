/** The billing jobs (handlers: app/billing/tasks.server.ts). */
import { z } from "zod";
import { defineJob } from "../contract";
import { ShopDomain } from "../../db/shop-domain";

const Uuid = z.uuid();
const Day = z.iso.date();

/**
 * Every hour: for each installed shop whose local day has turned since its last meter, queue the meter of
 * that finished day (shops are metered just after their own midnight), and the billing checks that are due
 * (trial end, grace period, dunning emails, usage charges).
 */
export const billingTickJob = defineJob({
  name: "billing.tick",
  payload: z.object({ now: z.iso.datetime().optional() }).loose(),
  maxAttempts: 3,
});

/** One shop's usage of one finished local day; its key makes it once per shop and day. */
export const billingMeterJob = defineJob({
  name: "billing.meter",
  payload: z.object({ shopId: Uuid, day: Day }),
  jobKey: ({ shopId, day }) => `billing.meter:${shopId}:${day}`,
  queue: ({ shopId }) => `billing:${shopId}`,
  maxAttempts: 10,
});

/** At install: open the shop's billing account and start Fluxor's trial (once per shop). */
export const billingOpenJob = defineJob({
  name: "billing.open",
  payload: z.object({ shop: ShopDomain }),
  jobKey: ({ shop }) => `billing.open:${shop}`,
  maxAttempts: 10,
});
