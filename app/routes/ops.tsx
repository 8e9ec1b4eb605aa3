/**
 * The operator console's frame (`/ops`, outside the Shopify admin; decision 0046): 404 unless operators are
 * configured, the sections and the sign-out button once signed in. Each page checks the session itself.
 */
import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, isRouteErrorResponse, Link, Outlet, useLoaderData, useLocation, useRouteError } from "@remix-run/react";
import { BlockStack, Box, Button, InlineStack, Text } from "@shopify/polaris";
import polarisStyles from "@shopify/polaris/build/esm/styles.css";
import { useTranslation } from "react-i18next";
import { StandaloneProviders } from "../components/StandaloneProviders";
import type { Locale } from "../i18n/i18n";
import { opsHeaders, opsJson, opsShell, type Operator } from "../ops/auth.server";
import { NS } from "../ops/ui";

export const links = () => [{ rel: "stylesheet", href: polarisStyles }];
/** An error page (404 when the console is off) does not even name the console. */
export const meta: MetaFunction = ({ error }) => [
  { title: error ? "Not Found" : "Fluxor operations" },
  { name: "robots", content: "noindex, nofollow" },
  { name: "referrer", content: "no-referrer" },
];
export const headers = opsHeaders;

export const loader = async ({ request }: LoaderFunctionArgs) => opsJson(opsShell(request));

interface ShellData {
  locale: Locale;
  operator: Operator | null;
}

const SECTIONS = [
  { path: "/ops", key: "overview" },
  { path: "/ops/revenue", key: "revenue" },
  { path: "/ops/dunning", key: "dunning" },
  { path: "/ops/webhooks", key: "webhooks" },
  { path: "/ops/runs", key: "runs" },
  { path: "/ops/accounts", key: "accounts" },
] as const;

export default function OpsLayout() {
  const { locale, operator } = useLoaderData<ShellData>();
  return (
    <StandaloneProviders locale={locale}>
      <TopBar operator={operator} />
      <main>
        <Outlet />
      </main>
    </StandaloneProviders>
  );
}

/** A section link: a filled pill for the current page (Polaris's dark surface and text colours). */
const navLink = (current: boolean) => ({
  display: "inline-block",
  padding: "6px 12px",
  borderRadius: "8px",
  fontWeight: 600,
  fontSize: "14px",
  lineHeight: "20px",
  textDecoration: "none",
  color: current ? "#ffffff" : "#303030",
  background: current ? "#303030" : "#f1f1f1",
});

function TopBar({ operator }: { operator: Operator | null }) {
  const { t } = useTranslation(NS);
  const { pathname } = useLocation();
  return (
    <Box background="bg-surface" borderBlockEndWidth="025" borderColor="border" paddingBlock="300" paddingInline="400">
      <BlockStack gap="300">
        <InlineStack align="space-between" blockAlign="center" gap="300" wrap>
          <Text as="p" variant="headingLg">
            {t("brand")}
          </Text>
          {operator ? (
            <Form method="post" action="/ops/logout">
              <input type="hidden" name="csrf" value={operator.csrf} />
              <InlineStack gap="300" blockAlign="center">
                <Text as="span" tone="subdued">
                  <span data-testid="ops-operator">{t("signedInAs", { name: operator.name })}</span>
                </Text>
                <Button submit>{t("signOut")}</Button>
              </InlineStack>
            </Form>
          ) : null}
        </InlineStack>
        {operator ? (
          <nav aria-label={t("nav.label")}>
            <InlineStack gap="200" wrap>
              {SECTIONS.map((section) => {
                const current = pathname.replace(/\/$/, "") === section.path;
                return (
                  <Link key={section.key} to={section.path} aria-current={current ? "page" : undefined} style={navLink(current)}>
                    {t(`nav.${section.key}`)}
                  </Link>
                );
              })}
            </InlineStack>
          </nav>
        ) : null}
      </BlockStack>
    </Box>
  );
}

/** 404 when the console is off (nothing else is shown); other errors in plain words, nothing more. */
export function ErrorBoundary() {
  const error = useRouteError();
  const notFound = isRouteErrorResponse(error) && error.status === 404;
  if (!isRouteErrorResponse(error)) console.error(error);
  return (
    <main style={{ fontFamily: "system-ui, sans-serif", padding: "2rem" }}>
      <h1>{notFound ? "404 Not Found" : "Error"}</h1>
    </main>
  );
}
