/**
 * The `email` namespace (app/i18n/locales/email/*.json): the same keys in English, Spanish and French,
 * each plural with exactly the forms its language needs, the same placeholders everywhere, and the
 * namespace registered next to the app's default one.
 */
import { describe, expect, it } from "vitest";
import en from "../../../app/i18n/locales/email/en.json";
import es from "../../../app/i18n/locales/email/es.json";
import fr from "../../../app/i18n/locales/email/fr.json";
import { createI18n, type Locale } from "../../../app/i18n/i18n";

const LOCALES: Record<Locale, unknown> = { en, es, fr };
const PLURAL = /_(zero|one|two|few|many|other)$/;

function entries(value: unknown, prefix = ""): [string, string][] {
  if (typeof value === "string") return [[prefix, value]];
  if (typeof value !== "object" || value === null) throw new Error(`${prefix}: not text`);
  return Object.entries(value).flatMap(([key, child]) => entries(child, prefix ? `${prefix}.${key}` : key));
}

const placeholders = (text: string) => [...text.matchAll(/{{\s*(\w+)\s*}}/g)].map((match) => match[1]!).sort();

describe("email locale files", () => {
  it("have the same keys in every language once plural forms are set aside", () => {
    const base = (locale: Locale) => [...new Set(entries(LOCALES[locale]).map(([key]) => key.replace(PLURAL, "")))].sort();
    expect(base("es")).toEqual(base("en"));
    expect(base("fr")).toEqual(base("en"));
  });

  it("give every plural exactly the forms of its language (es and fr need 'many', for a million)", () => {
    for (const [locale, data] of Object.entries(LOCALES) as [Locale, unknown][]) {
      const categories = [...new Intl.PluralRules(locale).resolvedOptions().pluralCategories].sort();
      const forms = new Map<string, string[]>();
      for (const [key] of entries(data)) {
        const match = PLURAL.exec(key);
        if (!match) continue;
        const stem = key.replace(PLURAL, "");
        forms.set(stem, [...(forms.get(stem) ?? []), match[1]!]);
      }
      expect(forms.size).toBeGreaterThan(5);
      for (const [stem, found] of forms) expect(found.sort(), `${locale} ${stem}`).toEqual(categories);
    }
  });

  it("use the same placeholders in every language, and no empty text", () => {
    const byBase = (locale: Locale) => {
      const map = new Map<string, string[]>();
      for (const [key, text] of entries(LOCALES[locale])) {
        expect(text.trim(), `${locale} ${key}`).not.toBe("");
        const stem = key.replace(PLURAL, "");
        map.set(stem, [...new Set([...(map.get(stem) ?? []), ...placeholders(text)])].sort());
      }
      return map;
    };
    const english = byBase("en");
    for (const locale of ["es", "fr"] as const) {
      for (const [stem, names] of byBase(locale)) expect(names, `${locale} ${stem}`).toEqual(english.get(stem));
    }
  });

  it("is registered as the `email` namespace, next to the default one", () => {
    const i18n = createI18n("es");
    expect(i18n.t("layout.unsubscribe", { ns: "email" })).toBe("Darse de baja");
    expect(i18n.getFixedT("fr", "email")("cta.more", { count: 3, formatted: "3" })).toBe("Voir 3 autres produits dans Fluxor");
    expect(i18n.getFixedT("fr", "email")("cta.more", { count: 1_000_000, formatted: "1 000 000" })).toBe(
      "Voir 1 000 000 d'autres produits dans Fluxor",
    );
    // The app's own text is still the default namespace.
    expect(createI18n("fr").t("home.installed", { when: "1 mars" })).toBe("Installée le 1 mars");
  });
});
