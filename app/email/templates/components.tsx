/**
 * The building blocks of every email. Each renders in two modes (see env.ts): "html" for mail clients
 * (tables and inline styles, 600px wide at most, one column on phones, real text, underlined links) and
 * "text", a plain document of paragraphs, "Label: value" lines and full URLs that becomes the text part.
 */
import { Body, Button, Container, Head, Heading, Html, Img, Link, Preview } from "@react-email/components";
import { type CSSProperties, type ReactNode } from "react";
import { type Branding, type EmailLinks } from "../model";
import { useEmailEnv } from "./env";
import { type Fact, type ItemView, type StatusTone } from "./items";

const FONT = "-apple-system, BlinkMacSystemFont, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif";
const MONO = "SFMono-Regular, Consolas, 'Liberation Mono', Menlo, monospace";

/** Phones: narrower side padding, bigger tap targets, a smaller headline. No quotes or angle brackets (React escapes them). */
const RESPONSIVE_CSS = `
@media only screen and (max-width: 480px) {
  .fx-pad { padding-left: 16px !important; padding-right: 16px !important; }
  .fx-card-pad { padding: 12px !important; }
  .fx-h1 { font-size: 22px !important; line-height: 28px !important; }
  .fx-fact { width: 46% !important; }
  .fx-secondary { display: block !important; margin: 8px 0 0 0 !important; line-height: 24px !important; }
}
`;

/** One full-width layout table with a single cell (padding on the cell, where every client honours it). */
function Box({ children, style, className }: { children: ReactNode; style?: CSSProperties; className?: string }) {
  return (
    <table role="presentation" width="100%" cellPadding={0} cellSpacing={0} border={0} style={{ borderCollapse: "separate" }}>
      <tbody>
        <tr>
          <td className={className} style={style}>
            {children}
          </td>
        </tr>
      </tbody>
    </table>
  );
}

function Spacer({ height }: { height: number }) {
  return <div style={{ height, lineHeight: `${height}px`, fontSize: 1 }}>&nbsp;</div>;
}

/** A line of the text part: "Label: value" with the URL in full. */
function TextLink({ label, href }: { label: string; href: string }) {
  const { t } = useEmailEnv();
  return (
    <>
      {label}
      {t("layout.labelSeparator")}
      <a href={href}>{href}</a>
    </>
  );
}

interface LayoutProps {
  /** The line under the sender's name; default "Stock alerts from Fluxor" (billing emails name the subscription). */
  header?: string;
  headline: string;
  preheader: string;
  branding: Branding;
  /** Why the recipient gets this email. */
  reason: string;
  /** Preferences and unsubscribe; null for the confirmation email (nothing subscribed yet). */
  links: EmailLinks | null;
  shopName: string;
  /** When the figures were computed; null when the email has none. */
  generatedAt: string | null;
  test?: boolean;
  children: ReactNode;
}

export function Layout(props: LayoutProps) {
  const { mode } = useEmailEnv();
  return mode === "html" ? <HtmlLayout {...props} /> : <TextLayout {...props} />;
}

function HtmlLayout({ header, headline, preheader, branding, reason, links, shopName, generatedAt, test, children }: LayoutProps) {
  const { t, fmt, palette, locale } = useEmailEnv();
  const footerText: CSSProperties = { margin: "0 0 8px", fontSize: 12, lineHeight: "18px", color: palette.muted };
  const footerLink: CSSProperties = { color: palette.muted, textDecoration: "underline" };
  return (
    <Html lang={locale} dir="ltr">
      <Head>
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light" />
        <meta name="supported-color-schemes" content="light" />
        <title>{headline}</title>
        <style>{RESPONSIVE_CSS}</style>
      </Head>
      <Preview>{preheader}</Preview>
      <Body style={{ margin: 0, padding: 0, backgroundColor: palette.page, fontFamily: FONT, color: palette.text }}>
        <Container style={{ width: "100%", maxWidth: 600, margin: "0 auto" }}>
          <Spacer height={24} />
          <Box style={{ backgroundColor: palette.card, borderTop: `4px solid ${palette.accent}`, borderRadius: 8 }}>
            <Box className="fx-pad" style={{ padding: "24px 32px 0" }}>
              {branding.logoUrl ? (
                <Img src={branding.logoUrl} alt={branding.senderName} height="32" style={{ height: 32, width: "auto", maxWidth: 200 }} />
              ) : (
                <p style={{ margin: 0, fontSize: 18, lineHeight: "24px", fontWeight: 700, color: palette.text }}>{branding.senderName}</p>
              )}
              <p style={{ margin: "4px 0 0", fontSize: 13, lineHeight: "18px", color: palette.muted }}>{header ?? t("layout.header")}</p>
            </Box>
            {test && (
              <Box className="fx-pad" style={{ padding: "16px 32px 0" }}>
                <Box style={{ backgroundColor: "#fff1c2", border: "1px solid #e0b400", borderRadius: 6, padding: "12px 16px" }}>
                  <p style={{ margin: 0, fontSize: 14, lineHeight: "20px", color: "#3d2e00" }}>
                    <strong>{t("layout.test.badge")}</strong>
                    <br />
                    {t("layout.test.banner")}
                  </p>
                </Box>
              </Box>
            )}
            <Box className="fx-pad" style={{ padding: "8px 32px 32px" }}>
              <Heading
                as="h1"
                className="fx-h1"
                style={{
                  margin: "16px 0 12px",
                  fontSize: 24,
                  lineHeight: "32px",
                  fontWeight: 700,
                  color: palette.text,
                  wordBreak: "break-word",
                }}
              >
                {headline}
              </Heading>
              {children}
            </Box>
          </Box>
          <Box className="fx-pad" style={{ padding: "20px 32px 32px" }}>
            <p style={footerText}>{reason}</p>
            {links && (
              <p style={footerText}>
                <Link href={links.preferencesUrl} style={footerLink}>
                  {t("layout.preferences")}
                </Link>
                {" · "}
                <Link href={links.unsubscribeUrl} style={footerLink}>
                  {t("layout.unsubscribe")}
                </Link>
              </p>
            )}
            <p style={footerText}>
              {t("layout.sentBy", { shop: shopName })}
              {generatedAt && ` ${t("layout.asOf", { when: fmt.instant(generatedAt) })}`}
            </p>
          </Box>
        </Container>
      </Body>
    </Html>
  );
}

function TextLayout({ header, headline, branding, reason, links, shopName, generatedAt, test, children }: LayoutProps) {
  const { t, fmt, locale } = useEmailEnv();
  return (
    <html lang={locale}>
      <body>
        <p>
          {branding.senderName}
          <br />
          {header ?? t("layout.header")}
        </p>
        {test && (
          <p>
            [{t("layout.test.badge")}] {t("layout.test.banner")}
          </p>
        )}
        <p>
          {headline}
          <br />
          {"=".repeat(headline.length)}
        </p>
        {children}
        <p>--</p>
        <p>{reason}</p>
        {links && (
          <p>
            <TextLink label={t("layout.preferences")} href={links.preferencesUrl} />
            <br />
            <TextLink label={t("layout.unsubscribe")} href={links.unsubscribeUrl} />
          </p>
        )}
        <p>
          {t("layout.sentBy", { shop: shopName })}
          {generatedAt && ` ${t("layout.asOf", { when: fmt.instant(generatedAt) })}`}
        </p>
      </body>
    </html>
  );
}

export function Paragraph({ children, muted, small }: { children: ReactNode; muted?: boolean; small?: boolean }) {
  const { mode, palette } = useEmailEnv();
  if (mode === "text") return <p>{children}</p>;
  return (
    <p
      style={{
        margin: "0 0 16px",
        fontSize: small ? 13 : 16,
        lineHeight: small ? "20px" : "24px",
        color: muted ? palette.muted : palette.text,
      }}
    >
      {children}
    </p>
  );
}

export function Subheading({ children }: { children: string }) {
  const { mode, palette } = useEmailEnv();
  if (mode === "text") {
    return (
      <p>
        {children}
        <br />
        {"-".repeat(children.length)}
      </p>
    );
  }
  return (
    <Heading as="h2" style={{ margin: "32px 0 8px", fontSize: 18, lineHeight: "26px", fontWeight: 700, color: palette.text }}>
      {children}
    </Heading>
  );
}

/** The main action: a button in HTML, "Label: URL" in text. */
export function PrimaryButton({ href, children }: { href: string; children: string }) {
  const { mode, palette } = useEmailEnv();
  if (mode === "text") {
    return (
      <p>
        <TextLink label={children} href={href} />
      </p>
    );
  }
  return (
    <p style={{ margin: "8px 0 16px" }}>
      <Button
        href={href}
        style={{
          backgroundColor: palette.button.background,
          color: palette.button.text,
          borderRadius: 6,
          padding: "12px 20px",
          fontSize: 15,
          lineHeight: "20px",
          fontWeight: 600,
          textDecoration: "none",
        }}
      >
        {children}
      </Button>
    </p>
  );
}

export function TextLinkParagraph({ href, children }: { href: string; children: string }) {
  const { mode, palette } = useEmailEnv();
  if (mode === "text") {
    return (
      <p>
        <TextLink label={children} href={href} />
      </p>
    );
  }
  return (
    <p style={{ margin: "4px 0 16px", fontSize: 15, lineHeight: "22px" }}>
      <Link href={href} style={{ color: palette.link, textDecoration: "underline", fontWeight: 600 }}>
        {children}
      </Link>
    </p>
  );
}

/** A highlighted box for the one thing to remember (a deadline, "nothing was deleted"); a plain paragraph in text. */
export function Notice({ tone, children }: { tone: "info" | "warning" | "danger"; children: ReactNode }) {
  const { mode, palette } = useEmailEnv();
  if (mode === "text") return <p>{children}</p>;
  const colour = tone === "danger" ? palette.danger : tone === "warning" ? palette.warning : palette.accent;
  return (
    <>
      <Box style={{ backgroundColor: palette.page, borderLeft: `4px solid ${colour}`, borderRadius: 4, padding: "12px 16px" }}>
        <p style={{ margin: 0, fontSize: 15, lineHeight: "22px", fontWeight: 600, color: palette.text }}>{children}</p>
      </Box>
      <Spacer height={16} />
    </>
  );
}

/** A short list of points: a bulleted list in HTML, "* point" lines in text. */
export function BulletList({ items }: { items: string[] }) {
  const { mode, palette } = useEmailEnv();
  if (mode === "text") {
    return (
      <ul>
        {items.map((item) => (
          <li key={item}>{item}</li>
        ))}
      </ul>
    );
  }
  return (
    <ul style={{ margin: "0 0 16px", paddingLeft: 24 }}>
      {items.map((item) => (
        <li key={item} style={{ margin: "0 0 6px", fontSize: 16, lineHeight: "24px", color: palette.text }}>
          {item}
        </li>
      ))}
    </ul>
  );
}

/** Label/value pairs: a two-column table in HTML (stacking on phones), "Label: value" lines in text. */
export function FactTable({ facts }: { facts: Fact[] }) {
  const { mode, palette, t } = useEmailEnv();
  if (mode === "text") {
    return (
      <p>
        {facts.map((fact, index) => (
          <span key={fact.label}>
            {index > 0 && <br />}
            {fact.label}
            {t("layout.labelSeparator")}
            {fact.value}
          </span>
        ))}
      </p>
    );
  }
  return (
    <table role="presentation" width="100%" cellPadding={0} cellSpacing={0} border={0} style={{ margin: "0 0 16px" }}>
      <tbody>
        {facts.map((fact) => (
          <tr key={fact.label}>
            <td
              valign="top"
              style={{
                width: "32%",
                padding: "6px 12px 6px 0",
                fontSize: 14,
                lineHeight: "20px",
                color: palette.muted,
                borderBottom: `1px solid ${palette.border}`,
              }}
            >
              {fact.label}
            </td>
            <td
              valign="top"
              style={{
                padding: "6px 0",
                fontSize: 14,
                lineHeight: "20px",
                color: palette.text,
                wordBreak: "break-word",
                borderBottom: `1px solid ${palette.border}`,
              }}
            >
              {fact.value}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** A block of preformatted text (an error message): monospace and wrapping in HTML, kept as is in text. */
export function CodeBlock({ label, children }: { label: string; children: string }) {
  const { mode, palette, t } = useEmailEnv();
  if (mode === "text") {
    return (
      <>
        <p>
          {label}
          {t("layout.labelSeparator").trimEnd()}
        </p>
        <pre>{children}</pre>
      </>
    );
  }
  return (
    <>
      <p style={{ margin: "0 0 6px", fontSize: 14, lineHeight: "20px", color: palette.muted }}>{label}</p>
      <Box style={{ backgroundColor: "#f6f6f7", border: `1px solid ${palette.border}`, borderRadius: 6, padding: 12 }}>
        <div
          style={{
            fontFamily: MONO,
            fontSize: 12,
            lineHeight: "18px",
            color: palette.text,
            whiteSpace: "pre-wrap",
            wordBreak: "break-word",
          }}
        >
          {children}
        </div>
      </Box>
      <Spacer height={16} />
    </>
  );
}

const TONE_COLOUR = (tone: StatusTone, palette: ReturnType<typeof useEmailEnv>["palette"]) =>
  tone === "danger" ? palette.danger : tone === "warning" ? palette.warning : palette.muted;

function ProductImage({ view }: { view: ItemView }) {
  const { palette } = useEmailEnv();
  if (view.imageUrl) {
    return (
      <Img
        src={view.imageUrl}
        alt={view.imageAlt}
        width="64"
        height="64"
        // Small alt text in the box when the client blocks images.
        style={{
          width: 64,
          height: 64,
          borderRadius: 6,
          objectFit: "cover",
          backgroundColor: palette.placeholder,
          fontSize: 11,
          lineHeight: "14px",
          color: palette.muted,
          overflow: "hidden",
        }}
      />
    );
  }
  return (
    <div
      aria-hidden="true"
      style={{
        width: 64,
        height: 64,
        borderRadius: 6,
        backgroundColor: palette.placeholder,
        color: palette.muted,
        fontSize: 24,
        lineHeight: "64px",
        fontWeight: 600,
        textAlign: "center",
      }}
    >
      {view.initial}
    </div>
  );
}

function HtmlItemCard({ view, primaryLabel }: { view: ItemView; primaryLabel: string }) {
  const { t, palette } = useEmailEnv();
  return (
    <Box
      className="fx-card-pad"
      style={{ border: `1px solid ${palette.border}`, borderRadius: 8, padding: 16, backgroundColor: palette.card }}
    >
      <table role="presentation" width="100%" cellPadding={0} cellSpacing={0} border={0}>
        <tbody>
          <tr>
            <td valign="top" width="64" style={{ width: 64, paddingRight: 16 }}>
              <ProductImage view={view} />
            </td>
            <td valign="top" style={{ wordBreak: "break-word" }}>
              <p style={{ margin: 0, fontSize: 16, lineHeight: "22px", fontWeight: 700, color: palette.text }}>{view.title}</p>
              {view.details.length > 0 && (
                <p style={{ margin: "2px 0 0", fontSize: 14, lineHeight: "20px", color: palette.muted }}>{view.details.join(" · ")}</p>
              )}
              <p
                style={{
                  margin: "6px 0 0",
                  fontSize: 14,
                  lineHeight: "20px",
                  fontWeight: 600,
                  color: TONE_COLOUR(view.status.tone, palette),
                }}
              >
                {view.status.text}
              </p>
            </td>
          </tr>
        </tbody>
      </table>
      <div style={{ paddingTop: 12, fontSize: 0 }}>
        {view.facts.map((fact) => (
          <div
            key={fact.label}
            className="fx-fact"
            style={{ display: "inline-block", width: 152, verticalAlign: "top", margin: "0 8px 10px 0" }}
          >
            <div style={{ fontSize: 12, lineHeight: "16px", color: palette.muted }}>{fact.label}</div>
            <div style={{ fontSize: 14, lineHeight: "20px", fontWeight: 600, color: palette.text }}>{fact.value}</div>
          </div>
        ))}
      </div>
      <div style={{ paddingTop: 4 }}>
        <Button
          href={view.fluxorUrl}
          style={{
            backgroundColor: palette.button.background,
            color: palette.button.text,
            borderRadius: 6,
            padding: "10px 16px",
            fontSize: 14,
            lineHeight: "20px",
            fontWeight: 600,
            textDecoration: "none",
          }}
        >
          {primaryLabel}
        </Button>
        <Link
          href={view.adminUrl}
          className="fx-secondary"
          style={{
            display: "inline-block",
            margin: "0 0 0 16px",
            fontSize: 14,
            lineHeight: "40px",
            color: palette.link,
            textDecoration: "underline",
          }}
        >
          {t("cta.openInShopify")}
        </Link>
      </div>
    </Box>
  );
}

function TextItem({ view, primaryLabel }: { view: ItemView; primaryLabel: string }) {
  const { t } = useEmailEnv();
  const lines: ReactNode[] = [
    view.details.length > 0 ? `${view.title} (${view.details.join(" · ")})` : view.title,
    view.status.text,
    ...view.facts.map((fact) => `${fact.label}${t("layout.labelSeparator")}${fact.value}`),
    <TextLink key="fluxor" label={primaryLabel} href={view.fluxorUrl} />,
    <TextLink key="admin" label={t("cta.openInShopify")} href={view.adminUrl} />,
  ];
  return (
    <li>
      {lines.map((line, index) => (
        <span key={index}>
          {index > 0 && <br />}
          {line}
        </span>
      ))}
      <br />
    </li>
  );
}

/** The products of an alert, with "and N more" linking to the full list in Fluxor. */
export function ItemList({
  views,
  more,
  moreUrl,
  primaryLabel,
}: {
  views: ItemView[];
  more: number;
  moreUrl: string;
  primaryLabel: string;
}) {
  const { mode, t, fmt } = useEmailEnv();
  const moreText = more > 0 ? t("cta.more", { count: more, formatted: fmt.integer(more) }) : null;
  if (mode === "text") {
    return (
      <>
        <ol>
          {views.map((view) => (
            <TextItem key={view.key} view={view} primaryLabel={primaryLabel} />
          ))}
        </ol>
        {moreText && (
          <p>
            <TextLink label={moreText} href={moreUrl} />
          </p>
        )}
      </>
    );
  }
  return (
    <>
      {views.map((view) => (
        <div key={view.key}>
          <HtmlItemCard view={view} primaryLabel={primaryLabel} />
          <Spacer height={12} />
        </div>
      ))}
      {moreText && <TextLinkParagraph href={moreUrl}>{moreText}</TextLinkParagraph>}
    </>
  );
}

interface Bar {
  label: string;
  value: number;
  /** The value as shown: "24 (63%)". */
  display: string;
}

/** A horizontal bar chart made of table cells: no image, no script, readable without the bars. */
export function BarChart({ bars }: { bars: Bar[] }) {
  const { mode, palette } = useEmailEnv();
  if (mode === "text") return <FactTable facts={bars.map((bar) => ({ label: bar.label, value: bar.display }))} />;
  const max = Math.max(1, ...bars.map((bar) => bar.value));
  const cell: CSSProperties = { padding: "6px 0", fontSize: 14, lineHeight: "20px" };
  return (
    <table role="presentation" width="100%" cellPadding={0} cellSpacing={0} border={0} style={{ margin: "0 0 16px" }}>
      <tbody>
        {bars.map((bar) => {
          const width = bar.value > 0 ? Math.max(2, Math.round((bar.value / max) * 100)) : 0;
          return (
            <tr key={bar.label}>
              <td style={{ ...cell, width: "34%", paddingRight: 12, color: palette.text }}>{bar.label}</td>
              <td style={cell} aria-hidden="true">
                <table
                  role="presentation"
                  width="100%"
                  cellPadding={0}
                  cellSpacing={0}
                  border={0}
                  style={{ backgroundColor: palette.page, borderRadius: 4 }}
                >
                  <tbody>
                    <tr>
                      {width > 0 && (
                        <td
                          width={`${width}%`}
                          style={{
                            width: `${width}%`,
                            height: 16,
                            backgroundColor: palette.accent,
                            borderRadius: 4,
                            fontSize: 1,
                            lineHeight: "16px",
                          }}
                        >
                          &nbsp;
                        </td>
                      )}
                      {width < 100 && <td style={{ height: 16, fontSize: 1, lineHeight: "16px" }}>&nbsp;</td>}
                    </tr>
                  </tbody>
                </table>
              </td>
              <td
                style={{
                  ...cell,
                  width: 96,
                  paddingLeft: 12,
                  textAlign: "right",
                  fontWeight: 600,
                  color: palette.text,
                  whiteSpace: "nowrap",
                }}
              >
                {bar.display}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

/** Headline figures side by side (wrapping on phones). */
export function Kpis({ kpis }: { kpis: Fact[] }) {
  const { mode, palette } = useEmailEnv();
  if (mode === "text") return <FactTable facts={kpis} />;
  return (
    <div style={{ fontSize: 0, margin: "0 0 8px" }}>
      {kpis.map((kpi) => (
        <div
          key={kpi.label}
          style={{
            display: "inline-block",
            minWidth: 124,
            verticalAlign: "top",
            margin: "0 8px 8px 0",
            padding: "12px",
            backgroundColor: palette.page,
            borderRadius: 6,
          }}
        >
          <div style={{ fontSize: 22, lineHeight: "28px", fontWeight: 700, color: palette.text }}>{kpi.value}</div>
          <div style={{ fontSize: 13, lineHeight: "18px", color: palette.muted }}>{kpi.label}</div>
        </div>
      ))}
    </div>
  );
}
