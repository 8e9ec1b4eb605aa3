/** The forecast API's pure helpers: ids, ETags, correlation ids, CSV cells. */
import { describe, expect, it } from "vitest";
import { etagOf, NumericId, notModified, parseOr400, requestIdOf } from "../../../app/forecasts/http";
import { csvCell, csvLine } from "../../../app/csv/writer";
import { secondsToUtcMidnight } from "../../../app/forecasts/recompute.server";

describe("API helpers", () => {
  it("accepts numeric ids and GIDs, and answers 400 { error, issues } otherwise", async () => {
    expect(NumericId.parse("123")).toBe("123");
    expect(NumericId.parse("gid://shopify/ProductVariant/456")).toBe("456");
    const bad = parseOr400(NumericId, "12a", "variant id");
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.response.status).toBe(400);
      expect(await bad.response.json()).toMatchObject({
        error: "invalid variant id",
        issues: [{ message: "must be a numeric id" }],
      });
    }
  });

  it("matches If-None-Match against the ETag (lists, weak tags, *)", () => {
    const tag = etagOf("run", "1", "v");
    expect(tag).not.toBe(etagOf("run", "2", "v"));
    const req = (h: string) => new Request("https://x/", { headers: { "If-None-Match": h } });
    expect(notModified(req(tag), tag)).toBe(true);
    expect(notModified(req(`"other", W/${tag}`), tag)).toBe(true);
    expect(notModified(req("*"), tag)).toBe(true);
    expect(notModified(req(`"other"`), tag)).toBe(false);
    expect(notModified(new Request("https://x/"), tag)).toBe(false);
  });

  it("keeps a well-formed X-Request-Id and replaces anything else", () => {
    expect(requestIdOf(new Request("https://x/", { headers: { "X-Request-Id": "abc-1.2:3" } }))).toBe("abc-1.2:3");
    expect(requestIdOf(new Request("https://x/", { headers: { "X-Request-Id": "a b<c>" } }))).toMatch(/^[0-9a-f-]{36}$/);
    expect(requestIdOf(new Request("https://x/"))).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("quotes CSV per RFC 4180 and defuses formulas", () => {
    expect(csvCell(null)).toBe("");
    expect(csvCell("plain")).toBe("plain");
    expect(csvCell("=1+1")).toBe("'=1+1");
    expect(csvCell("@SUM(A1)")).toBe("'@SUM(A1)");
    expect(csvCell("+44 20")).toBe("'+44 20");
    expect(csvCell('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvCell("two\nlines")).toBe('"two\nlines"');
    expect(csvCell(-1.23456)).toBe("-1.235");
    expect(csvLine(["a", 1, null])).toBe("a,1,\r\n");
  });

  it("counts the seconds to the next UTC midnight for Retry-After", () => {
    expect(secondsToUtcMidnight(new Date("2026-01-01T23:59:30Z"))).toBe(30);
    expect(secondsToUtcMidnight(new Date("2026-01-01T00:00:00Z"))).toBe(86_400);
  });
});
