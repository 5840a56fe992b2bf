/// <reference types="vitest/config" />
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// The browser talks to one origin: the dev server (and `vite preview`) forward /v1 to the
// gateway, so the session cookie and the CSRF cookie are first-party and no CORS is involved.
// The Origin header is passed through untouched: the gateway checks it against its
// allowed_origins (the devstack allows http://127.0.0.1:5173 and http://localhost:5173).
const gateway = process.env.MOVIEWEB_GATEWAY_URL ?? "http://127.0.0.1:8000";
const proxy = { "/v1": { target: gateway, changeOrigin: false, xfwd: true } };

export default defineConfig({
  plugins: [react()],
  server: { host: "127.0.0.1", port: 5173, strictPort: true, proxy },
  preview: { host: "127.0.0.1", port: 5173, strictPort: true, proxy },
  build: {
    // The budget test reads the manifest to find the entry chunk and its static imports.
    manifest: true,
    target: "es2022",
    sourcemap: false,
  },
  test: {
    environment: "jsdom",
    setupFiles: ["./tests/setup.ts"],
    include: ["src/**/*.test.{ts,tsx}", "tests/**/*.test.{ts,tsx}"],
    css: false,
    testTimeout: 20_000,
  },
});
