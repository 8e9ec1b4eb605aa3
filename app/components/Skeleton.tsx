import { Badge } from "@shopify/polaris";

/**
 * Placeholders that take the room of the content they stand for, so that swapping one for the real
 * thing moves nothing around it. `SkeletonLine` is a bar inside a line of text: put it in the same
 * `<Text>` the real text uses and the line keeps its height. `SkeletonBadge` is a blank badge, as tall
 * as a real one.
 */
export function SkeletonLine({ width }: { width: string }) {
  return (
    <span
      aria-hidden
      style={{
        display: "inline-block",
        width,
        maxWidth: "100%",
        height: "var(--p-space-200)",
        verticalAlign: "middle",
        borderRadius: "var(--p-border-radius-100)",
        backgroundColor: "var(--p-color-bg-fill-tertiary)",
      }}
    />
  );
}

export function SkeletonBadge() {
  return (
    <span aria-hidden style={{ display: "inline-flex", flexShrink: 0 }}>
      {/* Em spaces do not collapse, so the badge keeps a width. */}
      <Badge>{"\u2003\u2003\u2003\u2003"}</Badge>
    </span>
  );
}
