import { Box, SkeletonBodyText } from "@shopify/polaris";
import type { ReactNode } from "react";
import { ResponsiveContainer } from "recharts";
import { ClientOnly } from "./ClientOnly";

/**
 * A labelled figure whose charts are drawn in the browser only (Recharts measures its container), with a skeleton
 * of the same height before, so nothing shifts when they appear. `children` lays out one or more `ChartPanel`s.
 */
export function ChartFigure({
  label,
  testId,
  height,
  skeletonLines = 6,
  children,
}: {
  label: string;
  testId: string;
  /** The panels' total height (px). */
  height: number;
  skeletonLines?: number;
  children: () => ReactNode;
}) {
  return (
    <figure style={{ margin: 0 }} aria-label={label} data-testid={testId}>
      <ClientOnly
        fallback={
          <Box minHeight={`${height}px`}>
            <SkeletonBodyText lines={skeletonLines} />
          </Box>
        }
      >
        {children}
      </ClientOnly>
    </figure>
  );
}

/** One Recharts chart at the full width and a fixed height. */
export function ChartPanel({ height, children }: { height: number; children: ReactNode }) {
  return (
    <div style={{ width: "100%", height }}>
      <ResponsiveContainer width="100%" height="100%" minWidth={0}>
        {children}
      </ResponsiveContainer>
    </div>
  );
}

/** A figure of one chart: the common case. */
export function Chart({ label, testId, height, children }: { label: string; testId: string; height: number; children: () => ReactNode }) {
  return (
    <ChartFigure label={label} testId={testId} height={height}>
      {() => <ChartPanel height={height}>{children()}</ChartPanel>}
    </ChartFigure>
  );
}
