import "@shopify/ui-extensions/preact";
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { loadBlockState, type BlockState, type Localizer } from "./model";

export default async () => {
  render(<StockBlock />, document.body);
};

function StockBlock() {
  const { data, i18n } = shopify;
  const productGid = data.selected[0]?.id ?? "";
  const localizer: Localizer = {
    t: (key, options) => i18n.translate(key, options),
    formatNumber: (value) => i18n.formatNumber(value, { maximumFractionDigits: 0 }),
    formatDay: (isoDate) => i18n.formatDate(new Date(`${isoDate}T12:00:00Z`), { day: "numeric", month: "short" }),
    formatMoney: (value, currency) =>
      currency
        ? i18n.formatCurrency(value, { currency })
        : i18n.formatNumber(value, { minimumFractionDigits: 2, maximumFractionDigits: 2 }),
  };
  const { t } = localizer;
  const [state, setState] = useState<BlockState>({ kind: "loading" });

  useEffect(() => {
    let live = true;
    void loadBlockState(productGid, fetch, localizer).then((next) => live && setState(next));
    return () => {
      live = false;
    };
    // the localizer is stable for the life of the block
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [productGid]);

  return (
    <s-admin-block heading={t("name")}>
      {state.kind === "loading" && <s-spinner accessibilityLabel={t("loading")} />}
      {state.kind === "error" && <s-banner tone="critical">{t("error")}</s-banner>}
      {state.kind === "empty" && <s-text>{t("noData")}</s-text>}
      {state.kind === "ready" && (
        <s-stack gap="base">
          {state.rows.map((row) => (
            <s-stack key={row.id} gap="small-200">
              <s-stack direction="inline" gap="small-200" alignItems="center">
                <s-text type="strong">{row.title}</s-text>
                <s-badge tone={row.tone}>{row.statusText}</s-badge>
              </s-stack>
              <s-text>
                {row.cover} · {row.stockout} · {row.reorder}
              </s-text>
              <s-text color="subdued">{row.trend}</s-text>
              {row.unusual && <s-text tone="caution">{row.unusual}</s-text>}
            </s-stack>
          ))}
        </s-stack>
      )}
    </s-admin-block>
  );
}
