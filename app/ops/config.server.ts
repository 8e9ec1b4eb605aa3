/**
 * The operator console's configuration, from the environment only (decision 0046):
 *
 * - `FLUXOR_OPS_USERS`: comma-separated `name:hash` entries, the hash from `npm run ops:hash-password`
 *   (app/ops/password.server.ts). Unset or empty: the console is off and every `/ops` URL answers 404.
 * - `FLUXOR_OPS_SESSION_SECRET`: required when users are set; at least 32 characters. Several, comma-separated,
 *   rotate the secret: the first signs, all verify. Changing it signs every operator out.
 * - `FLUXOR_OPS_SESSION_HOURS`: how long a sign-in lasts (default 8, at most 24).
 *
 * A configuration that is set but wrong throws `OpsConfigError` (the request fails with 500 and the log says
 * why): a typo must never leave an open console, nor silently turn it off.
 */
import { createHash, createHmac } from "node:crypto";
import { parsePasswordHash } from "./password.server";

export interface OpsUser {
  /** Lower-case. */
  name: string;
  hash: string;
  /** A short digest of the hash: a session remembers it, so changing the password signs that operator out. */
  fingerprint: string;
}

export interface OpsConfig {
  users: ReadonlyMap<string, OpsUser>;
  /** Keys derived from the secrets, the signing one first. */
  sessionKeys: readonly Buffer[];
  csrfKeys: readonly Buffer[];
  sessionSeconds: number;
}

export class OpsConfigError extends Error {
  override name = "OpsConfigError";
}

export const OPS_USER_NAME = /^[a-z0-9][a-z0-9._@-]{0,63}$/;
const MIN_SECRET_LENGTH = 32;

function deriveKey(secret: string, purpose: string): Buffer {
  return createHmac("sha256", secret).update(`fluxor-ops/${purpose}`).digest();
}

export function parseOpsConfig(env: Record<string, string | undefined>): OpsConfig | null {
  const raw = (env.FLUXOR_OPS_USERS ?? "").trim();
  if (raw === "") return null;
  const users = new Map<string, OpsUser>();
  for (const entry of raw.split(",").map((e) => e.trim())) {
    const colon = entry.indexOf(":");
    const name = entry.slice(0, colon).toLowerCase();
    const hash = entry.slice(colon + 1);
    if (colon < 1 || !OPS_USER_NAME.test(name)) {
      throw new OpsConfigError(`FLUXOR_OPS_USERS: "${entry.slice(0, 20)}…" is not name:hash (names: letters, digits, . _ @ -)`);
    }
    if (parsePasswordHash(hash) === null) {
      throw new OpsConfigError(`FLUXOR_OPS_USERS: the hash of ${name} is not one \`npm run ops:hash-password\` prints`);
    }
    if (users.has(name)) throw new OpsConfigError(`FLUXOR_OPS_USERS: ${name} is listed twice`);
    users.set(name, { name, hash, fingerprint: createHash("sha256").update(hash).digest("base64url").slice(0, 16) });
  }
  const secrets = (env.FLUXOR_OPS_SESSION_SECRET ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  if (secrets.length === 0) throw new OpsConfigError("FLUXOR_OPS_SESSION_SECRET is required when FLUXOR_OPS_USERS is set");
  if (secrets.some((s) => s.length < MIN_SECRET_LENGTH)) {
    throw new OpsConfigError(`FLUXOR_OPS_SESSION_SECRET: each secret needs at least ${MIN_SECRET_LENGTH} characters`);
  }
  const hours = env.FLUXOR_OPS_SESSION_HOURS?.trim() ? Number(env.FLUXOR_OPS_SESSION_HOURS) : 8;
  if (!Number.isFinite(hours) || hours <= 0 || hours > 24)
    throw new OpsConfigError("FLUXOR_OPS_SESSION_HOURS must be more than 0 and at most 24");
  return {
    users,
    sessionKeys: secrets.map((s) => deriveKey(s, "session")),
    csrfKeys: secrets.map((s) => deriveKey(s, "csrf")),
    sessionSeconds: Math.round(hours * 3600),
  };
}

let cached: { key: string; config: OpsConfig | null } | undefined;

/** The configuration of this process's environment (read again when it changes, as tests do). */
export function opsConfig(env: Record<string, string | undefined> = process.env): OpsConfig | null {
  const key = JSON.stringify([env.FLUXOR_OPS_USERS, env.FLUXOR_OPS_SESSION_SECRET, env.FLUXOR_OPS_SESSION_HOURS]);
  if (cached?.key !== key) cached = { key, config: parseOpsConfig(env) };
  return cached.config;
}
