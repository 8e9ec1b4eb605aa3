/**
 * `npm run db:new-migration -- <name>`: writes prisma/migrations/<timestamp>_<name>/migration.sql with the
 * SQL that takes a database at the current migrations to prisma/schema/.
 * `npm run db:new-migration -- --check`: writes nothing; exits 1 when the schema and the migrations disagree.
 *
 * `prisma migrate diff --from-migrations` replays the migrations in a temporary shadow database on the
 * server that DATABASE_URL (or the embedded server) points at, using Prisma's bundled engine, which works
 * offline (docs/decisions/0002-migrations.md).
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { MIGRATIONS_DIR } from "./migrate.server";
import { openDatabase } from "./postgres.server";

const args = process.argv.slice(2);
const check = args.includes("--check");
const name = args.find((arg) => !arg.startsWith("--"));
if (!check && (!name || !/^[a-z0-9_]+$/.test(name))) {
  console.error("usage: npm run db:new-migration -- <snake_case_name>   (or --check)");
  process.exit(2);
}

const database = await openDatabase();
try {
  const output = execFileSync(
    "npx",
    ["prisma", "migrate", "diff", "--from-migrations", MIGRATIONS_DIR, "--to-schema-datamodel", "prisma/schema", "--script"],
    { encoding: "utf8", env: { ...process.env, DATABASE_URL: database.url }, stdio: ["ignore", "pipe", "inherit"] },
  );
  const sql = output
    .split("\n")
    .filter((line) => !line.startsWith("Loaded Prisma config"))
    .join("\n")
    .trim();
  const empty = sql === "" || sql === "-- This is an empty migration.";
  if (check) {
    if (empty) console.log("prisma/schema/ and prisma/migrations agree");
    else {
      console.error(`prisma/schema/ and prisma/migrations disagree; missing:\n${sql}`);
      process.exitCode = 1;
    }
  } else if (empty) {
    console.log("nothing to do: the migrations already produce prisma/schema/");
  } else {
    const stamp = new Date().toISOString().replace(/[-:T]/g, "").slice(0, 14);
    const dir = path.join(MIGRATIONS_DIR, `${stamp}_${name}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, "migration.sql"), `${sql}\n`);
    console.log(`wrote ${path.relative(process.cwd(), dir)}/migration.sql`);
  }
} finally {
  await database.stop();
}
