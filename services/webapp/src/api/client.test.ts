import { describe, expect, it } from "vitest";
import { FakeApi } from "../../tests/harness";
import { csrfToken, makeClient, rememberCsrf } from "./client";
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

  it("falls back to the token from the log-in answer when the cookie is not readable", () => {
    expect(csrfToken()).toBeNull();
    rememberCsrf("from-session");
    expect(csrfToken()).toBe("from-session");
    rememberCsrf(null);
    expect(csrfToken()).toBeNull();
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
