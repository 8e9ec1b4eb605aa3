/** The SQL migrations must produce exactly the Prisma schema (a forgotten `npm run db:new-migration` fails here). */
import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createTestDatabase } from "../support/db";

let db: Awaited<ReturnType<typeof createTestDatabase>>;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => db.drop());

it("prisma/schema and prisma/migrations agree", () => {
  const output = execFileSync("npx", ["tsx", "app/db/new-migration-cli.ts", "--check"], {
    encoding: "utf8",
    env: { ...process.env, DATABASE_URL: db.url },
  });
  expect(output).toContain("agree");
});
