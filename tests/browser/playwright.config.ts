// Playwright for the web app's browser tests: Debian's Chromium (/usr/bin/chromium, installed
// by services/webapp/scripts/ensure-chromium.sh), never a downloaded browser.
// The site is started by test_webapp.py (the full local stack + the built app) and passed in
// MOVIEWEB_WEBAPP_URL / MOVIEWEB_GATEWAY_URL.
import { defineConfig } from "@playwright/test";

const artifacts = process.env.MOVIEWEB_TEST_ARTIFACTS ?? "../../test-artifacts";

export default defineConfig({
  testDir: ".",
  testMatch: /.*\.spec\.ts/,
  timeout: 90_000,
  expect: { timeout: 15_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [["list"]],
  outputDir: `${artifacts}/playwright`,
  use: {
    baseURL: process.env.MOVIEWEB_WEBAPP_URL ?? "http://127.0.0.1:5173",
    headless: true,
    viewport: { width: 1280, height: 900 },
    screenshot: "only-on-failure",
    trace: "retain-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-quic",
      ],
    },
  },
});
