/** The signed email links of app/email/signed-links.ts, keyed by the app's secret, as absolute URLs. */
import { signLink, verifyLink, type LinkCheck, type LinkPurpose } from "./signed-links";

function secret(): string {
  const value = process.env.SHOPIFY_API_SECRET ?? "";
  if (value.length < 16) throw new Error("SHOPIFY_API_SECRET is not set: email links cannot be signed");
  return value;
}

function appUrl(): string {
  return (process.env.SHOPIFY_APP_URL ?? "").replace(/\/+$/, "");
}

export interface RecipientLinks {
  /** RFC 8058 one-click target (POST) and the preference page (GET), the same URL. */
  unsubscribe: string;
  preferences: string;
}

export function recipientLinks(shopId: string, email: string): RecipientLinks {
  const token = signLink(secret(), "unsubscribe", shopId, email);
  const url = `${appUrl()}/email/unsubscribe/${token}`;
  return { unsubscribe: url, preferences: url };
}

export function confirmLink(shopId: string, email: string): string {
  return `${appUrl()}/email/confirm/${signLink(secret(), "confirm", shopId, email)}`;
}

export function checkLink(purpose: LinkPurpose, token: string): LinkCheck {
  return verifyLink(secret(), purpose, token);
}
