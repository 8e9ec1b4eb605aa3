import type { LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData, useNavigate } from "@remix-run/react";
import { Banner, BlockStack, Button, ButtonGroup, Card, InlineGrid, InlineStack, Page, Text, useBreakpoints } from "@shopify/polaris";
import { useTranslation } from "react-i18next";
import { Bar, CartesianGrid, ComposedChart, Legend, Line, Tooltip, XAxis, YAxis } from "recharts";
import { opsHeaders, opsJson, requireOperator } from "../ops/auth.server";
import { loadRecognition, recognitionMonths, type RecognitionReport } from "../ops/revenue.server";
import { Chart } from "../components/Chart";
import { CardTitle, CHART_HEIGHT, EmptyCard, FigureTable, Gutter, Kpi, legendText, NS, useOpsFormat } from "../ops/ui";

/** `/ops/revenue?months=12|24|36`: revenue recognised each month and deferred at its end; CSV at /ops/revenue.csv. */
export const loader = async ({ request }: LoaderFunctionArgs) => {
  requireOperator(request);
  return opsJson(await loadRecognition(recognitionMonths(new URL(request.url).searchParams.get("months"))));
};
export const headers = opsHeaders;

const COLOURS = { recognized: "#005bd3", deferred: "#b44d00" } as const;

export default function OpsRevenue() {
  const report = useLoaderData<RecognitionReport>();
  const { t } = useTranslation(NS);
  const format = useOpsFormat();
  const navigate = useNavigate();
  const { smDown } = useBreakpoints();
  const { rows } = report;
  const current = rows.at(-1)!;
  const empty = rows.every((r) => r.recognizedCents.all === 0 && r.deferredCents.all === 0);
  const monthLabel = (month: string) =>
    month === current.month ? t("revenue.inProgress", { month: format.month(month) }) : format.month(month);
  const total = rows.reduce((sum, r) => sum + r.recognizedCents.all, 0);
  return (
    <Page title={t("revenue.title")} subtitle={t("revenue.subtitle", { when: format.instant(report.asOf) })}>
      <BlockStack gap="400">
        <Gutter>
          <InlineStack align="space-between" gap="300" wrap>
            <div role="group" aria-label={t("revenue.months")} data-testid="ops-revenue-months">
              <ButtonGroup variant="segmented">
                {report.choices.map((months) => (
                  <Button
                    key={months}
                    pressed={months === report.months}
                    onClick={() => navigate(`?months=${months}`, { preventScrollReset: true })}
                  >
                    {t("revenue.monthsCount", { count: months })}
                  </Button>
                ))}
              </ButtonGroup>
            </div>
            <Button url={`/ops/revenue.csv?months=${report.months}`} download id="ops-revenue-export">
              {t("revenue.export")}
            </Button>
          </InlineStack>
        </Gutter>
        {report.invalidEvents > 0 ? <Banner tone="warning">{t("invalidEvents", { count: report.invalidEvents })}</Banner> : null}
        <InlineGrid columns={{ xs: 1, sm: 2 }} gap="400">
          <Kpi title={t("revenue.recognizedTotal")} value={format.money(total)} testId="ops-recognized-total" />
          <Kpi
            title={t("revenue.deferredNow", { month: format.month(current.month) })}
            value={format.money(current.deferredCents.all)}
            detail={t("overview.splitDetail", {
              shopify: format.money(current.deferredCents.shopify),
              stripe: format.money(current.deferredCents.stripe),
            })}
            testId="ops-deferred-now"
          />
        </InlineGrid>
        {empty ? (
          <EmptyCard title={t("revenue.empty.title")} body={t("revenue.empty.body")} testId="ops-revenue-empty" />
        ) : (
          <Card>
            <BlockStack gap="400">
              <CardTitle title={t("revenue.byMonth")} help={t("revenue.help")} />
              <Chart label={t("revenue.label")} testId="ops-revenue-chart" height={CHART_HEIGHT}>
                {() => (
                  <ComposedChart
                    data={rows.map((r) => ({ month: r.month, recognized: r.recognizedCents.all, deferred: r.deferredCents.all }))}
                    margin={{ top: 8, right: 8, bottom: 0, left: smDown ? 0 : 8 }}
                  >
                    <CartesianGrid strokeDasharray="3 3" vertical={false} />
                    <XAxis
                      dataKey="month"
                      tickFormatter={format.monthShort}
                      interval={smDown ? "preserveStartEnd" : 0}
                      tick={{ fontSize: 12 }}
                    />
                    <YAxis tickFormatter={(v: number) => format.moneyCompact(v)} width={smDown ? 48 : 64} tick={{ fontSize: 12 }} />
                    <Tooltip formatter={(value) => format.money(Number(value))} labelFormatter={(label) => format.month(String(label))} />
                    <Legend formatter={legendText} itemSorter={null} />
                    <Bar dataKey="recognized" name={t("revenue.recognized")} fill={COLOURS.recognized} isAnimationActive={false} />
                    <Line
                      dataKey="deferred"
                      name={t("revenue.deferred")}
                      stroke={COLOURS.deferred}
                      strokeWidth={2}
                      dot={false}
                      isAnimationActive={false}
                    />
                  </ComposedChart>
                )}
              </Chart>
            </BlockStack>
          </Card>
        )}
        {empty ? null : (
          <Card>
            <FigureTable
              testId="ops-revenue-table"
              headings={[
                t("revenue.columns.month"),
                t("revenue.columns.recognized"),
                t("revenue.columns.recognizedShopify"),
                t("revenue.columns.recognizedStripe"),
                t("revenue.columns.deferred"),
                t("revenue.columns.deferredShopify"),
                t("revenue.columns.deferredStripe"),
              ]}
              rows={[...rows]
                .reverse()
                .map((r) => [
                  monthLabel(r.month),
                  format.money(r.recognizedCents.all),
                  format.money(r.recognizedCents.shopify),
                  format.money(r.recognizedCents.stripe),
                  format.money(r.deferredCents.all),
                  format.money(r.deferredCents.shopify),
                  format.money(r.deferredCents.stripe),
                ])}
            />
          </Card>
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
