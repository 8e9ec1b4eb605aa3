/** TRUST_PROXY: which proxies may set the client IP (issue 16 item 10, decision 0049). */
import { describe, expect, it } from "vitest";
import { clientIpOf, trustProxyFrom } from "../../../app/server/trust-proxy";

describe("trustProxyFrom", () => {
  it.each([undefined, "", " ", "false", "0"])("trusts no proxy for %j", (raw) => {
    expect(trustProxyFrom(raw)).toBe(false);
  });

  it("takes a hop count", () => {
    expect(trustProxyFrom("1")).toBe(1);
    expect(trustProxyFrom("2")).toBe(2);
  });

  it("takes addresses, subnets and proxy-addr's names", () => {
    expect(trustProxyFrom("loopback")).toEqual(["loopback"]);
    expect(trustProxyFrom("10.0.3.7, 10.1.0.0/16,fd00::/8, linklocal,uniquelocal")).toEqual([
      "10.0.3.7",
      "10.1.0.0/16",
      "fd00::/8",
      "linklocal",
      "uniquelocal",
    ]);
  });

  it("refuses true: every client could pick its own IP", () => {
    expect(() => trustProxyFrom("true")).toThrow(/TRUST_PROXY=true/);
  });

  it.each(["10.0.0.0/33", "::1/129", "my-load-balancer", "10.0.0.1/8/8", "10.0.0.1,", "1.2.3"])("refuses %j", (raw) => {
    expect(() => trustProxyFrom(raw)).toThrow(/TRUST_PROXY/);
  });
});

describe("clientIpOf", () => {
  it("takes what Express resolved when it is an address, else the peer's", () => {
    expect(clientIpOf("203.0.113.9", "127.0.0.1")).toBe("203.0.113.9");
    expect(clientIpOf("2001:db8::1", "127.0.0.1")).toBe("2001:db8::1");
    expect(clientIpOf("x".repeat(8192), "127.0.0.1")).toBe("127.0.0.1");
    expect(clientIpOf(undefined, "::1")).toBe("::1");
    expect(clientIpOf(undefined, undefined)).toBe("unknown");
  });
});
