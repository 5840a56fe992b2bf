import { Link } from "react-router-dom";
import type { Movie } from "../api/client";
import { StarIcon } from "./Icons";
import { Poster } from "./Poster";

export function MovieCard({ movie }: { movie: Movie }) {
  const avg = movie.rating?.average;
  return (
    <article className="movie-card">
      <Link to={`/movies/${movie.id}`} className="card-link">
        <Poster url={movie.poster_url} title={movie.title} year={movie.year} />
        <h3 className="card-title">{movie.title}</h3>
      </Link>
      <p className="card-meta">
        <span>{movie.year}</span>
        {avg != null ? (
          <span className="card-rating" aria-label={`Average rating ${avg.toFixed(1)} of 10`}>
            <StarIcon filled /> {avg.toFixed(1)}
          </span>
        ) : null}
      </p>
    </article>
  );
}
