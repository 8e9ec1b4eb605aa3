/**
 * Web Vitals with the browser's own PerformanceObserver, shared by the dashboard e2e test and
 * `npm run bench:vitals`: which pages are measured, how (`measureAppPage`), and the observer. It runs as
 * an init script in every frame of the page (the app's iframe included); `readVitals` reads one frame's
 * figures:
 * - LCP: the start time of the last largest-contentful-paint entry (ms from the frame's navigation);
 * - CLS: the largest session window of layout shifts without recent input (gaps < 1 s, windows ≤ 5 s),
 *   as web.dev defines it; every shift is kept with the elements that moved, to find the cause;
 * - INP: the longest interaction (event entries grouped by interactionId, the first input included);
 *   null when the page saw no interaction.
 */
import type { BrowserContext, Frame, FrameLocator, Page } from "@playwright/test";

/** The stand-in admin shows the app in this iframe. */
export const APP_FRAME_NAME = "app-iframe";
export const APP_FRAME = `iframe[name='${APP_FRAME_NAME}']`;

/** A dashboard page and one ordinary interaction on it (for INP; it must not leave the page's route). */
export interface VitalsPage {
  name: string;
  /** The app path (appended to the admin's app URL). */
  path: string;
  interact: (app: FrameLocator) => Promise<void>;
}

/** The dashboard pages whose vitals are measured; `variantPath` is a variant page's path (from the list). */
export function dashboardPages(variantPath: string): VitalsPage[] {
  return [
    { name: "overview", path: "", interact: (app) => app.getByTestId("metric-at-risk").click() },
    // A tab of the list: a client navigation whose answer replaces the rows.
    { name: "variants", path: "/app/variants", interact: (app) => app.getByRole("tab").nth(1).click() },
    { name: "variant", path: variantPath, interact: (app) => app.getByRole("button", { name: /90/ }).first().click() },
    { name: "settings", path: "/app/settings", interact: (app) => app.getByRole("spinbutton").first().click() },
    { name: "sync", path: "/app/sync", interact: (app) => app.getByRole("heading").first().click() },
  ];
}

/**
 * Opens `url` (an admin URL that shows the app) in `page`, whose context or page has the observer
 * installed; lets the page settle for 1.5 s, makes the page's interaction, waits 1 s and reads the app
 * frame's vitals.
 */
export async function measureAppPage(page: Page, url: string, interact: VitalsPage["interact"]): Promise<Vitals> {
  await page.goto(url);
  const app = page.frameLocator(APP_FRAME);
  await app.locator(".Polaris-Page").first().waitFor({ timeout: 60_000 });
  await page.waitForTimeout(1500);
  await interact(app);
  await page.waitForTimeout(1000);
  const frame = page.frame({ name: APP_FRAME_NAME });
  if (!frame) throw new Error("the admin shows no app frame");
  return readVitals(frame);
}

export interface ShiftSource {
  /** The element that moved and its parent, as tag#id.classes[data-testid], e.g. "div.Polaris-Box > div.Polaris-IndexTable". */
  node: string;
  previous: { x: number; y: number; width: number; height: number };
  current: { x: number; y: number; width: number; height: number };
}

export interface LayoutShift {
  value: number;
  startTime: number;
  sources: ShiftSource[];
}

export interface Vitals {
  lcp: number | null;
  cls: number;
  inp: number | null;
  shifts: LayoutShift[];
  /** When each interaction started (ms from the frame's navigation), to tell its consequences from the load's. */
  interactionStarts: number[];
}

interface VitalsState {
  lcp: number | null;
  shifts: LayoutShift[];
  /** Per interactionId: when it started and its longest event's duration (ms). */
  interactions: Record<string, { start: number; duration: number }>;
}

declare global {
  interface Window {
    __fluxorVitals?: VitalsState;
  }
}

/** The init script (serialised into each frame, so it must not refer to anything outside itself). */
function observeVitals(): void {
  const state: VitalsState = { lcp: null, shifts: [], interactions: {} };
  window.__fluxorVitals = state;
  const describe = (node: Node | null): string => {
    if (!(node instanceof Element)) return node ? node.nodeName.toLowerCase() : "(gone)";
    const one = (element: Element) => {
      const id = element.id ? `#${element.id}` : "";
      const classes = [...element.classList]
        .slice(0, 3)
        .map((name) => `.${name}`)
        .join("");
      const testId = element.getAttribute("data-testid");
      return `${element.tagName.toLowerCase()}${id}${classes}${testId ? `[data-testid=${testId}]` : ""}`;
    };
    return node.parentElement ? `${one(node.parentElement)} > ${one(node)}` : one(node);
  };
  const rect = (r: DOMRectReadOnly) => ({
    x: Math.round(r.x),
    y: Math.round(r.y),
    width: Math.round(r.width),
    height: Math.round(r.height),
  });
  const observe = (type: string, handle: (entry: PerformanceEntry) => void, options: Record<string, unknown> = {}) => {
    try {
      new PerformanceObserver((list) => list.getEntries().forEach(handle)).observe({ type, buffered: true, ...options });
    } catch {
      // This browser does not report that entry type.
    }
  };
  observe("largest-contentful-paint", (entry) => {
    state.lcp = entry.startTime;
  });
  observe("layout-shift", (entry) => {
    const shift = entry as PerformanceEntry & {
      value: number;
      hadRecentInput: boolean;
      sources?: { node: Node | null; previousRect: DOMRectReadOnly; currentRect: DOMRectReadOnly }[];
    };
    if (shift.hadRecentInput) return;
    state.shifts.push({
      value: shift.value,
      startTime: shift.startTime,
      sources: (shift.sources ?? []).map((source) => ({
        node: describe(source.node),
        previous: rect(source.previousRect),
        current: rect(source.currentRect),
      })),
    });
  });
  const interaction = (entry: PerformanceEntry) => {
    const event = entry as PerformanceEntry & { interactionId?: number };
    if (!event.interactionId) return;
    const key = String(event.interactionId);
    const known = state.interactions[key];
    state.interactions[key] = {
      start: Math.min(known?.start ?? event.startTime, event.startTime),
      duration: Math.max(known?.duration ?? 0, event.duration),
    };
  };
  observe("event", interaction, { durationThreshold: 16 });
  observe("first-input", interaction);
}

/**
 * Observes Web Vitals in every frame of the pages the context (or page) opens from now on. The script is
 * sent as source text: under tsx (the benchmark) esbuild's keepNames wraps the inner functions in calls to
 * its `__name` helper, which the browser does not have, so a no-op one is defined around it.
 */
export async function installVitalsObserver(target: Page | BrowserContext): Promise<void> {
  await target.addInitScript({ content: `(() => { const __name = (target) => target; (${observeVitals.toString()})(); })();` });
}

/** CLS as web.dev defines it: the largest sum of shifts in a session window (gaps < 1 s, at most 5 s long). */
export function cumulativeLayoutShift(shifts: readonly LayoutShift[]): number {
  let largest = 0;
  let windowValue = 0;
  let windowStart = Number.NEGATIVE_INFINITY;
  let previous = Number.NEGATIVE_INFINITY;
  for (const shift of [...shifts].sort((a, b) => a.startTime - b.startTime)) {
    if (shift.startTime - previous >= 1000 || shift.startTime - windowStart >= 5000) {
      windowValue = 0;
      windowStart = shift.startTime;
    }
    windowValue += shift.value;
    previous = shift.startTime;
    largest = Math.max(largest, windowValue);
  }
  return largest;
}

/** The figures observed so far in `frame` (the frame must have loaded with the observer installed). */
export async function readVitals(frame: Frame): Promise<Vitals> {
  const state = await frame.evaluate(() => window.__fluxorVitals ?? null);
  if (!state) throw new Error(`no Web Vitals observer in frame ${frame.name() || frame.url()} (installVitalsObserver before navigating)`);
  const interactions = Object.values(state.interactions);
  return {
    lcp: state.lcp,
    cls: cumulativeLayoutShift(state.shifts),
    inp: interactions.length ? Math.max(...interactions.map((interaction) => interaction.duration)) : null,
    shifts: state.shifts,
    interactionStarts: interactions.map((interaction) => interaction.start).sort((a, b) => a - b),
  };
}

/** One line per shift, with the elements that moved (for a test's attachment or a benchmark's --verbose). */
export function describeShifts(shifts: readonly LayoutShift[]): string[] {
  return shifts.map(
    (shift) =>
      `${shift.value.toFixed(4)} at ${Math.round(shift.startTime)} ms: ` +
      shift.sources
        .map(
          (source) =>
            `${source.node} (${source.previous.x},${source.previous.y} ${source.previous.width}×${source.previous.height} → ` +
            `${source.current.x},${source.current.y} ${source.current.width}×${source.current.height})`,
        )
        .join("; "),
  );
}
