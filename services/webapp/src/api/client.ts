// The typed API client: openapi-fetch over the generated schema types, one instance per app.
// Cookies carry the session (httpOnly mw_session); every write also sends X-CSRF-Token, the
// double-submit value of the readable mw_csrf cookie.
import createClient, { type Middleware } from "openapi-fetch";
import type { components, paths } from "./schema";

export type Schemas = components["schemas"];
export type Movie = Schemas["Movie"];
export type Review = Schemas["Review"];
export type User = Schemas["User"];
export type Me = Schemas["Me"];
export type PageInfo = Schemas["PageInfo"];
export type FollowEntry = Schemas["FollowEntry"];
export type MovieCreate = Schemas["MovieCreate"];
export type Registration = Schemas["Registration"];

// Same origin by default: the dev server and the local static server forward /v1 to the
// gateway, and on Kubernetes the ingress routes <web host>/v1 to the gateway Service. A build
// for a separate API host sets VITE_API_BASE, e.g. https://api.movieweb.local.
export const API_BASE: string = import.meta.env.VITE_API_BASE ?? "";

const CSRF_COOKIE = "mw_csrf";
// Only when the API is on another origin: its mw_csrf cookie is not readable here, so the token
// the log-in answer carried (Session.csrf_token) is kept instead. On the same origin the cookie
// is the single source of truth and nothing is stored (a stored copy could outlive the session).
const CSRF_STORE = "movieweb.csrf";

/** Whether `base` names an origin other than the page's (empty or relative = same origin). */
export function isCrossOrigin(base: string = API_BASE): boolean {
  if (!base || typeof window === "undefined") return false;
  try {
    return new URL(base, window.location.href).origin !== window.location.origin;
  } catch {
    return false;
  }
}

export function readCookie(name: string): string | null {
  for (const part of document.cookie.split(";")) {
    const [key, ...rest] = part.trim().split("=");
    if (key === name) return decodeURIComponent(rest.join("="));
  }
  return null;
}

export function csrfToken(base: string = API_BASE): string | null {
  const cookie = readCookie(CSRF_COOKIE);
  if (cookie !== null || !isCrossOrigin(base)) return cookie;
  return safeStorage()?.getItem(CSRF_STORE) ?? null;
}

export function rememberCsrf(token: string | null, base: string = API_BASE): void {
  const store = safeStorage();
  if (!store) return;
  // Same origin: drop any copy a cross-origin build left behind; the cookie is enough.
  if (token && isCrossOrigin(base)) store.setItem(CSRF_STORE, token);
  else store.removeItem(CSRF_STORE);
}

function safeStorage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

function csrfMiddleware(base: string): Middleware {
  return {
    onRequest({ request }) {
      if (request.method !== "GET" && request.method !== "HEAD") {
        const token = csrfToken(base);
        if (token) request.headers.set("X-CSRF-Token", token);
      }
      return request;
    },
  };
}

export function makeClient(baseUrl: string = API_BASE, fetchImpl?: (input: Request) => Promise<Response>) {
  const client = createClient<paths>({
    baseUrl: baseUrl || (typeof window !== "undefined" ? window.location.origin : ""),
    credentials: "include",
    // Resolved at call time so tests can replace globalThis.fetch.
    fetch: fetchImpl ?? ((input: Request) => globalThis.fetch(input)),
    querySerializer: { array: { style: "form", explode: true } },
  });
  client.use(csrfMiddleware(baseUrl));
  return client;
}

export type ApiClient = ReturnType<typeof makeClient>;
