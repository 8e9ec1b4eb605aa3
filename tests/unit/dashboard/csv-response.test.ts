/**
 * The streamed CSV download (issue 16 item 4): a source that fails before its first line answers 500 and sends
 * nothing; one that fails after some lines ends the file with a row saying it is incomplete, then errors the
 * stream (the server aborts the response); an export's parameters are refused with a 400 before anything runs.
 */
import { describe, expect, it, vi } from "vitest";
import { z } from "zod";
import {
  CSV_IDLE_MS,
  csvResponse,
  incompleteCsvLine,
  parseCsvParams,
  streamAsyncIterable,
} from "../../../app/dashboard/csv-response.server";

const TRAILER = "EXPORT INCOMPLETE\r\n";

/** Reads a stream to its end or its error: the text received, and the error if it failed. */
async function drain(stream: ReadableStream<Uint8Array>): Promise<{ text: string; error: unknown }> {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  let text = "";
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return { text, error: null };
      text += decoder.decode(value, { stream: true });
    }
  } catch (error) {
    return { text, error };
  }
}

/** Lines, then (when `fault` is given) that error. */
async function* source(lines: string[], fault?: Error): AsyncGenerator<string> {
  for (const line of lines) yield line;
  if (fault) throw fault;
}

/** `lines`, recording when the source is closed (its connection released). */
function held(lines: string[]): { source: AsyncGenerator<string>; closed: () => boolean; started: () => boolean } {
  let closed = false;
  let started = false;
  async function* run(): AsyncGenerator<string> {
    started = true;
    try {
      for (const line of lines) yield line;
    } finally {
      closed = true;
    }
  }
  return { source: run(), closed: () => closed, started: () => started };
}

function request(path = "/app/variants.csv", language = "en"): Request {
  return new Request(`https://fluxor.test${path}`, { headers: { "Accept-Language": language } });
}

describe("streamAsyncIterable", () => {
  it("sends every line and ends the stream", async () => {
    const { text, error } = await drain(streamAsyncIterable(source(["h\r\n", "a\r\n", "b\r\n"]), { incompleteLine: TRAILER }));
    expect(error).toBeNull();
    expect(text).toBe("h\r\na\r\nb\r\n");
  });

  it("ends a file cut short with the incomplete row, then errors the stream with the source's error", async () => {
    const fault = new Error("connection lost");
    const onError = vi.fn();
    const { text, error } = await drain(streamAsyncIterable(source(["h\r\n", "a\r\n"], fault), { incompleteLine: TRAILER, onError }));
    expect(text).toBe(`h\r\na\r\n${TRAILER}`);
    expect(text.endsWith(TRAILER)).toBe(true);
    expect(error).toBe(fault);
    expect(onError).toHaveBeenCalledExactlyOnceWith(fault);
  });

  it("closes the source when the download is cancelled (its cursor and connection are released)", async () => {
    const closed = vi.fn();
    async function* endless(): AsyncGenerator<string> {
      try {
        for (;;) yield "x\r\n";
      } finally {
        closed();
      }
    }
    const reader = streamAsyncIterable(endless(), { incompleteLine: TRAILER }).getReader();
    await reader.read();
    await reader.cancel();
    expect(closed).toHaveBeenCalledOnce();
  });
  it("a download cancelled while the source works ends quietly: no error logged, nothing more sent", async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    async function* slow(): AsyncGenerator<string> {
      yield "h\r\n";
      await gate;
      yield "a\r\n";
    }
    const onError = vi.fn();
    const reader = streamAsyncIterable(slow(), { incompleteLine: TRAILER, onError }).getReader();
    await reader.read();
    const pending = reader.read();
    const cancelled = reader.cancel();
    release();
    await cancelled;
    expect(await pending).toEqual({ value: undefined, done: true });
    expect(onError).not.toHaveBeenCalled();
  });
});

describe("csvResponse", () => {
  it("reads the first chunk before answering: a source that fails at once is a 500 in the merchant's language", async () => {
    const spy = vi.spyOn(console, "error").mockImplementation(() => {});
    const response = await csvResponse(request("/app/variants.csv", "fr"), source([], new Error("boom")), "x.csv");
    spy.mockRestore();
    expect(response.status).toBe(500);
    expect(response.headers.get("Content-Type")).toMatch(/application\/json/);
    expect(response.headers.get("Content-Disposition")).toBeNull();
    expect(await response.json()).toEqual({ error: "export_failed", message: expect.stringContaining("L’export a échoué") });
  });

  it("answers 200 with the whole file when nothing fails, the first chunk included once", async () => {
    let pulled = 0;
    async function* counted(): AsyncGenerator<string> {
      for (const line of ["h\r\n", "a\r\n"]) {
        pulled += 1;
        yield line;
      }
    }
    const response = await csvResponse(request(), counted(), "fluxor-variants.csv");
    expect(pulled).toBe(1);
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toBe("text/csv; charset=utf-8");
    expect(response.headers.get("Content-Disposition")).toContain('filename="fluxor-variants.csv"');
    expect(await response.text()).toBe("h\r\na\r\n");
  });

  it("a source that fails after its first chunk: 200, the lines sent, the localised incomplete row last, then an error", async () => {
    const spy = vi.spyOn(console, "error").mockImplementation(() => {});
    const response = await csvResponse(request("/app/variants.csv", "es"), source(["h\r\n", "a\r\n"], new Error("boom")), "x.csv");
    expect(response.status).toBe(200);
    const { text, error } = await drain(response.body!);
    spy.mockRestore();
    expect(error).toBeInstanceOf(Error);
    const trailer = incompleteCsvLine(request("/app/variants.csv", "es"));
    expect(trailer).toMatch(/^EXPORTACIÓN INCOMPLETA: /);
    expect(trailer.endsWith("\r\n")).toBe(true);
    expect(text).toBe(`h\r\na\r\n${trailer}`);
  });

  it("closes the source when the download is cancelled, even before the first chunk was read", async () => {
    const export_ = held(["h\r\n", "a\r\n"]);
    const response = await csvResponse(request(), export_.source, "x.csv");
    expect(export_.closed()).toBe(false);
    await response.body!.cancel();
    expect(export_.closed()).toBe(true);
  });

  it("gives the source up when nobody reads the body for CSV_IDLE_MS (a program that looks at the status only)", async () => {
    vi.useFakeTimers();
    try {
      const export_ = held(["h\r\n", "a\r\n"]);
      const response = await csvResponse(request(), export_.source, "x.csv");
      await vi.advanceTimersByTimeAsync(CSV_IDLE_MS);
      expect(export_.closed()).toBe(true);
      await expect(response.text()).rejects.toThrow(/nobody read the export/);
    } finally {
      vi.useRealTimers();
    }
  });

  it("a reader that keeps reading is never given up on", async () => {
    vi.useFakeTimers();
    try {
      const export_ = held(["h\r\n", "a\r\n", "b\r\n"]);
      const reader = (await csvResponse(request(), export_.source, "x.csv")).body!.getReader();
      const decoder = new TextDecoder();
      let text = "";
      for (;;) {
        await vi.advanceTimersByTimeAsync(CSV_IDLE_MS - 1);
        const { value, done } = await reader.read();
        if (done) break;
        text += decoder.decode(value);
      }
      expect(text).toBe("h\r\na\r\nb\r\n");
    } finally {
      vi.useRealTimers();
    }
  });

  it("answers a HEAD request with the headers only, without running the export (Remix would drop the body unread)", async () => {
    const export_ = held(["h\r\n"]);
    const response = await csvResponse(new Request("https://fluxor.test/app/variants.csv", { method: "HEAD" }), export_.source, "x.csv");
    expect(response.status).toBe(200);
    expect(response.body).toBeNull();
    expect(response.headers.get("Content-Type")).toBe("text/csv; charset=utf-8");
    expect(export_.started()).toBe(false);
  });

  it("an empty source is an empty file", async () => {
    const response = await csvResponse(request(), source([]), "x.csv");
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("");
  });
});

describe("parseCsvParams", () => {
  const Params = z.object({ period: z.enum(["7", "30", "90"]).optional() });

  it("reads the schema's parameters, an empty one as absent, and ignores the others", () => {
    expect(parseCsvParams(request("/x.csv?period=90&shop=a.myshopify.com"), Params)).toEqual({ ok: true, data: { period: "90" } });
    expect(parseCsvParams(request("/x.csv?period="), Params)).toEqual({ ok: true, data: {} });
  });

  it("refuses a bad value with a 400 naming the parameter, before anything is streamed", async () => {
    for (const value of ["31", "7%00", "a%00b"]) {
      const parsed = parseCsvParams(request(`/x.csv?period=${value}`), Params);
      expect(parsed.ok).toBe(false);
      if (parsed.ok) continue;
      expect(parsed.response.status).toBe(400);
      const body = (await parsed.response.json()) as { error: string; message: string; issues: { param: string }[] };
      expect(body.error).toBe("invalid_parameters");
      expect(body.issues.map((issue) => issue.param)).toEqual(["period"]);
      expect(body.message).toContain("period");
    }
  });
});
