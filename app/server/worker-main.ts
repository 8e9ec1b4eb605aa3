/** `npm run worker`: the Graphile Worker process (sync, forecast and alert jobs). */
import { bootDatabase } from "./boot.server";
import { stopOnSignals } from "./shutdown.server";

const database = await bootDatabase();
const { startWorker } = await import("../jobs/runner.server");
const runner = await startWorker({ connectionString: database.url });
console.log("Fluxor worker running");
stopOnSignals(async () => {
  await runner.stop();
  const { closeQueue } = await import("../jobs/queue.server");
  await closeQueue();
  await database.stop();
});
