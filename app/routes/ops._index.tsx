import type { LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { Banner, BlockStack, Card, InlineGrid, Layout, Page, Text, useBreakpoints } from "@shopify/polaris";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Bar, BarChart, CartesianGrid, Legend, ReferenceLine, Tooltip, XAxis, YAxis } from "recharts";
import { opsHeaders, opsJson, requireOperator } from "../ops/auth.server";
import { TRAILING_DAYS, type Overview, type Split } from "../ops/metrics";
import { loadOverview } from "../ops/revenue.server";
import { Chart } from "../components/Chart";
import {
  CardTitle,
  CHART_HEIGHT,
  EmptyCard,
  FigureTable,
  Gutter,
  Kpi,
  legendText,
  NS,
  RailSwitch,
  useOpsFormat,
  type OpsFormat,
} from "../ops/ui";

/**
 * `/ops`: MRR and ARR now, committed MRR in trial, 12 months of MRR movements, churn, trial conversion, accounts by
 * status and plan.
 */
export const loader = async ({ request }: LoaderFunctionArgs) => {
  requireOperator(request);
  return opsJson(await loadOverview());
};
export const headers = opsHeaders;

type Data = Overview & { invalidEvents: number };

/** Polaris palette colours with enough contrast on white. */
const COLOURS = { new: "#2c6e49", expansion: "#005bd3", reactivation: "#8051ff", contraction: "#b44d00", churned: "#c70a24" } as const;

export default function OpsOverview() {
  const data = useLoaderData<Data>();
  const { t } = useTranslation(NS);
  const format = useOpsFormat();
  const [split, setSplit] = useState<Split>("all");
  return (
    <Page title={t("overview.title")} subtitle={t("overview.subtitle", { when: format.instant(data.asOf) })}>
      <BlockStack gap="400">
        <Gutter>
          <RailSwitch value={split} onChange={setSplit} />
        </Gutter>
        {data.invalidEvents > 0 ? <Banner tone="warning">{t("invalidEvents", { count: data.invalidEvents })}</Banner> : null}
        <Kpis data={data} split={split} format={format} />
        {data.accounts.all === 0 ? (
          <EmptyCard title={t("overview.empty.title")} body={t("overview.empty.body")} testId="ops-overview-empty" />
        ) : (
          <Layout>
            <Layout.Section>
              <MovementsCard data={data} split={split} format={format} />
            </Layout.Section>
            <Layout.Section variant="oneHalf">
              <StatusCard data={data} format={format} />
            </Layout.Section>
            <Layout.Section variant="oneHalf">
              <PlanCard data={data} format={format} />
            </Layout.Section>
          </Layout>
        )}
        <Gutter>
          <Text as="p" tone="subdued">
            {t("usdNote")}
          </Text>
        </Gutter>
      </BlockStack>
    </Page>
  );
}

function Kpis({ data, split, format }: { data: Data; split: Split; format: OpsFormat }) {
  const { t } = useTranslation(NS);
  const both = (value: (rail: "shopify" | "stripe") => string) =>
    split === "all" ? t("overview.splitDetail", { shopify: value("shopify"), stripe: value("stripe") }) : undefined;
  const recurring = data.recurring[split];
  const committed = data.committed[split];
  const churn = data.logoChurn[split];
  const conversion = data.trialConversion[split];
  // Six cards: three by two from tablets up (revenue, then accounts), two by three on a phone.
  return (
    <InlineGrid columns={{ xs: 2, md: 3 }} gap="400">
      <Kpi
        title={t("overview.mrr")}
        value={format.money(recurring.mrrCents)}
        detail={both((r) => format.money(data.recurring[r].mrrCents))}
        testId="ops-mrr"
      />
      <Kpi
        title={t("overview.arr")}
        value={format.money(recurring.arrCents)}
        detail={both((r) => format.money(data.recurring[r].arrCents))}
        testId="ops-arr"
      />
      <Kpi
        title={t("overview.committed")}
        value={format.money(committed.mrrCents)}
        detail={both((r) => format.money(data.committed[r].mrrCents))}
        note={
          committed.firstPaysAt === null
            ? t("overview.committedNone")
            : t("overview.committedDetail", {
                count: committed.accounts,
                total: format.integer(committed.accounts),
                date: format.day(committed.firstPaysAt),
              })
        }
        testId="ops-committed-mrr"
      />
      <Kpi
        title={t("overview.paying")}
        value={format.integer(recurring.payingAccounts)}
        detail={t("overview.payingDetail", { count: data.accounts[split], total: format.integer(data.accounts[split]) })}
        testId="ops-paying"
      />
      <Kpi
        title={t("overview.logoChurn", { days: TRAILING_DAYS })}
        value={format.rate(churn)}
        detail={t("overview.logoChurnDetail", { churned: format.integer(churn.numerator), customers: format.integer(churn.denominator) })}
        testId="ops-logo-churn"
      />
      <Kpi
        title={t("overview.trialConversion", { days: TRAILING_DAYS })}
        value={format.rate(conversion)}
        detail={t("overview.trialConversionDetail", {
          converted: format.integer(conversion.numerator),
          ended: format.integer(conversion.denominator),
        })}
        testId="ops-trial-conversion"
      />
    </InlineGrid>
  );
}

/** Losses below zero (and no "−0"). */
const negative = (cents: number) => (cents === 0 ? 0 : -cents);

const MOVEMENTS = ["new", "expansion", "reactivation", "contraction", "churned"] as const;

function MovementsCard({ data, split, format }: { data: Data; split: Split; format: OpsFormat }) {
  const { t } = useTranslation(NS);
  const { smDown } = useBreakpoints();
  const months = data.months[split];
  const moved = months.some((m) => m.newCents || m.expansionCents || m.reactivationCents || m.contractionCents || m.churnedCents);
  // A year of zeros says nothing the sentence does not: the table comes with the first figure.
  const anything = moved || months.some((m) => m.startCents || m.endCents || m.logoChurn.denominator || m.trialConversion.denominator);
  const chartData = months.map((m) => ({
    month: m.month,
    new: m.newCents,
    expansion: m.expansionCents,
    reactivation: m.reactivationCents,
    contraction: negative(m.contractionCents),
    churned: negative(m.churnedCents),
  }));
  return (
    <Card>
      <BlockStack gap="400">
        <CardTitle title={t("overview.movements.title")} help={t("overview.movements.help")} />
        {moved ? (
          <Chart label={t("overview.movements.label")} testId="ops-movements-chart" height={CHART_HEIGHT}>
            {() => (
              <BarChart data={chartData} stackOffset="sign" margin={{ top: 8, right: 8, bottom: 0, left: smDown ? 0 : 8 }}>
                <CartesianGrid strokeDasharray="3 3" vertical={false} />
                <XAxis dataKey="month" tickFormatter={format.monthShort} interval={smDown ? 2 : 0} tick={{ fontSize: 12 }} />
                <YAxis tickFormatter={(v: number) => format.moneyCompact(v)} width={smDown ? 48 : 64} tick={{ fontSize: 12 }} />
                <ReferenceLine y={0} stroke="#616161" />
                <Tooltip
                  formatter={(value) => format.money(Math.abs(Number(value)))}
                  labelFormatter={(label) => format.month(String(label))}
                />
                <Legend formatter={legendText} itemSorter={null} />
                {MOVEMENTS.map((key) => (
                  <Bar
                    key={key}
                    dataKey={key}
                    name={t(`overview.movements.${key}`)}
                    stackId="mrr"
                    fill={COLOURS[key]}
                    isAnimationActive={false}
                  />
                ))}
              </BarChart>
            )}
          </Chart>
        ) : (
          <Text as="p" tone="subdued">
            <span data-testid="ops-movements-none">{t("overview.movements.none")}</span>
          </Text>
        )}
        {anything ? (
          <FigureTable
            testId="ops-movements-table"
            phoneColumns={[2, 3, 4, 5, 6, 7, 8, 9]}
            headings={[
              t("overview.columns.month"),
              t("overview.columns.start"),
              t("overview.movements.new"),
              t("overview.movements.expansion"),
              t("overview.movements.reactivation"),
              t("overview.movements.contraction"),
              t("overview.movements.churned"),
              t("overview.columns.end"),
              t("overview.columns.logoChurn"),
              t("overview.columns.trialConversion"),
            ]}
            rows={months.map((m) => [
              format.month(m.month),
              format.money(m.startCents),
              format.money(m.newCents),
              format.money(m.expansionCents),
              format.money(m.reactivationCents),
              format.money(negative(m.contractionCents)),
              format.money(negative(m.churnedCents)),
              format.money(m.endCents),
              format.rate(m.logoChurn),
              format.rate(m.trialConversion),
            ])}
          />
        ) : null}
      </BlockStack>
    </Card>
  );
}

function StatusCard({ data, format }: { data: Data; format: OpsFormat }) {
  const { t } = useTranslation(NS);
  return (
    <Card>
      <BlockStack gap="400">
        <CardTitle title={t("overview.byStatus.title")} help={t("overview.byStatus.help")} />
        <FigureTable
          testId="ops-by-status"
          headings={[t("overview.columns.status"), t("rail.all"), t("rail.shopify"), t("rail.stripe")]}
          rows={data.byStatus.map((row) => [
            t(`status.${row.status}`),
            format.integer(row.accounts.all),
            format.integer(row.accounts.shopify),
            format.integer(row.accounts.stripe),
          ])}
          totals={["", format.integer(data.accounts.all), format.integer(data.accounts.shopify), format.integer(data.accounts.stripe)]}
          totalsName={t("overview.columns.accounts")}
        />
      </BlockStack>
    </Card>
  );
}

function PlanCard({ data, format }: { data: Data; format: OpsFormat }) {
  const { t } = useTranslation(NS);
  return (
    <Card>
      <BlockStack gap="400">
        <CardTitle title={t("overview.byPlan.title")} help={t("overview.byPlan.help")} />
        {data.byPlan.length === 0 ? (
          <Text as="p" tone="subdued">
            {t("overview.byPlan.none")}
          </Text>
        ) : (
          <FigureTable
            testId="ops-by-plan"
            headings={[
              t("overview.columns.plan"),
              t("overview.columns.accounts"),
              t("rail.shopify"),
              t("rail.stripe"),
              t("overview.columns.mrr"),
            ]}
            rows={data.byPlan.map((row) => [
              t(`plan.${row.plan}`),
              format.integer(row.accounts.all),
              format.integer(row.accounts.shopify),
              format.integer(row.accounts.stripe),
              format.money(row.mrrCents.all),
            ])}
          />
        )}
      </BlockStack>
    </Card>
  );
}
