/** Body limits per route family and HttpOnly cookies at Fluxor's HTTP edge (issue 16 items 7 and 8, decision 0049). */
import { PassThrough } from "node:stream";
import type { Request, Response } from "express";
import { describe, expect, it, vi } from "vitest";
import {
  bodyLimitFor,
  DEFAULT_BODY_LIMIT,
  httpOnlyCookie,
  limitRequestBodies,
  UNAUTHENTICATED_BODY_LIMIT,
  UPLOAD_BODY_LIMIT,
} from "../../../app/server/remix-handler.server";

describe("bodyLimitFor", () => {
  it.each(["/auth", "/auth/login", "/auth/callback", "/email/unsubscribe/abc", "/email/confirm/abc", "/ops/login"])(
    "holds the unauthenticated forms to 64 KiB: %s",
    (path) => expect(bodyLimitFor(path)).toBe(UNAUTHENTICATED_BODY_LIMIT),
  );

  it.each(["/app/settings", "/api/variants/1/recompute", "/ops/accounts", "/authors", "/", "/webhooks/unknown"])(
    "allows 1 MiB elsewhere: %s",
    (path) => expect(bodyLimitFor(path)).toBe(DEFAULT_BODY_LIMIT),
  );

  it("allows the competitor price upload 10 MB, and only that page", () => {
    expect(bodyLimitFor("/app/signals/competitors")).toBe(UPLOAD_BODY_LIMIT);
    expect(bodyLimitFor("/app/signals/competitors/x")).toBe(DEFAULT_BODY_LIMIT);
    expect(bodyLimitFor("/app/signals")).toBe(DEFAULT_BODY_LIMIT);
  });
});

describe("httpOnlyCookie", () => {
  it("adds HttpOnly to the library's state cookie", () => {
    const state = "shopify_app_state=abc;sameSite=lax; secure=true; path=/auth/callback;expires=Sun, 06 Dec 2026 12:01:00 GMT";
    expect(httpOnlyCookie(state)).toBe(`${state}; HttpOnly`);
  });

  it("leaves a cookie that has it alone", () => {
    const cookie = "__Host-fluxor_ops=x; Path=/; HttpOnly; Secure; SameSite=Strict";
    expect(httpOnlyCookie(cookie)).toBe(cookie);
    expect(httpOnlyCookie("a=b; httponly")).toBe("a=b; httponly");
  });

  it("does not take a value that merely contains the word", () => {
    expect(httpOnlyCookie("note=HttpOnly; Path=/")).toBe("note=HttpOnly; Path=/; HttpOnly");
  });
});

describe("limitRequestBodies", () => {
  /** A request stream as Express hands it over, and a response that records what was sent. */
  function exchange(path: string, headers: Record<string, string>) {
    const req = Object.assign(new PassThrough(), { headers, path, socket: { destroy: vi.fn() } });
    const sent: { status?: number; headers?: Record<string, string>; body?: string } = {};
    const res = {
      status(code: number) {
        sent.status = code;
        return this;
      },
      set(values: Record<string, string>) {
        sent.headers = values;
        return this;
      },
      end(body: string) {
        sent.body = body;
      },
    };
    const next = vi.fn();
    limitRequestBodies()(req as unknown as Request, res as unknown as Response, next);
    return { req, sent, next };
  }
  const settled = () => new Promise((resolve) => setImmediate(resolve));

  it("passes a body within the limit on", async () => {
    const { req, sent, next } = exchange("/auth/login", { "transfer-encoding": "chunked" });
    req.end("shop=acme");
    await settled();
    expect(next).toHaveBeenCalledWith();
    expect(sent.status).toBeUndefined();
  });

  it("answers 413 and closes the connection once a chunked body passes the limit, reading no further", async () => {
    const { req, sent, next } = exchange("/auth/login", { "transfer-encoding": "chunked" });
    req.write(Buffer.alloc(UNAUTHENTICATED_BODY_LIMIT + 1));
    await settled();
    expect(sent.status).toBe(413);
    expect(sent.headers?.Connection).toBe("close");
    expect(next).not.toHaveBeenCalled();
    expect(req.isPaused()).toBe(true);
  });

  it("answers 413 on a declared length over the limit without reading", async () => {
    const { req, sent } = exchange("/app/settings", { "content-length": String(DEFAULT_BODY_LIMIT + 1) });
    await settled();
    expect(sent.status).toBe(413);
    expect(req.readableFlowing).toBeNull();
  });

  it("drops a request whose client goes away mid-body: no answer, no error handler", async () => {
    const { req, sent, next } = exchange("/auth/login", { "transfer-encoding": "chunked" });
    req.write("shop=ac");
    req.destroy(new Error("aborted"));
    await settled();
    expect(next).not.toHaveBeenCalled();
    expect(sent.status).toBeUndefined();
    expect(req.socket.destroy).toHaveBeenCalled();
  });
});
