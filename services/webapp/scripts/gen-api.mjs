// Regenerates the typed API client's types from the gateway's exported schema:
//   ../gateway/openapi.json  →  src/api/openapi.json (stored copy)  →  src/api/schema.d.ts
// `npm run gen:api` after the gateway's schema changes; tests/api-drift.test.ts fails until then.
import { copyFileSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { generateSchemaTypes } from "./schema-types.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const source = resolve(root, "../gateway/openapi.json");
const copy = resolve(root, "src/api/openapi.json");
copyFileSync(source, copy);
writeFileSync(resolve(root, "src/api/schema.d.ts"), await generateSchemaTypes(copy));
console.log("wrote src/api/openapi.json and src/api/schema.d.ts");
