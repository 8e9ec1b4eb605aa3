/**
 * Email preview: renders every template from app/email/fixtures.ts in English, Spanish and French to
 * .data/email-preview/<template>.<locale>.html (open them in a browser), then screenshots the English ones
 * in Debian's chromium at desktop (1200px) and phone (390px) widths into
 * docs/screenshots/email-<template>-{desktop,mobile}.png.
 *
 *   npx tsx tests/support/email-screenshots.ts
 *
 * The fixtures' product images and logo live on Shopify's CDN, which cannot be reached here: the page
 * gets neutral stand-in pictures instead, and every other request is refused (an email loads nothing else).
 */
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { chromium, type Page } from "@playwright/test";
import { SUPPORTED_LOCALES } from "../../app/i18n/i18n";
import { emailFixture } from "../../app/email/fixtures";
import { EMAIL_TEMPLATES, EmailContent } from "../../app/email/model";
import { renderEmail } from "../../app/email/render.server";

const ROOT = path.resolve(import.meta.dirname, "..", "..");
const PREVIEW_DIR = path.join(ROOT, ".data", "email-preview");
const SCREENSHOT_DIR = path.join(ROOT, "docs", "screenshots");

const WIDTHS = [
  { name: "desktop", viewport: { width: 1200, height: 900 }, isMobile: false },
  { name: "mobile", viewport: { width: 390, height: 844 }, isMobile: true },
] as const;

/** A stand-in picture for a CDN URL: a logo for "*logo*", otherwise a product tile in a colour of its own. */
function standInImage(url: string): string {
  if (url.includes("logo")) {
    return `<svg xmlns="http://www.w3.org/2000/svg" width="240" height="64" viewBox="0 0 240 64"><rect width="64" height="64" rx="12" fill="#1a6b3c"/><path d="M14 46 L32 16 L50 46 Z" fill="#fff"/><text x="76" y="41" font-family="Arial" font-size="22" font-weight="700" fill="#1f2124">Northwind</text></svg>`;
  }
  const hue = [...url].reduce((sum, char) => sum + char.charCodeAt(0), 0) % 360;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="128" height="128" viewBox="0 0 128 128"><rect width="128" height="128" fill="hsl(${hue} 45% 88%)"/><circle cx="64" cy="56" r="30" fill="hsl(${hue} 45% 45%)"/><rect x="28" y="94" width="72" height="12" rx="6" fill="hsl(${hue} 45% 45%)"/></svg>`;
}

async function standInNetwork(page: Page): Promise<void> {
  await page.route("**/*", (route) => {
    const url = route.request().url();
    if (url.startsWith("https://cdn.shopify.com/")) return route.fulfill({ contentType: "image/svg+xml", body: standInImage(url) });
    if (url.startsWith("file:") || url.startsWith("data:")) return route.continue();
    return route.abort();
  });
}

async function main(): Promise<void> {
  await mkdir(PREVIEW_DIR, { recursive: true });
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  for (const template of EMAIL_TEMPLATES) {
    for (const locale of SUPPORTED_LOCALES) {
      const rendered = await renderEmail(EmailContent.parse(emailFixture(template, locale)));
      await writeFile(path.join(PREVIEW_DIR, `${template}.${locale}.html`), rendered.html);
      await writeFile(path.join(PREVIEW_DIR, `${template}.${locale}.txt`), `Subject: ${rendered.subject}\n\n${rendered.text}`);
    }
  }
  console.log(
    `HTML and text of ${EMAIL_TEMPLATES.length} templates × ${SUPPORTED_LOCALES.length} languages in ${path.relative(ROOT, PREVIEW_DIR)}/`,
  );

  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
  try {
    for (const width of WIDTHS) {
      const context = await browser.newContext({
        viewport: width.viewport,
        isMobile: width.isMobile,
        hasTouch: width.isMobile,
        deviceScaleFactor: 2,
      });
      const page = await context.newPage();
      await standInNetwork(page);
      for (const template of EMAIL_TEMPLATES) {
        await page.goto(`file://${path.join(PREVIEW_DIR, `${template}.en.html`)}`, { waitUntil: "load" });
        const file = path.join(SCREENSHOT_DIR, `email-${template}-${width.name}.png`);
        await page.screenshot({ path: file, fullPage: true });
        console.log(path.relative(ROOT, file));
      }
      await context.close();
    }
  } finally {
    await browser.close();
  }
}

await main();
