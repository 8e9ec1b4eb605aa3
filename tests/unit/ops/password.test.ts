/** Operator passwords: scrypt hashes with their parameters inside, verified in constant time. */
import { describe, expect, it } from "vitest";
import { DEFAULT_SCRYPT, hashPassword, parsePasswordHash, verifyNobody, verifyPassword } from "../../../app/ops/password.server";

const FAST = { logN: 10, r: 8, p: 1 };

describe("operator password hashing", () => {
  it("writes scrypt.<logN>.<r>.<p>.<salt>.<key> with a fresh salt, and nothing a FLUXOR_OPS_USERS entry cannot hold", async () => {
    const a = await hashPassword("correct horse battery", FAST);
    const b = await hashPassword("correct horse battery", FAST);
    expect(a).toMatch(/^scrypt\.10\.8\.1\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/);
    expect(a).not.toBe(b);
    expect(a).not.toMatch(/[:,$\s]/);
    expect(parsePasswordHash(a)).toMatchObject({ logN: 10, r: 8, p: 1 });
  });

  it("verifies the right password only", async () => {
    const hash = await hashPassword("correct horse battery", FAST);
    expect(await verifyPassword("correct horse battery", hash)).toBe(true);
    expect(await verifyPassword("correct horse batterY", hash)).toBe(false);
    expect(await verifyPassword("", hash)).toBe(false);
    expect(await verifyPassword("x".repeat(2000), hash)).toBe(false);
  });

  it("normalises Unicode, so the same password typed on another keyboard matches", async () => {
    const hash = await hashPassword("cr\u00e8me br\u00fbl\u00e9e 2026", FAST);
    expect(await verifyPassword("cre\u0300me bru\u0302le\u0301e 2026", hash)).toBe(true);
  });

  it("reads the parameters from the stored string (a hash made with the defaults verifies too)", async () => {
    const hash = await hashPassword("another long password", DEFAULT_SCRYPT);
    expect(hash.startsWith(`scrypt.${DEFAULT_SCRYPT.logN}.${DEFAULT_SCRYPT.r}.${DEFAULT_SCRYPT.p}.`)).toBe(true);
    expect(await verifyPassword("another long password", hash)).toBe(true);
  });

  it("refuses what it did not write, and parameters that would exhaust memory", async () => {
    const good = await hashPassword("correct horse battery", FAST);
    const parts = good.split(".");
    for (const bad of [
      "",
      "plaintext",
      good.replace("scrypt", "bcrypt"),
      [...parts.slice(0, 1), "30", ...parts.slice(2)].join("."),
      [...parts.slice(0, 1), "4", ...parts.slice(2)].join("."),
      [...parts.slice(0, 4), "c2hvcnQ", parts[5]].join("."),
      `${good}.extra`,
      good.replace(/\.[^.]+$/, ".not*base64"),
    ]) {
      expect(parsePasswordHash(bad), bad).toBeNull();
      expect(await verifyPassword("correct horse battery", bad)).toBe(false);
    }
    await expect(hashPassword("x", { logN: 25, r: 8, p: 1 })).rejects.toThrow(/out of bounds/);
  });

  it("spends a verification on unknown names, and says no", async () => {
    expect(await verifyNobody("anything")).toBe(false);
  });
});
