// @vitest-environment node
// The typed client must match the gateway's exported schema: the stored copy byte for byte,
// and schema.d.ts exactly what openapi-typescript writes for it. Fix with `npm run gen:api`.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
// @ts-expect-error -- plain .mjs helper shared with scripts/gen-api.mjs
import { generateSchemaTypes } from "../scripts/schema-types.mjs";

const root = resolve(__dirname, "..");
const copy = resolve(root, "src/api/openapi.json");
const gateway = resolve(root, "../gateway/openapi.json");

describe("API client drift", () => {
  it("stores the gateway's current schema (run `npm run gen:api` if this fails)", () => {
    const stored = readFileSync(copy, "utf8");
    const current = readFileSync(gateway, "utf8");
    // Compare parsed first for a readable diff of what changed, then the bytes.
    expect(JSON.parse(stored)).toEqual(JSON.parse(current));
    expect(stored).toBe(current);
  });

  it("has schema.d.ts generated from the stored copy (run `npm run gen:api` if this fails)", async () => {
    const expected: string = await generateSchemaTypes(copy);
    expect(readFileSync(resolve(root, "src/api/schema.d.ts"), "utf8")).toBe(expected);
  });
});
