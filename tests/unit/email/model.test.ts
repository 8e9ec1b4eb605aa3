/**
 * The email contract (app/email/model.ts) refuses what the alerts engine must not send, normalises what
 * it may, and the shop's accent colour never costs readable contrast (app/email/templates/palette.ts).
 */
import { describe, expect, it } from "vitest";
import { EMAIL_FIXTURES } from "../../../app/email/fixtures";
import { AccentColor, EmailContent, templateVersion } from "../../../app/email/model";
import { contrastRatio, createPalette, DEFAULT_ACCENT } from "../../../app/email/templates/palette";

const base = EMAIL_FIXTURES.out_of_stock;
const item = base.section.items[0]!;

describe("EmailContent", () => {
  it("applies defaults: version 1, English for an unsupported language, Fluxor's colour", () => {
    const parsed = EmailContent.parse({ ...base, shop: { ...base.shop, locale: "de-DE" }, branding: { senderName: "Shop" } });
    expect(parsed.version).toBe(1);
    expect(templateVersion(parsed)).toBe("out_of_stock@1");
    expect(parsed.shop.locale).toBe("en");
    expect(parsed.branding).toEqual({ senderName: "Shop", logoUrl: null, accentColor: null });
    expect(EmailContent.parse({ ...base, shop: { ...base.shop, locale: "fr-CA" } }).shop.locale).toBe("fr");
  });

  it("accepts a hex accent colour, in either length and any case", () => {
    expect(AccentColor.parse("#1A6B3C")).toBe("#1a6b3c");
    expect(AccentColor.parse(" #AbC ")).toBe("#aabbcc");
    for (const bad of ["1a6b3c", "#1a6b3", "#12345g", "red", "#1a6b3c80", "rgb(0,0,0)"])
      expect(AccentColor.safeParse(bad).success, bad).toBe(false);
  });

  it.each([
    ["an unknown time zone", { ...base, shop: { ...base.shop, timezone: "Mars/Olympus" } }],
    ["a currency that is not ISO 4217", { ...base, shop: { ...base.shop, currency: "pounds" } }],
    ["a domain that is not the shop's", { ...base, shop: { ...base.shop, domain: "evil.example.com" } }],
    ["a version the template does not have", { ...EMAIL_FIXTURES.weekly_summary, version: 2 }],
    ["a third version", { ...base, version: 3 }],
    ["a section of another alert type", { ...base, section: EMAIL_FIXTURES.low_stock.section }],
    ["an empty section", { ...base, section: { alertType: "out_of_stock", items: [] } }],
    ["a javascript: image", { ...base, section: { alertType: "out_of_stock", items: [{ ...item, imageUrl: "javascript:alert(1)" }] } }],
    ["a javascript: unsubscribe link", { ...base, links: { ...base.links, unsubscribeUrl: "javascript:alert(1)" } }],
    [
      "a variant id that is not Shopify's",
      { ...base, section: { alertType: "out_of_stock", items: [{ ...item, variantId: "../admin" }] } },
    ],
    ["a day that is not a day", { ...base, section: { alertType: "out_of_stock", items: [{ ...item, outOfStockSince: "14/02/2026" }] } }],
    ["an invalid recipient", { ...base, recipient: "not an address" }],
    ["two digest sections of one type", { ...EMAIL_FIXTURES.digest, sections: [base.section, base.section] }],
  ])("refuses %s", (_, input) => {
    expect(EmailContent.safeParse(input).success).toBe(false);
  });

  it("cuts a very long error message", () => {
    const parsed = EmailContent.parse({
      ...EMAIL_FIXTURES.forecast_failed,
      run: { ...EMAIL_FIXTURES.forecast_failed.run, error: "x".repeat(10_000) },
    });
    expect(parsed.template === "forecast_failed" && parsed.run.error.length).toBe(2001);
  });
});

describe("palette", () => {
  it("keeps button text and links readable (WCAG AA) whatever the accent colour", () => {
    for (const accent of [null, "#1a6b3c", "#ffeb3b", "#00ff00", "#ff69b4", "#ffffff", "#000000", "#777777"]) {
      const palette = createPalette(accent);
      expect(palette.accent).toBe(accent ?? DEFAULT_ACCENT);
      expect(contrastRatio(palette.button.background, palette.button.text), `button on ${accent}`).toBeGreaterThanOrEqual(4.5);
      expect(contrastRatio(palette.link, "#ffffff"), `link from ${accent}`).toBeGreaterThanOrEqual(4.5);
      for (const text of [palette.text, palette.muted, palette.danger, palette.warning]) {
        expect(contrastRatio(text, palette.card)).toBeGreaterThanOrEqual(4.5);
      }
      expect(contrastRatio(palette.muted, palette.page)).toBeGreaterThanOrEqual(4.5);
    }
    expect(createPalette("#ffeb3b").button.text).toBe("#000000");
    expect(createPalette("#1a6b3c").button.text).toBe("#ffffff");
    expect(createPalette("#1a6b3c").link).toBe("#1a6b3c");
  });
});
