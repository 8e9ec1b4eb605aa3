/** Where /auth/exit-iframe may send the merchant's window (decision 0048): Fluxor or the request's shop's admin. */
import { describe, expect, it } from "vitest";
import { exitIframeTarget } from "../../../app/auth/exit-iframe";

const SHOP = "acme.myshopify.com";
const ORIGINS = { appUrl: "https://fluxor.test", adminUrl: "https://admin.shopify.com" };

function target(raw: string | null, shop: string | null = SHOP): string | null {
  return exitIframeTarget(raw, shop, ORIGINS)?.href ?? null;
}

describe("exitIframeTarget", () => {
  it.each([
    ["/auth?shop=acme.myshopify.com&host=YWNtZQ", "https://fluxor.test/auth?shop=acme.myshopify.com&host=YWNtZQ"],
    ["https://fluxor.test/app/variants", "https://fluxor.test/app/variants"],
    [
      "https://admin.shopify.com/store/acme/charges/fluxor/7/RecurringApplicationCharge/confirm_recurring_application_charge?signature=x",
      "https://admin.shopify.com/store/acme/charges/fluxor/7/RecurringApplicationCharge/confirm_recurring_application_charge?signature=x",
    ],
    ["https://ADMIN.shopify.com:443/store/acme", "https://admin.shopify.com/store/acme"],
    ["https://acme.myshopify.com/admin/charges/7/confirm", "https://acme.myshopify.com/admin/charges/7/confirm"],
    ["https://acme.myshopify.com/admin", "https://acme.myshopify.com/admin"],
  ])("opens Fluxor's pages and the shop's admin: %s", (raw, expected) => {
    expect(target(raw)).toBe(expected);
  });

  it("follows the configured admin origin (the demo's stand-in) rather than a fixed host", () => {
    const standIn = { appUrl: "https://fluxor.test", adminUrl: "https://admin.stand-in.test/" };
    expect(exitIframeTarget("https://admin.stand-in.test/store/acme/x", SHOP, standIn)?.href).toBe(
      "https://admin.stand-in.test/store/acme/x",
    );
    expect(exitIframeTarget("https://admin.shopify.com/store/acme/x", SHOP, standIn)).toBeNull();
  });

  it.each([
    ["another host", "https://evil.example/phish"],
    ["a look-alike host", "https://admin.shopify.com.evil.example/store/acme/"],
    ["a sibling of the app", "https://evil.fluxor.test/"],
    ["another shop's admin", "https://admin.shopify.com/store/other/charges/1"],
    ["a longer handle", "https://admin.shopify.com/store/acme-evil/charges/1"],
    ["a path out of the shop's admin", "https://admin.shopify.com/store/acme/../other/charges"],
    ["an encoded path out of the shop's admin", "https://admin.shopify.com/store/acme/%2e%2e/other/charges"],
    ["the admin outside /store", "https://admin.shopify.com/login?redirect=https://evil.example"],
    ["another shop's myshopify admin", "https://other.myshopify.com/admin/charges/1"],
    ["the shop's storefront", "https://acme.myshopify.com/pages/phish"],
    ["javascript:", "javascript:alert(document.domain)"],
    ["JavaScript: with a tab", "java\tscript:alert(1)"],
    ["data:", "data:text/html,<script>alert(1)</script>"],
    ["plain http to the admin", "http://admin.shopify.com/store/acme/"],
    ["protocol-relative", "//evil.example/phish"],
    ["protocol-relative with a backslash", "/\\evil.example/phish"],
    ["backslashes", "https://fluxor.test\\@evil.example/"],
    ["userinfo that looks like the admin", "https://admin.shopify.com@evil.example/store/acme/"],
    ["userinfo on an allowed host", "https://user:pass@admin.shopify.com/store/acme/"],
    ["a double slash in the path (the library throws on it)", "https://fluxor.test//evil.example"],
    ["a triple slash (the library throws on it)", "https:///evil.example"],
    ["a leading space", " https://fluxor.test/"],
    ["a newline", "https://fluxor.test/\nx"],
    ["a NUL", "https://fluxor.test/\u0000"],
    ["empty", ""],
  ])("refuses %s", (_case, raw) => {
    expect(target(raw)).toBeNull();
  });

  it("refuses a missing target, and any target for a missing or non-myshopify shop", () => {
    expect(target(null)).toBeNull();
    expect(target("/auth?shop=acme.myshopify.com", null)).toBeNull();
    expect(target("https://evil.example/admin", "evil.example")).toBeNull();
    expect(target("https://admin.shopify.com/store/acme", "acme.myshopify.com.evil.example")).toBeNull();
  });

  it("refuses everything when the app URL is not configured", () => {
    expect(exitIframeTarget("/auth", SHOP, { appUrl: "", adminUrl: "https://admin.shopify.com" })).toBeNull();
  });
});
