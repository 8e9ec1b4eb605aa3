import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { Form, useLoaderData, useNavigation, useRevalidator } from "@remix-run/react";
import { Badge, Banner, BlockStack, Button, Card, IndexTable, InlineStack, Layout, Page, ProgressBar, Text } from "@shopify/polaris";
import { useEffect } from "react";
import { RouteError } from "../components/RouteError";
import { authenticate } from "../shopify.server";
import { syncPool } from "../sync/db.server";
import { loadSyncStatus } from "../sync/status.server";
import { replayEvent } from "../sync/webhooks.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const status = await loadSyncStatus(syncPool(), session.shop);
  if (!status) throw new Response("Shop not found", { status: 404 });
  return { status };
};

export const action = async ({ request }: ActionFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const form = await request.formData();
  const eventId = String(form.get("eventId") ?? "");
  if (!/^\d+$/.test(eventId)) return { replayed: false };
  const shop = await syncPool().query<{ id: string }>(`SELECT id FROM "Shop" WHERE domain = $1`, [session.shop]);
  const shopId = shop.rows[0]?.id;
  // Only this shop's events can be replayed: replayEvent filters on shopId.
  return { replayed: shopId ? await replayEvent(syncPool(), shopId, eventId) : false };
};

const PHASE_LABEL: Record<string, string> = {
  locations: "Locations",
  products: "Products and variants",
  inventory: "Stock per location",
  orders: "Orders",
  refunds: "Refund details",
  demand: "Daily demand",
};

export default function SyncStatusPage() {
  const { status } = useLoaderData<typeof loader>();
  const revalidator = useRevalidator();
  const navigation = useNavigation();
  const running = status.run?.status === "running";

  useEffect(() => {
    if (!running) return;
    const timer = setInterval(() => revalidator.state === "idle" && revalidator.revalidate(), 2000);
    return () => clearInterval(timer);
  }, [running, revalidator]);

  return (
    <Page title="Store sync">
      <Layout>
        {status.run && !status.run.allOrders ? (
          <Layout.Section>
            <Banner tone="warning" title="Only the last 60 days of orders">
              Fluxor was not granted access to all orders (read_all_orders), so Shopify lets it read only the last 60 days. Forecasts
              improve with two years of history.
            </Banner>
          </Layout.Section>
        ) : null}
        <Layout.Section>
          <Card>
            <BlockStack gap="400">
              <InlineStack gap="200" blockAlign="center">
                <Text as="h2" variant="headingMd">
                  Initial sync
                </Text>
                <Badge tone={status.run?.status === "completed" ? "success" : status.run?.status === "failed" ? "critical" : "info"}>
                  {status.run?.status ?? "not started"}
                </Badge>
              </InlineStack>
              {status.run?.phases.map((phase) => (
                <BlockStack gap="100" key={phase.name}>
                  <InlineStack align="space-between">
                    <Text as="span">{PHASE_LABEL[phase.name] ?? phase.name}</Text>
                    <Text as="span" tone="subdued">
                      <span data-testid={`phase-${phase.name}`}>
                        {phase.state} · {phase.rows.toLocaleString()} rows
                        {phase.rowsPerSecond ? ` · ${phase.rowsPerSecond.toLocaleString()} rows/s` : ""}
                      </span>
                    </Text>
                  </InlineStack>
                  <ProgressBar progress={phase.progress} size="small" tone={phase.state === "done" ? "success" : "highlight"} />
                </BlockStack>
              ))}
              <Text as="p" tone="subdued">
                {status.counts.products.toLocaleString()} products · {status.counts.variants.toLocaleString()} variants ·{" "}
                {status.counts.locations} locations · {status.counts.levels.toLocaleString()} stock levels ·{" "}
                {status.counts.orders.toLocaleString()} orders · {status.counts.demandRows.toLocaleString()} demand rows
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
            <IndexTable
              resourceName={{ singular: "failed webhook", plural: "failed webhooks" }}
              itemCount={status.deadLetters.length}
              selectable={false}
              emptyState={<Text as="p">No failed webhooks.</Text>}
              headings={[{ title: "Topic" }, { title: "Received" }, { title: "Attempts" }, { title: "Error" }, { title: "" }]}
            >
              {status.deadLetters.map((event, index) => (
                <IndexTable.Row id={event.id} key={event.id} position={index}>
                  <IndexTable.Cell>
                    {event.topic} <Badge tone="critical">{event.status}</Badge>
                  </IndexTable.Cell>
                  <IndexTable.Cell>{new Date(event.receivedAt).toLocaleString()}</IndexTable.Cell>
                  <IndexTable.Cell>{event.attempts}</IndexTable.Cell>
                  <IndexTable.Cell>{event.lastError ?? ""}</IndexTable.Cell>
                  <IndexTable.Cell>
                    <Form method="post">
                      <input type="hidden" name="eventId" value={event.id} />
                      <Button submit loading={navigation.formData?.get("eventId") === event.id}>
                        Replay
                      </Button>
                    </Form>
                  </IndexTable.Cell>
                </IndexTable.Row>
              ))}
            </IndexTable>
          </Card>
        </Layout.Section>
        <Layout.Section>
          <Card padding="0">
            <IndexTable
              resourceName={{ singular: "webhook", plural: "webhooks" }}
              itemCount={status.webhooks.length}
              selectable={false}
              emptyState={<Text as="p">No webhooks received yet.</Text>}
              headings={[{ title: "Topic" }, { title: "Status" }, { title: "Received" }, { title: "Processed" }]}
            >
              {status.webhooks.map((event, index) => (
                <IndexTable.Row id={event.id} key={event.id} position={index}>
                  <IndexTable.Cell>{event.topic}</IndexTable.Cell>
                  <IndexTable.Cell>
                    <Badge tone={event.status === "processed" ? "success" : event.status === "dead" ? "critical" : undefined}>
                      {event.status}
                    </Badge>
                  </IndexTable.Cell>
                  <IndexTable.Cell>{new Date(event.receivedAt).toLocaleString()}</IndexTable.Cell>
                  <IndexTable.Cell>{event.processedAt ? new Date(event.processedAt).toLocaleString() : "—"}</IndexTable.Cell>
                </IndexTable.Row>
              ))}
            </IndexTable>
          </Card>
        </Layout.Section>
      </Layout>
    </Page>
  );
}

export function ErrorBoundary() {
  return <RouteError />;
}
