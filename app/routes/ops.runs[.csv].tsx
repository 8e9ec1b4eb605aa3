import type { LoaderFunctionArgs } from "@remix-run/node";
import { csvParamsRefusedResponse, csvResponse } from "../dashboard/csv-response.server";
import { utcDateToDay } from "../dashboard/format";
import { createI18n, localeFromRequest } from "../i18n/i18n";
import { auditOpsExport, requireOperator, withOpsHeaders } from "../ops/auth.server";
import { parseRunsParams } from "../ops/runs";
import { RUNS_CSV_COLUMNS, runsCsv } from "../ops/runs.server";
import { NS } from "../ops/ui";

/**
 * `GET /ops/runs.csv?q=&status=&trigger=&from=&to=`: every forecast run the page's filters select (all pages), one line
 * each, newest first, with the column names in the operator's language; 400 for a filter that cannot be used. Each
 * export is audited with its filters.
 */
export const loader = async ({ request, context }: LoaderFunctionArgs) => {
  const operator = requireOperator(request);
  const parsed = parseRunsParams(new URL(request.url).searchParams, utcDateToDay(new Date()));
  if (!parsed.ok) return withOpsHeaders(csvParamsRefusedResponse(request, parsed.issues));
  const { q, status, trigger, from, to } = parsed.filter;
  await auditOpsExport(operator, context.clientIp, {
    report: "forecast_runs",
    from,
    to,
    ...(q ? { q } : {}),
    ...(status ? { status } : {}),
    ...(trigger ? { trigger } : {}),
  });
  const locale = localeFromRequest(request);
  const t = createI18n(locale).getFixedT(locale, NS);
  const header = RUNS_CSV_COLUMNS.map((column) => t(`runs.csv.${column}`));
  return withOpsHeaders(await csvResponse(request, runsCsv(parsed.filter, header), `fluxor-forecast-runs-${from}-${to}.csv`));
};
