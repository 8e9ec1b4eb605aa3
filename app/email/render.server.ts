/**
 * Renders an email's content (model.ts, already parsed) into its subject, HTML and text parts, in the
 * shop's language, currency and time zone. The same React tree is rendered twice: as HTML, and in text
 * mode, which @react-email/render turns into a plaintext part written to be read on its own.
 */
import { render } from "@react-email/render";
import { createElement, type ReactElement } from "react";
import { type EmailContent, type RenderedEmail, templateVersion } from "./model";
import { AlertEmail, alertSubject } from "./templates/alert";
import { DigestEmail, digestSubject } from "./templates/digest";
import { DunningEmail, dunningSubject } from "./templates/dunning";
import { createEmailEnv, type EmailEnv, EmailEnvContext, type RenderMode } from "./templates/env";
import { ForecastFailedEmail, forecastFailedSubject } from "./templates/forecast-failed";
import { RecipientConfirmationEmail, recipientConfirmationSubject } from "./templates/recipient-confirmation";
import { TestEmail, testSubject } from "./templates/test-email";
import { TrialEndingEmail, trialEndingSubject } from "./templates/trial-ending";
import { WeeklySummaryEmail, weeklySummarySubject } from "./templates/weekly-summary";

/** The template's subject and body for the content. */
function compose(content: EmailContent, env: EmailEnv): { subject: string; body: ReactElement } {
  switch (content.template) {
    case "out_of_stock":
    case "stockout_predicted":
    case "reorder_point":
    case "low_stock":
    case "dead_stock":
      return { subject: alertSubject(content, env), body: createElement(AlertEmail, { content }) };
    case "forecast_failed":
      return { subject: forecastFailedSubject(content, env), body: createElement(ForecastFailedEmail, { content }) };
    case "digest":
      return { subject: digestSubject(content, env), body: createElement(DigestEmail, { content }) };
    case "weekly_summary":
      return { subject: weeklySummarySubject(content, env), body: createElement(WeeklySummaryEmail, { content }) };
    case "recipient_confirmation":
      return { subject: recipientConfirmationSubject(content, env), body: createElement(RecipientConfirmationEmail, { content }) };
    case "test":
      return { subject: testSubject(content, env), body: createElement(TestEmail, { content }) };
    case "dunning":
      return { subject: dunningSubject(content, env), body: createElement(DunningEmail, { content }) };
    case "trial_ending":
      return { subject: trialEndingSubject(content, env), body: createElement(TrialEndingEmail, { content }) };
  }
}

/** Text-part conversion: headings are written by the templates themselves; lists keep their numbers. */
const TEXT_OPTIONS = {
  selectors: [
    { selector: "ol", options: { leadingLineBreaks: 1, trailingLineBreaks: 1 } },
    { selector: "ul", options: { itemPrefix: "- ", leadingLineBreaks: 1, trailingLineBreaks: 1 } },
    { selector: "pre", options: { leadingLineBreaks: 1, trailingLineBreaks: 2 } },
  ],
};

function renderMode(content: EmailContent, mode: RenderMode, body: ReactElement): Promise<string> {
  const tree = createElement(EmailEnvContext.Provider, { value: createEmailEnv(content.shop, content.branding.accentColor, mode) }, body);
  return mode === "html" ? render(tree) : render(tree, { plainText: true, htmlToTextOptions: TEXT_OPTIONS });
}

/** One line, no control characters (a subject is a header), at most 200 characters. */
function cleanSubject(subject: string): string {
  const line = subject.replace(/[\p{Cc}\s]+/gu, " ").trim();
  return line.length > 200 ? `${line.slice(0, 199)}…` : line;
}

/** No trailing spaces, at most one empty line in a row, one final newline. */
function cleanText(text: string): string {
  const lines = text.split("\n").map((line) => line.trimEnd());
  return `${lines
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim()}\n`;
}

export async function renderEmail(content: EmailContent): Promise<RenderedEmail> {
  const { subject, body } = compose(content, createEmailEnv(content.shop, content.branding.accentColor, "html"));
  const [html, text] = await Promise.all([renderMode(content, "html", body), renderMode(content, "text", body)]);
  return { subject: cleanSubject(subject), html, text: cleanText(text), templateVersion: templateVersion(content) };
}
