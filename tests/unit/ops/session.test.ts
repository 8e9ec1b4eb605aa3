/** The operator console's configuration, signed sessions and CSRF tokens. */
import { describe, expect, it } from "vitest";
import { OpsConfigError, parseOpsConfig, type OpsConfig } from "../../../app/ops/config.server";
import { hashPassword } from "../../../app/ops/password.server";
import {
  cookieNames,
  csrfMatches,
  csrfToken,
  readCookie,
  readSession,
  safeEqual,
  serializeCookie,
  signSession,
} from "../../../app/ops/session.server";
import { safeNext } from "../../../app/ops/auth.server";

const FAST = { logN: 10, r: 8, p: 1 };
const SECRET = "s".repeat(40);
const OTHER_SECRET = "o".repeat(40);
const NOW = new Date("2026-12-07T10:00:00Z");
const HOUR = 3_600_000;

async function config(env: Record<string, string> = {}): Promise<OpsConfig> {
  const ana = await hashPassword("ana's long password", FAST);
  const ben = await hashPassword("ben's long password", FAST);
  return parseOpsConfig({ FLUXOR_OPS_USERS: `Ana:${ana}, ben:${ben}`, FLUXOR_OPS_SESSION_SECRET: SECRET, ...env })!;
}

describe("configuration", () => {
  it("is off (null) without users, whatever else is set", () => {
    expect(parseOpsConfig({})).toBeNull();
    expect(parseOpsConfig({ FLUXOR_OPS_USERS: "  ", FLUXOR_OPS_SESSION_SECRET: SECRET })).toBeNull();
  });

  it("reads name:hash entries (names lower-cased) and an 8-hour session by default", async () => {
    const c = await config();
    expect([...c.users.keys()]).toEqual(["ana", "ben"]);
    expect(c.sessionSeconds).toBe(8 * 3600);
    expect((await config({ FLUXOR_OPS_SESSION_HOURS: "1.5" })).sessionSeconds).toBe(5400);
  });

  it("refuses a configuration that is set but wrong, rather than opening or silently closing the console", async () => {
    const hash = await hashPassword("a long password!", FAST);
    const bad: Record<string, string>[] = [
      { FLUXOR_OPS_USERS: `ana:${hash}` },
      { FLUXOR_OPS_USERS: `ana:${hash}`, FLUXOR_OPS_SESSION_SECRET: "too short" },
      { FLUXOR_OPS_USERS: `ana:plaintext-password`, FLUXOR_OPS_SESSION_SECRET: SECRET },
      { FLUXOR_OPS_USERS: hash, FLUXOR_OPS_SESSION_SECRET: SECRET },
      { FLUXOR_OPS_USERS: `ana:${hash},ANA:${hash}`, FLUXOR_OPS_SESSION_SECRET: SECRET },
      { FLUXOR_OPS_USERS: `ana:${hash}`, FLUXOR_OPS_SESSION_SECRET: SECRET, FLUXOR_OPS_SESSION_HOURS: "48" },
    ];
    for (const env of bad) expect(() => parseOpsConfig(env), JSON.stringify(env)).toThrow(OpsConfigError);
  });
});

describe("session signing", () => {
  it("round-trips a session until it expires", async () => {
    const c = await config();
    const { value, session } = signSession(c, "ana", NOW);
    expect(value).toMatch(/^v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    expect(readSession(c, value, new Date(NOW.getTime() + HOUR))).toEqual(session);
    expect(session.expiresAt.getTime() - NOW.getTime()).toBe(8 * HOUR);
    expect(readSession(c, value, new Date(NOW.getTime() + 8 * HOUR))).toBeNull();
  });

  it("accepts one spelling of a signature only: the other three with the last character's spare bits set are refused", async () => {
    const c = await config();
    const { value } = signSession(c, "ana", NOW);
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const last = alphabet.indexOf(value.at(-1)!);
    for (let spare = 1; spare < 4; spare++) {
      const respelled = value.slice(0, -1) + alphabet[last + spare]!;
      expect(Buffer.from(respelled.split(".")[2]!, "base64url")).toEqual(Buffer.from(value.split(".")[2]!, "base64url"));
      expect(readSession(c, respelled, NOW)).toBeNull();
    }
  });

  it("refuses a tampered payload, a tampered signature, another secret and garbage", async () => {
    const c = await config();
    const { value } = signSession(c, "ana", NOW);
    const [v, payload, mac] = value.split(".") as [string, string, string];
    const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, "base64url").toString()), u: "ben" })).toString(
      "base64url",
    );
    expect(readSession(c, `${v}.${forged}.${mac}`, NOW)).toBeNull();
    const flipped = mac.slice(0, -2) + (mac.at(-2) === "A" ? "B" : "A") + mac.at(-1);
    expect(readSession(c, `${v}.${payload}.${flipped}`, NOW)).toBeNull();
    const other = await config({ FLUXOR_OPS_SESSION_SECRET: OTHER_SECRET });
    expect(readSession(other, value, NOW)).toBeNull();
    for (const junk of ["", "v1..", "v2.a.b", "x".repeat(5000), `${v}.${payload}`]) expect(readSession(c, junk, NOW)).toBeNull();
  });

  it("keeps sessions across a secret rotation (new secret first, old one second)", async () => {
    const before = await config();
    const { value } = signSession(before, "ana", NOW);
    const rotated = { ...before, ...(await config({ FLUXOR_OPS_SESSION_SECRET: `${OTHER_SECRET},${SECRET}` })), users: before.users };
    expect(readSession(rotated, value, NOW)?.user).toBe("ana");
  });

  it("ends the session when the operator is removed or their password changes", async () => {
    const c = await config();
    const { value } = signSession(c, "ana", NOW);
    const without = new Map(c.users);
    without.delete("ana");
    expect(readSession({ ...c, users: without }, value, NOW)).toBeNull();
    const changed = new Map(c.users);
    changed.set("ana", { ...c.users.get("ana")!, fingerprint: "changed" });
    expect(readSession({ ...c, users: changed }, value, NOW)).toBeNull();
  });

  it("refuses a session issued in the future or longer than the configured length", async () => {
    const c = await config();
    const { value } = signSession(c, "ana", new Date(NOW.getTime() + HOUR));
    expect(readSession(c, value, NOW)).toBeNull();
    const long = await config({ FLUXOR_OPS_SESSION_HOURS: "24" });
    const { value: long24 } = signSession({ ...long, users: c.users, sessionKeys: c.sessionKeys }, "ana", NOW);
    expect(readSession(c, long24, new Date(NOW.getTime() + HOUR))).toBeNull();
  });
});

describe("CSRF tokens", () => {
  it("match only their binding and secret", async () => {
    const c = await config();
    const token = csrfToken(c, "login:nonce-1");
    expect(csrfMatches(c, "login:nonce-1", token)).toBe(true);
    expect(csrfMatches(c, "login:nonce-2", token)).toBe(false);
    expect(csrfMatches(c, "session:nonce-1", token)).toBe(false);
    expect(csrfMatches(await config({ FLUXOR_OPS_SESSION_SECRET: OTHER_SECRET }), "login:nonce-1", token)).toBe(false);
    expect(csrfMatches(c, "login:nonce-1", null)).toBe(false);
    expect(csrfMatches(c, "login:nonce-1", "")).toBe(false);
  });
});

describe("cookies and redirects", () => {
  it("are HttpOnly, SameSite=Strict, with an expiry; Secure with the __Host- prefix over https", () => {
    expect(cookieNames(true).session).toBe("__Host-fluxor-ops");
    const secure = serializeCookie("__Host-fluxor-ops", "v", { maxAgeSeconds: 3600, secure: true });
    expect(secure).toBe("__Host-fluxor-ops=v; Path=/; Max-Age=3600; HttpOnly; SameSite=Strict; Secure");
    expect(serializeCookie("fluxor-ops", "", { maxAgeSeconds: 0, secure: false })).toContain("Max-Age=0");
    expect(readCookie("a=1; fluxor-ops=v1.x.y; b=2", "fluxor-ops")).toBe("v1.x.y");
    expect(readCookie("fluxor-ops-login=n", "fluxor-ops")).toBeNull();
  });

  it("sends the operator back to console paths only", () => {
    expect(safeNext("/ops/revenue?months=24")).toBe("/ops/revenue?months=24");
    for (const bad of ["https://evil.test/ops", "//evil.test", "/ops//evil", "/app", "/opsx", "/ops\\evil", "/ops/../app", null, ""])
      expect(safeNext(bad)).toBe("/ops");
  });

  it("compares strings in constant time, whatever their lengths", () => {
    expect(safeEqual("abc", "abc")).toBe(true);
    expect(safeEqual("abc", "abcd")).toBe(false);
  });
});
