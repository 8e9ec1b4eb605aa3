/**
 * AES-256-GCM for secrets at rest (Shopify access and refresh tokens).
 *
 * Keys come from FLUXOR_ENCRYPTION_KEYS: a comma-separated list of `keyId:base64key` (32-byte keys).
 * The first key encrypts; every listed key can decrypt. Rotation: put a new key first, deploy, run
 * `npm run tokens:reencrypt`, then drop the old key. (docs/decisions/0004-token-encryption.md)
 *
 * Ciphertext format: `enc:v1:<keyId>:<iv>:<tag>:<ciphertext>` (base64url parts, 96-bit random IV,
 * 128-bit tag). The key id is authenticated as additional data, so a ciphertext cannot be re-labelled.
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

const PREFIX = "enc:v1:";

export interface KeyRing {
  currentKeyId: string;
  keys: ReadonlyMap<string, Buffer>;
}

export function parseKeyRing(spec: string | undefined): KeyRing {
  if (!spec || spec.trim() === "") {
    throw new Error("FLUXOR_ENCRYPTION_KEYS is not set (format: keyId:base64-32-byte-key[,olderId:key…])");
  }
  const keys = new Map<string, Buffer>();
  let currentKeyId: string | undefined;
  for (const part of spec.split(",")) {
    const [id, encoded, extra] = part.trim().split(":");
    if (!id || !encoded || extra !== undefined || !/^[A-Za-z0-9_-]{1,32}$/.test(id)) {
      throw new Error("FLUXOR_ENCRYPTION_KEYS: each entry must be keyId:base64key with a short [A-Za-z0-9_-] id");
    }
    const key = Buffer.from(encoded, "base64");
    if (key.length !== 32) throw new Error(`FLUXOR_ENCRYPTION_KEYS: key ${id} is ${key.length} bytes, need 32`);
    if (keys.has(id)) throw new Error(`FLUXOR_ENCRYPTION_KEYS: key id ${id} is listed twice`);
    keys.set(id, key);
    currentKeyId ??= id;
  }
  if (!currentKeyId) throw new Error("FLUXOR_ENCRYPTION_KEYS has no key");
  return { currentKeyId, keys };
}

export function isCiphertext(value: string): boolean {
  return value.startsWith(PREFIX);
}

export function encrypt(plaintext: string, ring: KeyRing): string {
  const key = ring.keys.get(ring.currentKeyId);
  if (!key) throw new Error("current key missing from key ring");
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(Buffer.from(ring.currentKeyId));
  const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  const tag = cipher.getAuthTag();
  return `${PREFIX}${ring.currentKeyId}:${iv.toString("base64url")}:${tag.toString("base64url")}:${body.toString("base64url")}`;
}

export function decrypt(ciphertext: string, ring: KeyRing): string {
  if (!isCiphertext(ciphertext)) throw new Error("not a Fluxor ciphertext");
  const [keyId, iv, tag, body, extra] = ciphertext.slice(PREFIX.length).split(":");
  if (!keyId || !iv || !tag || body === undefined || extra !== undefined) throw new Error("malformed ciphertext");
  const key = ring.keys.get(keyId);
  if (!key) throw new Error(`ciphertext was written with key ${keyId}, which is not in FLUXOR_ENCRYPTION_KEYS`);
  const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64url"));
  decipher.setAAD(Buffer.from(keyId));
  decipher.setAuthTag(Buffer.from(tag, "base64url"));
  return Buffer.concat([decipher.update(Buffer.from(body, "base64url")), decipher.final()]).toString("utf8");
}

/** The key id a ciphertext was written with (for re-encryption after a rotation). */
export function keyIdOf(ciphertext: string): string | undefined {
  return isCiphertext(ciphertext) ? ciphertext.slice(PREFIX.length).split(":")[0] : undefined;
}

let cachedRing: { spec: string | undefined; ring: KeyRing } | undefined;
/** The key ring from the environment, parsed once per distinct value. */
export function keyRingFromEnv(): KeyRing {
  const spec = process.env.FLUXOR_ENCRYPTION_KEYS;
  if (!cachedRing || cachedRing.spec !== spec) cachedRing = { spec, ring: parseKeyRing(spec) };
  return cachedRing.ring;
}
