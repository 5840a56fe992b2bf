// Rendering pages against a scripted API: requests go through the real openapi-fetch client
// (with its CSRF middleware) into `FakeApi`, which answers by method and path and records
// every request so tests can assert what the page asked for.
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render } from "@testing-library/react";
import type { ReactElement } from "react";
import { createMemoryRouter, RouterProvider } from "react-router-dom";
import { makeClient } from "../src/api/client";
import { ApiProvider } from "../src/api/context";

export interface Recorded {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Headers;
  body: unknown;
}

type Handler = (req: Recorded) => { status: number; body?: unknown } | Promise<{ status: number; body?: unknown }>;

export class FakeApi {
  readonly requests: Recorded[] = [];
  private readonly routes: { method: string; pattern: RegExp; handler: Handler }[] = [];

  on(method: string, pattern: RegExp | string, handler: Handler): this {
    const re = typeof pattern === "string" ? new RegExp(`^${pattern}$`) : pattern;
    this.routes.push({ method, pattern: re, handler });
    return this;
  }

  fetch = async (input: Request): Promise<Response> => {
    const url = new URL(input.url);
    const text = input.method === "GET" ? "" : await input.text();
    const req: Recorded = {
      method: input.method,
      path: url.pathname,
      query: url.searchParams,
      headers: input.headers,
      body: text ? JSON.parse(text) : undefined,
    };
    this.requests.push(req);
    const route = this.routes.find((r) => r.method === req.method && r.pattern.test(req.path));
    if (!route) return json(404, { type: "about:blank", title: "Not Found", status: 404, detail: `no fake for ${req.method} ${req.path}` });
    const { status, body } = await route.handler(req);
    return status === 204 ? new Response(null, { status }) : json(status, body);
  };

  calls(method: string, path: string | RegExp): Recorded[] {
    return this.requests.filter(
      (r) => r.method === method && (typeof path === "string" ? r.path === path : path.test(r.path)),
    );
  }
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": status >= 400 ? "application/problem+json" : "application/json" },
  });
}

export function renderRoute(api: FakeApi, element: ReactElement, { path = "/", at = "/" } = {}) {
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false, staleTime: 0 } } });
  const router = createMemoryRouter(
    [
      { path, element },
      { path: "*", element: <p>elsewhere</p> },
    ],
    { initialEntries: [at] },
  );
  const client = makeClient("http://api.test", api.fetch);
  const view = render(
    <ApiProvider client={client}>
      <QueryClientProvider client={queryClient}>
        <RouterProvider router={router} />
      </QueryClientProvider>
    </ApiProvider>,
  );
  return { ...view, router, queryClient };
}

export const NOW = "2026-11-28T10:00:00Z";

export function movie(i: number, extra: Record<string, unknown> = {}) {
  return {
    id: `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`,
    slug: `film-${i}`,
    title: `Film ${i}`,
    year: 1950 + (i % 70),
    director: null,
    country: null,
    category: null,
    poster_url: null,
    background_url: null,
    created_by: null,
    created_at: NOW,
    updated_at: NOW,
    rating: { count: 0, average: null, histogram: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0] },
    ...extra,
  };
}

export function page<T>(items: T[], info: { total: number; limit: number; skip?: number; next_cursor?: string | null }) {
  return { items, info: { skip: 0, next_cursor: null, ...info } };
}
