import { memo } from "react";
import { useTranslation } from "react-i18next";
import { useFormat } from "../dashboard/FormatContext";
import type { VariantAdviceRow } from "../forecasts/contract";

const cell = { padding: "8px 12px", borderBottom: "1px solid #ebebeb", whiteSpace: "nowrap" } as const;
const numeric = { ...cell, textAlign: "end", fontVariantNumeric: "tabular-nums" } as const;

/**
 * The reorder advice of one variant per location (and the sales lost a day where it is out of stock). A plain table in a keyboard-focusable scroll region,
 * so it stays readable (and reachable) on a phone.
 */
export const AdviceTable = memo(function AdviceTable({
  rows,
  locationName,
}: {
  rows: VariantAdviceRow[];
  locationName: (id: string) => string;
}) {
  const { t } = useTranslation();
  const format = useFormat();
  // Sales lost a day, only when some location is out of stock.
  const lost = rows.some((row) => row.outOfStockSince !== null);
  const headings = [
    t("variant.advice.location"),
    t("variants.columns.available"),
    t("variant.advice.leadTime"),
    t("variant.advice.safetyStock"),
    t("variants.columns.reorderPoint"),
    t("variant.advice.orderUpTo"),
    t("variants.columns.reorderQty"),
    ...(lost ? [t("variant.advice.lostPerDay")] : []),
  ];
  return (
    <div role="region" aria-label={t("variant.advice.title")} tabIndex={0} style={{ overflowX: "auto" }}>
      <table style={{ width: "100%", borderCollapse: "collapse", fontSize: 13 }}>
        <thead>
          <tr>
            {headings.map((heading, index) => (
              <th key={heading} scope="col" style={{ ...(index === 0 ? cell : numeric), fontWeight: 600 }}>
                {heading}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.locationId}>
              <th scope="row" style={{ ...cell, textAlign: "start", fontWeight: row.locationId === "0" ? 600 : 400 }}>
                {locationName(row.locationId)}
              </th>
              <td style={numeric}>{format.integer(row.available)}</td>
              <td style={numeric}>{t("variant.advice.days", { days: format.number(row.leadTimeDays, 1) })}</td>
              <td style={numeric}>{format.integer(row.safetyStock)}</td>
              <td style={numeric}>{format.integer(row.reorderPoint)}</td>
              <td style={numeric}>{format.integer(row.orderUpTo)}</td>
              <td style={numeric}>{format.integer(row.reorderQty)}</td>
              {lost ? (
                <td style={numeric}>
                  {row.outOfStockSince === null
                    ? "—"
                    : t("variant.advice.lost", {
                        units: format.number(row.lostUnitsPerDay, 1),
                        revenue: format.currency(row.lostRevenuePerDay),
                      })}
                </td>
              ) : null}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
});
