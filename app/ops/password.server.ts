/**
 * Operator passwords (decision 0046): scrypt (Node's `crypto.scrypt`), with the salt and the cost parameters in
 * the stored string, so parameters can be raised later without breaking the hashes already in the environment.
 *
 * Format: `scrypt.<log2 N>.<r>.<p>.<salt>.<key>`, salt and key in base64url. It holds no `:`, `,` or `$`, so it
 * fits a `FLUXOR_OPS_USERS` entry (`name:hash`, comma-separated) and a shell or `.env` file without quoting.
 * Defaults follow OWASP's scrypt recommendation (N = 2^15, r = 8, p = 3: 32 MiB, about half a second here).
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from "node:crypto";

export interface ScryptParams {
  /** log2 of the CPU/memory cost N. */
  logN: number;
  r: number;
  p: number;
}

export const DEFAULT_SCRYPT: ScryptParams = { logN: 15, r: 8, p: 3 };
/** Bounds a stored hash must respect: low enough not to exhaust memory, high enough to mean something. */
const BOUNDS = { logN: [10, 20], r: [1, 32], p: [1, 16] } as const;
const SALT_BYTES = 16;
const KEY_BYTES = 32;
/** Longer inputs are refused before hashing (scrypt would take them, but nobody types them). */
export const MAX_PASSWORD_BYTES = 1024;
export const MIN_PASSWORD_LENGTH = 12;

const B64URL = /^[A-Za-z0-9_-]+$/;

export interface ParsedHash extends ScryptParams {
  salt: Buffer;
  key: Buffer;
}

function derive(password: string, salt: Buffer, params: ScryptParams, length: number): Promise<Buffer> {
  const N = 2 ** params.logN;
  const options: ScryptOptions = { N, r: params.r, p: params.p, maxmem: 256 * N * params.r + 1024 * 1024 };
  return new Promise((resolve, reject) =>
    scrypt(password.normalize("NFC"), salt, length, options, (e, key) => (e ? reject(e) : resolve(key))),
  );
}

function inBounds(params: ScryptParams): boolean {
  return (Object.keys(BOUNDS) as (keyof ScryptParams)[]).every((name) => {
    const value = params[name];
    return Number.isInteger(value) && value >= BOUNDS[name][0] && value <= BOUNDS[name][1];
  });
}

/** The parts of a stored hash, or null when it is not one this module wrote (or its parameters are out of bounds). */
export function parsePasswordHash(encoded: string): ParsedHash | null {
  const parts = encoded.split(".");
  if (parts.length !== 6 || parts[0] !== "scrypt") return null;
  const [, logN, r, p, salt, key] = parts as [string, string, string, string, string, string];
  if (![logN, r, p].every((n) => /^\d{1,3}$/.test(n)) || !B64URL.test(salt) || !B64URL.test(key)) return null;
  const parsed: ParsedHash = {
    logN: Number(logN),
    r: Number(r),
    p: Number(p),
    salt: Buffer.from(salt, "base64url"),
    key: Buffer.from(key, "base64url"),
  };
  if (!inBounds(parsed) || parsed.salt.length < 16 || parsed.key.length < 16 || parsed.key.length > 64) return null;
  return parsed;
}

export async function hashPassword(password: string, params: ScryptParams = DEFAULT_SCRYPT): Promise<string> {
  if (!inBounds(params)) throw new RangeError(`scrypt parameters out of bounds: ${JSON.stringify(params)}`);
  if (Buffer.byteLength(password) > MAX_PASSWORD_BYTES) throw new RangeError(`a password is at most ${MAX_PASSWORD_BYTES} bytes`);
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, params, KEY_BYTES);
  return ["scrypt", params.logN, params.r, params.p, salt.toString("base64url"), key.toString("base64url")].join(".");
}

/** Whether `password` matches `encoded`; the comparison takes the same time wherever the keys differ. */
export async function verifyPassword(password: string, encoded: string): Promise<boolean> {
  const parsed = parsePasswordHash(encoded);
  if (parsed === null || Buffer.byteLength(password) > MAX_PASSWORD_BYTES) return false;
  const key = await derive(password, parsed.salt, parsed, parsed.key.length);
  return timingSafeEqual(key, parsed.key);
}

let dummy: Promise<string> | undefined;

/**
 * Spends the time a real verification takes, for a user name that does not exist: the answer's timing then
 * does not tell which operator names are configured.
 */
export async function verifyNobody(password: string): Promise<false> {
  dummy ??= hashPassword(randomBytes(16).toString("hex"));
  await verifyPassword(password, await dummy);
  return false;
}
