import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { OPS_SECURITY_HEADERS, opsHeaders, opsLogout, requireOperator } from "../ops/auth.server";
import { readForm } from "../api/params";

/** `POST /ops/logout` (with the session's CSRF token): signs the operator out. A GET goes back to the console. */
export const action = async ({ request, context }: ActionFunctionArgs) => {
  // A body that is not a form is refused before the sign-out reads it.
  if (!(await readForm(request))) return new Response("Malformed form", { status: 400, headers: OPS_SECURITY_HEADERS });
  return opsLogout(request, context.clientIp);
};
export const loader = async ({ request }: LoaderFunctionArgs) => {
  requireOperator(request);
  return new Response(null, { status: 302, headers: { Location: "/ops", "Cache-Control": "no-store" } });
};
export const headers = opsHeaders;
