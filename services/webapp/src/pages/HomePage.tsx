import { Link } from "react-router-dom";
import type { Movie } from "../api/client";
import { useLatestReviews, useMovies, type MovieFilters } from "../api/queries";
import { Carousel } from "../components/Carousel";
import { MovieCard } from "../components/MovieCard";
import { ReviewList } from "../components/ReviewItem";
import { ErrorNote, Loading } from "../components/Status";
import { useTitle } from "../lib/useTitle";

const ROWS: { title: string; filters: MovieFilters; link: string }[] = [
  { title: "Latest movies", filters: { sort: "created", direction: "desc" }, link: "/movies?sort=created&direction=desc" },
  { title: "Top rated", filters: { sort: "rating", direction: "desc" }, link: "/movies?sort=rating&direction=desc" },
  { title: "Most popular", filters: { sort: "popularity", direction: "desc" }, link: "/movies?sort=popularity&direction=desc" },
];

function MovieRow({ title, filters, link }: (typeof ROWS)[number]) {
  const movies = useMovies(filters, { limit: 12 });
  return (
    <Carousel title={title} more={<Link to={link}>See all</Link>}>
      {movies.isPending ? (
        <li>
          <Loading />
        </li>
      ) : movies.isError ? (
        <li>
          <ErrorNote error={movies.error} retry={() => void movies.refetch()} />
        </li>
      ) : movies.data.items.length === 0 ? (
        <li className="muted">No movies yet.</li>
      ) : (
        movies.data.items.map((m: Movie) => (
          <li key={m.id} className="carousel-item">
            <MovieCard movie={m} />
          </li>
        ))
      )}
    </Carousel>
  );
}

export default function HomePage() {
  useTitle(undefined);
  const reviews = useLatestReviews({ limit: 8 });
  return (
    <div className="page home">
      <h1 className="visually-hidden">Movieweb</h1>
      {ROWS.map((row) => (
        <MovieRow key={row.title} {...row} />
      ))}
      <section aria-labelledby="latest-reviews">
        <h2 id="latest-reviews">Latest reviews</h2>
        {reviews.isPending ? (
          <Loading />
        ) : reviews.isError ? (
          <ErrorNote error={reviews.error} retry={() => void reviews.refetch()} />
        ) : (
          <ReviewList reviews={reviews.data.items} empty="No reviews yet." />
        )}
      </section>
    </div>
  );
}
