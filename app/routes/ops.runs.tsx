import type { LoaderFunctionArgs } from "@remix-run/node";
import { Form, isRouteErrorResponse, useLoaderData, useNavigate, useNavigation, useRouteError } from "@remix-run/react";
import {
  Badge,
  Banner,
  BlockStack,
  Button,
  Card,
  Collapsible,
  InlineGrid,
  InlineStack,
  Page,
  Pagination,
  Select,
  Text,
  TextField,
  useBreakpoints,
} from "@shopify/polaris";
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { Bar, CartesianGrid, ComposedChart, Legend, Line, Tooltip, XAxis, YAxis } from "recharts";
import { z } from "zod";
import { Chart } from "../components/Chart";
import { utcDateToDay } from "../dashboard/format";
import { opsHeaders, opsJson, requireOperator } from "../ops/auth.server";
import {
  DEFAULT_RUN_DAYS,
  MAX_RUN_DAYS,
  parseRunsParams,
  RUN_STATUSES,
  RUN_TRIGGERS,
  runsSearch,
  type RunsFilter,
  type RunStatus,
} from "../ops/runs";
import { loadRuns, type RunRow, type RunsReport } from "../ops/runs.server";
import { CardTitle, CHART_HEIGHT, EmptyCard, FigureTable, Kpi, legendText, NS, useOpsFormat, type OpsFormat } from "../ops/ui";

/**
 * `/ops/runs?q=&status=&trigger=&from=&to=&page=`: every shop's forecast runs of a period (the last 30 days without
 * one, at most 90), with their timing, failures and accuracy, the period's figures and accuracy by day; CSV at
 * /ops/runs.csv with the same filters. A filter that cannot be used answers 400 (this route's error boundary says
 * which), never a list other than the one asked for.
 */
export const loader = async ({ request }: LoaderFunctionArgs) => {
  requireOperator(request);
  const now = new Date();
  const parsed = parseRunsParams(new URL(request.url).searchParams, utcDateToDay(now));
  if (!parsed.ok) throw opsJson({ error: "invalid_parameters", issues: parsed.issues }, { status: 400 });
  return opsJson(await loadRuns(parsed.filter, now));
};
export const headers = opsHeaders;

const TONE: Record<RunStatus, "info" | "success" | "critical"> = { running: "info", completed: "success", failed: "critical" };
/** Polaris palette colours with enough contrast on white. */
const COLOURS = { accuracy: "#005bd3", failed: "#c70a24" } as const;
/** Characters of a failed run's error shown before it is expanded. */
const ERROR_PREVIEW = 60;

export default function OpsRuns() {
  const report = useLoaderData<RunsReport>();
  const { t } = useTranslation(NS);
  const format = useOpsFormat();
  const busy = useNavigation().state === "loading";
  const { filter, figures } = report;
  return (
    <Page
      fullWidth
      title={t("runs.title")}
      subtitle={t("runs.subtitle", { from: format.day(filter.from), to: format.day(filter.to), when: format.instant(report.asOf) })}
    >
      {/* The figures below belong to the filters of the URL: while the next ones load, they are shown as stale. */}
      <div aria-busy={busy} style={{ opacity: busy ? 0.6 : 1, transition: "opacity 150ms" }}>
        <BlockStack gap="400">
          {/* Keyed by the filter: after a navigation the fields show the filter of the page. */}
          <Filters key={runsSearch(filter).toString()} filter={filter} />
          <InlineGrid columns={{ xs: 2, md: 3 }} gap="400">
            <Kpi
              title={t("runs.figures.runs")}
              value={format.integer(figures.runs)}
              detail={t("runs.figures.runsDetail", {
                completed: format.integer(figures.completed),
                running: format.integer(figures.running),
              })}
              testId="ops-runs-count"
            />
            <Kpi title={t("runs.figures.failed")} value={format.integer(figures.failed)} testId="ops-runs-failed" />
            <Kpi
              title={t("runs.figures.failureRate")}
              value={format.rate(figures.failureRate)}
              detail={t("runs.figures.failureRateDetail")}
              testId="ops-runs-failure-rate"
            />
            <Kpi
              title={t("runs.figures.durationMedian")}
              value={duration(format, figures.durationMedianMs)}
              detail={t("runs.figures.durationDetail")}
              testId="ops-runs-duration-median"
            />
            <Kpi
              title={t("runs.figures.durationP95")}
              value={duration(format, figures.durationP95Ms)}
              detail={t("runs.figures.durationDetail")}
              testId="ops-runs-duration-p95"
            />
            <Kpi
              title={t("runs.figures.accuracy")}
              value={format.rate(figures.accuracyMedian)}
              detail={t("runs.figures.accuracyDetail")}
              testId="ops-runs-accuracy"
            />
          </InlineGrid>
          {report.total === 0 ? (
            <EmptyCard title={t("runs.empty.title")} body={t("runs.empty.body")} testId="ops-runs-empty" />
          ) : (
            <>
              <AccuracyCard report={report} format={format} />
              <RunsCard report={report} format={format} />
            </>
          )}
        </BlockStack>
      </div>
    </Page>
  );
}

const duration = (format: OpsFormat, ms: number | null) => format.seconds(ms === null ? null : ms / 1000);

/** The filters, as a GET form: the URL holds them (empty ones left out), so a filtered page can be shared. */
function Filters({ filter }: { filter: RunsFilter }) {
  const { t } = useTranslation(NS);
  const navigate = useNavigate();
  const [values, setValues] = useState({
    q: filter.q,
    status: filter.status ?? "",
    trigger: filter.trigger ?? "",
    from: filter.from,
    to: filter.to,
  });
  const set = (name: keyof typeof values) => (value: string) => setValues((current) => ({ ...current, [name]: value }));
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const search = new URLSearchParams(Object.entries(values).filter(([, value]) => value !== ""));
    navigate(`/ops/runs?${search}`);
  };
  const any = { label: t("runs.filters.any"), value: "" };
  return (
    <Card>
      <Form method="get" action="/ops/runs" onSubmit={submit} data-testid="ops-runs-filters" aria-label={t("runs.filters.label")}>
        <BlockStack gap="300">
          <InlineGrid columns={{ xs: 1, sm: 2, lg: 5 }} gap="300">
            <TextField
              label={t("runs.filters.q")}
              name="q"
              value={values.q}
              onChange={set("q")}
              autoComplete="off"
              placeholder={t("runs.filters.qPlaceholder")}
            />
            <Select
              label={t("runs.filters.status")}
              name="status"
              value={values.status}
              onChange={set("status")}
              options={[any, ...RUN_STATUSES.map((status) => ({ label: t(`runs.status.${status}`), value: status }))]}
            />
            <Select
              label={t("runs.filters.trigger")}
              name="trigger"
              value={values.trigger}
              onChange={set("trigger")}
              options={[any, ...RUN_TRIGGERS.map((trigger) => ({ label: t(`runs.trigger.${trigger}`), value: trigger }))]}
            />
            <TextField
              label={t("runs.filters.from")}
              name="from"
              type="date"
              value={values.from}
              onChange={set("from")}
              autoComplete="off"
            />
            <TextField label={t("runs.filters.to")} name="to" type="date" value={values.to} onChange={set("to")} autoComplete="off" />
          </InlineGrid>
          <InlineStack align="space-between" blockAlign="center" gap="300">
            <Text as="p" tone="subdued">
              {t("runs.filters.help", { days: MAX_RUN_DAYS })}
            </Text>
            <InlineStack gap="200">
              <Button url="/ops/runs">{t("runs.filters.reset")}</Button>
              <Button url={`/ops/runs.csv?${runsSearch(filter, 1)}`} download id="ops-runs-export">
                {t("runs.export")}
              </Button>
              <Button submit variant="primary">
                {t("runs.filters.apply")}
              </Button>
            </InlineStack>
          </InlineStack>
        </BlockStack>
      </Form>
    </Card>
  );
}

/** Median accuracy of the day's completed runs (a line) and its failed runs (bars), with the same figures as a table. */
function AccuracyCard({ report, format }: { report: RunsReport; format: OpsFormat }) {
  const { t } = useTranslation(NS);
  const { smDown } = useBreakpoints();
  const [tableOpen, setTableOpen] = useState(false);
  const data = report.series.map((d) => ({ day: d.day, accuracy: d.accuracyMedian, failed: d.failed }));
  // Accuracy can go below zero (a forecast off by more than what sold): the axis then goes down with it.
  const lowest = Math.min(0, ...data.map((d) => d.accuracy ?? 0));
  return (
    <Card>
      <BlockStack gap="400">
        <CardTitle title={t("runs.chart.title")} help={t("runs.chart.help")} />
        <Chart label={t("runs.chart.label")} testId="ops-runs-chart" height={CHART_HEIGHT}>
          {() => (
            <ComposedChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: smDown ? 0 : 8 }}>
              <CartesianGrid stroke="#ebebeb" vertical={false} />
              <XAxis dataKey="day" tickFormatter={format.dayShort} minTickGap={24} tick={{ fontSize: 12 }} />
              <YAxis
                yAxisId="accuracy"
                domain={[Math.floor(lowest * 10) / 10, 1]}
                tickFormatter={(value: number) => format.rate(value)}
                width={smDown ? 44 : 56}
                tick={{ fontSize: 12 }}
              />
              <YAxis yAxisId="failed" orientation="right" allowDecimals={false} width={32} tick={{ fontSize: 12 }} />
              <Tooltip
                labelFormatter={(day) => format.day(String(day))}
                formatter={(value, _name, item) =>
                  item.dataKey === "accuracy" ? format.rate(typeof value === "number" ? value : null) : format.integer(Number(value))
                }
              />
              <Legend formatter={legendText} itemSorter={null} />
              <Bar
                yAxisId="failed"
                dataKey="failed"
                name={t("runs.chart.failed")}
                fill={COLOURS.failed}
                maxBarSize={16}
                isAnimationActive={false}
              />
              <Line
                yAxisId="accuracy"
                dataKey="accuracy"
                name={t("runs.chart.accuracy")}
                stroke={COLOURS.accuracy}
                strokeWidth={2}
                connectNulls
                // Dots: a day whose accuracy stands alone (no completed run the day before or after) is still seen.
                dot={{ r: smDown || data.length > 31 ? 2 : 3 }}
                isAnimationActive={false}
              />
            </ComposedChart>
          )}
        </Chart>
        <div>
          <Button
            variant="plain"
            disclosure={tableOpen ? "up" : "down"}
            ariaExpanded={tableOpen}
            ariaControls="ops-runs-days"
            onClick={() => setTableOpen((open) => !open)}
          >
            {t(tableOpen ? "runs.chart.hideTable" : "runs.chart.showTable")}
          </Button>
        </div>
        <Collapsible id="ops-runs-days" open={tableOpen}>
          <FigureTable
            testId="ops-runs-days"
            headings={[t("runs.days.day"), t("runs.days.runs"), t("runs.days.failed"), t("runs.days.accuracy")]}
            rows={report.series
              .filter((d) => d.runs > 0)
              .reverse()
              .map((d) => [format.day(d.day), format.integer(d.runs), format.integer(d.failed), format.rate(d.accuracyMedian)])}
          />
        </Collapsible>
      </BlockStack>
    </Card>
  );
}

function RunsCard({ report, format }: { report: RunsReport; format: OpsFormat }) {
  const { t } = useTranslation(NS);
  const navigate = useNavigate();
  const { filter, total, pageSize, rows } = report;
  const pages = Math.ceil(total / pageSize);
  const first = (filter.page - 1) * pageSize + 1;
  const go = (page: number) => navigate(`/ops/runs?${runsSearch(filter, page)}`, { preventScrollReset: true });
  return (
    <Card>
      <BlockStack gap="400">
        <CardTitle title={t("runs.list.title", { count: total, total: format.integer(total) })} help={t("runs.list.help")} />
        {rows.length === 0 ? (
          <Banner tone="info">
            <BlockStack gap="200">
              <p data-testid="ops-runs-past-end">{t("runs.list.pastEnd", { page: filter.page, pages })}</p>
              <InlineStack>
                <Button onClick={() => go(1)}>{t("runs.list.firstPage")}</Button>
              </InlineStack>
            </BlockStack>
          </Banner>
        ) : (
          <>
            <FigureTable
              testId="ops-runs-table"
              textColumns={4}
              phoneColumns={[1, 2, 4, 6, 7]}
              headings={[
                t("runs.columns.shop"),
                t("runs.columns.status"),
                t("runs.columns.started"),
                t("runs.columns.models"),
                t("runs.columns.duration"),
                t("runs.columns.series"),
                t("runs.columns.failedSeries"),
                t("runs.columns.accuracy"),
              ]}
              rows={rows.map((run) => [
                run.shopDomain,
                <RunStatusCell key="status" run={run} />,
                <StartedCell key="started" run={run} format={format} />,
                <ModelMix key="models" run={run} format={format} />,
                duration(format, run.durationMs),
                format.integer(run.seriesCount),
                format.integer(run.errorCount),
                <AccuracyCell key="accuracy" run={run} format={format} />,
              ])}
            />
            <InlineStack align="center">
              <Pagination
                hasPrevious={filter.page > 1}
                onPrevious={() => go(filter.page - 1)}
                hasNext={filter.page < pages}
                onNext={() => go(filter.page + 1)}
                label={
                  <span data-testid="ops-runs-page">
                    {t("runs.list.page", {
                      first: format.integer(first),
                      last: format.integer(first + rows.length - 1),
                      total: format.integer(total),
                    })}
                  </span>
                }
              />
            </InlineStack>
          </>
        )}
      </BlockStack>
    </Card>
  );
}

/** The status badge; a running run's progress; a failed run's error, its start shown and the whole of it on request. */
function RunStatusCell({ run }: { run: RunRow }) {
  const { t } = useTranslation(NS);
  const preview = run.error && run.error.length > ERROR_PREVIEW ? `${run.error.slice(0, ERROR_PREVIEW).trimEnd()}…` : run.error;
  return (
    <BlockStack gap="100" inlineAlign="start">
      <Badge tone={TONE[run.status]}>{t(`runs.status.${run.status}`)}</Badge>
      {run.status === "running" ? (
        <Text as="span" tone="subdued">
          {t("runs.batches", { done: run.batchesDone, total: run.batchesTotal })}
        </Text>
      ) : null}
      {run.error ? (
        // A DataTable cell does not wrap: the error does, in a column of its own width.
        <details data-testid="ops-run-error" style={{ whiteSpace: "normal", minWidth: "12rem", maxWidth: "24rem" }}>
          <summary title={run.error} style={{ cursor: "pointer" }}>
            <Text as="span" tone="critical">
              {preview}
            </Text>
          </summary>
          <Text as="p" breakWord>
            {run.error}
          </Text>
        </details>
      ) : null}
    </BlockStack>
  );
}

/** When the run started, and why: its trigger and the last day of data it used. */
function StartedCell({ run, format }: { run: RunRow; format: OpsFormat }) {
  const { t } = useTranslation(NS);
  return (
    <BlockStack gap="050">
      <span>{format.instant(run.startedAt)}</span>
      <Text as="span" tone="subdued">
        {t("runs.startedDetail", { trigger: t(`runs.trigger.${run.trigger}`, { defaultValue: run.trigger }), day: format.day(run.asOf) })}
      </Text>
    </BlockStack>
  );
}

/** acc_total, then MASE and the bands' coverage below it, smaller (one column keeps the table within a laptop's width). */
function AccuracyCell({ run, format }: { run: RunRow; format: OpsFormat }) {
  const { t } = useTranslation(NS);
  const { accTotal, mase, coverage80, coverage95 } = run.accuracy;
  if (accTotal === null && mase === null && coverage80 === null && coverage95 === null) return <>{t("none")}</>;
  return (
    <BlockStack gap="050">
      <span>{format.rate(accTotal)}</span>
      <Text as="span" tone="subdued">
        {t("runs.mase", { value: mase === null ? t("none") : format.number(mase, 2) })}
      </Text>
      <Text as="span" tone="subdued">
        {t("runs.coverage", { c80: format.rate(coverage80), c95: format.rate(coverage95) })}
      </Text>
    </BlockStack>
  );
}

/** The run's three most used models with their share of its series, one a line. */
function ModelMix({ run, format }: { run: RunRow; format: OpsFormat }) {
  const { t } = useTranslation(NS);
  const { top, otherModels, series } = run.models;
  if (top.length === 0) return <>{t("none")}</>;
  return (
    <BlockStack gap="050">
      {top.map((m) => (
        <span key={m.model}>
          {m.model} {format.rate(m.series / series)}
        </span>
      ))}
      {otherModels > 0 ? (
        <Text as="span" tone="subdued">
          {t("runs.moreModels", { count: otherModels })}
        </Text>
      ) : null}
    </BlockStack>
  );
}

const RefusedFilters = z.object({ issues: z.array(z.object({ param: z.string() })) });

/** A filter the loader refused (400): which ones, and the way back to the default period. */
export function ErrorBoundary() {
  const error = useRouteError();
  const { t } = useTranslation(NS);
  const refused = isRouteErrorResponse(error) && error.status === 400 ? RefusedFilters.safeParse(error.data) : null;
  if (!refused) console.error(error);
  const params = refused?.success ? [...new Set(refused.data.issues.map((issue) => issue.param))] : [];
  return (
    <Page title={t("runs.title")}>
      <Banner tone="critical" title={t(refused ? "runs.invalid.title" : "error")}>
        <BlockStack gap="200">
          {refused ? (
            <p data-testid="ops-runs-invalid">{t("runs.invalid.body", { params: params.join(", "), days: MAX_RUN_DAYS })}</p>
          ) : null}
          <InlineStack>
            <Button url="/ops/runs">{t("runs.invalid.reset", { days: DEFAULT_RUN_DAYS })}</Button>
          </InlineStack>
        </BlockStack>
      </Banner>
    </Page>
  );
}
