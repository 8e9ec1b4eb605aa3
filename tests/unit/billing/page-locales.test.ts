/**
 * The billing page's namespace (app/i18n/locales/billing/*.json): the same keys in English, Spanish and French once
 * plural forms are set aside, each plural with exactly the forms its language needs, the same placeholders, every
 * limit banner of app/billing/limits.ts translated, the read-only banner for every reason a shop is read-only, and the
 * namespace registered (the app's navigation uses it).
 */
import { describe, expect, it } from "vitest";
import en from "../../../app/i18n/locales/billing/en.json";
import es from "../../../app/i18n/locales/billing/es.json";
import fr from "../../../app/i18n/locales/billing/fr.json";
import { READ_ONLY_REFUSED, type AccessReason } from "../../../app/billing/dunning";
import { LIMIT_BANNERS } from "../../../app/billing/limits";
import { PLAN_IDS } from "../../../app/billing/plans";
import { createI18n, type Locale } from "../../../app/i18n/i18n";

const LOCALES: Record<Locale, unknown> = { en, es, fr };
const PLURAL = /_(zero|one|two|few|many|other)$/;

function entries(value: unknown, prefix = ""): [string, string][] {
  if (typeof value === "string") return [[prefix, value]];
  if (typeof value !== "object" || value === null) throw new Error(`${prefix}: not text`);
  return Object.entries(value).flatMap(([key, child]) => entries(child, prefix ? `${prefix}.${key}` : key));
}

const placeholders = (text: string) => [...text.matchAll(/{{\s*(\w+)\s*}}/g)].map((match) => match[1]!).sort();

describe("billing page locale files", () => {
  it("have the same keys in every language once plural forms are set aside", () => {
    const base = (locale: Locale) => [...new Set(entries(LOCALES[locale]).map(([key]) => key.replace(PLURAL, "")))].sort();
    expect(base("es")).toEqual(base("en"));
    expect(base("fr")).toEqual(base("en"));
  });

  it("give every plural exactly the forms of its language", () => {
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

  it("translate every limit banner and plan, through the registered namespace", () => {
    for (const locale of ["en", "es", "fr"] as const) {
      const i18n = createI18n(locale);
      for (const banner of LIMIT_BANNERS) {
        // The catalogue's keys are "billing.limits.*": the namespace, then the key (as the page reads them).
        const key = banner.replace(/^billing\./, "billing:");
        for (const part of ["title", "body"])
          expect(i18n.exists(`${key}.${part}`, { count: 2 }) || i18n.exists(`${key}.${part}_other`), `${locale} ${key}.${part}`).toBe(true);
      }
      for (const plan of PLAN_IDS) expect(i18n.exists(`billing:plans.${plan}`)).toBe(true);
    }
    expect(createI18n("es").t("billing:nav")).toBe("Facturación");
    expect(createI18n("fr").t("billing:daysLeft", { count: 14 })).toBe("14 jours restants");
    expect(createI18n("en").t("billing:limits.overage.title", { count: 1 })).toBe("You are paying for 1 extra block of variants");
  });

  it("translate the read-only banner for every reason a shop is read-only, and the refusal the settings forms show", () => {
    // The reasons `access` gives with level "read_only" (app/billing/dunning.ts), bar no_account: the DB reads let a
    // shop without a billing account do everything.
    const reasons = ["grace_over", "trial_over", "pending_approval", "paused", "ended"] as const satisfies readonly AccessReason[];
    for (const locale of ["en", "es", "fr"] as const) {
      const i18n = createI18n(locale);
      for (const reason of reasons) expect(i18n.exists(`billing:readOnly.reasons.${reason}`), `${locale} ${reason}`).toBe(true);
      for (const key of ["title", "body", "test", "action"]) expect(i18n.exists(`billing:readOnly.${key}`), `${locale} ${key}`).toBe(true);
    }
    expect(createI18n("fr").t(READ_ONLY_REFUSED)).toMatch(/^Fluxor est en lecture seule pour cette boutique : rien n’a été enregistré\./);
  });
});
