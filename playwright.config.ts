import { defineConfig, devices } from "@playwright/test";

// Browser tests drive the demo stack (embedded Postgres, local Shopify, Fluxor, worker) through the
// stand-in admin shell, in Debian's chromium (Playwright's own browser download cannot be reached).
const DEMO_PORT = Number(process.env.FLUXOR_E2E_PORT ?? 4310);

export default defineConfig({
  testDir: "tests/e2e",
  outputDir: "test-results/e2e",
  timeout: 60_000,
  expect: { timeout: 15_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  use: {
    baseURL: `http://127.0.0.1:${DEMO_PORT}`,
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-quic",
      ],
    },
  },
  projects: [
    { name: "desktop", use: { ...devices["Desktop Chrome"], viewport: { width: 1280, height: 900 } } },
    { name: "mobile", use: { ...devices["Pixel 7"] } },
  ],
  webServer: {
    command: `npx tsx tests/demo/main.ts --port ${DEMO_PORT} --fresh-database --store small --quiet`,
    // The tunnel in front of Fluxor answers only once the app is up.
    url: `http://127.0.0.1:${DEMO_PORT + 1}/healthz`,
    timeout: 180_000,
    reuseExistingServer: false,
    stdout: "pipe",
  },
});
