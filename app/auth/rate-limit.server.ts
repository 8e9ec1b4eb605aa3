/**
 * Exact sliding-window rate limiting in PostgreSQL (no Redis): one row per key holding the timestamps
 * of the hits accepted within the window. Each attempt runs in one short transaction that locks the
 * key's row (SELECT … FOR UPDATE), so concurrent attempts on the same key are serialised.
 * Rejected attempts are not recorded, so a blocked client is let in again as soon as its oldest
 * accepted hit leaves the window.
 */
import { prisma } from "../db/prisma.server";

export interface RateLimitRule {
  limit: number;
  windowSeconds: number;
}

export type RateLimitDecision = { allowed: true; remaining: number } | { allowed: false; retryAfterSeconds: number };

/** 10 attempts per IP per hour (SHOP-001). */
export const AUTH_ATTEMPTS: RateLimitRule = { limit: 10, windowSeconds: 3600 };

export async function hit(key: string, rule: RateLimitRule, now: Date = new Date()): Promise<RateLimitDecision> {
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
