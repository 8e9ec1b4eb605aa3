/** The local Resend stand-in (dev/test only). See README.md. */
export {
  startResendStandIn,
  DEFAULT_DOMAINS,
  type ResendStandIn,
  type ResendStandInOptions,
  type DeliverEventOptions,
  type FaultStatus,
} from "./server";
export { EMAIL_EVENT_TYPES, type EmailEventType, type StoredMessage, type EventDetails } from "./messages";
export { domainId, type DomainSeed } from "./domains";
export {
  newWebhookSecret,
  signWebhook,
  DEFAULT_RETRY_DELAYS_MS,
  type EventDelivery,
  type SignedEvent,
  type WebhookAttempt,
  type WebhookTarget,
} from "./webhooks";
export { INBOX_PATH } from "./inbox";
