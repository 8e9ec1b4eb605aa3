/** The shop of a Shopify session token, checked as the library checks it (decision 0049). */
import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { sessionTokenShop } from "../../../app/auth/session-token";

const APP = { apiKey: "fluxor-key", apiSecret: "fluxor-secret" };
const NOW = new Date("2026-12-06T12:00:00Z");
const SECONDS = NOW.getTime() / 1000;

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");

function token(claims: Record<string, unknown> = {}, options: { secret?: string; alg?: string } = {}): string {
  const head = b64({ alg: options.alg ?? "HS256", typ: "JWT" });
  const body = b64({ dest: "https://acme.myshopify.com", aud: APP.apiKey, exp: SECONDS + 60, nbf: SECONDS - 5, ...claims });
  const signature = createHmac("sha256", options.secret ?? APP.apiSecret)
    .update(`${head}.${body}`)
    .digest("base64url");
  return `${head}.${body}.${signature}`;
}

describe("sessionTokenShop", () => {
  it("returns the shop of a valid token", () => {
    expect(sessionTokenShop(token(), APP, NOW)).toBe("acme.myshopify.com");
  });

  it("allows the library's 10 s of clock skew", () => {
    expect(sessionTokenShop(token({ exp: SECONDS - 9 }), APP, NOW)).toBe("acme.myshopify.com");
    expect(sessionTokenShop(token({ nbf: SECONDS + 9 }), APP, NOW)).toBe("acme.myshopify.com");
  });

  it.each([
    ["another secret", token({}, { secret: "not-the-secret" })],
    ["another app", token({ aud: "other-app" })],
    ["expired", token({ exp: SECONDS - 11 })],
    ["not yet valid", token({ nbf: SECONDS + 11 })],
    ["alg none", token({}, { alg: "none" })],
    ["a non-shop destination", token({ dest: "https://evil.example" })],
    ["a destination that is not a URL", token({ dest: "acme" })],
    ["no destination", token({ dest: undefined })],
    ["garbage", "a.b.c"],
    ["too many parts", `${token()}.x`],
    ["empty", ""],
  ])("refuses %s", (_case, value) => {
    expect(sessionTokenShop(value, APP, NOW)).toBeNull();
  });

  it("refuses everything when the app has no secret", () => {
    expect(sessionTokenShop(token({}, { secret: "" }), { apiKey: APP.apiKey, apiSecret: "" }, NOW)).toBeNull();
  });
});
