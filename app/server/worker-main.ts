/** `npm run worker`: the Graphile Worker process (sync, forecast and alert jobs). */
import { bootDatabase } from "../db/boot.server";
import { stopOnSignals } from "./shutdown.server";

const database = await bootDatabase();
const { startJobWorker } = await import("./jobs.server");
const runner = await startJobWorker({ connectionString: database.url });
console.log("Fluxor worker running");
stopOnSignals(async () => {
  await runner.stop();
  const { closePool } = await import("../db/pool.server");
  await closePool();
  await database.stop();
});
