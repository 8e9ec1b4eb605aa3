/**
 * What every template component reads while rendering: the words (the `email` namespace of the app's
 * i18n, in the email's language), the formats (the shop's currency and time zone), the colours (the
 * shop's accent) and the mode. Each email is rendered twice from the same tree: once as HTML, once as a
 * simple text-first document that @react-email/render turns into the plaintext part, so the text part
 * is written for reading (labels, full URLs) rather than stripped from the HTML layout.
 */
import { createContext, useContext } from "react";
import { createI18n, type Locale } from "../../i18n/i18n";
import { type EmailShop } from "../model";
import { createEmailFormatter, type EmailFormatter } from "./format";
import { createPalette, type Palette } from "./palette";

export type RenderMode = "html" | "text";

/** Looks a key of the `email` namespace up, with interpolation values and `count` for plurals. */
export type EmailT = (key: string, values?: Record<string, string | number>) => string;

export interface EmailEnv {
  mode: RenderMode;
  locale: Locale;
  t: EmailT;
  fmt: EmailFormatter;
  palette: Palette;
}

const translators = new Map<Locale, EmailT>();

/** The `email` namespace's translator for a language (one i18next instance per language, kept). */
function emailTranslator(locale: Locale): EmailT {
  let t = translators.get(locale);
  if (!t) {
    const fixed = createI18n(locale).getFixedT(locale, "email");
    t = (key, values) => fixed(key, values ?? {});
    translators.set(locale, t);
  }
  return t;
}

export function createEmailEnv(shop: EmailShop, accentColor: string | null, mode: RenderMode): EmailEnv {
  return {
    mode,
    locale: shop.locale,
    t: emailTranslator(shop.locale),
    fmt: createEmailFormatter(shop),
    palette: createPalette(accentColor),
  };
}

export const EmailEnvContext = createContext<EmailEnv | null>(null);

export function useEmailEnv(): EmailEnv {
  const env = useContext(EmailEnvContext);
  if (!env) throw new Error("an email component rendered outside renderEmail");
  return env;
}
