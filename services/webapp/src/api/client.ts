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

// Same origin by default (the dev server, the local static server and nginx forward /v1 to
// the gateway). A build for a separate API host sets VITE_API_BASE, e.g. https://api.movieweb.local.
export const API_BASE: string = import.meta.env.VITE_API_BASE ?? "";

const CSRF_COOKIE = "mw_csrf";
// When the API is on another host its mw_csrf cookie is not readable here: keep the token the
// log-in answer carried (Session.csrf_token) instead.
const CSRF_STORE = "movieweb.csrf";

export function readCookie(name: string): string | null {
  for (const part of document.cookie.split(";")) {
    const [key, ...rest] = part.trim().split("=");
    if (key === name) return decodeURIComponent(rest.join("="));
  }
  return null;
}

export function csrfToken(): string | null {
  return readCookie(CSRF_COOKIE) ?? safeStorage()?.getItem(CSRF_STORE) ?? null;
}

export function rememberCsrf(token: string | null): void {
  const store = safeStorage();
  if (!store) return;
  if (token) store.setItem(CSRF_STORE, token);
  else store.removeItem(CSRF_STORE);
}

function safeStorage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

const csrf: Middleware = {
  onRequest({ request }) {
    if (request.method !== "GET" && request.method !== "HEAD") {
      const token = csrfToken();
      if (token) request.headers.set("X-CSRF-Token", token);
    }
    return request;
  },
};

export function makeClient(baseUrl: string = API_BASE, fetchImpl?: (input: Request) => Promise<Response>) {
  const client = createClient<paths>({
    baseUrl: baseUrl || (typeof window !== "undefined" ? window.location.origin : ""),
    credentials: "include",
    // Resolved at call time so tests can replace globalThis.fetch.
    fetch: fetchImpl ?? ((input: Request) => globalThis.fetch(input)),
    querySerializer: { array: { style: "form", explode: true } },
  });
  client.use(csrf);
  return client;
}

export type ApiClient = ReturnType<typeof makeClient>;
