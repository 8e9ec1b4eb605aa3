/** A rate-limit rule's window may not outlast the pruning of idle buckets (decision 0049). */
import { describe, expect, it } from "vitest";
import { hit, MAX_WINDOW_SECONDS } from "../../../app/auth/rate-limit.server";

describe("hit", () => {
  it("refuses a rule whose window is longer than idle buckets are kept", async () => {
    await expect(hit("auth:ip:198.51.100.1", { limit: 1, windowSeconds: MAX_WINDOW_SECONDS + 1 })).rejects.toThrow(/at most 86400 s/);
  });
});
