/** Confirms an extra recipient by a signed link; nothing else is sent to the address until then. */
import { type ContentOf } from "../model";
import { Layout, Paragraph, PrimaryButton } from "./components";
import { type EmailEnv, useEmailEnv } from "./env";

type RecipientConfirmationContent = ContentOf<"recipient_confirmation">;

export function recipientConfirmationSubject(content: RecipientConfirmationContent, { t }: EmailEnv): string {
  return t("types.recipient_confirmation.subject", { shop: content.shop.name });
}

export function RecipientConfirmationEmail({ content }: { content: RecipientConfirmationContent }) {
  const { t, fmt, mode, palette } = useEmailEnv();
  const values = { recipient: content.recipient, shop: content.shop.name, requestedBy: content.requestedBy ?? "" };
  const introText = t(content.requestedBy ? "types.recipient_confirmation.intro" : "types.recipient_confirmation.introAnonymous", values);
  const confirm = t("types.recipient_confirmation.confirm");
  return (
    <Layout
      headline={t("types.recipient_confirmation.headline")}
      preheader={introText}
      branding={content.branding}
      reason={t("why.recipient_confirmation", values)}
      links={null}
      shopName={content.shop.name}
      generatedAt={null}
    >
      <Paragraph>{introText}</Paragraph>
      <Paragraph>{t("types.recipient_confirmation.action", { when: fmt.instant(content.expiresAt) })}</Paragraph>
      <PrimaryButton href={content.confirmUrl}>{confirm}</PrimaryButton>
      {mode === "html" && (
        <Paragraph muted small>
          {t("types.recipient_confirmation.fallback")}{" "}
          <a href={content.confirmUrl} style={{ color: palette.link, wordBreak: "break-all" }}>
            {content.confirmUrl}
          </a>
        </Paragraph>
      )}
    </Layout>
  );
}
