/**
 * Exact sliding-window rate limiting in PostgreSQL (no Redis): one row per key holding the timestamps
 * of the hits accepted within the window. Each attempt runs in one short transaction that locks the
 * key's row (SELECT … FOR UPDATE), so concurrent attempts on the same key are serialised.
 * Rejected attempts are not recorded, so a blocked client is let in again as soon as its oldest
 * accepted hit leaves the window.
 *
 * A bucket whose last hit is older than MAX_WINDOW_SECONDS can hold no hit that still counts, so the daily
 * `auth.prune` job deletes it (./retention.server.ts); a rule with a longer window is refused here, so that
 * pruning can never forget a hit that still counts.
 */
import { prisma } from "../db/prisma.server";

export interface RateLimitRule {
  limit: number;
  windowSeconds: number;
}

export type RateLimitDecision = { allowed: true; remaining: number } | { allowed: false; retryAfterSeconds: number };

/** The longest window a rule may have: the retention of idle buckets (decision 0049). */
export const MAX_WINDOW_SECONDS = 86_400;

/** 10 attempts per IP per hour (SHOP-001). */
export const AUTH_ATTEMPTS: RateLimitRule = { limit: 10, windowSeconds: 3600 };

export async function hit(key: string, rule: RateLimitRule, now: Date = new Date()): Promise<RateLimitDecision> {
  if (rule.windowSeconds > MAX_WINDOW_SECONDS)
    throw new Error(`rate limit windows are at most ${MAX_WINDOW_SECONDS} s (pruning forgets older hits)`);
  return prisma().$transaction(async (tx) => {
    await tx.$executeRaw`INSERT INTO "RateLimitBucket" (key, hits, "updatedAt") VALUES (${key}, '{}', ${now}) ON CONFLICT (key) DO NOTHING`;
    const [bucket] = await tx.$queryRaw<{ hits: Date[] }[]>`SELECT hits FROM "RateLimitBucket" WHERE key = ${key} FOR UPDATE`;
    const windowStart = now.getTime() - rule.windowSeconds * 1000;
    const recent = (bucket?.hits ?? []).filter((at) => at.getTime() > windowStart).sort((a, b) => a.getTime() - b.getTime());
    const allowed = recent.length < rule.limit;
    const hits = allowed ? [...recent, now] : recent;
    await tx.$executeRaw`UPDATE "RateLimitBucket" SET hits = ${hits}::timestamptz[], "updatedAt" = ${now} WHERE key = ${key}`;
    if (allowed) return { allowed: true, remaining: rule.limit - hits.length } as const;
    const oldest = recent[0] ?? now;
    const retryAfterMs = oldest.getTime() + rule.windowSeconds * 1000 - now.getTime();
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(retryAfterMs / 1000)) } as const;
  });
}
