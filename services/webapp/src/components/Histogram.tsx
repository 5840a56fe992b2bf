import type { Schemas } from "../api/client";

/** Average and the 1–10 histogram of a movie's ratings; a table underneath for screen readers. */
export function RatingSummary({ stats }: { stats: Schemas["RatingStats"] | null | undefined }) {
  if (!stats) return <p className="muted">Ratings are unavailable right now.</p>;
  if (stats.count === 0 || stats.average == null) return <p className="muted">No ratings yet.</p>;
  const peak = Math.max(1, ...stats.histogram);
  return (
    <div className="rating-summary">
      <p className="average">
        <span className="big">{stats.average.toFixed(1)}</span>
        <span className="muted"> / 10 from {stats.count} {stats.count === 1 ? "rating" : "ratings"}</span>
      </p>
      <table className="histogram">
        <caption className="visually-hidden">Number of ratings for each score</caption>
        <thead className="visually-hidden">
          <tr>
            <th scope="col">Score</th>
            <th scope="col">Ratings</th>
          </tr>
        </thead>
        <tbody>
          {stats.histogram
            .map((count, i) => ({ score: i + 1, count }))
            .reverse()
            .map(({ score, count }) => (
              <tr key={score}>
                <th scope="row">{score}</th>
                <td>
                  <span className="bar" style={{ width: `${(count / peak) * 100}%` }} />
                  <span className="count">{count}</span>
                </td>
              </tr>
            ))}
        </tbody>
      </table>
    </div>
  );
}
