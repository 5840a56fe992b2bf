// Every read the pages make, as TanStack Query hooks with stable keys, and the writes that
// invalidate them. Pages never call the client directly, so caching rules live here.
import {
  keepPreviousData,
  useMutation,
  useQuery,
  useQueryClient,
} from "@tanstack/react-query";
import type { FollowEntry, Me, Movie, MovieCreate, PageInfo, Registration, Review } from "./client";
import { useApi } from "./context";
import { ApiError, unwrap } from "./problem";
import { csrfToken, rememberCsrf } from "./client";

export type MovieSort = "title" | "year" | "created" | "rating" | "popularity";
export type Direction = "asc" | "desc";

export interface MovieFilters {
  sort?: MovieSort;
  direction?: Direction;
  category?: string;
  country?: string;
  director?: string;
  year_gte?: number;
  year_lte?: number;
  q?: string;
}

export interface Paging {
  limit?: number;
  cursor?: string | null;
}

function clean<T extends object>(params: T): T {
  return Object.fromEntries(
    Object.entries(params).filter(([, v]) => v !== undefined && v !== null && v !== ""),
  ) as T;
}

export const keys = {
  me: ["me"] as const,
  movies: (filters: MovieFilters, paging: Paging) => ["movies", filters, paging] as const,
  movie: (id: string) => ["movie", id] as const,
  movieReviews: (id: string, paging: Paging) => ["movie-reviews", id, paging] as const,
  myReview: (movieId: string, userId: string) => ["my-review", movieId, userId] as const,
  reviews: (paging: Paging) => ["reviews", paging] as const,
  users: (prefix: string, paging: Paging) => ["users", prefix, paging] as const,
  user: (id: string) => ["user", id] as const,
  userReviews: (id: string, paging: Paging) => ["user-reviews", id, paging] as const,
  followers: (id: string, paging: Paging) => ["followers", id, paging] as const,
  follows: (id: string, paging: Paging) => ["follows", id, paging] as const,
  feed: (id: string, paging: Paging) => ["feed", id, paging] as const,
};

// ---- session -------------------------------------------------------------------------------
export function useMe() {
  const api = useApi();
  return useQuery({
    queryKey: keys.me,
    queryFn: async (): Promise<Me | null> => {
      // Without a CSRF token there is no session (the gateway sets both cookies together and
      // clears both on log-out): skip a request that could only answer 401.
      if (!csrfToken()) return null;
      const result = await api.GET("/v1/users/me");
      // Not logged in (or the session expired) is a state, not an error.
      if (result.response.status === 401) return null;
      return unwrap(result);
    },
    staleTime: 60_000,
    retry: false,
  });
}

export function useLogIn() {
  const api = useApi();
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async (body: { login: string; password: string }) =>
      unwrap(await api.POST("/v1/auth/log-in", { body })),
    onSuccess: async (session) => {
      rememberCsrf(session.csrf_token);
      qc.clear();
      await qc.invalidateQueries({ queryKey: keys.me });
    },
  });
}

export function useRegister() {
  const api = useApi();
  return useMutation({
    mutationFn: async (body: Registration) =>
      unwrap(await api.POST("/v1/auth/register", { body })),
  });
}

export function useLogOut() {
  const api = useApi();
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async () => {
      const result = await api.POST("/v1/auth/log-out");
      if (!result.response.ok && result.response.status !== 401) unwrap(result);
    },
    onSettled: () => {
      rememberCsrf(null);
      qc.clear();
      qc.setQueryData(keys.me, null);
    },
  });
}

// ---- movies --------------------------------------------------------------------------------
export function useMovies(filters: MovieFilters, paging: Paging = {}) {
  const api = useApi();
  return useQuery({
    queryKey: keys.movies(filters, paging),
    queryFn: async () =>
      unwrap(
        await api.GET("/v1/movies", {
          params: { query: clean({ ...filters, limit: paging.limit, cursor: paging.cursor }) },
        }),
      ),
    placeholderData: keepPreviousData,
  });
}

export function useMovie(id: string) {
  const api = useApi();
  return useQuery({
    queryKey: keys.movie(id),
    queryFn: async () =>
      unwrap(await api.GET("/v1/movies/{movie_id}", { params: { path: { movie_id: id } } })),
  });
}

export function useMovieReviews(id: string, paging: Paging) {
  const api = useApi();
  return useQuery({
    queryKey: keys.movieReviews(id, paging),
    queryFn: async () =>
      unwrap(
        await api.GET("/v1/movies/{movie_id}/reviews", {
          params: {
            path: { movie_id: id },
            query: clean({ limit: paging.limit, cursor: paging.cursor }),
          },
        }),
      ),
    placeholderData: keepPreviousData,
  });
}

export function useCreateMovie() {
  const api = useApi();
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async (body: MovieCreate) => unwrap(await api.POST("/v1/movies", { body })),
    onSuccess: (movie: Movie) => {
      qc.setQueryData(keys.movie(movie.id), movie);
      void qc.invalidateQueries({ queryKey: ["movies"] });
    },
  });
}

// ---- reviews -------------------------------------------------------------------------------
// The gateway has no "my review of this movie" read, so the user's own reviews are scanned,
// newest first, a few pages at most (a user rarely has more than a few hundred reviews).
const MY_REVIEW_PAGES = 5;

export function useMyReview(movieId: string, userId: string | undefined) {
  const api = useApi();
  return useQuery({
    queryKey: keys.myReview(movieId, userId ?? ""),
    enabled: Boolean(userId),
    queryFn: async (): Promise<Review | null> => {
      let cursor: string | null | undefined = undefined;
      for (let page = 0; page < MY_REVIEW_PAGES; page++) {
        const data: { items: Review[]; info: PageInfo } = unwrap(
          await api.GET("/v1/users/{user_id}/reviews", {
            params: { path: { user_id: userId! }, query: clean({ limit: 100, cursor }) },
          }),
        );
        const found = data.items.find((r) => r.movie_id === movieId);
        if (found) return found;
        cursor = data.info.next_cursor;
        if (!cursor) break;
      }
      return null;
    },
  });
}

function invalidateReviewViews(qc: ReturnType<typeof useQueryClient>, movieId: string) {
  void qc.invalidateQueries({ queryKey: keys.movie(movieId) });
  void qc.invalidateQueries({ queryKey: ["movie-reviews", movieId] });
  void qc.invalidateQueries({ queryKey: ["reviews"] });
  void qc.invalidateQueries({ queryKey: ["user-reviews"] });
  void qc.invalidateQueries({ queryKey: ["user"] });
  void qc.invalidateQueries({ queryKey: ["movies"] });
}

export function useSaveReview(movieId: string, userId: string) {
  const api = useApi();
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async (body: { rating: number; comment: string | null }) =>
      unwrap(
        await api.POST("/v1/reviews", {
          body: { movie_id: movieId, rating: body.rating, comment: body.comment },
        }),
      ),
    onSuccess: (review) => {
      qc.setQueryData(keys.myReview(movieId, userId), review);
      invalidateReviewViews(qc, movieId);
    },
  });
}

export function useDeleteReview(movieId: string, userId: string) {
  const api = useApi();
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async (reviewId: string) => {
      const result = await api.DELETE("/v1/reviews/{review_id}", {
        params: { path: { review_id: reviewId } },
      });
      if (!result.response.ok) unwrap(result);
    },
    onSuccess: () => {
      qc.setQueryData(keys.myReview(movieId, userId), null);
      invalidateReviewViews(qc, movieId);
    },
  });
}

export function useLatestReviews(paging: Paging) {
  const api = useApi();
  return useQuery({
    queryKey: keys.reviews(paging),
    queryFn: async () =>
      unwrap(
        await api.GET("/v1/reviews", {
          params: { query: clean({ sort: "created" as const, direction: "desc" as const, ...paging }) },
        }),
      ),
  });
}

// ---- users ---------------------------------------------------------------------------------
export function useUsers(prefix: string, paging: Paging) {
  const api = useApi();
  return useQuery({
    queryKey: keys.users(prefix, paging),
    queryFn: async () =>
      unwrap(
        await api.GET("/v1/users", {
          params: { query: clean({ login_prefix: prefix, ...paging }) },
        }),
      ),
    placeholderData: keepPreviousData,
  });
}

export function useUser(id: string) {
  const api = useApi();
  return useQuery({
    queryKey: keys.user(id),
    queryFn: async () =>
      unwrap(await api.GET("/v1/users/{user_id}", { params: { path: { user_id: id } } })),
  });
}

export function useUserReviews(id: string, paging: Paging) {
  const api = useApi();
  return useQuery({
    queryKey: keys.userReviews(id, paging),
    queryFn: async () =>
      unwrap(
        await api.GET("/v1/users/{user_id}/reviews", {
          params: { path: { user_id: id }, query: clean({ ...paging }) },
        }),
      ),
    placeholderData: keepPreviousData,
  });
}

export function useFollowers(id: string, paging: Paging) {
  const api = useApi();
  return useQuery({
    queryKey: keys.followers(id, paging),
    queryFn: async () =>
      unwrap(
        await api.GET("/v1/users/{user_id}/followers", {
          params: { path: { user_id: id }, query: clean({ ...paging }) },
        }),
      ),
    placeholderData: keepPreviousData,
  });
}

export function useFollows(id: string, paging: Paging) {
  const api = useApi();
  return useQuery({
    queryKey: keys.follows(id, paging),
    queryFn: async () =>
      unwrap(
        await api.GET("/v1/users/{user_id}/follows", {
          params: { path: { user_id: id }, query: clean({ ...paging }) },
        }),
      ),
    placeholderData: keepPreviousData,
  });
}

/** Whether `followerId` follows `userId`: scans the follower's follows (bounded). */
export function useIsFollowing(userId: string, followerId: string | undefined) {
  const api = useApi();
  return useQuery({
    queryKey: ["is-following", userId, followerId ?? ""],
    enabled: Boolean(followerId) && followerId !== userId,
    queryFn: async (): Promise<boolean> => {
      let cursor: string | null | undefined = undefined;
      for (let page = 0; page < 5; page++) {
        const data: { items: FollowEntry[]; info: PageInfo } = unwrap(
          await api.GET("/v1/users/{user_id}/follows", {
            params: { path: { user_id: followerId! }, query: clean({ limit: 100, cursor }) },
          }),
        );
        if (data.items.some((e) => e.user?.id === userId)) return true;
        cursor = data.info.next_cursor;
        if (!cursor) break;
      }
      return false;
    },
  });
}

export function useFollow(userId: string, followerId: string) {
  const api = useApi();
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async (follow: boolean) => {
      const path = { user_id: userId, follower_id: followerId };
      const result = follow
        ? await api.PUT("/v1/users/{user_id}/followers/{follower_id}", { params: { path } })
        : await api.DELETE("/v1/users/{user_id}/followers/{follower_id}", { params: { path } });
      if (!result.response.ok) unwrap(result);
      return follow;
    },
    onSuccess: (follow) => {
      qc.setQueryData(["is-following", userId, followerId], follow);
      for (const key of ["user", "followers", "follows", "feed"]) {
        void qc.invalidateQueries({ queryKey: [key] });
      }
      void qc.invalidateQueries({ queryKey: keys.me });
    },
  });
}

export function useFeed(userId: string, paging: Paging) {
  const api = useApi();
  return useQuery({
    queryKey: keys.feed(userId, paging),
    queryFn: async () =>
      unwrap(
        await api.GET("/v1/users/{user_id}/review-feed", {
          params: { path: { user_id: userId }, query: clean({ ...paging }) },
        }),
      ),
    placeholderData: keepPreviousData,
    // The feed is other people's activity: refresh it when the tab comes back into view.
    refetchOnWindowFocus: true,
    staleTime: 15_000,
  });
}

export function isNotFound(error: unknown): boolean {
  return error instanceof ApiError && (error.status === 404 || error.status === 422);
}
