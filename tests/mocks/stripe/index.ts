/** The local Stripe stand-in (dev/test only; production never imports it). See README.md. */
export {
  startStripeStandIn,
  DEFAULT_ACCOUNT,
  DEFAULT_DUNNING,
  type StripeStandIn,
  type StripeStandInOptions,
  type FaultOptions,
  type FaultStatus,
  type CheckoutFormInput,
} from "./server";
export {
  newWebhookSecret,
  signatureHeader,
  DEFAULT_RETRY_DELAYS_MS,
  type WebhookAttempt,
  type WebhookTarget,
  type SignOptions,
} from "./webhooks";
export { TEST_CARDS, TEST_PAYMENT_METHODS } from "./cards";
export { TAX_RATES } from "./tax";
export { CHECKOUT_PATH, PORTAL_PATH, INVOICE_PAGE_PATH, INVOICE_PDF_PATH } from "./views";
export type { Account, DunningSettings } from "./context";
