import type { HeadersFunction, LoaderFunctionArgs } from "@remix-run/node";
import { Link, Outlet, useLoaderData, useLocation, useNavigation, useRouteError, type ShouldRevalidateFunction } from "@remix-run/react";
import { NavMenu } from "@shopify/app-bridge-react";
import polarisStyles from "@shopify/polaris/build/esm/styles.css";
import { boundary } from "@shopify/shopify-app-remix/server";
import { AppProvider } from "@shopify/shopify-app-remix/react";
import { useEffect, useMemo } from "react";
import { I18nextProvider, useTranslation } from "react-i18next";
import { PageSkeleton } from "../components/PageSkeleton";
import { FormatProvider } from "../dashboard/FormatContext";
import { currentShop } from "../dashboard/shop.server";
import { rememberAdminLocale } from "../shops/lifecycle.server";
import { createI18n, formattingLocale, localeFromRequest, polarisTranslations } from "../i18n/i18n";

export const links = () => [{ rel: "stylesheet", href: polarisStyles }];

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const shop = await currentShop(request);
  const locale = localeFromRequest(request);
  if (shop) await rememberAdminLocale(shop.domain, request);
  return {
    apiKey: process.env.SHOPIFY_API_KEY || "",
    locale,
    format: {
      locale: formattingLocale(locale, shop?.country),
      currency: shop?.currency ?? null,
      timeZone: shop?.detailsReady ? shop.timezone : null,
    },
  };
};

// The frame's data (API key, the admin's language, the shop's formats) is fixed for the session: later
// data requests lack the admin's ?locale=, so reloading it could switch the language mid-session.
export const shouldRevalidate: ShouldRevalidateFunction = () => false;

export default function App() {
  const { apiKey, locale, format } = useLoaderData<typeof loader>();
  const i18n = useMemo(() => createI18n(locale), [locale]);
  useEffect(() => {
    document.documentElement.lang = locale;
  }, [locale]);
  return (
    <I18nextProvider i18n={i18n}>
      <AppProvider isEmbeddedApp apiKey={apiKey} i18n={polarisTranslations(locale)}>
        <FormatProvider settings={format}>
          <Navigation />
          <main>
            <PageOutlet />
          </main>
        </FormatProvider>
      </AppProvider>
    </I18nextProvider>
  );
}

function Navigation() {
  const { t } = useTranslation();
  return (
    <NavMenu>
      <Link to="/app" rel="home">
        {t("nav.overview")}
      </Link>
      <Link to="/app/variants">{t("nav.variants")}</Link>
      <Link to="/app/settings">{t("nav.settings")}</Link>
      <Link to="/app/alerts">{t("alerts:nav")}</Link>
      <Link to="/app/alerts/analytics">{t("nav.alertAnalytics")}</Link>
      <Link to="/app/orders">{t("orders:nav")}</Link>
      <Link to="/app/campaigns">{t("signals:campaigns.nav")}</Link>
      <Link to="/app/signals">{t("impact:nav")}</Link>
      <Link to="/app/sync">{t("nav.sync")}</Link>
      <Link to="/app/billing">{t("billing:nav")}</Link>
    </NavMenu>
  );
}

/** A skeleton while another page's data loads; the same page (new filters, a save) keeps showing. */
function PageOutlet() {
  const navigation = useNavigation();
  const location = useLocation();
  const changingPage = navigation.state === "loading" && navigation.location.pathname !== location.pathname;
  return changingPage ? <PageSkeleton /> : <Outlet />;
}

// Shopify needs Remix to catch some thrown responses, so that their headers are included in the response.
export function ErrorBoundary() {
  return boundary.error(useRouteError());
}

export const headers: HeadersFunction = (headersArgs) => boundary.headers(headersArgs);
