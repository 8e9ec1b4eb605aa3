import { describe, expect, it } from "vitest";
import { signLink, verifyLink } from "../../../app/email/signed-links";

const SECRET = "a-test-secret-of-enough-length";
const SHOP = "5f0c6a9e-8d1b-4c1e-9a51-3c2d1e0f9a7b";

describe("signed email links", () => {
  it("verifies its own token and carries the shop and address (lower-cased)", () => {
    const token = signLink(SECRET, "unsubscribe", SHOP, "Owner@Example.com");
    expect(verifyLink(SECRET, "unsubscribe", token)).toEqual({ ok: true, shopId: SHOP, email: "owner@example.com" });
  });

  it("refuses a token with a changed payload or signature, or under another secret", () => {
    const token = signLink(SECRET, "unsubscribe", SHOP, "owner@example.com");
    const [body, mac] = token.split(".") as [string, string];
    const otherBody = Buffer.from(JSON.stringify({ p: "unsubscribe", s: SHOP, e: "victim@example.com", i: 1 })).toString("base64url");
    expect(verifyLink(SECRET, "unsubscribe", `${otherBody}.${mac}`)).toEqual({ ok: false, reason: "signature" });
    const flipped = `${mac.slice(0, -2)}${mac.endsWith("AA") ? "BB" : "AA"}`;
    expect(verifyLink(SECRET, "unsubscribe", `${body}.${flipped}`).ok).toBe(false);
    expect(verifyLink("another-secret-of-enough-length", "unsubscribe", token)).toEqual({ ok: false, reason: "signature" });
    expect(verifyLink(SECRET, "unsubscribe", "not-a-token")).toEqual({ ok: false, reason: "malformed" });
    expect(verifyLink(SECRET, "unsubscribe", "")).toEqual({ ok: false, reason: "malformed" });
  });

  it("accepts one spelling of a signature only: the other three with the last character's spare bits set are refused", () => {
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const token = signLink(SECRET, "unsubscribe", SHOP, "owner@example.com");
    const last = alphabet.indexOf(token.at(-1)!);
    for (let spare = 1; spare < 4; spare++) {
      const respelled = token.slice(0, -1) + alphabet[last + spare]!;
      expect(Buffer.from(respelled.split(".")[1]!, "base64url")).toEqual(Buffer.from(token.split(".")[1]!, "base64url"));
      expect(verifyLink(SECRET, "unsubscribe", respelled)).toEqual({ ok: false, reason: "malformed" });
    }
  });

  it("keeps purposes apart: an unsubscribe token cannot confirm an address", () => {
    const token = signLink(SECRET, "unsubscribe", SHOP, "owner@example.com");
    expect(verifyLink(SECRET, "confirm", token)).toEqual({ ok: false, reason: "signature" });
  });

  it("lets confirmation links expire after 7 days but never unsubscribe links", () => {
    const issued = new Date("2026-01-01T00:00:00Z");
    const later = new Date("2026-01-09T00:00:00Z");
    expect(verifyLink(SECRET, "confirm", signLink(SECRET, "confirm", SHOP, "a@example.com", issued), later)).toEqual({
      ok: false,
      reason: "expired",
    });
    expect(
      verifyLink(SECRET, "confirm", signLink(SECRET, "confirm", SHOP, "a@example.com", issued), new Date("2026-01-07T00:00:00Z")).ok,
    ).toBe(true);
    expect(
      verifyLink(SECRET, "unsubscribe", signLink(SECRET, "unsubscribe", SHOP, "a@example.com", issued), new Date("2030-01-01T00:00:00Z"))
        .ok,
    ).toBe(true);
  });
});
