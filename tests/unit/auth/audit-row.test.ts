/** What the audit trail stores for an entry (issue 16 item 6, decision 0049): bounded texts, a shop or nothing. */
import { describe, expect, it } from "vitest";
import { auditRow, clipText, MAX_AUDIT_LIST, MAX_AUDIT_TEXT } from "../../../app/auth/audit.server";

describe("clipText", () => {
  it("keeps short text and cuts long text with its length", () => {
    expect(clipText("acme.myshopify.com")).toBe("acme.myshopify.com");
    const clipped = clipText("x".repeat(8192));
    expect(clipped).toBe(`${"x".repeat(MAX_AUDIT_TEXT)}…[8192 chars]`);
  });

  it("replaces control characters, NUL included (PostgreSQL refuses it)", () => {
    expect(clipText("a\u0000b\r\nc\u001b[31m")).toBe("a\uFFFDb\uFFFD\uFFFDc\uFFFD[31m");
  });

  it("never cuts a surrogate pair in half", () => {
    const text = `${"x".repeat(MAX_AUDIT_TEXT - 1)}😀😀`;
    const clipped = clipText(text);
    expect(clipped.startsWith(`${"x".repeat(MAX_AUDIT_TEXT - 1)}…`)).toBe(true);
    expect(() => encodeURIComponent(clipped)).not.toThrow();
  });
});

describe("auditRow", () => {
  it("keeps a myshopify domain in the shop column", () => {
    expect(auditRow({ event: "install", outcome: "success", shopDomain: "acme.myshopify.com" }).shopDomain).toBe("acme.myshopify.com");
  });

  it("moves anything else, cut, to detail.claimedShop", () => {
    const row = auditRow({
      event: "webhook_rejected",
      outcome: "failure",
      shopDomain: "a".repeat(8192),
      detail: { topic: "orders/create" },
    });
    expect(row.shopDomain).toBeNull();
    expect(row.detail).toEqual({ topic: "orders/create", claimedShop: `${"a".repeat(MAX_AUDIT_TEXT)}…[8192 chars]` });
  });

  it("keeps a claimedShop the caller already gave", () => {
    const row = auditRow({ event: "oauth_failed", outcome: "failure", shopDomain: "evil", detail: { claimedShop: "evil.example" } });
    expect(row.detail.claimedShop).toBe("evil.example");
  });

  it("cuts every text of the detail and long lists, and drops secrets' keys", () => {
    const row = auditRow({
      event: "scopes_update",
      outcome: "success",
      detail: { reason: "r".repeat(1000), scopes: Array.from({ length: 200 }, () => "s".repeat(300)), hmac: "x", count: 3, ok: true },
    });
    expect((row.detail.reason as string).length).toBeLessThan(MAX_AUDIT_TEXT + 20);
    const scopes = row.detail.scopes as string[];
    expect(scopes).toHaveLength(MAX_AUDIT_LIST);
    expect(scopes.every((scope) => scope.length < MAX_AUDIT_TEXT + 20)).toBe(true);
    expect(row.detail).not.toHaveProperty("hmac");
    expect(row.detail).toMatchObject({ count: 3, ok: true });
  });

  it("stores an address as it is and cuts anything else given as one", () => {
    expect(auditRow({ event: "login_attempt", outcome: "failure", ip: "2001:db8::1" }).ip).toBe("2001:db8::1");
    expect((auditRow({ event: "login_attempt", outcome: "failure", ip: "z".repeat(5000) }).ip ?? "").length).toBeLessThan(90);
    expect(auditRow({ event: "login_attempt", outcome: "failure" }).ip).toBeNull();
  });
});
