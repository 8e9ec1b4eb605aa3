/**
 * `npm start`: the web process. Set FLUXOR_WORKER=inline to also run the job worker in this process
 * (small installs); otherwise run `npm run worker` beside it.
 */
import { startFluxor } from "./fluxor.server";
import { stopOnSignals } from "./shutdown.server";

const fluxor = await startFluxor({
  port: Number(process.env.PORT ?? 3000),
  host: process.env.HOST ?? "0.0.0.0",
  withWorker: process.env.FLUXOR_WORKER === "inline",
});
stopOnSignals(fluxor.close);
