import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { opsHeaders, opsLogout, requireOperator } from "../ops/auth.server";

/** `POST /ops/logout` (with the session's CSRF token): signs the operator out. A GET goes back to the console. */
export const action = async ({ request, context }: ActionFunctionArgs) => opsLogout(request, context.clientIp);
export const loader = async ({ request }: LoaderFunctionArgs) => {
  requireOperator(request);
  return new Response(null, { status: 302, headers: { Location: "/ops", "Cache-Control": "no-store" } });
};
export const headers = opsHeaders;
