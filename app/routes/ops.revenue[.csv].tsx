import type { LoaderFunctionArgs } from "@remix-run/node";
import { z } from "zod";
import { csvResponse, parseCsvParams } from "../dashboard/csv-response.server";
import { auditOpsExport, requireOperator, withOpsHeaders } from "../ops/auth.server";
import { RECOGNITION_MONTHS, recognitionMonths, recognitionCsv } from "../ops/revenue.server";

const Params = z.object({ months: z.enum(RECOGNITION_MONTHS.map(String)).optional() });

/**
 * `GET /ops/revenue.csv?months=12|24|36`: the revenue recognition table as CSV (12 months without the parameter, 400
 * for another value); each export is audited.
 */
export const loader = async ({ request, context }: LoaderFunctionArgs) => {
  const operator = requireOperator(request);
  const params = parseCsvParams(request, Params);
  if (!params.ok) return withOpsHeaders(params.response);
  const months = recognitionMonths(params.data.months ?? null);
  await auditOpsExport(operator, context.clientIp, { report: "revenue_recognition", months });
  const day = new Date().toISOString().slice(0, 10);
  return withOpsHeaders(await csvResponse(request, recognitionCsv(months), `fluxor-revenue-recognition-${day}.csv`));
};
