import { Link } from "react-router-dom";
import type { Review } from "../api/client";
import { formatDate } from "../lib/format";
import { Avatar } from "./Avatar";
import { StarIcon } from "./Icons";

/** One review; `show` picks what context it needs (its movie, its author, or both). */
export function ReviewItem({ review, show = "both" }: { review: Review; show?: "movie" | "user" | "both" }) {
  const user = review.user;
  const movie = review.movie;
  return (
    <article className="review">
      <header className="review-head">
        {show !== "movie" && user ? (
          <Link to={`/users/${user.id}`} className="review-author">
            <Avatar url={user.avatar_url} login={user.login} size={32} />
            <span>{user.name || user.login}</span>
          </Link>
        ) : null}
        {show !== "user" && movie ? (
          <Link to={`/movies/${movie.id}`} className="review-movie">
            {movie.title} ({movie.year})
          </Link>
        ) : null}
        <span className="review-rating" aria-label={`Rated ${review.rating} of 10`}>
          <StarIcon filled /> {review.rating}/10
        </span>
        <time dateTime={review.created_at} className="muted">
          {formatDate(review.created_at)}
        </time>
      </header>
      {review.comment ? <p className="review-comment">{review.comment}</p> : null}
    </article>
  );
}

export function ReviewList({ reviews, show, empty }: { reviews: Review[]; show?: "movie" | "user" | "both"; empty: string }) {
  if (reviews.length === 0) return <p className="muted">{empty}</p>;
  return (
    <ul className="review-list">
      {reviews.map((r) => (
        <li key={r.id}>
          <ReviewItem review={r} show={show} />
        </li>
      ))}
    </ul>
  );
}
