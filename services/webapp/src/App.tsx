import { MutationCache, QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { lazy } from "react";
import { createBrowserRouter, RouterProvider, type RouteObject } from "react-router-dom";
import type { ApiClient } from "./api/client";
import { ApiProvider } from "./api/context";
import { ApiError } from "./api/problem";
import { Layout } from "./components/Layout";
import { ErrorPage } from "./pages/ErrorPage";
// Small, and also used inside pages for a missing movie or user: part of the shell.
import { NotFoundPage } from "./pages/NotFoundPage";

// Every page is its own chunk: the first load carries only the shell and the page it shows.
const HomePage = lazy(() => import("./pages/HomePage"));
const MoviesPage = lazy(() => import("./pages/MoviesPage"));
const MoviePage = lazy(() => import("./pages/MoviePage"));
const AddMoviePage = lazy(() => import("./pages/AddMoviePage"));
const UsersPage = lazy(() => import("./pages/UsersPage"));
const UserPage = lazy(() => import("./pages/UserPage"));
const FeedPage = lazy(() => import("./pages/FeedPage"));
const RegisterPage = lazy(() => import("./pages/RegisterPage"));
const LogInPage = lazy(() => import("./pages/LogInPage"));

export const routes: RouteObject[] = [
  {
    element: <Layout />,
    errorElement: <ErrorPage />,
    children: [
      {
        errorElement: <ErrorPage />,
        children: [
          { index: true, element: <HomePage /> },
          { path: "movies", element: <MoviesPage /> },
          { path: "movies/new", element: <AddMoviePage /> },
          { path: "movies/:movieId", element: <MoviePage /> },
          { path: "users", element: <UsersPage /> },
          { path: "users/:userId", element: <UserPage /> },
          { path: "feed", element: <FeedPage /> },
          { path: "register", element: <RegisterPage /> },
          { path: "log-in", element: <LogInPage /> },
          { path: "*", element: <NotFoundPage /> },
        ],
      },
    ],
  },
];

export function makeQueryClient(): QueryClient {
  const client: QueryClient = new QueryClient({
    // A write answered 401 means the session ended (expired, or logged out in another tab):
    // show the site as logged out instead of keeping a stale "logged in" header.
    mutationCache: new MutationCache({
      onError: (error) => {
        if (error instanceof ApiError && error.status === 401) client.setQueryData(["me"], null);
      },
    }),
    defaultOptions: {
      queries: {
        // Lists and movies change slowly: serve from cache for 30 s, keep for 5 min.
        staleTime: 30_000,
        gcTime: 5 * 60_000,
        refetchOnWindowFocus: false,
        // Retry once on a blip, never on a client error (404, 422, 401 …).
        retry: (count, error) =>
          count < 1 && !(error instanceof ApiError && error.status >= 400 && error.status < 500),
      },
    },
  });
  return client;
}

export function App({ client, queryClient }: { client?: ApiClient; queryClient?: QueryClient }) {
  const router = createBrowserRouter(routes);
  return (
    <ApiProvider client={client}>
      <QueryClientProvider client={queryClient ?? makeQueryClient()}>
        <RouterProvider router={router} />
      </QueryClientProvider>
    </ApiProvider>
  );
}
