import { createContext, useContext, useMemo, type ReactNode } from "react";
import { createFormatter, type FormatSettings, type Formatter } from "./format";

const FormatContext = createContext<Formatter>(createFormatter({ locale: "en", currency: null, timeZone: null }));

/** Gives every page the shop's number, money and date formatting (set once in app.tsx). */
export function FormatProvider({ settings, children }: { settings: FormatSettings; children: ReactNode }) {
  const formatter = useMemo(
    () => createFormatter(settings),
    // The settings object is rebuilt on every render of the parent; its fields are what matter.
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [settings.locale, settings.currency, settings.timeZone],
  );
  return <FormatContext.Provider value={formatter}>{children}</FormatContext.Provider>;
}

export function useFormat(): Formatter {
  return useContext(FormatContext);
}
