#!/usr/bin/env node
// The built web app on one origin, for the local stack and the browser tests:
//   node scripts/serve.mjs [--port 5173] [--host 127.0.0.1] [--gateway http://127.0.0.1:8000] [--dist dist]
// - serves dist/ (hashed /assets/* cached for a year, index.html never cached, SPA fallback)
//   with the same security headers and CSP as nginx.conf;
// - forwards /v1/* to the gateway, so the browser sees one origin: first-party cookies, no CORS.
//
// CSRF: the gateway accepts writes only from its allowed origins. This server is the site's
// origin, so it checks the browser's Origin itself (writes from any other origin get 403) and
// then presents the gateway's own origin upstream; the X-CSRF-Token double submit still goes
// through untouched. That way the gateway needs no per-port configuration for it.
// No dependencies: Node's http module only, so it runs wherever `npm run build` ran.
import { createReadStream, existsSync, statSync } from "node:fs";
import { createServer, request as httpRequest } from "node:http";
import { extname, join, normalize, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { createGzip } from "node:zlib";

const here = fileURLToPath(new URL(".", import.meta.url));

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

const host = arg("host", process.env.MOVIEWEB_WEBAPP_HOST ?? "127.0.0.1");
const port = Number(arg("port", process.env.MOVIEWEB_WEBAPP_PORT ?? "5173"));
const gateway = new URL(arg("gateway", process.env.MOVIEWEB_GATEWAY_URL ?? "http://127.0.0.1:8000"));
const dist = resolve(arg("dist", join(here, "..", "dist")));

// Same policy as nginx.conf. Posters and avatars are images on other hosts (the devstack's
// posters route, a CDN), hence img-src http: https:; everything else is this origin only.
export const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: http: https:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

const SECURITY_HEADERS = {
  "content-security-policy": CSP,
  "x-content-type-options": "nosniff",
  "referrer-policy": "strict-origin-when-cross-origin",
  "x-frame-options": "DENY",
  "permissions-policy": "camera=(), microphone=(), geolocation=()",
};

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".json": "application/json",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
};
const COMPRESSIBLE = new Set([".html", ".js", ".css", ".svg", ".json", ".txt"]);

function fileFor(pathname) {
  let decoded;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return null;
  }
  const candidate = normalize(join(dist, decoded));
  if (candidate !== dist && !candidate.startsWith(dist + sep)) return null; // no ../ escapes
  if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  return null;
}

function sendFile(req, res, file, status = 200) {
  const ext = extname(file);
  const headers = { ...SECURITY_HEADERS, "content-type": TYPES[ext] ?? "application/octet-stream" };
  const isAsset = file.startsWith(join(dist, "assets") + sep);
  headers["cache-control"] = isAsset ? "public, max-age=31536000, immutable" : "no-cache";
  const gzip = COMPRESSIBLE.has(ext) && /\bgzip\b/.test(req.headers["accept-encoding"] ?? "");
  if (gzip) {
    headers["content-encoding"] = "gzip";
    headers["vary"] = "Accept-Encoding";
  } else {
    headers["content-length"] = statSync(file).size;
  }
  res.writeHead(status, headers);
  if (req.method === "HEAD") return res.end();
  const stream = createReadStream(file);
  (gzip ? stream.pipe(createGzip()) : stream).pipe(res);
}

function problem(res, status, title, detail) {
  res.writeHead(status, { "content-type": "application/problem+json", ...SECURITY_HEADERS });
  res.end(JSON.stringify({ type: "about:blank", title, status, detail }));
}

const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);

function proxy(req, res, ownOrigin) {
  const headers = { ...req.headers, host: gateway.host };
  if (!SAFE.has(req.method)) {
    const origin = req.headers.origin;
    if (origin && origin !== "null" && origin !== ownOrigin) {
      return problem(res, 403, "Forbidden", `cross-site request refused: origin ${origin}`);
    }
    headers.origin = gateway.origin;
    delete headers.referer;
  }
  // The gateway trusts X-Forwarded-For from loopback (per-IP rate limits see the real client).
  const prior = req.headers["x-forwarded-for"];
  const client = req.socket.remoteAddress ?? "";
  headers["x-forwarded-for"] = prior ? `${prior}, ${client}` : client;
  const upstream = httpRequest(
    {
      protocol: gateway.protocol,
      hostname: gateway.hostname,
      port: gateway.port,
      method: req.method,
      path: req.url,
      headers,
    },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  upstream.on("error", (err) => {
    if (!res.headersSent) problem(res, 502, "Bad Gateway", `the API is unreachable: ${err.code ?? err.message}`);
    else res.destroy();
  });
  req.pipe(upstream);
}

const server = createServer((req, res) => {
  const url = new URL(req.url ?? "/", "http://placeholder");
  const ownOrigin = `http://${req.headers.host ?? `${host}:${port}`}`;
  if (url.pathname === "/v1" || url.pathname.startsWith("/v1/")) return proxy(req, res, ownOrigin);
  if (url.pathname === "/healthz") {
    res.writeHead(200, { "content-type": "text/plain" });
    return res.end("ok\n");
  }
  if (req.method !== "GET" && req.method !== "HEAD") return problem(res, 405, "Method Not Allowed");
  // Build metadata (the manifest) is not for the public; nginx.conf refuses it too.
  if (url.pathname.startsWith("/.vite/")) return problem(res, 404, "Not Found");
  const file = fileFor(url.pathname);
  if (file) return sendFile(req, res, file);
  // A missing hashed asset is a real 404 (an old page asking for a deleted build's chunk).
  if (url.pathname.startsWith("/assets/")) return problem(res, 404, "Not Found");
  const index = join(dist, "index.html");
  if (!existsSync(index)) return problem(res, 503, "Not built", "run `npm run build` in services/webapp first");
  return sendFile(req, res, index);
});

server.listen(port, host, () => {
  console.log(`movieweb webapp on http://${host}:${port} (API → ${gateway.origin}, files from ${dist})`);
});
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => server.close(() => process.exit(0)));
