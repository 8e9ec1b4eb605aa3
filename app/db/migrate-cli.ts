/** `npm run db:migrate`: applies pending migrations to DATABASE_URL (or the embedded database). */
import { migrate } from "./migrate.server";
import { openDatabase } from "./postgres.server";

const database = await openDatabase();
try {
  const applied = await migrate(database.url);
  console.log(applied.length ? `applied: ${applied.join(", ")}` : "database is up to date");
} finally {
  await database.stop();
}
