import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { Form, useLoaderData, useNavigation, useRevalidator } from "@remix-run/react";
import {
  Badge,
  Banner,
  BlockStack,
  Box,
  Button,
  Card,
  IndexTable,
  InlineStack,
  Layout,
  Page,
  ProgressBar,
  Text,
  useBreakpoints,
} from "@shopify/polaris";
import { useEffect, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { DbId, readForm } from "../api/params";
import { RouteError } from "../components/RouteError";
import { useFormat } from "../dashboard/FormatContext";
import { authenticate } from "../shopify.server";
import { loadSyncStatus } from "../sync/status.server";
import { replayEvent } from "../sync/webhooks.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const status = await loadSyncStatus(session.shop);
  if (!status) throw new Response("Shop not found", { status: 404 });
  return { status };
};

export const action = async ({ request }: ActionFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const form = await readForm(request);
  if (!form) throw new Response("Malformed form", { status: 400 });
  const eventId = String(form.get("eventId") ?? "");
  if (!DbId.safeParse(eventId).success) return { replayed: false };
  // Only this shop's events can be replayed: replayEvent filters on the shop.
  return { replayed: await replayEvent(session.shop, eventId) };
};

export default function SyncStatusPage() {
  const { status } = useLoaderData<typeof loader>();
  const { t } = useTranslation();
  const format = useFormat();
  const revalidator = useRevalidator();
  const navigation = useNavigation();
  const { smDown } = useBreakpoints();
  const running = status.run?.status === "running";

  useEffect(() => {
    if (!running) return;
    const timer = setInterval(() => revalidator.state === "idle" && revalidator.revalidate(), 2000);
    return () => clearInterval(timer);
  }, [running, revalidator]);

  return (
    <Page title={t("sync.title")}>
      <Layout>
        {status.run && !status.run.allOrders ? (
          <Layout.Section>
            <Banner tone="warning" title={t("sync.limited.title")}>
              {t("sync.limited.body")}
            </Banner>
          </Layout.Section>
        ) : null}
        <Layout.Section>
          <Card>
            <BlockStack gap="400">
              <InlineStack gap="200" blockAlign="center">
                <Text as="h2" variant="headingMd">
                  {t("sync.initial")}
                </Text>
                <Badge tone={status.run?.status === "completed" ? "success" : status.run?.status === "failed" ? "critical" : "info"}>
                  {t(`sync.status.${status.run?.status ?? "none"}`)}
                </Badge>
              </InlineStack>
              {status.run?.phases.map((phase) => (
                <BlockStack gap="100" key={phase.name}>
                  <InlineStack align="space-between">
                    <Text as="span">{t(`sync.phase.${phase.name}`)}</Text>
                    <Text as="span" tone="subdued">
                      <span data-testid={`phase-${phase.name}`}>
                        {t(`sync.state.${phase.state}`)} · {t("sync.rows", { count: phase.rows, n: format.integer(phase.rows) })}
                        {phase.rowsPerSecond ? ` · ${t("sync.rate", { n: format.integer(phase.rowsPerSecond) })}` : ""}
                      </span>
                    </Text>
                  </InlineStack>
                  <ProgressBar
                    progress={phase.progress}
                    size="small"
                    animated={phase.state !== "done"}
                    tone={phase.state === "done" ? "success" : "highlight"}
                  />
                </BlockStack>
              ))}
              <Text as="p" tone="subdued">
                {t("sync.counts", {
                  products: format.integer(status.counts.products),
                  variants: format.integer(status.counts.variants),
                  locations: format.integer(status.counts.locations),
                  levels: format.integer(status.counts.levels),
                  orders: format.integer(status.counts.orders),
                  demand: format.integer(status.counts.demandRows),
                })}
              </Text>
              {status.run?.errors.length ? (
                <BlockStack gap="100">
                  {status.run.errors.map((error, index) => (
                    <Text as="p" tone="critical" key={index}>
                      {error.phase}: {error.message}
                    </Text>
                  ))}
                </BlockStack>
              ) : null}
            </BlockStack>
          </Card>
        </Layout.Section>
        <Layout.Section>
          <Card padding="0">
            <Box padding="400" paddingBlockEnd="200">
              <BlockStack gap="100">
                <Text as="h2" variant="headingMd">
                  {t("sync.failed.title")}
                </Text>
                <Text as="p" tone="subdued">
                  {t("sync.failed.help")}
                </Text>
              </BlockStack>
            </Box>
            <IndexTable
              resourceName={{ singular: t("sync.failed.singular"), plural: t("sync.failed.plural") }}
              itemCount={status.deadLetters.length}
              selectable={false}
              condensed={smDown}
              emptyState={<Text as="p">{t("sync.failed.empty")}</Text>}
              headings={[
                { title: t("sync.columns.topic") },
                { title: t("sync.columns.received") },
                { title: t("sync.columns.attempts") },
                { title: t("sync.columns.error") },
                { title: t("sync.columns.action") },
              ]}
            >
              {status.deadLetters.map((event, index) => {
                const replay = (
                  <Form method="post">
                    <input type="hidden" name="eventId" value={event.id} />
                    <Button submit loading={navigation.formData?.get("eventId") === event.id}>
                      {t("sync.replay")}
                    </Button>
                  </Form>
                );
                const badge = <Badge tone="critical">{t(`sync.event.${event.status}`)}</Badge>;
                return smDown ? (
                  <CompactEventRow key={event.id} id={event.id} index={index} topic={event.topic} badge={badge}>
                    <Text as="span" tone="subdued" variant="bodySm">
                      {t("sync.compact.received", { received: format.instant(event.receivedAt) })} ·{" "}
                      {t("sync.compact.attempts", { count: event.attempts, n: format.integer(event.attempts) })}
                    </Text>
                    {event.lastError ? (
                      <Text as="span" variant="bodySm" breakWord>
                        {event.lastError}
                      </Text>
                    ) : null}
                    <InlineStack>{replay}</InlineStack>
                  </CompactEventRow>
                ) : (
                  <IndexTable.Row id={event.id} key={event.id} position={index}>
                    <IndexTable.Cell>
                      {event.topic} {badge}
                    </IndexTable.Cell>
                    <IndexTable.Cell>{format.instant(event.receivedAt)}</IndexTable.Cell>
                    <IndexTable.Cell>{format.integer(event.attempts)}</IndexTable.Cell>
                    <IndexTable.Cell>{event.lastError ?? ""}</IndexTable.Cell>
                    <IndexTable.Cell>{replay}</IndexTable.Cell>
                  </IndexTable.Row>
                );
              })}
            </IndexTable>
          </Card>
        </Layout.Section>
        <Layout.Section>
          <Card padding="0">
            <Box padding="400" paddingBlockEnd="200">
              <Text as="h2" variant="headingMd">
                {t("sync.webhooks.title")}
              </Text>
            </Box>
            <IndexTable
              resourceName={{ singular: t("sync.webhooks.singular"), plural: t("sync.webhooks.plural") }}
              itemCount={status.webhooks.length}
              selectable={false}
              condensed={smDown}
              emptyState={<Text as="p">{t("sync.webhooks.empty")}</Text>}
              headings={[
                { title: t("sync.columns.topic") },
                { title: t("sync.columns.status") },
                { title: t("sync.columns.received") },
                { title: t("sync.columns.processed") },
              ]}
            >
              {status.webhooks.map((event, index) => {
                const badge = (
                  <Badge tone={event.status === "processed" ? "success" : event.status === "dead" ? "critical" : undefined}>
                    {t(`sync.event.${event.status}`)}
                  </Badge>
                );
                return smDown ? (
                  <CompactEventRow key={event.id} id={event.id} index={index} topic={event.topic} badge={badge}>
                    <Text as="span" tone="subdued" variant="bodySm">
                      {event.processedAt
                        ? t("sync.compact.receivedProcessed", {
                            received: format.instant(event.receivedAt),
                            processed: format.instant(event.processedAt),
                          })
                        : t("sync.compact.received", { received: format.instant(event.receivedAt) })}
                    </Text>
                  </CompactEventRow>
                ) : (
                  <IndexTable.Row id={event.id} key={event.id} position={index}>
                    <IndexTable.Cell>{event.topic}</IndexTable.Cell>
                    <IndexTable.Cell>{badge}</IndexTable.Cell>
                    <IndexTable.Cell>{format.instant(event.receivedAt)}</IndexTable.Cell>
                    <IndexTable.Cell>{event.processedAt ? format.instant(event.processedAt) : "—"}</IndexTable.Cell>
                  </IndexTable.Row>
                );
              })}
            </IndexTable>
          </Card>
        </Layout.Section>
      </Layout>
    </Page>
  );
}

/** A webhook event as one stacked list item on a phone: its topic and status badge, then its details. */
function CompactEventRow({
  id,
  index,
  topic,
  badge,
  children,
}: {
  id: string;
  index: number;
  topic: string;
  badge: ReactNode;
  children: ReactNode;
}) {
  return (
    <IndexTable.Row id={id} position={index}>
      <Box paddingInline="400" paddingBlock="200">
        <BlockStack gap="100">
          <InlineStack align="space-between" blockAlign="center" gap="200">
            <Text as="span" fontWeight="semibold">
              {topic}
            </Text>
            {badge}
          </InlineStack>
          {children}
        </BlockStack>
      </Box>
    </IndexTable.Row>
  );
}

export function ErrorBoundary() {
  return <RouteError />;
}
