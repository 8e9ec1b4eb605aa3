import { Badge, BlockStack, Box, Card, InlineGrid, InlineStack, Layout, List, SkeletonBodyText, Text } from "@shopify/polaris";
import { useTranslation } from "react-i18next";
import { useFormat } from "../dashboard/FormatContext";
import type { NextStep, ShopOverview } from "../shops/overview.server";

const STEP_TONE: Record<NextStep["state"], "success" | "info" | undefined> = { done: "success", running: "info", waiting: undefined };

/** The shop's details and what Fluxor does next: the overview while the store syncs or has no orders yet. */
export function SetupView({ overview }: { overview: ShopOverview }) {
  const { t } = useTranslation();
  const format = useFormat();
  const detailsPending = overview.detailsSyncedAt === null;
  return (
    <>
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
              {t("home.installed", { when: format.instant(overview.installedAt) })}
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
    </>
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
