/**
 * A page's CSV export action (a Polaris page action): the download, or, when the shop's plan does not include CSV
 * export (decision 0047), a link to Billing naming the plan that does, in place of a download that would be refused.
 */
import { useTranslation } from "react-i18next";
import type { FeatureRefusal } from "../billing/entitlements";

interface DownloadAction {
  content: string;
  onAction: () => void;
  id: string;
  loading?: boolean;
  primary: false;
}

type BillingLink = Omit<DownloadAction, "onAction" | "loading"> & { url: string };

export function useCsvAction(refusal: FeatureRefusal | null, download: DownloadAction): DownloadAction | BillingLink {
  const { t } = useTranslation();
  if (refusal === null) return download;
  const plan = refusal.requiredPlan === null ? "—" : t(`billing:plans.${refusal.requiredPlan}`);
  return { content: t("csvExport.button", { plan }), url: "/app/billing", id: download.id, primary: false };
}
