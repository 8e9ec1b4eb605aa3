/**
 * Coupons. On the Shopify rail a coupon becomes a discount on the recurring line item (a percentage for a number
 * of billing cycles); on the Stripe rail the merchant types the same code on Stripe's checkout page, where it is a
 * promotion code the operator created in Stripe (`allow_promotion_codes`). The list is configuration
 * (`FLUXOR_COUPONS`, JSON), validated when it is read.
 */
import { z } from "zod";

export const Coupon = z.object({
  code: z
    .string()
    .trim()
    .toUpperCase()
    .regex(/^[A-Z0-9_-]{3,32}$/),
  /** 1–100 % off the plan's price. */
  percentOff: z.int().min(1).max(100),
  /** Billing cycles it applies to. */
  months: z.int().min(1).max(36),
  /** Last day it can be redeemed (YYYY-MM-DD, UTC); none = no end. */
  expiresOn: z.iso.date().optional(),
});
export type Coupon = z.infer<typeof Coupon>;

const Coupons = z.array(Coupon).max(100);

/** The configured coupons; a malformed list is a configuration error and throws at startup's first use. */
export function configuredCoupons(json: string | undefined = process.env.FLUXOR_COUPONS): Coupon[] {
  if (!json?.trim()) return [];
  return Coupons.parse(JSON.parse(json));
}

export type CouponLookup = { ok: true; coupon: Coupon } | { ok: false; reason: "unknown" | "expired" };

/** The coupon a merchant typed, if it exists and has not expired on `today` (YYYY-MM-DD). */
export function findCoupon(code: string, coupons: readonly Coupon[], today: string): CouponLookup {
  const wanted = code.trim().toUpperCase();
  const coupon = coupons.find((c) => c.code === wanted);
  if (!coupon) return { ok: false, reason: "unknown" };
  if (coupon.expiresOn && coupon.expiresOn < today) return { ok: false, reason: "expired" };
  return { ok: true, coupon };
}
