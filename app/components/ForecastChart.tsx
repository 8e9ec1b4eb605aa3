import { Box, SkeletonBodyText, Text } from "@shopify/polaris";
import { memo, useCallback, useMemo } from "react";
import { useTranslation } from "react-i18next";
import {
  Area,
  Bar,
  CartesianGrid,
  ComposedChart,
  DefaultLegendContent,
  Legend,
  Line,
  ReferenceArea,
  ReferenceLine,
  ResponsiveContainer,
  Scatter,
  Tooltip,
  XAxis,
  YAxis,
  type DefaultLegendContentProps,
  type ScatterShapeProps,
  type TooltipContentProps,
  type TooltipValueType,
} from "recharts";
import { useFormat } from "../dashboard/FormatContext";
import { hasStockLine, integerTicks, outOfStockSpan, unitsAxisMax, type ChartRow } from "../dashboard/chart-data";
import type { WithOverlay } from "../forecasts/candidates";
import type { VariantForecastDetail } from "../forecasts/contract";
import { ClientOnly } from "./ClientOnly";

/** Colours with enough contrast on white (Polaris palette). */
const COLOURS = {
  sales: "#8a8a8a",
  outOfStock: "#e51c00",
  forecast: "#005bd3",
  band80: "#91d0ff",
  band95: "#e0f0ff",
  stock: "#2c6e49",
  stockout: "#c70a24",
  today: "#616161",
  /** The current stockout's shading and its label. */
  outOfStockArea: "#fed3d1",
  outOfStockLabel: "#8e1f0b",
  /** Days of unusual sales (anomaly flags). */
  anomaly: "#a0178f",
  /** Promotion days: past (a discount or campaign that ran) and planned (still to come). */
  promotionPast: "#ffc96b",
  promotionPlanned: "#c9b3f5",
} as const;

/** A row of the chart: the day's sales or forecast, with the candidate lines and the anomaly marker. */
export type OverlayChartRow = WithOverlay<ChartRow>;

/** The candidate lines' colours and dash patterns, in overlay order (distinct from the forecast's blue). */
export const CANDIDATE_STYLES = [
  { colour: "#b95000", dash: "6 3" },
  { colour: "#6c3fc0", dash: "2 3" },
  { colour: "#00786b", dash: "8 3 2 3" },
  { colour: "#5e5e5e", dash: "4 4" },
] as const;

/** One candidate line the chart draws: its place in the rows' `candidates` and its legend label. */
export interface CandidateLineStyle {
  index: number;
  label: string;
}

/** A promotion to shade: its first and last day (null = open-ended), and whether it is still to come. */
export interface ChartPromotion {
  id: string;
  title: string;
  startDay: string;
  endDay: string | null;
  planned: boolean;
}

/** A promotion's days as the chart shades them: clipped to its rows, with the label its legend and tooltip show. */
interface PromotionSpan {
  id: string;
  from: string;
  to: string;
  planned: boolean;
  label: string;
}

/** The promotions with days among the rows (consecutive days), clipped to them. */
function promotionSpans(rows: readonly OverlayChartRow[], promotions: readonly ChartPromotion[], label: (p: ChartPromotion) => string) {
  const first = rows[0]?.day;
  const last = rows.at(-1)?.day;
  if (first === undefined || last === undefined) return [];
  return promotions.flatMap((promotion): PromotionSpan[] => {
    const from = promotion.startDay > first ? promotion.startDay : first;
    const to = promotion.endDay === null || promotion.endDay > last ? last : promotion.endDay;
    return from <= to ? [{ id: promotion.id, from, to, planned: promotion.planned, label: label(promotion) }] : [];
  });
}

export interface ForecastChartProps {
  rows: OverlayChartRow[];
  /** Candidate models' forecasts to draw (the overlay), in the order of `rows[].candidates`. */
  lines?: readonly CandidateLineStyle[];
  /** The last day of history (`YYYY-MM-DD`), marked as "today". */
  asOf: string;
  stockoutDate: string | null;
  /** Out of stock now: since when (shaded from then to `asOf`, with a legend entry). */
  outOfStock: VariantForecastDetail["outOfStock"];
  /** Promotions covering the variant, shaded over their days (past and planned) and named in the legend and tooltip. */
  promotions?: readonly ChartPromotion[];
  height?: number;
}

/**
 * Sales history, the forecast with its 80 % and 95 % bands, and the projected stock with the stockout
 * day marked; a variant out of stock now has its stockout shaded on the history. Drawn in the browser only
 * (Recharts measures its container); the server renders a placeholder of the same height, so the page
 * neither shifts nor mismatches on hydration.
 */
export const ForecastChart = memo(function ForecastChart({
  rows,
  lines = [],
  asOf,
  stockoutDate,
  outOfStock,
  promotions = NO_PROMOTIONS,
  height = 360,
}: ForecastChartProps) {
  const { t } = useTranslation();
  const format = useFormat();
  const tickFormatter = useCallback((day: string) => format.dayShort(day), [format]);
  const unitTick = useCallback((value: number) => format.integer(value), [format]);
  const spans = useMemo(
    () =>
      promotionSpans(rows, promotions, (promotion) =>
        t(promotion.planned ? "chart.promotion.planned" : "chart.promotion.past", { title: promotion.title }),
      ),
    [rows, promotions, t],
  );
  const renderTooltip = useCallback(
    (props: TooltipContentProps<TooltipValueType, string | number>) => <ChartTooltip {...props} promotions={spans} />,
    [spans],
  );
  // The candidate lines count toward the axis like the forecast does.
  const unitsMax = useMemo(
    () =>
      unitsAxisMax(rows.map((row) => ({ ...row, forecast: Math.max(row.forecast ?? 0, ...row.candidates.map((value) => value ?? 0)) }))),
    [rows],
  );
  const hasAnomalies = useMemo(() => rows.some((row) => row.anomaly !== null), [rows]);
  const unitsTicks = useMemo(() => integerTicks(unitsMax), [unitsMax]);
  // The stock axis and line only when there is stock to project (not when it is nil or flat at 0).
  const showStock = useMemo(() => hasStockLine(rows), [rows]);
  const legendText = useCallback((value: string) => <span style={{ color: "#303030" }}>{value}</span>, []);
  const hasStockout = stockoutDate !== null && rows.some((row) => row.day === stockoutDate);
  const hasToday = rows.some((row) => row.day === asOf);
  const span = useMemo(() => outOfStockSpan(rows, outOfStock), [rows, outOfStock]);
  const spanLabel = span ? t(span.estimated ? "chart.outOfStockEstimated" : "chart.outOfStockPeriod") : "";
  // The shadings are reference areas, not series: their legend entries (one per promotion title) are added to the series' own.
  const renderLegend = useCallback(
    (props: DefaultLegendContentProps) => (
      <DefaultLegendContent
        {...props}
        payload={[
          ...(props.payload ?? []),
          ...(spanLabel ? [{ value: spanLabel, type: "rect" as const, color: COLOURS.outOfStockArea, dataKey: "outOfStockPeriod" }] : []),
          ...[...new Map(spans.map((span) => [span.label, span])).values()].map((span) => ({
            value: span.label,
            type: "rect" as const,
            color: span.planned ? COLOURS.promotionPlanned : COLOURS.promotionPast,
            dataKey: `promotion-${span.id}`,
          })),
        ]}
      />
    ),
    [spanLabel, spans],
  );

  return (
    <figure style={{ margin: 0 }} aria-label={t("chart.label")} data-testid="forecast-chart">
      <ClientOnly
        fallback={
          <Box minHeight={`${height}px`}>
            <SkeletonBodyText lines={6} />
          </Box>
        }
      >
        {() => (
          <div style={{ width: "100%", height }}>
            <ResponsiveContainer width="100%" height="100%" minWidth={0}>
              <ComposedChart data={rows} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
                <CartesianGrid stroke="#ebebeb" vertical={false} />
                <XAxis dataKey="day" tickFormatter={tickFormatter} minTickGap={24} tick={{ fontSize: 12 }} />
                <YAxis
                  yAxisId="units"
                  domain={[0, unitsMax]}
                  ticks={unitsTicks}
                  allowDataOverflow
                  tickFormatter={unitTick}
                  width={44}
                  tick={{ fontSize: 12 }}
                  allowDecimals={false}
                />
                {showStock ? (
                  <YAxis
                    yAxisId="stock"
                    orientation="right"
                    domain={[0, "auto"]}
                    tickFormatter={unitTick}
                    width={48}
                    tick={{ fontSize: 12 }}
                    allowDecimals={false}
                  />
                ) : null}
                <Tooltip content={renderTooltip} />
                <Legend wrapperStyle={{ fontSize: 12 }} formatter={legendText} content={renderLegend} />
                {spans.map((promotion) => (
                  <ReferenceArea
                    key={promotion.id}
                    yAxisId="units"
                    x1={promotion.from}
                    x2={promotion.to}
                    zIndex={PROMOTION_Z}
                    shape={(props: PromotionShapeProps) => <PromotionArea {...props} span={promotion} />}
                  />
                ))}
                {span ? (
                  <ReferenceArea
                    yAxisId="units"
                    x1={span.from}
                    x2={span.to}
                    fill={COLOURS.outOfStockArea}
                    fillOpacity={0.6}
                    stroke="none"
                    label={{ value: spanLabel, position: "insideTop", fontSize: 12, fill: COLOURS.outOfStockLabel }}
                  />
                ) : null}
                <Area
                  yAxisId="units"
                  dataKey="band95"
                  name={t("chart.band95")}
                  stroke="none"
                  fill={COLOURS.band95}
                  fillOpacity={1}
                  isAnimationActive={false}
                  connectNulls={false}
                />
                <Area
                  yAxisId="units"
                  dataKey="band80"
                  name={t("chart.band80")}
                  stroke="none"
                  fill={COLOURS.band80}
                  fillOpacity={0.8}
                  isAnimationActive={false}
                  connectNulls={false}
                />
                <Bar
                  yAxisId="units"
                  dataKey="sales"
                  name={t("chart.sales")}
                  fill={COLOURS.sales}
                  isAnimationActive={false}
                  maxBarSize={8}
                />
                <Line
                  yAxisId="units"
                  dataKey="forecast"
                  name={t("chart.forecast")}
                  stroke={COLOURS.forecast}
                  strokeWidth={2}
                  dot={false}
                  isAnimationActive={false}
                />
                {lines.map((line) => {
                  const style = CANDIDATE_STYLES[line.index % CANDIDATE_STYLES.length]!;
                  return (
                    <Line
                      key={line.index}
                      yAxisId="units"
                      dataKey={(row: OverlayChartRow) => row.candidates[line.index] ?? null}
                      name={line.label}
                      stroke={style.colour}
                      strokeWidth={1.5}
                      strokeDasharray={style.dash}
                      dot={false}
                      isAnimationActive={false}
                    />
                  );
                })}
                {hasAnomalies ? (
                  <Scatter
                    yAxisId="units"
                    dataKey="anomaly"
                    name={t("chart.anomaly")}
                    fill={COLOURS.anomaly}
                    legendType="triangle"
                    shape={AnomalyMarker}
                    isAnimationActive={false}
                  />
                ) : null}
                {showStock ? (
                  <Line
                    yAxisId="stock"
                    dataKey="stock"
                    name={t("chart.stock")}
                    stroke={COLOURS.stock}
                    strokeWidth={2}
                    strokeDasharray="6 3"
                    dot={false}
                    connectNulls
                    isAnimationActive={false}
                  />
                ) : null}
                {hasToday ? (
                  <ReferenceLine
                    yAxisId="units"
                    x={asOf}
                    stroke={COLOURS.today}
                    strokeDasharray="2 2"
                    label={{ value: t("chart.today"), position: "insideBottomLeft", fontSize: 12, fill: COLOURS.today }}
                  />
                ) : null}
                {hasStockout ? (
                  <ReferenceLine
                    yAxisId="units"
                    x={stockoutDate}
                    stroke={COLOURS.stockout}
                    strokeWidth={2}
                    label={{ value: t("chart.stockout"), position: "insideTopRight", fontSize: 12, fill: COLOURS.stockout }}
                  />
                ) : null}
              </ComposedChart>
            </ResponsiveContainer>
          </div>
        )}
      </ClientOnly>
      <figcaption>
        <Text as="p" tone="subdued" variant="bodySm">
          {outOfStock
            ? t("chart.captionOutOfStock", { day: format.day(outOfStock.since, "long") })
            : stockoutDate
              ? t("chart.captionStockout", { day: format.day(stockoutDate, "long") })
              : t("chart.captionNoStockout")}
        </Text>
      </figcaption>
    </figure>
  );
});

const NO_PROMOTIONS: ChartPromotion[] = [];
/** Promotion shading sits over the forecast's bands (Recharts draws areas at 100), so a planned one shows, and under the bars and lines. */
const PROMOTION_Z = 150;

interface PromotionShapeProps {
  x?: number;
  y?: number;
  width?: number;
  height?: number;
}

/** A promotion's days: a light band over the plot's height, named on hover. */
function PromotionArea({ x, y, width, height, span }: PromotionShapeProps & { span: PromotionSpan }) {
  if (x === undefined || y === undefined || width === undefined || height === undefined) return <g />;
  return (
    <g data-testid={`promotion-area-${span.id}`} data-planned={span.planned}>
      <title>{span.label}</title>
      <rect
        x={x}
        y={y}
        width={Math.max(width, 1)}
        height={height}
        fill={span.planned ? COLOURS.promotionPlanned : COLOURS.promotionPast}
        fillOpacity={0.35}
      />
    </g>
  );
}

/** A day of unusual sales: a triangle pointing up (spike) or down (drop) at the units sold. */
function AnomalyMarker({ cx, cy, payload }: ScatterShapeProps) {
  const row = payload as OverlayChartRow | undefined;
  if (typeof cx !== "number" || typeof cy !== "number" || !row?.anomalyKind) return <g />;
  const up = row.anomalyKind === "spike";
  const y = up ? cy - 4 : cy + 4;
  const tip = up ? y - 7 : y + 7;
  return (
    <path
      d={`M${cx - 6},${y} L${cx + 6},${y} L${cx},${tip} Z`}
      fill={COLOURS.anomaly}
      stroke="#ffffff"
      strokeWidth={1}
      data-testid={`anomaly-marker-${row.day}`}
    />
  );
}

function ChartTooltip({
  active,
  payload,
  promotions,
}: TooltipContentProps<TooltipValueType, string | number> & { promotions: readonly PromotionSpan[] }) {
  const { t } = useTranslation();
  const format = useFormat();
  const row = payload?.[0]?.payload as OverlayChartRow | undefined;
  if (!active || !row) return null;
  const units = (value: number) => format.number(value, 1);
  const range = (band: [number, number]) => `${units(band[0])} – ${units(band[1])}`;
  return (
    <div
      style={{
        background: "#ffffff",
        border: "1px solid #e3e3e3",
        borderRadius: 8,
        padding: "8px 12px",
        boxShadow: "0 4px 12px rgba(0,0,0,0.12)",
        fontSize: 13,
        lineHeight: 1.5,
      }}
    >
      <div style={{ fontWeight: 600 }}>{format.day(row.day, "long")}</div>
      {promotions
        .filter((promotion) => promotion.from <= row.day && row.day <= promotion.to)
        .map((promotion) => (
          <div key={promotion.id} style={{ color: "#5e4200" }}>
            {promotion.label}
          </div>
        ))}
      {row.sales !== null ? (
        <div>
          {t("chart.sales")}: {units(row.sales)}
          {row.outOfStock ? ` (${t("chart.outOfStock")})` : ""}
          {row.anomalyKind ? ` (${t(`chart.anomalyKind.${row.anomalyKind}`)})` : ""}
        </div>
      ) : null}
      {row.forecast !== null ? (
        <div>
          {t("chart.forecast")}: {units(row.forecast)}
        </div>
      ) : null}
      {payload
        .filter((item) => typeof item.dataKey === "function" && typeof item.value === "number")
        .map((item) => (
          <div key={String(item.name)}>
            {item.name}: {units(Number(item.value))}
          </div>
        ))}
      {row.band80 ? (
        <div>
          {t("chart.band80")}: {range(row.band80)}
        </div>
      ) : null}
      {row.band95 ? (
        <div>
          {t("chart.band95")}: {range(row.band95)}
        </div>
      ) : null}
      {row.stock !== null ? (
        <div>
          {t("chart.stock")}: {units(row.stock)}
        </div>
      ) : null}
    </div>
  );
}
