/** The email jobs (handlers: app/email/tasks.server.ts, app/alerts/tasks.server.ts). */
import { z } from "zod";
import { defineJob } from "../contract";

/**
 * Priorities of the email queue (Graphile Worker runs lower numbers first among due jobs): an alert that
 * must go now before a digest, a digest before the weekly summary, everything else last.
 */
export const EMAIL_PRIORITY = { immediate: 0, digest: 10, summary: 20, other: 30 } as const;

/**
 * Send one logged message (app/email/log.server.ts). Every send goes through the one named queue
 * `email`, so sends are serialised across workers and paced to the provider's rate limit. Retried with
 * Graphile's exponential back-off on 429, 5xx and network errors (25 attempts ≈ a day and a half); the
 * message's idempotency key makes a retried or crashed send deliver once.
 */
export const emailSendJob = defineJob({
  name: "email.send",
  payload: z.object({ messageId: z.uuid(), priority: z.number().int().min(0).max(100) }),
  jobKey: ({ messageId }) => `email.send:${messageId}`,
  queue: () => "email",
  priority: ({ priority }) => priority,
  maxAttempts: 25,
});

/** Daily: delete email messages and events older than 90 days. */
export const emailPruneJob = defineJob({
  name: "email.prune",
  payload: z.object({}).passthrough(),
  maxAttempts: 5,
});
