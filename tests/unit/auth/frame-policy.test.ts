/** Who may frame a Fluxor document (issue 16 item 8, decision 0049). */
import { describe, expect, it } from "vitest";
import { applyFramePolicy, embeddedFrameAncestors, isEmbeddedPath, withoutFraming } from "../../../app/auth/frame-policy";

describe("isEmbeddedPath", () => {
  it.each([
    ["/app", true],
    ["/app/variants/7", true],
    ["/application", false],
    ["/", false],
    ["/auth/login", false],
    ["/ops", false],
  ])("%s → %s", (path, embedded) => expect(isEmbeddedPath(path)).toBe(embedded));
});

describe("embeddedFrameAncestors", () => {
  it("names the admin and a myshopify shop", () => {
    expect(embeddedFrameAncestors("acme.myshopify.com")).toBe("frame-ancestors https://acme.myshopify.com https://admin.shopify.com;");
  });

  it.each([
    null,
    "",
    "evil.example",
    "evil.shopify.com",
    "acme.myshopify.com evil.example",
    "acme.myshopify.com;script-src *",
    "ACME.myshopify.com",
  ])("echoes nothing else: %s", (shop) => expect(embeddedFrameAncestors(shop)).toBe("frame-ancestors https://admin.shopify.com;"));
});

describe("withoutFraming", () => {
  it("adds frame-ancestors 'none' to no policy or a policy without it", () => {
    expect(withoutFraming(null)).toBe("frame-ancestors 'none';");
    expect(withoutFraming("default-src 'self';")).toBe("default-src 'self'; frame-ancestors 'none';");
  });

  it("replaces a frame-ancestors directive in place and keeps the others", () => {
    expect(withoutFraming("frame-ancestors https://a.myshopify.com https://admin.shopify.com;")).toBe("frame-ancestors 'none';");
    expect(withoutFraming("frame-ancestors 'none'; base-uri 'none'; object-src 'none'")).toBe(
      "frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
    );
    expect(withoutFraming("base-uri 'none'; frame-ancestors *; object-src 'none'")).toBe(
      "base-uri 'none'; frame-ancestors 'none'; object-src 'none'",
    );
  });
});

describe("applyFramePolicy", () => {
  it("denies framing outside the admin, with X-Frame-Options for old browsers", () => {
    const headers = new Headers();
    applyFramePolicy(headers, { embedded: false });
    expect(headers.get("Content-Security-Policy")).toBe("frame-ancestors 'none';");
    expect(headers.get("X-Frame-Options")).toBe("DENY");
  });

  it("replaces the library's ?shop= policy with the verified shop's, and sends no X-Frame-Options inside the admin", () => {
    const headers = new Headers({
      "Content-Security-Policy": "frame-ancestors https://evil.myshopify.com https://admin.shopify.com https://*.spin.dev;",
      "X-Frame-Options": "DENY",
    });
    applyFramePolicy(headers, { embedded: true, verifiedShop: "acme.myshopify.com" });
    expect(headers.get("Content-Security-Policy")).toBe("frame-ancestors https://acme.myshopify.com https://admin.shopify.com;");
    expect(headers.get("X-Frame-Options")).toBeNull();
    applyFramePolicy(headers, { embedded: true, verifiedShop: null });
    expect(headers.get("Content-Security-Policy")).toBe("frame-ancestors https://admin.shopify.com;");
  });
});
