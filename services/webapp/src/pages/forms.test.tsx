// Forms against a scripted API: the gateway's problem documents must land at the right inputs.
import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { FakeApi, movie, renderRoute } from "../../tests/harness";
import { AddMovieForm, toMovieCreate } from "./AddMoviePage";
import LogInPage, { safeNext } from "./LogInPage";
import RegisterPage from "./RegisterPage";

const ME = { id: "11111111-1111-4111-8111-111111111111", login: "ada", email: "ada@example.org", created_at: "2026-01-01T00:00:00Z" };

function validationProblem(errors: { field: string; message: string }[]) {
  return { status: 422, body: { type: "about:blank", title: "Unprocessable Content", status: 422, detail: "request validation failed", errors } };
}

describe("add movie form", () => {
  it("shows each validation message at its input and keeps the typed values", async () => {
    document.cookie = "mw_csrf=tok-123; path=/";
    const api = new FakeApi().on("POST", "/v1/movies", () =>
      validationProblem([
        { field: "body.year", message: "Input should be greater than or equal to 1870" },
        { field: "body.poster_url", message: "String should match pattern '^[Hh][Tt][Tt][Pp][Ss]?://'" },
      ]),
    );
    renderRoute(api, <AddMovieForm />);
    await userEvent.type(screen.getByLabelText("Title"), "Metropolis");
    await userEvent.type(screen.getByLabelText("Year"), "1800");
    await userEvent.type(screen.getByLabelText("Poster URL"), "ftp://x/y.png");
    await userEvent.click(screen.getByRole("button", { name: "Add movie" }));

    const year = screen.getByLabelText("Year");
    await waitFor(() => expect(year).toHaveAttribute("aria-invalid", "true"));
    expect(year).toHaveAccessibleDescription(/greater than or equal to 1870/);
    expect(screen.getByLabelText("Poster URL")).toHaveAccessibleDescription(/should match pattern/);
    expect(screen.getByLabelText("Title")).not.toHaveAttribute("aria-invalid");
    expect(screen.getByLabelText("Title")).toHaveValue("Metropolis");
    expect(screen.getByRole("alert")).toHaveTextContent("Please correct the fields marked below.");

    // What was sent: numbers as numbers, the CSRF double submit on the write.
    const [sent] = api.calls("POST", "/v1/movies");
    expect(sent!.body).toEqual({ title: "Metropolis", year: 1800, poster_url: "ftp://x/y.png" });
    expect(sent!.headers.get("X-CSRF-Token")).toBe("tok-123");
  });

  it("goes to the new movie's page when the API accepts it", async () => {
    const created = movie(7, { title: "Metropolis", year: 1927 });
    const api = new FakeApi().on("POST", "/v1/movies", () => ({ status: 201, body: created }));
    const { router } = renderRoute(api, <AddMovieForm />);
    await userEvent.type(screen.getByLabelText("Title"), "Metropolis");
    await userEvent.type(screen.getByLabelText("Year"), "1927");
    await userEvent.click(screen.getByRole("button", { name: "Add movie" }));
    await waitFor(() => expect(router.state.location.pathname).toBe(`/movies/${created.id}`));
  });

  it("puts a conflict's message at the top of the form", async () => {
    const api = new FakeApi().on("POST", "/v1/movies", () => ({
      status: 409,
      body: { type: "about:blank", title: "Conflict", status: 409, detail: "a movie with this slug already exists" },
    }));
    renderRoute(api, <AddMovieForm />);
    await userEvent.type(screen.getByLabelText("Title"), "Metropolis");
    await userEvent.type(screen.getByLabelText("Year"), "1927");
    await userEvent.click(screen.getByRole("button", { name: "Add movie" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("a movie with this slug already exists");
  });

  it("leaves empty optional fields out of the request", () => {
    expect(
      toMovieCreate({ title: " T ", year: "2001", director: "", country: " ", category: "drama", poster_url: "", background_url: "" }),
    ).toEqual({ title: "T", year: 2001, category: "drama" });
  });
});

describe("register form", () => {
  it("maps field errors from the API to the login and password inputs", async () => {
    const api = new FakeApi().on("POST", "/v1/auth/register", () =>
      validationProblem([
        { field: "body.login", message: "String should match pattern '^[A-Za-z0-9_.]+$'" },
        { field: "body.password", message: "String should have at least 10 characters" },
      ]),
    );
    renderRoute(api, <RegisterPage />);
    await userEvent.type(screen.getByLabelText("Login"), "bad login!");
    await userEvent.type(screen.getByLabelText("E-mail"), "a@b.org");
    await userEvent.type(screen.getByLabelText("Password"), "short");
    await userEvent.click(screen.getByRole("button", { name: "Create account" }));
    await waitFor(() => expect(screen.getByLabelText("Password")).toHaveAttribute("aria-invalid", "true"));
    expect(screen.getByLabelText("Password")).toHaveAccessibleDescription(/at least 10 characters/);
    expect(screen.getByLabelText("Login")).toHaveAccessibleDescription(/should match pattern/);
    expect(screen.getByLabelText("E-mail")).not.toHaveAttribute("aria-invalid");
  });

  it("says so when the login is taken", async () => {
    const api = new FakeApi().on("POST", "/v1/auth/register", () => ({
      status: 409,
      body: { type: "about:blank", title: "Conflict", status: 409, detail: "login ada is taken" },
    }));
    renderRoute(api, <RegisterPage />);
    await userEvent.type(screen.getByLabelText("Login"), "ada");
    await userEvent.type(screen.getByLabelText("E-mail"), "a@b.org");
    await userEvent.type(screen.getByLabelText("Password"), "long enough password");
    await userEvent.click(screen.getByRole("button", { name: "Create account" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("That login or e-mail is already taken.");
    expect(screen.getByLabelText("Login")).toHaveAccessibleDescription(/login ada is taken/);
  });

  it("registers, then logs in with the same credentials", async () => {
    const api = new FakeApi()
      .on("POST", "/v1/auth/register", () => ({ status: 201, body: ME }))
      .on("POST", "/v1/auth/log-in", () => ({ status: 200, body: { user: ME, expires_in: 900, csrf_token: "t" } }));
    const { router } = renderRoute(api, <RegisterPage />, { path: "/register", at: "/register" });
    await userEvent.type(screen.getByLabelText("Login"), "ada");
    await userEvent.type(screen.getByLabelText("E-mail"), "ada@example.org");
    await userEvent.type(screen.getByLabelText("Password"), "correct horse battery");
    await userEvent.type(screen.getByLabelText("Name (optional)"), "Ada Lovelace");
    await userEvent.click(screen.getByRole("button", { name: "Create account" }));
    await waitFor(() => expect(router.state.location.pathname).toBe("/"));
    expect(api.calls("POST", "/v1/auth/register")[0]!.body).toEqual({
      login: "ada",
      email: "ada@example.org",
      password: "correct horse battery",
      name: "Ada Lovelace",
    });
    expect(api.calls("POST", "/v1/auth/log-in")[0]!.body).toEqual({ login: "ada", password: "correct horse battery" });
  });
});

describe("log-in form", () => {
  it("says the credentials are wrong on 401, and goes to ?next on success", async () => {
    let attempts = 0;
    const api = new FakeApi().on("POST", "/v1/auth/log-in", () =>
      ++attempts === 1
        ? { status: 401, body: { type: "about:blank", title: "Unauthorized", status: 401, detail: "wrong login or password" } }
        : { status: 200, body: { user: ME, expires_in: 900, csrf_token: "t" } },
    );
    const { router } = renderRoute(api, <LogInPage />, { path: "/log-in", at: "/log-in?next=%2Ffeed" });
    await userEvent.type(screen.getByLabelText("Login"), "ada");
    await userEvent.type(screen.getByLabelText("Password"), "nope");
    await userEvent.click(screen.getByRole("button", { name: "Log in" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("Wrong login or password.");
    await userEvent.clear(screen.getByLabelText("Password"));
    await userEvent.type(screen.getByLabelText("Password"), "correct horse battery");
    await userEvent.click(screen.getByRole("button", { name: "Log in" }));
    await waitFor(() => expect(router.state.location.pathname).toBe("/feed"));
  });

  it("never redirects off the site", () => {
    expect(safeNext("/movies/1")).toBe("/movies/1");
    expect(safeNext("https://evil.example/")).toBe("/");
    expect(safeNext("//evil.example/")).toBe("/");
    expect(safeNext(null)).toBe("/");
  });
});
