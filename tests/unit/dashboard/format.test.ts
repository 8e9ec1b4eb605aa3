import { describe, expect, it } from "vitest";
import { addDays, createFormatter, dayToUtcDate, daysBetween } from "../../../app/dashboard/format";

describe("dashboard formatting", () => {
  it("formats money in the shop's currency and the admin's language", () => {
    const en = createFormatter({ locale: "en-GB", currency: "GBP", timeZone: "Europe/London" });
    const fr = createFormatter({ locale: "fr-GB", currency: "GBP", timeZone: "Europe/London" });
    const es = createFormatter({ locale: "es-GB", currency: "GBP", timeZone: "Europe/London" });
    expect(en.currency(1234.5)).toBe("£1,234.50");
    expect(fr.currency(1234.5).replace(/\s/g, " ")).toBe("1 234,50 £GB");
    expect(es.currency(1234.5).replace(/\s/g, " ")).toMatch(/^1234,50 GBP$|^1\.234,50 GBP$/);
  });

  it("formats numbers, integers and percentages", () => {
    const f = createFormatter({ locale: "fr-FR", currency: "EUR", timeZone: null });
    expect(f.integer(12345.6).replace(/\s/g, " ")).toBe("12 346");
    expect(f.number(2.345, 1)).toBe("2,3");
    expect(f.percent(0.873).replace(/\s/g, " ")).toBe("87,3 %");
    expect(createFormatter({ locale: "en", currency: null, timeZone: null }).currency(3)).toBe("3.00");
  });

  it("formats a day without shifting it by the time zone", () => {
    const f = createFormatter({ locale: "en-US", currency: null, timeZone: "America/Los_Angeles" });
    expect(f.day("2026-03-01")).toBe("Mar 1, 2026");
    expect(f.dayShort("2026-03-01")).toBe("Mar 1");
    expect(createFormatter({ locale: "es-ES", currency: null, timeZone: null }).day("2026-03-01", "long")).toBe("1 de marzo de 2026");
  });

  it("formats instants in the shop's time zone", () => {
    const f = createFormatter({ locale: "en-GB", currency: null, timeZone: "Asia/Tokyo" });
    expect(f.instant("2026-03-01T23:30:00Z")).toContain("2 Mar 2026");
  });

  it("falls back safely on unknown locales and zones", () => {
    const f = createFormatter({ locale: "not a locale!", currency: null, timeZone: "Mars/Olympus" });
    expect(f.settings.locale).toBe("en");
    expect(f.settings.timeZone).toBe("UTC");
    expect(f.integer(1000)).toBe("1,000");
  });

  it("does day arithmetic in whole UTC days", () => {
    expect(addDays("2026-02-28", 1)).toBe("2026-03-01");
    expect(addDays("2026-03-29", -1)).toBe("2026-03-28");
    expect(daysBetween("2026-01-01", "2026-12-31")).toBe(364);
    expect(() => dayToUtcDate("2026/01/01")).toThrow(RangeError);
  });
});
