import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { batches, readJsonl } from "../../../app/sync/jsonl";
import { newestByKey } from "../../../app/sync/writers.server";

describe("JSONL streaming", () => {
  it("reads lines split across chunks and batches them, resuming after `skip` lines", async () => {
    const text = Array.from({ length: 10 }, (_, i) => JSON.stringify({ id: `gid://shopify/Product/${i}`, n: i })).join("\n") + "\n";
    // Chunks of 7 bytes: most lines are cut in the middle.
    const chunks = text.match(/[\s\S]{1,7}/g) ?? [];
    const got: number[][] = [];
    for await (const batch of batches(readJsonl(Readable.from(chunks)), 4, 3)) got.push(batch.map((l) => (l.value as { n: number }).n));
    expect(got).toEqual([
      [3, 4, 5, 6],
      [7, 8, 9],
    ]);
  });

  it("names the line that is not JSON", async () => {
    const lines = readJsonl(Readable.from(['{"a":1}\n', "{oops\n"]));
    await expect(async () => {
      for await (const _ of lines) void _;
    }).rejects.toThrow(/line 2/);
  });

  it("keeps the newest record per key within a batch", () => {
    const rows = [
      { id: "1", updatedAt: "2025-01-02T00:00:00Z", v: "b" },
      { id: "1", updatedAt: "2025-01-01T00:00:00Z", v: "a" },
      { id: "2", updatedAt: "2025-01-01T00:00:00Z", v: "c" },
    ];
    expect(
      newestByKey(
        rows,
        (r) => r.id,
        (r) => r.updatedAt,
      )
        .map((r) => r.v)
        .sort(),
    ).toEqual(["b", "c"]);
  });
});
