import type { HeadersFunction, LoaderFunctionArgs } from "@remix-run/node";
import { Link, Outlet, useLoaderData, useRouteError } from "@remix-run/react";
import { NavMenu } from "@shopify/app-bridge-react";
import polarisStyles from "@shopify/polaris/build/esm/styles.css";
import { boundary } from "@shopify/shopify-app-remix/server";
import { AppProvider } from "@shopify/shopify-app-remix/react";
import { useMemo } from "react";
import { I18nextProvider, useTranslation } from "react-i18next";
import { createI18n, localeFromRequest, polarisTranslations } from "../i18n/i18n";
import { authenticate } from "../shopify.server";

export const links = () => [{ rel: "stylesheet", href: polarisStyles }];

export const loader = async ({ request }: LoaderFunctionArgs) => {
  await authenticate.admin(request);
  return { apiKey: process.env.SHOPIFY_API_KEY || "", locale: localeFromRequest(request) };
};

export default function App() {
  const { apiKey, locale } = useLoaderData<typeof loader>();
  const i18n = useMemo(() => createI18n(locale), [locale]);
  return (
    <I18nextProvider i18n={i18n}>
      <AppProvider isEmbeddedApp apiKey={apiKey} i18n={polarisTranslations(locale)}>
        <Navigation />
        <Outlet />
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
    </NavMenu>
  );
}

// Shopify needs Remix to catch some thrown responses, so that their headers are included in the response.
export function ErrorBoundary() {
  return boundary.error(useRouteError());
}

export const headers: HeadersFunction = (headersArgs) => boundary.headers(headersArgs);
