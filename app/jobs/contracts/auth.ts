/** The auth domain's jobs (handler: app/auth/retention.server.ts). */
import { z } from "zod";
import { defineJob } from "../contract";

/** Daily: delete audit entries past their 400 days and rate-limit buckets idle for longer than any window (decision 0049). */
export const authPruneJob = defineJob({
  name: "auth.prune",
  payload: z.object({}).passthrough(),
  maxAttempts: 5,
});
