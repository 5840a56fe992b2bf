import { useState } from "react";

/** Hue from the title, so placeholders differ from one movie to the next. */
function hue(text: string): number {
  let h = 0;
  for (const ch of text) h = (h * 31 + ch.charCodeAt(0)) % 360;
  return h;
}

/** A drawn poster: used when a movie has no poster URL or its image fails to load. */
export function PosterPlaceholder({ title, year }: { title: string; year?: number }) {
  const h = hue(title);
  return (
    <svg
      className="poster-img"
      viewBox="0 0 200 300"
      role="img"
      aria-label={`No poster for ${title}`}
      preserveAspectRatio="xMidYMid slice"
    >
      <defs>
        <linearGradient id={`pg-${h}`} x1="0" y1="0" x2="0" y2="1">
          <stop offset="0" stopColor={`hsl(${h} 45% 32%)`} />
          <stop offset="1" stopColor={`hsl(${(h + 40) % 360} 50% 16%)`} />
        </linearGradient>
      </defs>
      <rect width="200" height="300" fill={`url(#pg-${h})`} />
      <g fill="none" stroke="rgba(255,255,255,.35)" strokeWidth="4">
        <rect x="60" y="90" width="80" height="60" rx="6" />
        <path d="M140 105l22-12v54l-22-12" />
      </g>
      <text x="100" y="200" textAnchor="middle" fill="#fff" fontSize="16" fontFamily="system-ui, sans-serif">
        {title.length > 22 ? `${title.slice(0, 21)}…` : title}
      </text>
      {year ? (
        <text x="100" y="224" textAnchor="middle" fill="rgba(255,255,255,.75)" fontSize="13" fontFamily="system-ui, sans-serif">
          {year}
        </text>
      ) : null}
    </svg>
  );
}

export function Poster({
  url,
  title,
  year,
  eager = false,
}: {
  url: string | null | undefined;
  title: string;
  year?: number;
  eager?: boolean;
}) {
  const [failed, setFailed] = useState(false);
  return (
    <div className="poster">
      {url && !failed ? (
        <img
          className="poster-img"
          src={url}
          alt={`Poster of ${title}`}
          loading={eager ? "eager" : "lazy"}
          decoding="async"
          width={200}
          height={300}
          onError={() => setFailed(true)}
        />
      ) : (
        <PosterPlaceholder title={title} year={year} />
      )}
    </div>
  );
}
