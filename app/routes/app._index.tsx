import type { LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData, useRevalidator } from "@remix-run/react";
import { Badge, BlockStack, Box, Card, InlineGrid, InlineStack, Layout, List, Page, SkeletonBodyText, Text } from "@shopify/polaris";
import { useEffect } from "react";
import { useTranslation } from "react-i18next";
import { formattingLocale, localeFromRequest } from "../i18n/i18n";
import { RouteError } from "../components/RouteError";
import db from "../db.server";
import { loadShopOverview, type NextStep } from "../shops/overview.server";
import { authenticate } from "../shopify.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const overview = await loadShopOverview(db, session.shop);
  if (!overview) throw new Response("Shop not found", { status: 404 });
  return { overview, locale: localeFromRequest(request) };
};

const STEP_TONE: Record<NextStep["state"], "success" | "info" | undefined> = { done: "success", running: "info", waiting: undefined };

function formatInstant(iso: string, locale: string, timeZone: string | null): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: "long", timeStyle: "short", timeZone: timeZone ?? "UTC" }).format(new Date(iso));
}

export default function Index() {
  const { overview, locale } = useLoaderData<typeof loader>();
  const { t } = useTranslation();
  const revalidator = useRevalidator();
  const detailsPending = overview.detailsSyncedAt === null;

  // Shop details arrive from a background job a moment after install: poll until they are there.
  useEffect(() => {
    if (!detailsPending) return;
    const timer = setInterval(() => revalidator.state === "idle" && revalidator.revalidate(), 2000);
    return () => clearInterval(timer);
  }, [detailsPending, revalidator]);

  return (
    <Page title={overview.name ?? "Fluxor"} subtitle={overview.domain}>
      <Layout>
        <Layout.Section>
          <Card>
            <BlockStack gap="300">
              <Text as="h2" variant="headingMd">
                {t("home.yourShop")}
              </Text>
              {detailsPending ? (
                <SkeletonBodyText lines={3} />
              ) : (
                <InlineGrid columns={{ xs: 1, sm: 2, md: 4 }} gap="400">
                  <Fact label={t("home.shop")} value={overview.name ?? "—"} testId="shop-name" />
                  <Fact label={t("home.currency")} value={overview.currencyCode ?? "—"} testId="shop-currency" />
                  <Fact label={t("home.timeZone")} value={overview.ianaTimezone ?? "—"} testId="shop-timezone" />
                  <Fact label={t("home.plan")} value={overview.planName ?? "—"} testId="shop-plan" />
                </InlineGrid>
              )}
              <Text as="p" tone="subdued">
                {t("home.installed", {
                  when: formatInstant(overview.installedAt, formattingLocale(locale, overview.countryCode), overview.ianaTimezone),
                })}
              </Text>
            </BlockStack>
          </Card>
        </Layout.Section>
        <Layout.Section>
          <Card>
            <BlockStack gap="300">
              <Text as="h2" variant="headingMd">
                {t("home.whatNext")}
              </Text>
              <List type="number">
                {overview.nextSteps.map((step) => (
                  <List.Item key={step.key}>
                    <InlineStack gap="200" blockAlign="center">
                      <span>{t(`home.steps.${step.key}`)}</span>
                      <Badge tone={STEP_TONE[step.state]}>{t(`home.state.${step.state}`)}</Badge>
                    </InlineStack>
                  </List.Item>
                ))}
              </List>
            </BlockStack>
          </Card>
        </Layout.Section>
      </Layout>
    </Page>
  );
}

function Fact({ label, value, testId }: { label: string; value: string; testId: string }) {
  return (
    <Box>
      <Text as="p" tone="subdued">
        {label}
      </Text>
      <Text as="p" variant="headingLg" fontWeight="semibold">
        <span data-testid={testId}>{value}</span>
      </Text>
    </Box>
  );
}

export function ErrorBoundary() {
  return <RouteError />;
}
