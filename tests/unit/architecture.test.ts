/**
 * The shape of app/: no import cycle between its folders (a folder, or a file directly under app/, is one
 * node), and other folders reach the pure forecasting core only through its public index. Reads the sources
 * as text: every static `import … from`, `export … from` and dynamic `import()` of a relative path.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const APP = path.resolve(import.meta.dirname, "..", "..", "app");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return sourceFiles(full);
    return /\.tsx?$/.test(name) && !name.endsWith(".d.ts") ? [full] : [];
  });
}

interface Import {
  from: string;
  to: string;
  specifier: string;
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\b[^;'"]*?\bfrom\s*["']([^"']+)["']|\bimport\(\s*["']([^"']+)["']\s*\)/g;

function importsOf(file: string): Import[] {
  const text = readFileSync(file, "utf8");
  const found: Import[] = [];
  for (const match of text.matchAll(IMPORT)) {
    const specifier = match[1] ?? match[2]!;
    let target: string;
    if (specifier.startsWith(".")) target = path.resolve(path.dirname(file), specifier);
    else if (specifier.startsWith("~/")) target = path.join(APP, specifier.slice(2));
    else continue;
    if (target.startsWith(APP + path.sep)) found.push({ from: file, to: target, specifier });
  }
  return found;
}

/** app/<folder>/… → "<folder>"; a file directly in app/ is its own node ("shopify.server"). */
function nodeOf(file: string): string {
  const [first, ...rest] = path.relative(APP, file).split(path.sep);
  return rest.length === 0 ? first!.replace(/\.tsx?$/, "") : first!;
}

/** Strongly connected components with more than one node (Tarjan). */
function cycles(edges: Map<string, Set<string>>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const v of edges.keys()) if (!index.has(v)) visit(v);
  return found;
}

const imports = sourceFiles(APP).flatMap(importsOf);

describe("app/ architecture", () => {
  it("has no import cycle between folders", () => {
    const edges = new Map<string, Set<string>>();
    const why = new Map<string, string>();
    for (const i of imports) {
      const [a, b] = [nodeOf(i.from), nodeOf(i.to)];
      if (a === b) continue;
      if (!edges.has(a)) edges.set(a, new Set());
      edges.get(a)!.add(b);
      why.set(`${a}→${b}`, `${path.relative(APP, i.from)} imports ${i.specifier}`);
    }
    const report = cycles(edges).map((component) => {
      const inside = [...why].filter(([key]) => component.some((a) => component.some((b) => key === `${a}→${b}`)));
      return `${component.join(" ↔ ")}:\n  ${inside.map(([, line]) => line).join("\n  ")}`;
    });
    expect(report, report.join("\n")).toEqual([]);
  });

  it("reaches the forecasting core only through app/forecasting/index.ts (or its two I/O edges) from other folders", () => {
    const core = path.join(APP, "forecasting");
    // The pure core's public API, and the two modules that do I/O for it: loading the WASM engine, worker threads.
    const entries = ["index", "augurs.server", "worker-pool.server"];
    const offenders = imports
      .filter((i) => nodeOf(i.from) !== "forecasting" && i.to.startsWith(core + path.sep) && !entries.includes(path.relative(core, i.to)))
      .map((i) => `${path.relative(APP, i.from)} imports ${i.specifier}`);
    expect(offenders).toEqual([]);
  });
});
