import type { LoaderFunctionArgs } from "@remix-run/node";
import { csvResponse } from "../dashboard/csv-response.server";
import { auditOpsExport, requireOperator, withOpsHeaders } from "../ops/auth.server";
import { recognitionCsv, recognitionMonths } from "../ops/revenue.server";

/** `GET /ops/revenue.csv?months=12|24|36`: the revenue recognition table as CSV; each export is audited. */
export const loader = async ({ request, context }: LoaderFunctionArgs) => {
  const operator = requireOperator(request);
  const months = recognitionMonths(new URL(request.url).searchParams.get("months"));
  await auditOpsExport(operator, context.clientIp, { report: "revenue_recognition", months });
  const day = new Date().toISOString().slice(0, 10);
  return withOpsHeaders(csvResponse(recognitionCsv(months), `fluxor-revenue-recognition-${day}.csv`));
};
