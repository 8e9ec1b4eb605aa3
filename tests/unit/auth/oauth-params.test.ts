/** The /auth/* query parameters checked before the Shopify library reads them (issue 16): a bad one is a 400, not a 500. */
import { describe, expect, it } from "vitest";
import { oauthParamRefusal } from "../../../app/auth/oauth-params";

const refusal = (query: string) => oauthParamRefusal(new URLSearchParams(query));
const HOST = btoa("admin.shopify.com/store/acme");

describe("oauthParamRefusal", () => {
  it("lets what Shopify sends through, and absent parameters", () => {
    expect(refusal(`shop=acme.myshopify.com&host=${HOST}`)).toBeNull();
    expect(refusal("shop=admin.shopify.com/store/acme")).toBeNull();
    expect(refusal("shop=")).toBeNull();
    expect(refusal("")).toBeNull();
  });

  it.each([
    ["not base64", "host=a%20b"],
    ["base64 of the wrong length", "host=YWJjZ"],
    ["base64 of no host", `host=${encodeURIComponent(btoa("a b\u0000"))}`],
    ["empty", "host="],
    ["10 000 characters", `host=${"QUFB".repeat(2_500)}`],
  ])("refuses a host that is %s", (_, query) => {
    expect(refusal(query)).toMatch(/host/);
  });

  it.each([
    ["a NUL", "shop=a%00b.myshopify.com"],
    ["CR/LF", "shop=a%0D%0ASet-Cookie:%20x"],
    ["an emoji", "shop=%F0%9F%93%A6.myshopify.com"],
    ["256 characters", `shop=${"a".repeat(256)}`],
  ])("refuses a shop holding %s", (_, query) => {
    expect(refusal(query)).toMatch(/shop/);
  });
});
