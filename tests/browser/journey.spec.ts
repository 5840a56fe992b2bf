// The journey of a new user, in a real browser against the real local stack:
// register → log out → log in → add a movie → rate and review it → follow another user →
// see their review in the feed → log out. Every page must log no console error.
import AxeBuilder from "@axe-core/playwright";
import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { mkdirSync } from "node:fs";
import { join } from "node:path";

const GATEWAY = process.env.MOVIEWEB_GATEWAY_URL ?? "http://127.0.0.1:8000";
const SHOTS = join(process.env.MOVIEWEB_TEST_ARTIFACTS ?? "../../test-artifacts", "screenshots");
const RUN = Date.now().toString(36);
const PASSWORD = "correct horse battery staple";

test.describe.configure({ mode: "serial" });

/**
 * Collects every console error and uncaught page error, naming the page. Chromium logs each
 * non-2xx fetch as a console error ("Failed to load resource"); those are tolerated only
 * inside `expectRejection`, around the steps that submit bad input on purpose.
 */
function watchConsole(page: Page) {
  const problems: string[] = [];
  let rejecting = false;
  page.on("console", (msg) => {
    if (msg.type() !== "error") return;
    const text = msg.text();
    if (rejecting && /Failed to load resource: the server responded with a status of 4\d\d/.test(text)) return;
    problems.push(`${page.url()}: console.error: ${text}`);
  });
  page.on("pageerror", (err) => problems.push(`${page.url()}: uncaught: ${err.message}`));
  return {
    problems,
    async expectRejection(step: () => Promise<void>) {
      rejecting = true;
      try {
        await step();
      } finally {
        rejecting = false;
      }
    },
  };
}

async function shot(page: Page, name: string) {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

/** axe-core's WCAG 2 A/AA rules on the page as it is now: no violations allowed. */
async function checkA11y(page: Page, what: string) {
  const result = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  const found = result.violations.map(
    (v) => `${what}: ${v.id} (${v.impact}): ${v.help}\n    ${v.nodes.map((n) => n.target.join(" ")).slice(0, 5).join("\n    ")}`,
  );
  expect(found, found.join("\n")).toEqual([]);
}

/** A second user, made through the public API (as a bearer client), who reviews a movie. */
async function otherUserWithReview(api: APIRequestContext, movieTitle: string) {
  const login = `critic_${RUN}`;
  const reg = await api.post(`${GATEWAY}/v1/auth/register`, {
    data: { login, email: `${login}@example.org`, password: PASSWORD, name: "Other Critic" },
  });
  expect(reg.status(), await reg.text()).toBe(201);
  const auth = await api.post(`${GATEWAY}/v1/auth/authorize`, { data: { login, password: PASSWORD } });
  expect(auth.status()).toBe(200);
  const { access_token, user } = await auth.json();
  const headers = { authorization: `Bearer ${access_token}` };
  const movie = await api.post(`${GATEWAY}/v1/movies`, {
    headers,
    data: { title: movieTitle, year: 1962, director: "Someone Else", category: "drama" },
  });
  expect(movie.status(), await movie.text()).toBe(201);
  const movieId = (await movie.json()).id as string;
  const review = await api.post(`${GATEWAY}/v1/reviews`, {
    headers,
    data: { movie_id: movieId, rating: 9, comment: `A quiet masterpiece ${RUN}` },
  });
  expect(review.status(), await review.text()).toBe(201);
  return { login, id: user.id as string, movieId };
}

test("a new user's journey through the site", async ({ page, request }) => {
  const { problems, expectRejection } = watchConsole(page);
  const me = `viewer_${RUN}`;
  const title = `The Long Test ${RUN}`;
  const other = await otherUserWithReview(request, `Other Film ${RUN}`);

  // Home page, logged out.
  await page.goto("/");
  await expect(page.getByRole("heading", { name: "Latest movies" })).toBeVisible();
  await expect(page.getByRole("heading", { name: "Latest reviews" })).toBeVisible();
  await expect(page.getByText(`A quiet masterpiece ${RUN}`)).toBeVisible();

  // Register (the app logs straight in).
  await page.getByRole("link", { name: "Register" }).click();
  await expect(page.getByRole("heading", { name: "Create an account" })).toBeVisible();
  // First a password the API refuses: its message appears at the field.
  await page.getByLabel("Login").fill(me);
  await page.getByLabel("E-mail").fill(`${me}@example.org`);
  await page.getByLabel("Password").fill("short");
  const password = page.getByLabel("Password");
  await expectRejection(async () => {
    await page.getByRole("button", { name: "Create account" }).click();
    await expect(password).toHaveAttribute("aria-invalid", "true");
    await expect(page.locator(".field-error").first()).toContainText(/10/);
  });
  await password.fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByRole("button", { name: "Log out" })).toBeVisible();
  await shot(page, "home");
  await checkA11y(page, "home");

  // Log out, and log in again.
  await page.getByRole("button", { name: "Log out" }).click();
  await expect(page.getByRole("link", { name: "Log in" })).toBeVisible();
  await page.getByRole("link", { name: "Log in" }).click();
  await page.getByLabel("Login").fill(me);
  await page.getByLabel("Password").fill("wrong password!");
  await expectRejection(async () => {
    await page.getByRole("button", { name: "Log in" }).click();
    await expect(page.getByRole("alert")).toContainText("Wrong login or password");
  });
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page.getByRole("button", { name: "Log out" })).toBeVisible();

  // Add a movie; the API's validation shows at the field first.
  await page.getByRole("link", { name: "Add movie" }).click();
  await expect(page.getByRole("heading", { name: "Add a movie" })).toBeVisible();
  await checkA11y(page, "add movie");
  await page.getByLabel("Title").fill(title);
  await page.getByLabel("Year").fill("1800");
  await page.getByLabel("Director").fill("Test Director");
  await page.getByLabel("Category").fill("drama");
  await page.getByLabel("Poster URL").fill("http://127.0.0.1:9/missing-poster.png");
  await expectRejection(async () => {
    await page.getByRole("button", { name: "Add movie" }).click();
    await expect(page.getByLabel("Year")).toHaveAttribute("aria-invalid", "true");
    await expect(page.getByText(/greater than or equal to 1870/)).toBeVisible();
  });
  await page.getByLabel("Poster URL").fill("");
  await page.getByLabel("Year").fill("1999");
  await page.getByRole("button", { name: "Add movie" }).click();
  await expect(page.getByRole("heading", { level: 1, name: new RegExp(title) })).toBeVisible();
  await expect(page.getByText("No ratings yet.")).toBeVisible();
  // No poster URL: the drawn placeholder stands in.
  await expect(page.getByRole("img", { name: `No poster for ${title}` })).toBeVisible();

  // Rate it with the keyboard (8 stars), comment, save.
  const stars = page.getByRole("radiogroup", { name: "Your rating, 1 to 10" });
  await stars.getByRole("radio", { name: "5 of 10" }).click();
  await page.keyboard.press("ArrowRight");
  await page.keyboard.press("ArrowRight");
  await page.keyboard.press("ArrowRight");
  await expect(stars.getByRole("radio", { name: "8 of 10" })).toHaveAttribute("aria-checked", "true");
  await page.getByLabel("Comment (optional)").fill(`Long, but worth it ${RUN}`);
  await page.getByRole("button", { name: "Save rating" }).click();
  await expect(page.getByText("Your rating is saved.")).toBeVisible();
  await expect(page.getByText("8.0")).toBeVisible();
  await expect(page.getByText("from 1 rating")).toBeVisible();
  const reviews = page.getByRole("region", { name: "Recent reviews" });
  await expect(reviews.getByText(`Long, but worth it ${RUN}`)).toBeVisible();
  // Change it: 6 stars.
  await stars.getByRole("radio", { name: "6 of 10" }).click();
  await page.getByRole("button", { name: "Update rating" }).click();
  await expect(page.getByText("6.0")).toBeVisible();
  // Reload: the saved rating is read back from the API.
  await page.reload();
  await expect(
    page.getByRole("radiogroup", { name: "Your rating, 1 to 10" }).getByRole("radio", { name: "6 of 10" }),
  ).toHaveAttribute("aria-checked", "true");
  await expect(page.getByLabel("Comment (optional)")).toHaveValue(`Long, but worth it ${RUN}`);
  await shot(page, "movie");
  await checkA11y(page, "movie");

  // A movie whose poster URL does not load still shows a drawn poster.
  await page.goto("/movies?q=" + encodeURIComponent(title));
  await expect(page.getByRole("link", { name: new RegExp(title) })).toBeVisible();

  // Find the other user and follow them.
  await page.getByRole("link", { name: "People" }).click();
  await page.getByLabel("Find people by login").fill(other.login);
  await page.getByRole("link", { name: new RegExp(other.login) }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Other Critic" })).toBeVisible();
  await expect(page.getByRole("tab", { name: "1 review" })).toBeVisible();
  await expect(page.getByText(`A quiet masterpiece ${RUN}`)).toBeVisible();
  await page.getByRole("button", { name: "Follow" }).click();
  await expect(page.getByRole("button", { name: "Unfollow" })).toBeVisible();
  await expect(page.getByRole("tab", { name: "1 follower" })).toBeVisible();
  await page.getByRole("tab", { name: "1 follower" }).click();
  await expect(page.getByRole("tabpanel").getByText(me)).toBeVisible();
  await shot(page, "user");
  await checkA11y(page, "user");

  // Their review is in my feed.
  await page.getByRole("link", { name: "Feed" }).click();
  await expect(page.getByRole("heading", { name: "Your feed" })).toBeVisible();
  await expect(page.getByText(`A quiet masterpiece ${RUN}`)).toBeVisible();
  await expect(page.getByRole("link", { name: `Other Film ${RUN} (1962)` })).toBeVisible();
  await checkA11y(page, "feed");

  // Log out: the feed now asks to log in.
  await page.getByRole("button", { name: "Log out" }).click();
  await expect(page.getByRole("link", { name: "Log in" })).toBeVisible();
  await page.goto("/feed");
  await expect(page).toHaveURL(/\/log-in\?next=%2Ffeed/);

  // Unknown addresses get the not-found page.
  await page.goto("/no/such/page");
  await expect(page.getByRole("heading", { name: "Not found" })).toBeVisible();

  // On a phone: the same pages, no sideways scrolling of the page itself.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`/movies/${other.movieId}`);
  await expect(page.getByRole("heading", { level: 1, name: new RegExp(`Other Film ${RUN}`) })).toBeVisible();
  await expect(page.getByText("9.0")).toBeVisible();
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await shot(page, "movie-phone");
  await page.goto("/");
  await expect(page.getByRole("heading", { name: "Latest movies" })).toBeVisible();
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await shot(page, "home-phone");
  await checkA11y(page, "home (phone)");
  // The movie filters fold away on a phone, behind a toggle.
  await page.goto("/movies");
  await expect(page.getByLabel("Search titles and directors")).toBeVisible();
  await expect(page.getByLabel("From year")).toBeHidden();
  await page.getByRole("button", { name: "More filters" }).click();
  await expect(page.getByLabel("From year")).toBeVisible();
  await expect(page.getByRole("button", { name: "Fewer filters" })).toHaveAttribute("aria-expanded", "true");

  expect(problems, problems.join("\n")).toEqual([]);
});

test("the movies list filters, searches and pages", async ({ page, request }) => {
  const { problems } = watchConsole(page);
  // Enough movies for three pages of 24, through the API.
  const login = `lister_${RUN}`;
  await request.post(`${GATEWAY}/v1/auth/register`, {
    data: { login, email: `${login}@example.org`, password: PASSWORD },
  });
  const auth = await (await request.post(`${GATEWAY}/v1/auth/authorize`, { data: { login, password: PASSWORD } })).json();
  const headers = { authorization: `Bearer ${auth.access_token}` };
  const tag = `Pagefilm${RUN}`;
  for (let i = 0; i < 50; i++) {
    const r = await request.post(`${GATEWAY}/v1/movies`, {
      headers,
      data: { title: `${tag} ${String(i).padStart(2, "0")}`, year: 1950 + i, category: "noir" },
    });
    expect(r.status()).toBe(201);
  }
  await page.goto("/movies");
  await page.getByLabel("Search titles and directors").fill(tag);
  await expect(page.getByText("50 movies")).toBeVisible();
  await expect(page.getByText("Page 1 of 3")).toBeVisible();
  await expect(page.getByRole("link", { name: `${tag} 00` })).toBeVisible();
  await page.getByRole("button", { name: "Next" }).click();
  await expect(page.getByText("Page 2 of 3")).toBeVisible();
  await expect(page.getByRole("link", { name: `${tag} 24` })).toBeVisible();
  await page.getByRole("button", { name: "Previous" }).click();
  await expect(page.getByRole("link", { name: `${tag} 00` })).toBeVisible();
  // A year filter narrows the same search (and the address keeps it).
  await page.getByLabel("From year").fill("1990");
  await page.getByLabel("From year").press("Enter");
  await expect(page.getByText("10 movies")).toBeVisible();
  await expect(page).toHaveURL(/year_gte=1990/);
  await checkA11y(page, "movies");
  await page.getByLabel("Sort by").selectOption("year");
  await page.getByLabel("Order").selectOption("desc");
  await expect(page.locator(".movie-grid .card-title").first()).toHaveText(`${tag} 49`);
  expect(problems, problems.join("\n")).toEqual([]);
});
