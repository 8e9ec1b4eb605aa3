import { IndexFilters, type IndexFiltersProps } from "@shopify/polaris";
import { useEffect, useLayoutEffect, useState, useSyncExternalStore, type ReactNode } from "react";

const useIsomorphicLayoutEffect = typeof window === "undefined" ? useEffect : useLayoutEffect;
const subscribe = () => () => {};

// Polaris's `smDown` breakpoint (useBreakpoints) as a media query: phones narrower than 490 px.
const PHONE = "(max-width: 30.6225em)";
const NOT_PHONE = "(min-width: 30.625em)";
// Polaris's `mdDown`: narrower than 768 px.
const BELOW_MD = "(max-width: 47.9975em)";

/*
 * The server renders IndexFilters for a wide screen (Polaris's breakpoints are false there), and the
 * browser then re-renders it for the phone it is on. Two differences move things on phones:
 * - the wrapper's height comes from a measurement made in an effect after hydration (so that the bar
 *   can turn `position: fixed` when it sticks while scrolling): `height: 0` in the server's HTML, so the
 *   list starts under the tab bar, then drops by the bar's height. While the bar is not stuck, the
 *   wrapper can simply be as tall as the bar;
 * - below `md` the tabs get `overflow: hidden` (SmallScreenTabsWrapper); without it the tabs squeeze the
 *   search and sort buttons, which then widen. The same rule, by media query, holds from the first paint.
 */
const FILTERS_CSS = `@media ${PHONE} {
  .fluxor-index-filters > .Polaris-IndexFilters__IndexFiltersWrapper:not(:has(> .Polaris-IndexFilters__IndexFiltersSticky)) {
    height: auto !important;
  }
}
@media ${BELOW_MD} {
  .fluxor-index-filters .Polaris-IndexFilters__TabsWrapper {
    overflow: hidden;
  }
}`;

/** Polaris's IndexFilters, with its room reserved in the server's HTML on phones too. */
export function StableIndexFilters(props: IndexFiltersProps) {
  return (
    <div className="fluxor-index-filters">
      <style dangerouslySetInnerHTML={{ __html: FILTERS_CSS }} />
      <IndexFilters {...props} />
    </div>
  );
}

const RESPONSIVE_CSS = `@media ${PHONE} { .fluxor-wide-until-hydrated { display: none; } }
@media ${NOT_PHONE} { .fluxor-phone-until-hydrated { display: none; } }`;

/**
 * For a list whose phone layout is chosen in the browser (`useBreakpoints().smDown`, false on the
 * server): until hydration, phones see `phonePlaceholder` (skeleton rows of the phone layout) instead of
 * the server-rendered wide table, which would otherwise flash and then turn into the phone layout.
 * Wider screens see the server's table at once. After hydration only `children` remain.
 *
 * `children` mount afresh once hydrated: Polaris's sticky table header registers on mount and measures
 * itself on the next scroll event, and measured inside the `display: none` box (a scroll event can come
 * before the switch) it would stay stuck, zero wide, at the top of the frame.
 */
export function ResponsiveIndexTable({ phonePlaceholder, children }: { phonePlaceholder: ReactNode; children: ReactNode }) {
  // False on the server and while hydrating; true at once when the page is reached by a client navigation.
  const mountedOnClient = useSyncExternalStore(
    subscribe,
    () => true,
    () => false,
  );
  const [hydrated, setHydrated] = useState(mountedOnClient);
  useIsomorphicLayoutEffect(() => setHydrated(true), []);
  return (
    <>
      <style dangerouslySetInnerHTML={{ __html: RESPONSIVE_CSS }} />
      {hydrated ? null : <div className="fluxor-phone-until-hydrated">{phonePlaceholder}</div>}
      <div key={hydrated ? "client" : "server"} className={hydrated ? undefined : "fluxor-wide-until-hydrated"}>
        {children}
      </div>
    </>
  );
}
