/**
 * Text and Polaris for pages outside the Shopify admin (login, the email links' pages): they have no
 * App Bridge frame, so they set up i18next and Polaris themselves, in the request's language.
 */
import { AppProvider as PolarisAppProvider } from "@shopify/polaris";
import { useMemo, type ReactNode } from "react";
import { I18nextProvider } from "react-i18next";
import { createI18n, polarisTranslations, type Locale } from "../i18n/i18n";

export function StandaloneProviders({ locale, children }: { locale: Locale; children: ReactNode }) {
  const i18n = useMemo(() => createI18n(locale), [locale]);
  return (
    <I18nextProvider i18n={i18n}>
      <PolarisAppProvider i18n={polarisTranslations(locale)}>{children}</PolarisAppProvider>
    </I18nextProvider>
  );
}
