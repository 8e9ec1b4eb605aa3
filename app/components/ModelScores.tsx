import { Badge, BlockStack, InlineStack, Text } from "@shopify/polaris";
import { memo } from "react";
import { useTranslation } from "react-i18next";
import { useFormat } from "../dashboard/FormatContext";
import type { CandidateScore } from "../dashboard/chart-data";

/** The candidate models' backtest scores (lower is better) as a table with bars; the chosen one is marked. */
export const ModelScores = memo(function ModelScores({ candidates }: { candidates: CandidateScore[] }) {
  const { t } = useTranslation();
  const format = useFormat();
  if (candidates.length === 0) {
    return (
      <Text as="p" tone="subdued">
        {t("variant.models.none")}
      </Text>
    );
  }
  const worst = Math.max(...candidates.map((candidate) => candidate.score), Number.EPSILON);
  return (
    <BlockStack gap="200">
      <Text as="p" tone="subdued">
        {t("variant.models.help")}
      </Text>
      <table style={{ width: "100%", borderCollapse: "collapse" }} data-testid="model-scores">
        <caption className="Polaris-Text--visuallyHidden">{t("variant.models.caption")}</caption>
        <thead>
          <tr>
            <th scope="col" style={{ textAlign: "start", padding: "4px 8px 4px 0" }}>
              {t("variant.models.model")}
            </th>
            <th scope="col" style={{ textAlign: "end", padding: "4px 8px" }}>
              {t("variant.models.score")}
            </th>
            <th scope="col" style={{ width: "45%", padding: "4px 0" }}>
              <span className="Polaris-Text--visuallyHidden">{t("variant.models.bar")}</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {candidates.map((candidate) => (
            <tr key={candidate.model}>
              <th scope="row" style={{ textAlign: "start", fontWeight: 400, padding: "4px 8px 4px 0" }}>
                <InlineStack gap="100" blockAlign="center">
                  <span title={candidate.model}>{t(`variant.modelNames.${candidate.model}`, { defaultValue: candidate.model })}</span>
                  {candidate.chosen ? <Badge tone="info">{t("variant.models.chosen")}</Badge> : null}
                </InlineStack>
              </th>
              <td style={{ textAlign: "end", padding: "4px 8px", fontVariantNumeric: "tabular-nums" }}>
                {format.number(candidate.score, 3)}
              </td>
              <td style={{ padding: "4px 0" }} aria-hidden="true">
                <div
                  style={{
                    height: 10,
                    borderRadius: 5,
                    width: `${Math.max(2, (candidate.score / worst) * 100)}%`,
                    background: candidate.chosen ? "#005bd3" : "#b5b5b5",
                  }}
                />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </BlockStack>
  );
});
