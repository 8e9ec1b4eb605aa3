import { useSyncExternalStore, type ReactNode } from "react";

const subscribe = () => () => {};

/**
 * Renders `children` only in the browser, after hydration; the server (and the first client render)
 * show `fallback`, which should have the same size so nothing shifts. For components that measure
 * the DOM, such as Recharts' charts.
 */
export function ClientOnly({ children, fallback }: { children: () => ReactNode; fallback: ReactNode }) {
  const hydrated = useSyncExternalStore(
    subscribe,
    () => true,
    () => false,
  );
  return <>{hydrated ? children() : fallback}</>;
}
