import { Badge } from "@shopify/polaris";
import { useTranslation } from "react-i18next";
import type { Risk } from "../forecasts/contract";

const TONE: Record<Risk, "critical" | "warning" | "attention" | "success" | undefined> = {
  out_of_stock: "critical",
  stockout: "critical",
  reorder: "warning",
  dead: "attention",
  ok: "success",
  no_data: undefined,
};

export function RiskBadge({ risk }: { risk: Risk }) {
  const { t } = useTranslation();
  return <Badge tone={TONE[risk]}>{t(`risk.${risk}`)}</Badge>;
}
