// @vitest-environment node
// The first page load's JavaScript: the entry chunk and everything it imports statically
// (not the lazily loaded pages), gzipped, must stay under the budget. A fresh production build
// is made into a temporary directory, so the check never reads a stale dist/.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";

/** Gzipped KiB (gzip level 6, as nginx.conf serves it) allowed for the initial JavaScript. Measured 2026-11: 112 KB (React 19 +
 * react-dom ≈ 60, React Router ≈ 30, TanStack Query ≈ 12, app shell ≈ 10). */
export const INITIAL_JS_BUDGET_KB = 120;

interface ManifestChunk {
  file: string;
  isEntry?: boolean;
  imports?: string[];
  dynamicImports?: string[];
}

const root = resolve(__dirname, "..");
const out = mkdtempSync(join(tmpdir(), "webapp-budget-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

function initialChunks(manifest: Record<string, ManifestChunk>): string[] {
  const entry = Object.keys(manifest).find((k) => manifest[k]!.isEntry);
  if (!entry) throw new Error("no entry chunk in the manifest");
  const seen = new Set<string>();
  const walk = (key: string) => {
    if (seen.has(key)) return;
    seen.add(key);
    for (const dep of manifest[key]!.imports ?? []) walk(dep);
  };
  walk(entry);
  return [...seen].map((k) => manifest[k]!.file);
}

describe("bundle size", () => {
  it(`keeps the initial JavaScript under ${INITIAL_JS_BUDGET_KB} KB gzipped`, () => {
    execFileSync(process.execPath, [resolve(root, "node_modules/vite/bin/vite.js"), "build", "--outDir", out, "--emptyOutDir", "--logLevel", "warn"], {
      cwd: root,
      stdio: "pipe",
      // Vitest sets NODE_ENV=test, which would make Vite bundle React's development build.
      env: { ...process.env, NODE_ENV: "production" },
    });
    const manifest = JSON.parse(readFileSync(join(out, ".vite/manifest.json"), "utf8")) as Record<string, ManifestChunk>;
    const files = initialChunks(manifest);
    const sizes = files.map((f) => ({ f, gz: gzipSync(readFileSync(join(out, f)), { level: 6 }).length }));
    const totalKb = sizes.reduce((n, s) => n + s.gz, 0) / 1024;
    console.log(
      `initial JS: ${totalKb.toFixed(1)} KB gzipped (budget ${INITIAL_JS_BUDGET_KB} KB): ` +
        sizes.map((s) => `${s.f} ${(s.gz / 1024).toFixed(1)} KB`).join(", "),
    );
    expect(totalKb).toBeLessThan(INITIAL_JS_BUDGET_KB);
    // The pages really are split off: the first load does not carry them.
    const lazyPages = Object.keys(manifest).filter((k) => k.startsWith("src/pages/"));
    expect(lazyPages.length).toBeGreaterThanOrEqual(9);
    for (const page of lazyPages) expect(files).not.toContain(manifest[page]!.file);
  });
});
