/**
 * The operator console's UI pieces (Polaris, outside the Shopify admin): formatting in the operator's language
 * with USD and UTC, headline figures, tables that become labelled lists on phones, a chart drawn in the browser
 * only with its table as the text alternative, the rail switch and empty states.
 */
import { BlockStack, Box, Button, ButtonGroup, Card, DataTable, Divider, InlineGrid, Text, useBreakpoints } from "@shopify/polaris";
import { useEffect, useMemo, useRef, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { createFormatter } from "../dashboard/format";
import type { Ratio } from "../billing/revenue";
import type { Split } from "./metrics";

export const NS = "ops";
export const CHART_HEIGHT = 300;

export interface OpsFormat {
  money(cents: number): string;
  moneyCompact(cents: number): string;
  integer(value: number): string;
  number(value: number, digits: number): string;
  rate(ratio: Ratio | number | null): string;
  month(month: string): string;
  monthShort(month: string): string;
  day(iso: string): string;
  dayShort(day: string): string;
  instant(iso: string): string;
  seconds(value: number | null): string;
}

/** Formatting in the operator's language; money in USD (both rails charge in USD), dates in UTC. */
export function useOpsFormat(): OpsFormat {
  const { i18n, t } = useTranslation(NS);
  const locale = i18n.language;
  return useMemo(() => {
    const f = createFormatter({ locale, currency: "USD", timeZone: "UTC" });
    const monthLong = new Intl.DateTimeFormat(locale, { month: "long", year: "numeric", timeZone: "UTC" });
    const monthShort = new Intl.DateTimeFormat(locale, { month: "short", year: "2-digit", timeZone: "UTC" });
    const asDate = (month: string) => new Date(`${month}-01T00:00:00Z`);
    const none = t("none");
    return {
      money: (cents) => f.currency(cents / 100),
      moneyCompact: (cents) => f.currency(cents / 100, { compact: true }),
      integer: (value) => f.integer(value),
      number: (value, digits) => f.number(value, digits),
      rate: (ratio) => {
        const value = typeof ratio === "number" || ratio === null ? ratio : ratio.rate;
        return value === null ? none : f.percent(value);
      },
      month: (month) => monthLong.format(asDate(month)),
      monthShort: (month) => monthShort.format(asDate(month)),
      day: (iso) => f.day(iso.slice(0, 10)),
      dayShort: (day) => f.dayShort(day),
      instant: (iso) => `${f.instant(iso)} UTC`,
      seconds: (value) => {
        if (value === null) return none;
        const [amount, unit] =
          value < 60
            ? [value, "second"]
            : value < 3600
              ? [value / 60, "minute"]
              : value < 172_800
                ? [value / 3600, "hour"]
                : [value / 86_400, "day"];
        const digits = amount < 10 ? 1 : 0;
        return new Intl.NumberFormat(locale, { style: "unit", unit, unitDisplay: "narrow", maximumFractionDigits: digits }).format(amount);
      },
    };
  }, [locale, t]);
}

/** A headline figure; `note`, a sentence about it, has the test id `<testId>-note`. */
export function Kpi({
  title,
  value,
  detail,
  note,
  testId,
}: {
  title: string;
  value: string;
  detail?: string;
  note?: string;
  testId: string;
}) {
  return (
    <Card>
      <BlockStack gap="200">
        <Text as="h2" variant="headingSm">
          {title}
        </Text>
        <Text as="p" variant="headingXl">
          <span data-testid={testId}>{value}</span>
        </Text>
        {detail ? (
          <Text as="p" tone="subdued">
            {detail}
          </Text>
        ) : null}
        {note ? (
          <Text as="p" tone="subdued">
            <span data-testid={`${testId}-note`}>{note}</span>
          </Text>
        ) : null}
      </BlockStack>
    </Card>
  );
}

export function CardTitle({ title, help }: { title: string; help?: string }) {
  return (
    <BlockStack gap="100">
      <Text as="h2" variant="headingMd">
        {title}
      </Text>
      {help ? (
        <Text as="p" tone="subdued">
          {help}
        </Text>
      ) : null}
    </BlockStack>
  );
}

/**
 * What sits between cards outside a Card (controls, notes): Polaris's Page has no side padding on phones, where
 * cards run edge to edge, so these get the cards' inner padding there.
 */
export function Gutter({ children }: { children: ReactNode }) {
  return <Box paddingInline={{ xs: "400", sm: "0" }}>{children}</Box>;
}

export function EmptyCard({ title, body, testId }: { title: string; body: string; testId: string }) {
  return (
    <Card>
      <div data-testid={testId}>
        <BlockStack gap="200">
          <Text as="h2" variant="headingMd">
            {title}
          </Text>
          <Text as="p">{body}</Text>
        </BlockStack>
      </div>
    </Card>
  );
}

/**
 * A table of figures: Polaris's DataTable on wider screens (the first `textColumns` columns text, the rest
 * numbers) and, on phones, one block per row with a label beside each value (no sideways scrolling).
 */
export function FigureTable({
  headings,
  rows,
  textColumns = 1,
  phoneColumns,
  testId,
  totals,
  totalsName,
}: {
  headings: string[];
  rows: ReactNode[][];
  textColumns?: number;
  /** The columns (after the first) a phone shows; all when omitted. */
  phoneColumns?: number[];
  testId: string;
  totals?: ReactNode[];
  totalsName?: string;
}) {
  const { smDown } = useBreakpoints();
  const wide = useKeyboardScroll();
  if (!smDown) {
    return (
      <div data-testid={testId} ref={wide}>
        <DataTable
          columnContentTypes={headings.map((_, index) => (index < textColumns ? "text" : "numeric"))}
          headings={headings}
          rows={rows}
          totals={totals}
          showTotalsInFooter={totals !== undefined}
          totalsName={totalsName ? { singular: totalsName, plural: totalsName } : undefined}
        />
      </div>
    );
  }
  const all = totals && totalsName ? [...rows, [totalsName, ...totals.slice(1)]] : rows;
  return (
    <div data-testid={testId}>
      <BlockStack gap="300">
        {all.map((row, index) => (
          <BlockStack gap="100" key={index}>
            {index > 0 ? <Divider /> : null}
            <Text as="h3" variant="headingSm">
              {row[0]}
            </Text>
            <InlineGrid columns={2} gap="100">
              {(phoneColumns ?? headings.map((_, column) => column).slice(1)).map((column) => (
                <Text as="p" key={column}>
                  <Text as="span" tone="subdued">
                    {headings[column]}
                  </Text>{" "}
                  <Text as="span" fontWeight="medium">
                    {row[column]}
                  </Text>
                </Text>
              ))}
            </InlineGrid>
          </BlockStack>
        ))}
      </BlockStack>
    </div>
  );
}

/**
 * A table wider than its card (many columns, a laptop's width) scrolls sideways inside DataTable's own container,
 * which a keyboard user can scroll only once it takes focus (WCAG 2.1.1): it does while it overflows, and only then,
 * so that tables that fit add no stop to the tab order.
 */
function useKeyboardScroll() {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const scroller = ref.current?.querySelector<HTMLElement>(".Polaris-DataTable__ScrollContainer");
    if (!scroller) return;
    const update = () => {
      if (scroller.scrollWidth > scroller.clientWidth) scroller.tabIndex = 0;
      else scroller.removeAttribute("tabindex");
    };
    update();
    const observer = new ResizeObserver(update);
    observer.observe(scroller);
    return () => observer.disconnect();
  });
  return ref;
}

export const legendText = (value: string) => <span style={{ color: "#303030" }}>{value}</span>;

/** Both rails, or one: a segmented choice. */
export function RailSwitch({ value, onChange }: { value: Split; onChange: (split: Split) => void }) {
  const { t } = useTranslation(NS);
  return (
    <div role="group" aria-label={t("rail.label")} data-testid="ops-rail">
      <ButtonGroup variant="segmented">
        {(["all", "shopify", "stripe"] as const).map((split) => (
          <Button key={split} pressed={split === value} onClick={() => onChange(split)}>
            {t(`rail.${split}`)}
          </Button>
        ))}
      </ButtonGroup>
    </div>
  );
}
