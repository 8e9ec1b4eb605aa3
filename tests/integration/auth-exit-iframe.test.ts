/**
 * /auth/exit-iframe through the route's loader and the real library (issue 16 item 1, decision 0048): the page
 * opens Fluxor or the request's shop's admin, and anything else, or nothing, is a 400 rather than a redirect or a 500.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type * as AuthRoute from "../../app/routes/auth.$";
import { createTestDatabase } from "../support/db";

process.env.SHOPIFY_API_KEY = "fluxor-test-key";
process.env.SHOPIFY_API_SECRET = "fluxor-test-secret-" + randomBytes(6).toString("hex");
process.env.SHOPIFY_APP_URL = "https://fluxor.test";
process.env.SCOPES = "read_products";
process.env.SHOPIFY_ADMIN_URL = "https://admin.shopify.com";
process.env.FLUXOR_ENCRYPTION_KEYS = `t1:${randomBytes(32).toString("base64")}`;

const SHOP = "acme.myshopify.com";

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let loader: typeof AuthRoute.loader;

beforeAll(async () => {
  db = await createTestDatabase();
  ({ loader } = await import("../../app/routes/auth.$"));
});
afterAll(async () => {
  await (await import("../../app/db/prisma.server")).prisma().$disconnect();
  await db.drop();
});

/** The loader's answer to GET /auth/exit-iframe, whether it returns it or throws it (the library throws its page). */
async function exitIframe(query: Record<string, string>): Promise<Response> {
  const request = new Request(`https://fluxor.test/auth/exit-iframe?${new URLSearchParams(query).toString()}`);
  try {
    const answer = await loader({ request, params: { "*": "exit-iframe" }, context: { clientIp: "127.0.0.1" } });
    if (answer instanceof Response) return answer;
    throw new Error(`expected a Response, got ${String(answer)}`);
  } catch (thrown) {
    if (thrown instanceof Response) return thrown;
    throw thrown;
  }
}

describe("GET /auth/exit-iframe", () => {
  it.each([
    ["/auth?shop=acme.myshopify.com&host=YWNtZQ", "https://fluxor.test/auth?shop=acme.myshopify.com&host=YWNtZQ"],
    ["https://fluxor.test/app", "https://fluxor.test/app"],
    [
      "https://admin.shopify.com/store/acme/charges/fluxor/7/confirm?signature=s",
      "https://admin.shopify.com/store/acme/charges/fluxor/7/confirm?signature=s",
    ],
    ["https://acme.myshopify.com/admin/charges/7/confirm", "https://acme.myshopify.com/admin/charges/7/confirm"],
  ])("renders the App Bridge page opening %s", async (exitIframeParam, expected) => {
    const response = await exitIframe({ shop: SHOP, exitIframe: exitIframeParam });
    expect(response.status).toBe(200);
    const body = await response.text();
    expect(body).toContain(`window.open(${JSON.stringify(expected)}, "_top")`);
    expect(body).toContain('data-api-key="fluxor-test-key"');
  });

  it.each([
    "https://evil.example/phish",
    "https://admin.shopify.com/store/other/charges/1",
    "https://other.myshopify.com/admin/charges/1",
    "javascript:alert(document.domain)",
    "//evil.example/phish",
    "/\\evil.example/phish",
    "https://admin.shopify.com@evil.example/store/acme/",
    "https://fluxor.test\\@evil.example/",
    "http://fluxor.test/app",
    "https://fluxor.test//evil.example",
  ])("answers 400 and opens nothing for %s", async (exitIframeParam) => {
    const response = await exitIframe({ shop: SHOP, exitIframe: exitIframeParam });
    expect(response.status).toBe(400);
    expect(await response.text()).not.toContain("window.open");
  });

  it("answers 400 without a target, or without a valid shop", async () => {
    expect((await exitIframe({ shop: SHOP })).status).toBe(400);
    expect((await exitIframe({ shop: SHOP, exitIframe: "" })).status).toBe(400);
    expect((await exitIframe({ exitIframe: "/auth" })).status).toBe(400);
    expect((await exitIframe({ shop: "evil.example", exitIframe: "/auth" })).status).toBe(400);
  });
});
