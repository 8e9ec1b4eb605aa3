/**
 * The colours of an email. The shop's accent colour is used as given where it only decorates (the header
 * rule, chart bars); where text sits on it or is drawn in it, the text colour is chosen (or the accent
 * darkened) to keep WCAG AA contrast (4.5:1), so a pale brand colour cannot make a button unreadable.
 */

export interface Palette {
  /** The brand colour as given: header rule, bars. */
  accent: string;
  /** Button background (the accent) and its text colour (black or white, whichever contrasts more). */
  button: { background: string; text: string };
  /** Links on white: the accent, darkened until it reaches 4.5:1. */
  link: string;
  text: string;
  muted: string;
  border: string;
  page: string;
  card: string;
  danger: string;
  warning: string;
  placeholder: string;
}

/** Fluxor's own blue when the shop set no accent colour. */
export const DEFAULT_ACCENT = "#005bd3";

const WHITE = "#ffffff";
const BLACK = "#000000";
const AA = 4.5;

function channels(hex: string): [number, number, number] {
  const value = Number.parseInt(hex.slice(1), 16);
  return [(value >> 16) & 255, (value >> 8) & 255, value & 255];
}

function toHex([r, g, b]: [number, number, number]): string {
  return `#${[r, g, b].map((c) => Math.round(c).toString(16).padStart(2, "0")).join("")}`;
}

/** WCAG 2 relative luminance of a `#rrggbb` colour. */
function luminance(hex: string): number {
  const [r, g, b] = channels(hex).map((c) => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** WCAG 2 contrast ratio of two `#rrggbb` colours (1–21). */
export function contrastRatio(a: string, b: string): number {
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (light + 0.05) / (dark + 0.05);
}

/** The colour, darkened in 5 % steps until it reaches AA contrast on white. */
function readableOnWhite(hex: string): string {
  let rgb = channels(hex);
  let colour = hex;
  while (contrastRatio(colour, WHITE) < AA) {
    rgb = rgb.map((c) => c * 0.95) as [number, number, number];
    colour = toHex(rgb);
  }
  return colour;
}

/** `accent`: a validated `#rrggbb` (model.ts's AccentColor), or null for Fluxor's blue. */
export function createPalette(accent: string | null): Palette {
  const brand = accent ?? DEFAULT_ACCENT;
  return {
    accent: brand,
    button: { background: brand, text: contrastRatio(brand, WHITE) >= contrastRatio(brand, BLACK) ? WHITE : BLACK },
    link: readableOnWhite(brand),
    text: "#1f2124",
    muted: "#5c5f62",
    border: "#d9dbde",
    page: "#f1f2f4",
    card: WHITE,
    danger: "#b42318",
    warning: "#8a4b00",
    placeholder: "#e3e5e8",
  };
}
