import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { decrypt, encrypt, isCiphertext, keyIdOf, parseKeyRing } from "../../../app/auth/token-cipher.server";

const k1 = randomBytes(32).toString("base64");
const k2 = randomBytes(32).toString("base64");

describe("token cipher (AES-256-GCM with key ids)", () => {
  it("round-trips and never shows the plaintext", () => {
    const ring = parseKeyRing(`k1:${k1}`);
    const sealed = encrypt("shpat_secret_token", ring);
    expect(isCiphertext(sealed)).toBe(true);
    expect(sealed).not.toContain("shpat_secret_token");
    expect(keyIdOf(sealed)).toBe("k1");
    expect(decrypt(sealed, ring)).toBe("shpat_secret_token");
  });

  it("uses a fresh IV each time", () => {
    const ring = parseKeyRing(`k1:${k1}`);
    expect(encrypt("same", ring)).not.toBe(encrypt("same", ring));
  });

  it("decrypts old ciphertexts after a rotation and encrypts with the new first key", () => {
    const old = encrypt("token", parseKeyRing(`k1:${k1}`));
    const rotated = parseKeyRing(`k2:${k2},k1:${k1}`);
    expect(decrypt(old, rotated)).toBe("token");
    expect(keyIdOf(encrypt("token", rotated))).toBe("k2");
  });

  it("rejects tampering, relabelled key ids and unknown keys", () => {
    const ring = parseKeyRing(`k1:${k1},k2:${k2}`);
    const sealed = encrypt("token", ring);
    const parts = sealed.split(":");
    const body = Buffer.from(parts[5] ?? "", "base64url");
    body[0] = (body[0] ?? 0) ^ 1;
    const tampered = [...parts.slice(0, 5), body.toString("base64url")].join(":");
    expect(() => decrypt(tampered, ring)).toThrow();
    const relabelled = sealed.replace(":k1:", ":k2:");
    expect(() => decrypt(relabelled, ring)).toThrow();
    expect(() => decrypt(sealed, parseKeyRing(`k2:${k2}`))).toThrow(/k1/);
  });

  it("refuses bad key configuration", () => {
    expect(() => parseKeyRing(undefined)).toThrow(/FLUXOR_ENCRYPTION_KEYS/);
    expect(() => parseKeyRing(`k1:${randomBytes(16).toString("base64")}`)).toThrow(/32/);
    expect(() => parseKeyRing(`k1:${k1},k1:${k2}`)).toThrow(/twice/);
    expect(() => parseKeyRing(`bad id:${k1}`)).toThrow();
  });
});
