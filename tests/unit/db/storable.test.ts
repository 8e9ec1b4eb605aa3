/** What PostgreSQL's text and jsonb can hold (app/db/storable.ts): no U+0000, no lone surrogate (issue 16). */
import { describe, expect, it } from "vitest";
import { storableJson, storableText, withoutLoneSurrogates } from "../../../app/db/storable";

describe("storableText", () => {
  it("keeps any Unicode, surrogate pairs included", () => {
    for (const ok of ["", "Acme", "📦🔥👩‍👩‍👧", "\u202Eevil\u202C", "\uFFFD", "x".repeat(10_000)]) expect(storableText(ok)).toBe(true);
  });

  it("refuses a NUL and a lone high or low surrogate", () => {
    for (const bad of ["a\u0000b", "a\uD800b", "a\uDC00", "\uD83D", "\uDE00\uD83D"]) expect(storableText(bad)).toBe(false);
  });
});

describe("storableJson", () => {
  it("walks strings, keys, arrays and nested objects", () => {
    expect(storableJson({ a: [1, "x", { b: null, c: true }], "📦": "ok" })).toBe(true);
    expect(storableJson({ a: [1, { b: ["x", "a\u0000"] }] })).toBe(false);
    expect(storableJson({ ["k\u0000"]: 1 })).toBe(false);
    expect(storableJson(["\uD800"])).toBe(false);
    expect(storableJson(JSON.parse('{"v":"\\ud800"}'))).toBe(false);
  });

  it("reads a 100 000-deep value without overflowing the stack", () => {
    const deep = JSON.parse(`${"[".repeat(100_000)}"a\\u0000"${"]".repeat(100_000)}`) as unknown;
    expect(storableJson(deep)).toBe(false);
  });
});

describe("withoutLoneSurrogates", () => {
  it("replaces each lone half with U+FFFD and keeps pairs", () => {
    expect(withoutLoneSurrogates("a\uD800b\uDC00c📦")).toBe("a\uFFFDb\uFFFDc📦");
    expect(storableText(withoutLoneSurrogates("\uDE00\uD83D"))).toBe(true);
  });
});
