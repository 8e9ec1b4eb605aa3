/**
 * The webhook fast path (app/server/webhook-dispatch.server.ts) over real HTTP: which routes it takes,
 * that the action gets the exact body and headers Shopify sent, that returned and thrown Responses are the
 * answer, that unexpected errors are a 500 (Shopify retries), that oversized bodies are refused unread, and
 * that every other path falls through to Remix.
 */
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import type { ActionFunctionArgs, ServerBuild } from "@remix-run/node";
import express from "express";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { webhookActions, webhookDispatcher } from "../../../app/server/webhook-dispatch.server";

const seen: { url: string; method: string; body: string; hmac: string | null; context: unknown }[] = [];

async function ordersCreate({ request, context }: ActionFunctionArgs): Promise<Response> {
  const body = await request.text();
  seen.push({ url: request.url, method: request.method, body, hmac: request.headers.get("x-shopify-hmac-sha256"), context });
  if (body === "bad") throw new Response("Bad Request", { status: 400 });
  if (body === "boom") throw new Error("boom");
  return new Response(null, { status: 200, headers: { "X-Handled-By": "orders.create" } });
}

const build = {
  routes: {
    "routes/webhooks.orders.create": {
      id: "routes/webhooks.orders.create",
      path: "webhooks/orders/create",
      module: { action: ordersCreate },
    },
    "routes/webhooks.$topic": { id: "routes/webhooks.$topic", path: "webhooks/:topic", module: { action: ordersCreate } },
    "routes/webhooks.page": { id: "routes/webhooks.page", path: "webhooks/page", module: { action: ordersCreate, default: () => null } },
    "routes/app": { id: "routes/app", path: "app", module: { action: ordersCreate } },
  },
} as unknown as ServerBuild;

let server: Server;
let base: string;

beforeAll(async () => {
  const app = express();
  app.post(
    "/webhooks/*",
    webhookDispatcher(build, () => ({ clientIp: "test" })),
  );
  app.all("*", (_req, res) => res.status(404).send("remix"));
  server = await new Promise<Server>((resolve) => {
    const listening = app.listen(0, "127.0.0.1", () => resolve(listening));
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

describe("webhookActions", () => {
  it("takes only webhook resource routes without params", () => {
    expect([...webhookActions(build).keys()]).toEqual(["/webhooks/orders/create"]);
  });
});

describe("webhookDispatcher", () => {
  it("hands the action the exact body, the headers and the load context, and answers its Response", async () => {
    const payload = JSON.stringify({ id: 1, note: "é ✓" });
    const answer = await fetch(`${base}/webhooks/orders/create?x=1`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Shopify-Hmac-Sha256": "abc=" },
      body: payload,
    });
    expect(answer.status).toBe(200);
    expect(answer.headers.get("x-handled-by")).toBe("orders.create");
    const call = seen.at(-1)!;
    expect(call).toMatchObject({ method: "POST", body: payload, hmac: "abc=", context: { clientIp: "test" } });
    expect(new URL(call.url).pathname + new URL(call.url).search).toBe("/webhooks/orders/create?x=1");
  });

  it("answers a thrown Response, as Remix does for resource routes", async () => {
    const answer = await fetch(`${base}/webhooks/orders/create`, { method: "POST", body: "bad" });
    expect(answer.status).toBe(400);
    expect(await answer.text()).toBe("Bad Request");
  });

  it("answers 500 to an unexpected error, so Shopify retries", async () => {
    const errors: unknown[] = [];
    const original = console.error;
    console.error = (error: unknown) => errors.push(error);
    try {
      const answer = await fetch(`${base}/webhooks/orders/create`, { method: "POST", body: "boom" });
      expect(answer.status).toBe(500);
    } finally {
      console.error = original;
    }
    expect(errors).toHaveLength(1);
  });

  it("refuses a body over 5 MB without calling the action", async () => {
    const before = seen.length;
    const answer = await fetch(`${base}/webhooks/orders/create`, { method: "POST", body: "x".repeat(5 * 1024 * 1024 + 1) });
    expect(answer.status).toBe(413);
    expect(seen.length).toBe(before);
  });

  it("leaves every other path to Remix", async () => {
    for (const path of ["/webhooks/page", "/webhooks/products/create", "/webhooks/anything"]) {
      const answer = await fetch(`${base}${path}`, { method: "POST", body: "{}" });
      expect(await answer.text(), path).toBe("remix");
    }
  });
});
