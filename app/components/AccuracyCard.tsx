import { BlockStack, Card, Text } from "@shopify/polaris";
import { memo } from "react";
import { useTranslation } from "react-i18next";
import { accuracyDisplay, unitDigits, type BacktestScores } from "../dashboard/accuracy";
import { useFormat } from "../dashboard/FormatContext";

/**
 * The variant's backtest accuracy: the percentage for regular sellers; for slow movers (intermittent,
 * lumpy) the typical error in units and how often the 80 % range held, with why no percentage is shown.
 */
export const AccuracyCard = memo(function AccuracyCard({
  demandClass,
  backtest,
  dailyMean,
}: {
  demandClass: string;
  backtest: BacktestScores;
  dailyMean: number | null;
}) {
  const { t } = useTranslation();
  const format = useFormat();
  const shown = accuracyDisplay(demandClass, backtest, dailyMean);
  const units = (value: number) => format.number(value, unitDigits(value));

  if (shown.kind === "units") {
    return (
      <Card>
        <BlockStack gap="200">
          <Text as="h2" variant="headingMd">
            {t("variant.accuracy.slowTitle")}
          </Text>
          {shown.maePerDay !== null ? (
            <Text as="p" variant="headingMd">
              <span data-testid="variant-accuracy">{t("variant.accuracy.typicalError", { mae: units(shown.maePerDay) })}</span>
            </Text>
          ) : null}
          {shown.dailyMean !== null ? (
            <Text as="p" tone="subdued">
              {t("variant.accuracy.averageSales", { mean: units(shown.dailyMean) })}
            </Text>
          ) : null}
          {shown.coverage80 !== null ? (
            <Text as="p">
              <span data-testid="variant-range-held">
                {t("variant.accuracy.rangeHeld", { share: format.percent(shown.coverage80, 0) })}
              </span>
            </Text>
          ) : null}
          <Text as="p" tone="subdued">
            {t("variant.accuracy.whyNoPercent")}
          </Text>
        </BlockStack>
      </Card>
    );
  }

  return (
    <Card>
      <BlockStack gap="200">
        <Text as="h2" variant="headingMd">
          {t("variant.accuracy.title")}
        </Text>
        <Text as="p" variant="headingLg">
          <span data-testid="variant-accuracy">
            {shown.kind === "notEnough" ? t("variant.accuracy.notEnough") : format.percent(shown.accuracy)}
          </span>
        </Text>
        <Text as="p" tone="subdued">
          {t("variant.accuracy.help")}
        </Text>
        {shown.kind === "percent" && shown.coverage80 !== null && shown.coverage95 !== null ? (
          <Text as="p">
            {t("variant.accuracy.coverage", {
              c80: format.percent(shown.coverage80, 0),
              c95: format.percent(shown.coverage95, 0),
            })}
          </Text>
        ) : null}
        {shown.kind === "percent" && shown.maePerDay !== null ? (
          <Text as="p">{t("variant.accuracy.mae", { mae: format.number(shown.maePerDay, 2) })}</Text>
        ) : null}
      </BlockStack>
    </Card>
  );
});
