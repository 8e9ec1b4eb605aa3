/** Which errors mean "the database is not there right now" (app/db/unavailable.ts): 503, not 500 (issue 16). */
import { describe, expect, it } from "vitest";
import { databaseUnavailable } from "../../../app/db/unavailable";

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

describe("databaseUnavailable", () => {
  it.each([
    ["a refused connection", withCode("connect ECONNREFUSED 127.0.0.1:5432", "ECONNREFUSED")],
    ["PostgreSQL shutting down", withCode("terminating connection due to administrator command", "57P01")],
    ["PostgreSQL starting up", withCode("the database system is starting up", "57P03")],
    ["a connection exception", withCode("connection failure", "08006")],
    ["pg's lost connection", new Error("Connection terminated unexpectedly")],
    ["pg's pool timeout", new Error("timeout exceeded when trying to connect")],
    ["Prisma's unreachable server", withCode("Can't reach database server at `localhost:5432`", "P1001")],
    ["Prisma's init error", Object.assign(new Error("Can't reach database server"), { name: "PrismaClientInitializationError" })],
    ["a wrapped one", new Error("session storage failed", { cause: withCode("connect ECONNREFUSED", "ECONNREFUSED") })],
  ])("says yes to %s", (_, error) => expect(databaseUnavailable(error)).toBe(true));

  it.each([
    ["a unique violation", withCode("duplicate key value violates unique constraint", "23505")],
    ["a syntax error", withCode("syntax error at or near", "42601")],
    ["a NUL in text", withCode("invalid byte sequence for encoding", "22021")],
    ["a plain bug", new TypeError("Cannot read properties of undefined")],
    ["a thrown Response", new Response(null, { status: 404 })],
    ["a string", "ECONNREFUSED"],
  ])("says no to %s", (_, error) => expect(databaseUnavailable(error)).toBe(false));
});
