/**
 * Whether an error means "the database is not there right now" (stopped, restarting, unreachable, out of
 * connections) rather than a fault of the request or of the code: such a request is answered 503 with Retry-After,
 * an outage that passes, not a 500 (issue 16). Reads the error and its `cause` chain, as the pg driver, Prisma and
 * the Shopify library's session storage each wrap or pass it differently.
 */

/** SQLSTATE class 08 (connection exception), 57P01 admin shutdown, 57P02 crash shutdown, 57P03 cannot connect now. */
const SQLSTATE = /^(08\d{3}|57P0[123])$/;
/** Socket errors of a connection attempt or a connection lost. */
const SOCKET_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "EAI_AGAIN"]);
/** Prisma: can't reach the server, timed out, server closed the connection, no pool connection in time. */
const PRISMA_CODES = new Set(["P1001", "P1002", "P1008", "P1017", "P2024"]);
/** What the pg driver says when a connection ends under it or cannot be had in time (it sets no code). */
const PG_MESSAGES = /^(Connection terminated|timeout exceeded when trying to connect)/;

export function databaseUnavailable(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    const { code, errorCode } = current as { code?: unknown; errorCode?: unknown };
    if (typeof code === "string" && (SQLSTATE.test(code) || SOCKET_CODES.has(code) || PRISMA_CODES.has(code))) return true;
    if (typeof errorCode === "string" && PRISMA_CODES.has(errorCode)) return true;
    if (current.name === "PrismaClientInitializationError" || PG_MESSAGES.test(current.message)) return true;
    current = current.cause;
  }
  return false;
}
