import { describe, expect, it } from "vitest";
import { FakeApi } from "../../tests/harness";
import { csrfToken, isCrossOrigin, makeClient, rememberCsrf } from "./client";
import { ApiError, fieldErrors, unwrap } from "./problem";

describe("API client", () => {
  it("sends the CSRF cookie's value on writes only, with credentials", async () => {
    document.cookie = "mw_csrf=abc%3D%3D; path=/";
    const api = new FakeApi()
      .on("GET", "/v1/movies", () => ({ status: 200, body: { items: [], info: { limit: 20, skip: 0, total: 0 } } }))
      .on("DELETE", /^\/v1\/reviews\/.+/, () => ({ status: 204 }));
    const client = makeClient("http://api.test", api.fetch);
    await client.GET("/v1/movies");
    await client.DELETE("/v1/reviews/{review_id}", { params: { path: { review_id: "r1" } } });
    expect(api.calls("GET", "/v1/movies")[0]!.headers.has("X-CSRF-Token")).toBe(false);
    expect(api.calls("DELETE", "/v1/reviews/r1")[0]!.headers.get("X-CSRF-Token")).toBe("abc==");
  });

  it("keeps the log-in answer's token only when the API is on another origin", () => {
    const cross = "https://api.movieweb.local";
    expect(csrfToken(cross)).toBeNull();
    rememberCsrf("from-session", cross);
    expect(csrfToken(cross)).toBe("from-session");
    // A readable cookie still wins (e.g. a shared parent domain).
    document.cookie = "mw_csrf=from-cookie; path=/";
    expect(csrfToken(cross)).toBe("from-cookie");
    document.cookie = "mw_csrf=; expires=Thu, 01 Jan 1970 00:00:00 GMT; path=/";
    rememberCsrf(null, cross);
    expect(csrfToken(cross)).toBeNull();
  });

  it("uses only the mw_csrf cookie when the API is on the page's own origin", async () => {
    for (const base of ["", window.location.origin]) {
      expect(isCrossOrigin(base)).toBe(false);
      rememberCsrf("from-session", base);
      expect(window.localStorage.getItem("movieweb.csrf")).toBeNull();
      expect(csrfToken(base)).toBeNull();
    }
    // A token a cross-origin build stored earlier is ignored, and dropped at the next log-in.
    window.localStorage.setItem("movieweb.csrf", "stale");
    expect(csrfToken("")).toBeNull();
    rememberCsrf("fresh", "");
    expect(window.localStorage.getItem("movieweb.csrf")).toBeNull();

    document.cookie = "mw_csrf=same-origin; path=/";
    expect(csrfToken("")).toBe("same-origin");
    const api = new FakeApi().on("POST", "/v1/auth/log-out", () => ({ status: 204 }));
    await makeClient(window.location.origin, api.fetch).POST("/v1/auth/log-out");
    expect(api.calls("POST", "/v1/auth/log-out")[0]!.headers.get("X-CSRF-Token")).toBe("same-origin");
  });

  it("turns problem documents into errors with per-field messages", async () => {
    const api = new FakeApi().on("POST", "/v1/movies", () => ({
      status: 422,
      body: {
        title: "Unprocessable Content",
        status: 422,
        errors: [
          { field: "body.title", message: "String should have at least 1 character" },
          { field: "body.title", message: "second problem" },
          { field: "query.limit", message: "too big" },
        ],
      },
    }));
    const client = makeClient("http://api.test", api.fetch);
    const result = await client.POST("/v1/movies", { body: { title: "", year: 1900 } });
    let caught: unknown;
    try {
      unwrap(result);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(ApiError);
    expect((caught as ApiError).status).toBe(422);
    expect((caught as ApiError).fieldErrors).toEqual({
      title: "String should have at least 1 character; second problem",
      limit: "too big",
    });
    expect(fieldErrors(null)).toEqual({});
  });
});
