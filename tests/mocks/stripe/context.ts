/**
 * What the stand-in's parts share: the records, the account, the clocks and the event outbox. Events raised while
 * one request (or one step of a test clock) runs are collected, then recorded and sent together, so that a
 * subscription's `customer.subscription.created` can come before the invoice events it caused.
 */
import type { Store } from "./store";

export interface Account {
  id: string;
  name: string;
  country: string;
  email: string;
}

/** What happens when a renewal's payment keeps failing (Stripe's "Manage failed payments" settings). */
export interface DunningSettings {
  /** Retries, in days after the first failure (Stripe's custom schedule; smart retries pick times within 2 weeks). */
  retryDays: number[];
  /** After the last retry fails: the subscription is canceled (Stripe's default), marked unpaid, or left past_due. */
  subscriptionAfterFinalFailure: "cancel" | "unpaid" | "past_due";
  /** After the last retry fails: mark the invoice uncollectible (else it stays open). */
  markInvoiceUncollectible: boolean;
}

export interface PendingEvent {
  type: string;
  object: Record<string, unknown>;
  previous: Record<string, unknown> | null;
  created: number;
}

export interface Ctx {
  store: Store;
  account: Account;
  apiVersion: string;
  dunning: DunningSettings;
  /** The stand-in's own clock, in Unix seconds (objects without a test clock live on it). */
  wallSeconds(): number;
  /** The base URL hosted pages and files are served from. */
  baseUrl(): string;
  /** Events raised so far and not yet recorded. */
  outbox: PendingEvent[];
  /** The request being handled (for `event.request`). */
  request: { id: string | null; idempotencyKey: string | null };
}

/** "Now" for objects on this test clock (its frozen time) or on none (the stand-in's clock), in seconds. */
export function nowFor(ctx: Ctx, testClock: string | null): number {
  if (!testClock) return ctx.wallSeconds();
  const clock = ctx.store.testClocks.find(testClock);
  return clock ? clock.frozenTime : ctx.wallSeconds();
}

export function emit(ctx: Ctx, type: string, object: Record<string, unknown>, at: number, previous: Record<string, unknown> | null = null) {
  ctx.outbox.push({ type, object, previous, created: at });
}

/** `previous_attributes`: the top-level fields that changed, with their old values. */
export function changedFields(before: Record<string, unknown>, after: Record<string, unknown>): Record<string, unknown> | null {
  const previous: Record<string, unknown> = {};
  for (const key of Object.keys(before)) if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) previous[key] = before[key];
  return Object.keys(previous).length ? previous : null;
}

/** Emits `<type>` with `previous_attributes` if `change` changed anything in the view. */
export function emitIfChanged(
  ctx: Ctx,
  type: string,
  view: () => Record<string, unknown>,
  at: number,
  change: () => void,
): Record<string, unknown> | null {
  const before = view();
  change();
  const after = view();
  const previous = changedFields(before, after);
  if (previous) emit(ctx, type, after, at, previous);
  return previous;
}
