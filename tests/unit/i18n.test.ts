import { describe, expect, it } from "vitest";
import en from "../../app/i18n/locales/en.json";
import es from "../../app/i18n/locales/es.json";
import fr from "../../app/i18n/locales/fr.json";
import alertsEn from "../../app/i18n/locales/alerts/en.json";
import alertsEs from "../../app/i18n/locales/alerts/es.json";
import alertsFr from "../../app/i18n/locales/alerts/fr.json";
import { createI18n, localeFromRequest, matchLocale } from "../../app/i18n/i18n";

function keys(value: unknown, prefix = ""): string[] {
  if (typeof value !== "object" || value === null) return [prefix];
  return Object.entries(value).flatMap(([key, child]) => keys(child, prefix ? `${prefix}.${key}` : key));
}

describe("i18n", () => {
  it("has every English key in Spanish and French, and no extra ones", () => {
    expect(keys(es).sort()).toEqual(keys(en).sort());
    expect(keys(fr).sort()).toEqual(keys(en).sort());
  });

  it("has the same keys in every language of the alert settings page's namespace", () => {
    expect(keys(alertsEs).sort()).toEqual(keys(alertsEn).sort());
    expect(keys(alertsFr).sort()).toEqual(keys(alertsEn).sort());
    expect(createI18n("es").t("alerts:nav")).toBe(alertsEs.nav);
  });

  it("picks the admin's locale, then Accept-Language, then English", () => {
    expect(localeFromRequest(new Request("https://app/app?locale=es-ES"))).toBe("es");
    expect(localeFromRequest(new Request("https://app/app", { headers: { "accept-language": "de-DE,fr-FR;q=0.8,en;q=0.5" } }))).toBe("fr");
    expect(localeFromRequest(new Request("https://app/app?locale=ja"))).toBe("en");
    expect(matchLocale("FR_ca")).toBe("fr");
  });

  it("translates with interpolation", () => {
    expect(createI18n("fr").t("home.installed", { when: "1 mars" })).toBe("Installée le 1 mars");
  });
});
