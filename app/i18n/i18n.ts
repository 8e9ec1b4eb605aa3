/**
 * Text in English, Spanish and French with i18next (docs/decisions/0007-i18n.md). The resources are
 * small and bundled, so server and browser render the same words without a network round trip.
 * Polaris's own component strings come from its locale files.
 */
import i18next, { type i18n as I18n } from "i18next";
import polarisEn from "@shopify/polaris/locales/en.json";
import polarisEs from "@shopify/polaris/locales/es.json";
import polarisFr from "@shopify/polaris/locales/fr.json";
import en from "./locales/en.json";
import es from "./locales/es.json";
import fr from "./locales/fr.json";
import emailEn from "./locales/email/en.json";
import emailEs from "./locales/email/es.json";
import emailFr from "./locales/email/fr.json";
import alertsEn from "./locales/alerts/en.json";
import alertsEs from "./locales/alerts/es.json";
import alertsFr from "./locales/alerts/fr.json";
import alertsAnalyticsEn from "./locales/alerts-analytics/en.json";
import alertsAnalyticsEs from "./locales/alerts-analytics/es.json";
import alertsAnalyticsFr from "./locales/alerts-analytics/fr.json";
import opsEn from "./locales/ops/en.json";
import opsEs from "./locales/ops/es.json";
import opsFr from "./locales/ops/fr.json";
import billingEn from "./locales/billing/en.json";
import billingEs from "./locales/billing/es.json";
import billingFr from "./locales/billing/fr.json";
import signalsEn from "./locales/signals/en.json";
import signalsEs from "./locales/signals/es.json";
import signalsFr from "./locales/signals/fr.json";
import ordersEn from "./locales/orders/en.json";
import ordersEs from "./locales/orders/es.json";
import ordersFr from "./locales/orders/fr.json";
import impactEn from "./locales/impact/en.json";
import impactEs from "./locales/impact/es.json";
import impactFr from "./locales/impact/fr.json";
import competitorsEn from "./locales/competitors/en.json";
import competitorsEs from "./locales/competitors/es.json";
import competitorsFr from "./locales/competitors/fr.json";

export const SUPPORTED_LOCALES = ["en", "es", "fr"] as const;
export type Locale = (typeof SUPPORTED_LOCALES)[number];
export const DEFAULT_LOCALE: Locale = "en";

/** `translation` (the default) holds the app's text; `email` the alert emails' (app/email/); `alerts` the alert settings page's; `alerts-analytics` the analytics page's; `ops` the operator console's (/ops); `billing` the billing page's. */
const RESOURCES = {
  en: {
    translation: en,
    email: emailEn,
    alerts: alertsEn,
    "alerts-analytics": alertsAnalyticsEn,
    ops: opsEn,
    billing: billingEn,
    signals: signalsEn,
    orders: ordersEn,
    impact: impactEn,
    competitors: competitorsEn,
  },
  es: {
    translation: es,
    email: emailEs,
    alerts: alertsEs,
    "alerts-analytics": alertsAnalyticsEs,
    ops: opsEs,
    billing: billingEs,
    signals: signalsEs,
    orders: ordersEs,
    impact: impactEs,
    competitors: competitorsEs,
  },
  fr: {
    translation: fr,
    email: emailFr,
    alerts: alertsFr,
    "alerts-analytics": alertsAnalyticsFr,
    ops: opsFr,
    billing: billingFr,
    signals: signalsFr,
    orders: ordersFr,
    impact: impactFr,
    competitors: competitorsFr,
  },
} as const;
const POLARIS = { en: polarisEn, es: polarisEs, fr: polarisFr } as const;

/** "es-MX", "fr_CA", "FR" → "es", "fr", "fr"; anything unsupported → undefined. */
export function matchLocale(tag: string | null | undefined): Locale | undefined {
  const base = tag?.trim().toLowerCase().split(/[-_]/)[0];
  return SUPPORTED_LOCALES.find((locale) => locale === base);
}

/** The admin passes the user's locale as ?locale=…; otherwise the browser's Accept-Language decides. */
export function localeFromRequest(request: Request): Locale {
  const fromAdmin = matchLocale(new URL(request.url).searchParams.get("locale"));
  if (fromAdmin) return fromAdmin;
  const accepted = (request.headers.get("accept-language") ?? "")
    .split(",")
    .map((part) => {
      const [tag, q] = part.trim().split(";q=");
      return { tag, q: q ? Number(q) : 1 };
    })
    .sort((a, b) => b.q - a.q);
  for (const { tag } of accepted) {
    const match = matchLocale(tag);
    if (match) return match;
  }
  return DEFAULT_LOCALE;
}

export function createI18n(locale: Locale): I18n {
  const instance = i18next.createInstance();
  void instance.init({
    lng: locale,
    fallbackLng: DEFAULT_LOCALE,
    resources: RESOURCES,
    ns: ["translation", "email", "alerts", "alerts-analytics", "ops", "billing", "signals", "orders", "impact", "competitors"],
    defaultNS: "translation",
    initAsync: false,
    showSupportNotice: false,
    interpolation: { escapeValue: false },
  });
  return instance;
}

export function polarisTranslations(locale: Locale) {
  return POLARIS[locale];
}

/** BCP 47 tag for Intl formatting in the shop's region, e.g. ("fr", "GB") → "fr-GB". */
export function formattingLocale(locale: Locale, countryCode: string | null | undefined): string {
  return countryCode ? `${locale}-${countryCode}` : locale;
}
