/**
 * Stripe's test cards (https://docs.stripe.com/testing) and what each does here:
 * - 4242 4242 4242 4242 (and the other brands' success numbers): every charge succeeds;
 * - 4000 0027 6000 3184: every payment needs 3-D Secure, on or off session: a challenge page on the hosted pages,
 *   `invoice.payment_action_required` on renewals;
 * - 4000 0025 0000 3155: 3-D Secure once, when it is set up or first paid; later off-session charges succeed;
 * - 4000 0000 0000 0341: attaching it succeeds, every charge declines (`card_declined`);
 * - the decline numbers (0002 generic, 9995 insufficient funds, 9987 lost card, 0069 expired, 0127 CVC,
 *   0119 processing error, 4100 0000 0000 0019 fraudulent) decline when attached or charged;
 * - any other number that passes the Luhn check: declined as a live card used in test mode.
 */
import { createHash } from "node:crypto";

export type CardBehavior =
  | { kind: "succeed" }
  | { kind: "authenticate" }
  | { kind: "authenticate_setup" }
  | { kind: "charge_fails" }
  | { kind: "decline"; code: string; declineCode: string; message: string };

export interface CardDetails {
  brand: "visa" | "mastercard" | "amex" | "discover";
  last4: string;
  expMonth: number;
  expYear: number;
  funding: "credit" | "debit";
  country: string;
  fingerprint: string;
}

const DECLINED = "Your card was declined.";
const decline = (declineCode: string, message = DECLINED, code = "card_declined"): CardBehavior => ({
  kind: "decline",
  code,
  declineCode,
  message,
});

interface TestCard {
  brand: CardDetails["brand"];
  funding: CardDetails["funding"];
  behavior: CardBehavior;
}

export const TEST_CARDS: Record<string, TestCard> = {
  "4242424242424242": { brand: "visa", funding: "credit", behavior: { kind: "succeed" } },
  "4000056655665556": { brand: "visa", funding: "debit", behavior: { kind: "succeed" } },
  "5555555555554444": { brand: "mastercard", funding: "credit", behavior: { kind: "succeed" } },
  "2223003122003222": { brand: "mastercard", funding: "credit", behavior: { kind: "succeed" } },
  "5200828282828210": { brand: "mastercard", funding: "debit", behavior: { kind: "succeed" } },
  "378282246310005": { brand: "amex", funding: "credit", behavior: { kind: "succeed" } },
  "6011111111111117": { brand: "discover", funding: "credit", behavior: { kind: "succeed" } },
  "4000002760003184": { brand: "visa", funding: "credit", behavior: { kind: "authenticate" } },
  "4000002500003155": { brand: "visa", funding: "credit", behavior: { kind: "authenticate_setup" } },
  "4000000000000341": { brand: "visa", funding: "credit", behavior: { kind: "charge_fails" } },
  "4000000000000002": { brand: "visa", funding: "credit", behavior: decline("generic_decline") },
  "4000000000009995": { brand: "visa", funding: "credit", behavior: decline("insufficient_funds", "Your card has insufficient funds.") },
  "4000000000009987": { brand: "visa", funding: "credit", behavior: decline("lost_card") },
  "4000000000000069": { brand: "visa", funding: "credit", behavior: decline("expired_card", "Your card has expired.", "expired_card") },
  "4000000000000127": {
    brand: "visa",
    funding: "credit",
    behavior: decline("incorrect_cvc", "Your card's security code is incorrect.", "incorrect_cvc"),
  },
  "4000000000000119": {
    brand: "visa",
    funding: "credit",
    behavior: decline("processing_error", "An error occurred while processing your card. Try again in a little bit.", "processing_error"),
  },
  "4100000000000019": { brand: "visa", funding: "credit", behavior: decline("fraudulent") },
};

/** Stripe's test PaymentMethod ids, usable wherever a `pm_…` is (`payment_methods.attach`, `default_payment_method`). */
export const TEST_PAYMENT_METHODS: Record<string, string> = {
  pm_card_visa: "4242424242424242",
  pm_card_visa_debit: "4000056655665556",
  pm_card_mastercard: "5555555555554444",
  pm_card_amex: "378282246310005",
  pm_card_authenticationRequired: "4000002760003184",
  pm_card_authenticationRequiredSetupForOffSession: "4000002500003155",
  pm_card_chargeCustomerFail: "4000000000000341",
  pm_card_chargeDeclined: "4000000000000002",
  pm_card_chargeDeclinedInsufficientFunds: "4000000000009995",
  pm_card_chargeDeclinedExpiredCard: "4000000000000069",
};

const LIVE_CARD_IN_TEST_MODE = decline(
  "test_mode_live_card",
  "Your card was declined. Your request was in test mode, but used a non test (live) card. For a list of valid test cards, visit: https://stripe.com/docs/testing.",
);

export function luhn(number: string): boolean {
  let sum = 0;
  for (let i = 0; i < number.length; i += 1) {
    let digit = Number(number[number.length - 1 - i]);
    if (i % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return number.length >= 12 && sum % 10 === 0;
}

const brandOf = (number: string): CardDetails["brand"] =>
  /^3[47]/.test(number) ? "amex" : /^(5[1-5]|2[2-7])/.test(number) ? "mastercard" : /^6/.test(number) ? "discover" : "visa";

export interface CardInput {
  number: string;
  expMonth: number;
  expYear: number;
  cvc: string;
}

/** What a card number does, with its display details (brand, last 4, a stable fingerprint). */
export function describeCard(input: CardInput): { card: CardDetails; behavior: CardBehavior } {
  const known = TEST_CARDS[input.number];
  const card: CardDetails = {
    brand: known?.brand ?? brandOf(input.number),
    last4: input.number.slice(-4),
    expMonth: input.expMonth,
    expYear: input.expYear,
    funding: known?.funding ?? "credit",
    country: "US",
    fingerprint: createHash("sha256").update(input.number).digest("base64url").slice(0, 16),
  };
  return { card, behavior: known?.behavior ?? LIVE_CARD_IN_TEST_MODE };
}

export type CardFormResult = { ok: true; input: CardInput } | { ok: false; message: string; field: string };

/**
 * Reads a hosted page's card fields (`cardNumber`, `cardExpiry` as "MM / YY", `cardCvc`) the way Checkout's own
 * client-side checks do, with its messages.
 */
export function readCardForm(form: Record<string, string>, nowSeconds: number): CardFormResult {
  const number = (form.cardNumber ?? "").replace(/[\s-]/g, "");
  if (!number) return { ok: false, field: "cardNumber", message: "Your card number is incomplete." };
  if (!/^\d+$/.test(number) || !luhn(number)) return { ok: false, field: "cardNumber", message: "Your card number is invalid." };
  const expiry = /^\s*(\d{1,2})\s*\/\s*(\d{2}|\d{4})\s*$/.exec(form.cardExpiry ?? "");
  if (!expiry) return { ok: false, field: "cardExpiry", message: "Your card's expiration date is incomplete." };
  const expMonth = Number(expiry[1]);
  const rawYear = Number(expiry[2]);
  const expYear = rawYear < 100 ? 2000 + rawYear : rawYear;
  if (expMonth < 1 || expMonth > 12) return { ok: false, field: "cardExpiry", message: "Your card's expiration date is invalid." };
  const now = new Date(nowSeconds * 1000);
  if (expYear < now.getUTCFullYear() || (expYear === now.getUTCFullYear() && expMonth < now.getUTCMonth() + 1))
    return { ok: false, field: "cardExpiry", message: "Your card's expiration year is in the past." };
  const cvc = (form.cardCvc ?? "").trim();
  if (!/^\d{3,4}$/.test(cvc)) return { ok: false, field: "cardCvc", message: "Your card's security code is incomplete." };
  return { ok: true, input: { number, expMonth, expYear, cvc } };
}

export type ChargeOutcome =
  { kind: "succeeded" } | { kind: "requires_action" } | { kind: "declined"; code: string; declineCode: string | null; message: string };

/**
 * A charge with this card. `offSession`: a renewal or a retry, nobody is there to authenticate. `authenticated`: the
 * customer just completed the challenge for this very payment. `setUp`: the card was authenticated when saved.
 */
export function charge(behavior: CardBehavior, opts: { offSession: boolean; authenticated?: boolean; setUp?: boolean }): ChargeOutcome {
  switch (behavior.kind) {
    case "succeed":
      return { kind: "succeeded" };
    case "authenticate":
      if (opts.authenticated) return { kind: "succeeded" };
      return opts.offSession
        ? {
            kind: "declined",
            code: "authentication_required",
            declineCode: "authentication_required",
            message: "Your card was declined. This transaction requires authentication.",
          }
        : { kind: "requires_action" };
    case "authenticate_setup":
      if (opts.authenticated || opts.setUp) return { kind: "succeeded" };
      return opts.offSession
        ? {
            kind: "declined",
            code: "authentication_required",
            declineCode: "authentication_required",
            message: "Your card was declined. This transaction requires authentication.",
          }
        : { kind: "requires_action" };
    case "charge_fails":
      return { kind: "declined", code: "card_declined", declineCode: "generic_decline", message: DECLINED };
    case "decline":
      return { kind: "declined", code: behavior.code, declineCode: behavior.declineCode, message: behavior.message };
  }
}

/** Saving the card for later (a trial's checkout, the portal, `payment_methods.attach`). */
export function setUp(behavior: CardBehavior, authenticated = false): ChargeOutcome {
  if (behavior.kind === "decline") return charge(behavior, { offSession: false });
  if ((behavior.kind === "authenticate" || behavior.kind === "authenticate_setup") && !authenticated) return { kind: "requires_action" };
  return { kind: "succeeded" };
}
