/** Stripe-shaped identifiers: a prefix and random base62 characters (`cus_`, `sub_`, `cs_test_`, …). */
import { randomBytes } from "node:crypto";

const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

export function randomBase62(length: number): string {
  const bytes = randomBytes(length * 2);
  let out = "";
  for (let i = 0; out.length < length && i < bytes.length; i += 1) {
    const byte = bytes[i] ?? 0;
    if (byte < 248) out += ALPHABET[byte % 62];
  }
  return out.length === length ? out : out + randomBase62(length - out.length);
}

/** Prefixes as Stripe uses them; most test-mode ids carry a `1` and 24 characters after the prefix. */
export const PREFIX = {
  customer: "cus_",
  product: "prod_",
  price: "price_1",
  subscription: "sub_1",
  subscriptionItem: "si_",
  invoice: "in_1",
  invoiceItem: "ii_1",
  invoiceLine: "il_1",
  checkoutSession: "cs_test_",
  portalSession: "bps_1",
  promotionCode: "promo_1",
  paymentMethod: "pm_1",
  event: "evt_1",
  testClock: "clock_1",
  taxId: "txi_1",
  taxRate: "txr_1",
  discount: "di_1",
  request: "req_",
} as const;

const LENGTH: Partial<Record<keyof typeof PREFIX, number>> = {
  customer: 14,
  product: 14,
  subscriptionItem: 14,
  request: 14,
  checkoutSession: 58,
};

export function newId(kind: keyof typeof PREFIX): string {
  return PREFIX[kind] + randomBase62(LENGTH[kind] ?? 24);
}

/** Coupon ids are 8 upper-case characters unless the caller chose one. */
export const newCouponId = () =>
  randomBase62(16)
    .toUpperCase()
    .replace(/[^A-Z0-9]/g, "")
    .slice(0, 8)
    .padEnd(8, "X");
