import { Link, useParams } from "react-router-dom";
import type { Me, Movie } from "../api/client";
import { ApiError, errorMessage } from "../api/problem";
import {
  isNotFound,
  useDeleteReview,
  useMe,
  useMovie,
  useMovieReviews,
  useMyReview,
  useSaveReview,
} from "../api/queries";
import { RatingSummary } from "../components/Histogram";
import { Pagination } from "../components/Pagination";
import { Poster } from "../components/Poster";
import { RatingForm } from "../components/RatingForm";
import { ReviewList } from "../components/ReviewItem";
import { ErrorNote, Loading } from "../components/Status";
import { usePager } from "../lib/usePager";
import { useTitle } from "../lib/useTitle";
import { NotFoundPage } from "./NotFoundPage";

export default function MoviePage() {
  const { movieId = "" } = useParams();
  const movie = useMovie(movieId);
  const me = useMe();
  useTitle(movie.data?.title);
  if (movie.isPending) return <Loading what="Loading the movie" />;
  if (movie.isError) {
    if (isNotFound(movie.error)) return <NotFoundPage what="movie" />;
    return <ErrorNote error={movie.error} retry={() => void movie.refetch()} />;
  }
  const m = movie.data;
  return (
    <div className="page movie">
      <div className="movie-hero">
        <Poster url={m.poster_url} title={m.title} year={m.year} eager />
        <div className="movie-facts">
          <h1>
            {m.title} <span className="muted">({m.year})</span>
          </h1>
          <dl className="facts">
            {m.director ? (
              <>
                <dt>Director</dt>
                <dd>
                  <Link to={`/movies?director=${encodeURIComponent(m.director)}`}>{m.director}</Link>
                </dd>
              </>
            ) : null}
            {m.country ? (
              <>
                <dt>Country</dt>
                <dd>
                  <Link to={`/movies?country=${encodeURIComponent(m.country)}`}>{m.country}</Link>
                </dd>
              </>
            ) : null}
            {m.category ? (
              <>
                <dt>Category</dt>
                <dd>
                  <Link to={`/movies?category=${encodeURIComponent(m.category)}`}>{m.category}</Link>
                </dd>
              </>
            ) : null}
            <dt>Year</dt>
            <dd>{m.year}</dd>
          </dl>
          <section aria-labelledby="ratings-heading">
            <h2 id="ratings-heading">Ratings</h2>
            <RatingSummary stats={m.rating} />
          </section>
        </div>
      </div>
      <section aria-labelledby="your-rating" className="your-rating">
        <h2 id="your-rating">Your rating</h2>
        {me.data ? (
          <MyRating movie={m} me={me.data} />
        ) : me.isPending ? null : (
          <p>
            <Link to={`/log-in?next=${encodeURIComponent(`/movies/${m.id}`)}`}>Log in</Link> to rate and review this
            movie.
          </p>
        )}
      </section>
      <MovieReviews movieId={m.id} />
    </div>
  );
}

function MyRating({ movie, me }: { movie: Movie; me: Me }) {
  const mine = useMyReview(movie.id, me.id);
  const save = useSaveReview(movie.id, me.id);
  const remove = useDeleteReview(movie.id, me.id);
  if (mine.isPending) return <Loading what="Loading your rating" />;
  if (mine.isError) return <ErrorNote error={mine.error} retry={() => void mine.refetch()} />;
  const failure = save.error ?? remove.error;
  return (
    <RatingForm
      current={mine.data}
      onSave={(value) => save.mutateAsync(value)}
      onClear={async () => {
        if (mine.data) await remove.mutateAsync(mine.data.id);
      }}
      error={failure ? errorMessage(failure) : null}
      fieldErrors={failure instanceof ApiError ? failure.fieldErrors : {}}
    />
  );
}

function MovieReviews({ movieId }: { movieId: string }) {
  const pager = usePager(movieId);
  const reviews = useMovieReviews(movieId, { limit: 10, cursor: pager.cursor });
  return (
    <section aria-labelledby="reviews-heading">
      <h2 id="reviews-heading">Recent reviews</h2>
      {reviews.isPending ? (
        <Loading what="Loading reviews" />
      ) : reviews.isError ? (
        <ErrorNote error={reviews.error} retry={() => void reviews.refetch()} />
      ) : (
        <>
          <ReviewList reviews={reviews.data.items} show="user" empty="No reviews yet. Be the first!" />
          <Pagination pager={pager} info={reviews.data.info} label="Review pages" />
        </>
      )}
    </section>
  );
}
