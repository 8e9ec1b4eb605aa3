import type { LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { Badge, BlockStack, Card, Page, Text } from "@shopify/polaris";
import { useTranslation } from "react-i18next";
import { opsHeaders, opsJson, requireOperator } from "../ops/auth.server";
import { loadDunningQueue, type DunningQueue, type DunningRow } from "../ops/dunning.server";
import { CardTitle, EmptyCard, FigureTable, NS, useOpsFormat } from "../ops/ui";

/** `/ops/dunning`: accounts past due, frozen or read-only, with their dunning emails. */
export const loader = async ({ request }: LoaderFunctionArgs) => {
  requireOperator(request);
  return opsJson(await loadDunningQueue());
};
export const headers = opsHeaders;

const TONE = { past_due: "warning", frozen: "attention", read_only: "critical" } as const;

export default function OpsDunning() {
  const queue = useLoaderData<DunningQueue>();
  const { t } = useTranslation(NS);
  const format = useOpsFormat();
  const step = (name: string) => t(`dunning.step.${name}`, { defaultValue: name });
  const emails = (row: DunningRow) => (
    <BlockStack gap="050">
      {row.emails.length === 0 ? <span>{t("dunning.noEmails")}</span> : null}
      {row.emails.map((email) => (
        <span key={`${email.step}:${email.queuedAt}`}>
          {t("dunning.email", { step: step(email.step), status: email.status })} · {format.day(email.sentAt ?? email.queuedAt)}
        </span>
      ))}
      {row.overdueSteps.length > 0 ? (
        <Text as="span" tone="critical">
          {t("dunning.overdue", { steps: row.overdueSteps.map(step).join(", ") })}
        </Text>
      ) : null}
      {row.nextStep ? (
        <Text as="span" tone="subdued">
          {t("dunning.nextStep", { step: step(row.nextStep.step), date: format.day(row.nextStep.dueAt) })}
        </Text>
      ) : null}
    </BlockStack>
  );
  return (
    <Page fullWidth title={t("dunning.title")} subtitle={t("dunning.subtitle", { when: format.instant(queue.asOf) })}>
      {queue.rows.length === 0 ? (
        <EmptyCard title={t("dunning.empty.title")} body={t("dunning.empty.body")} testId="ops-dunning-empty" />
      ) : (
        <Card>
          <BlockStack gap="400">
            <CardTitle title={t("dunning.accounts", { count: queue.rows.length })} help={t("dunning.help")} />
            <FigureTable
              testId="ops-dunning-table"
              textColumns={6}
              headings={[
                t("dunning.columns.shop"),
                t("dunning.columns.plan"),
                t("dunning.columns.status"),
                t("dunning.columns.since"),
                t("dunning.columns.grace"),
                t("dunning.columns.emails"),
              ]}
              rows={queue.rows.map((row) => [
                row.shopDomain ?? t("dunning.erased", { id: row.accountId.slice(0, 8) }),
                `${row.plan ? t(`plan.${row.plan}`, { defaultValue: row.plan }) : t("plan.none")} · ${t(`rail.${row.rail}`)}`,
                <Badge key="status" tone={TONE[row.status as keyof typeof TONE]}>
                  {t(`status.${row.status}`)}
                </Badge>,
                row.delinquentSince && row.daysSinceFailure !== null
                  ? t("dunning.daysAgo", { date: format.day(row.delinquentSince), count: row.daysSinceFailure })
                  : t("none"),
                row.graceEndsAt ? format.day(row.graceEndsAt) : t("none"),
                emails(row),
              ])}
            />
          </BlockStack>
        </Card>
      )}
    </Page>
  );
}
