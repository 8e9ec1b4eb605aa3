/**
 * The recipient's side of the signed email links (no login: the token is the proof): RFC 8058 one-click
 * unsubscribe, the preference page (every email on or off, and which alert types), and the confirmation
 * of an extra address. Every change is idempotent: unsubscribing or confirming twice changes nothing more.
 */
import { z } from "zod";
import { pool } from "../db/pool.server";
import { isSuppressed, suppress, unsuppress } from "../email/log.server";
import { checkLink } from "../email/signed-links.server";
import { shopById } from "../shops/lookup.server";
import { RECIPIENT_TOPICS, type RecipientTopic } from "./rules";
import { confirmRecipient, loadAlertSettings, setRecipientTopics } from "./settings.server";

export type LinkRefusal = { ok: false; status: 400 | 404; reason: string };

interface LinkedRecipient {
  ok: true;
  shopId: string;
  shopDomain: string;
  shopName: string;
  shopEmail: string | null;
  email: string;
}

async function recipientOf(token: string, purpose: "unsubscribe" | "confirm"): Promise<LinkedRecipient | LinkRefusal> {
  const check = checkLink(purpose, token);
  if (!check.ok) return { ok: false, status: 400, reason: check.reason };
  const shop = await shopById(pool(), check.shopId);
  if (!shop) return { ok: false, status: 404, reason: "shop_gone" };
  return {
    ok: true,
    shopId: shop.id,
    shopDomain: shop.domain,
    shopName: shop.name ?? shop.domain,
    shopEmail: shop.email,
    email: check.email,
  };
}

/** RFC 8058: `POST` with `List-Unsubscribe=One-Click` stops every email from this shop to the address. */
export async function oneClickUnsubscribe(token: string): Promise<{ ok: true } | LinkRefusal> {
  const recipient = await recipientOf(token, "unsubscribe");
  if (!recipient.ok) return recipient;
  await suppress(pool(), recipient.shopId, recipient.email, "unsubscribe");
  return { ok: true };
}

export interface Preferences {
  shopName: string;
  email: string;
  /** Every email stopped (unsubscribed, or blocked by a bounce or complaint). */
  stoppedAll: boolean;
  /** Why, when it was not the recipient's own choice. */
  blockedBy: "bounce" | "complaint" | null;
  /** Topics (alert types and the weekly summary) this recipient receives. */
  topics: RecipientTopic[];
}

async function preferencesOf(recipient: LinkedRecipient): Promise<{ ok: true } & Preferences> {
  const [reason, settings] = await Promise.all([
    isSuppressed(pool(), recipient.shopId, recipient.email),
    loadAlertSettings(pool(), recipient.shopId),
  ]);
  const disabled = settings.recipients.find((r) => r.email === recipient.email)?.disabledTypes ?? [];
  return {
    ok: true,
    shopName: recipient.shopName,
    email: recipient.email,
    stoppedAll: reason !== null,
    blockedBy: reason === "bounce" || reason === "complaint" ? reason : null,
    topics: RECIPIENT_TOPICS.filter((topic) => !disabled.includes(topic)),
  };
}

export async function loadPreferences(token: string): Promise<({ ok: true } & Preferences) | LinkRefusal> {
  const recipient = await recipientOf(token, "unsubscribe");
  return recipient.ok ? preferencesOf(recipient) : recipient;
}

export const PreferencesForm = z.object({
  /** "on" keeps emails coming; absent stops them all. */
  subscribed: z.literal("on").optional(),
  topics: z.array(z.enum(RECIPIENT_TOPICS)).max(RECIPIENT_TOPICS.length).default([]),
});

/** The preference page's form: every email on or off, and (when on) which topics. */
export async function savePreferences(
  token: string,
  form: z.infer<typeof PreferencesForm>,
): Promise<({ ok: true } & Preferences) | LinkRefusal> {
  const recipient = await recipientOf(token, "unsubscribe");
  if (!recipient.ok) return recipient;
  if (!form.subscribed) {
    // Off: every email stops; the topic choices are kept for when they come back.
    await suppress(pool(), recipient.shopId, recipient.email, "unsubscribe");
  } else {
    await unsuppress(pool(), recipient.shopId, recipient.email);
    await setRecipientTopics(recipient.shopId, recipient.shopDomain, recipient.email, recipient.shopEmail, form.topics);
  }
  return preferencesOf(recipient);
}

/** The confirmation link of an extra recipient. */
export async function confirmByLink(token: string): Promise<{ ok: true; shopName: string; email: string } | LinkRefusal> {
  const recipient = await recipientOf(token, "confirm");
  if (!recipient.ok) return recipient;
  if (!(await confirmRecipient(recipient.shopId, recipient.email))) return { ok: false, status: 404, reason: "recipient_removed" };
  return { ok: true, shopName: recipient.shopName, email: recipient.email };
}

/** The confirmation page's GET: is the link valid, and for which shop and address (changes nothing). */
export async function checkConfirmLink(token: string): Promise<{ ok: true; shopName: string; email: string } | LinkRefusal> {
  const recipient = await recipientOf(token, "confirm");
  return recipient.ok ? { ok: true, shopName: recipient.shopName, email: recipient.email } : recipient;
}
