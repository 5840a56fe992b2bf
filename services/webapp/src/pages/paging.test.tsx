// The movies list: cursor paging forward and back, and a debounced search box.
import { fireEvent, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { FakeApi, movie, page, renderRoute } from "../../tests/harness";
import MoviesPage from "./MoviesPage";

const PAGE = 24;

/** 60 movies, served the way the gateway pages them: an opaque cursor to the next page. */
function moviesApi(total = 60) {
  const all = Array.from({ length: total }, (_, i) => movie(i));
  return new FakeApi().on("GET", "/v1/movies", (req) => {
    const q = req.query.get("q") ?? "";
    const matching = all.filter((m) => m.title.includes(q));
    const start = Number(req.query.get("cursor")?.replace("c", "") ?? 0);
    const limit = Number(req.query.get("limit"));
    const end = start + limit;
    return {
      status: 200,
      body: page(matching.slice(start, end), { total: matching.length, limit, next_cursor: end < matching.length ? `c${end}` : null }),
    };
  });
}

describe("movies list paging", () => {
  it("pages forward with the cursor and back through the pages already seen", async () => {
    const api = moviesApi();
    renderRoute(api, <MoviesPage />, { path: "/movies", at: "/movies" });
    expect(await screen.findByText("Page 1 of 3")).toBeInTheDocument();
    expect(screen.getByText("60 movies")).toBeInTheDocument();
    expect(screen.getByRole("link", { name: /Film 0/ })).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Previous" })).toBeDisabled();

    await userEvent.click(screen.getByRole("button", { name: "Next" }));
    expect(await screen.findByText("Page 2 of 3")).toBeInTheDocument();
    await screen.findByRole("link", { name: /Film 24/ });
    expect(api.calls("GET", "/v1/movies").at(-1)!.query.get("cursor")).toBe("c24");

    await userEvent.click(screen.getByRole("button", { name: "Next" }));
    expect(await screen.findByText("Page 3 of 3")).toBeInTheDocument();
    await screen.findByRole("link", { name: /Film 59/ });
    expect(screen.getByRole("button", { name: "Next" })).toBeDisabled();

    await userEvent.click(screen.getByRole("button", { name: "Previous" }));
    expect(await screen.findByText("Page 2 of 3")).toBeInTheDocument();
    await userEvent.click(screen.getByRole("button", { name: "Previous" }));
    await screen.findByRole("link", { name: /Film 0/ });
    expect(screen.getByText("Page 1 of 3")).toBeInTheDocument();
    // Every request asked for the page size; the first page had no cursor.
    const calls = api.calls("GET", "/v1/movies");
    expect(calls.every((c) => c.query.get("limit") === String(PAGE))).toBe(true);
    expect(calls[0]!.query.has("cursor")).toBe(false);
  });

  it("hides paging when everything fits on one page", async () => {
    renderRoute(moviesApi(5), <MoviesPage />, { path: "/movies", at: "/movies" });
    expect(await screen.findByText("5 movies")).toBeInTheDocument();
    expect(screen.queryByRole("navigation", { name: "Movie pages" })).not.toBeInTheDocument();
  });

  it("searches once typing pauses, and starts again from page 1", async () => {
    const api = moviesApi();
    const { router } = renderRoute(api, <MoviesPage />, { path: "/movies", at: "/movies" });
    await screen.findByText("Page 1 of 3");
    await userEvent.click(screen.getByRole("button", { name: "Next" }));
    await screen.findByText("Page 2 of 3");
    const before = api.calls("GET", "/v1/movies").length;

    // Keystrokes faster than the debounce (all within one tick, so a loaded machine cannot
    // stretch them past 300 ms): one request, for the settled text.
    const box = screen.getByLabelText("Search titles and directors");
    for (const text of ["F", "Fi", "Fil", "Film", "Film ", "Film 1"]) fireEvent.change(box, { target: { value: text } });
    await waitFor(() => expect(screen.getByText("11 movies")).toBeInTheDocument());
    const searches = api.calls("GET", "/v1/movies").slice(before);
    // One request for the settled text, none per keystroke; no cursor from the old list.
    expect(searches.map((c) => c.query.get("q"))).toEqual(["Film 1"]);
    expect(searches[0]!.query.has("cursor")).toBe(false);
    expect(router.state.location.search).toBe("?q=Film+1");
    expect(screen.queryByRole("navigation", { name: "Movie pages" })).not.toBeInTheDocument();
  });

  it("reads its filters from the address", async () => {
    const api = moviesApi();
    renderRoute(api, <MoviesPage />, { path: "/movies", at: "/movies?sort=year&direction=desc&year_gte=1990&category=noir" });
    await screen.findByText("Page 1 of 3");
    const q = api.calls("GET", "/v1/movies")[0]!.query;
    expect(Object.fromEntries(q)).toEqual({ sort: "year", direction: "desc", year_gte: "1990", category: "noir", limit: "24" });
    expect(screen.getByLabelText("Sort by")).toHaveValue("year");
    expect(screen.getByLabelText("From year")).toHaveValue(1990);
  });
});
