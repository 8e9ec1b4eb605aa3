/** The signals domain's jobs (handler: app/signals/retention.server.ts). */
import { z } from "zod";
import { defineJob } from "../contract";

/** Daily: delete the signal cache's expired answers and whole-year answers fetched over a year ago (decision 0058). */
export const signalsPruneJob = defineJob({
  name: "signals.prune",
  payload: z.object({}).passthrough(),
  maxAttempts: 5,
});
