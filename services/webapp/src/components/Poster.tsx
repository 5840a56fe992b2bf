import { useState } from "react";

/** Hue from the title, so placeholders differ from one movie to the next. */
function hue(text: string): number {
  let h = 0;
  for (const ch of text) h = (h * 31 + ch.charCodeAt(0)) % 360;
  return h;
}

/** Up to three lines of at most `width` characters, the last one cut with an ellipsis. */
export function wrapTitle(title: string, width = 16, lines = 3): string[] {
  const out: string[] = [];
  let line = "";
  for (const word of title.split(/\s+/).filter(Boolean)) {
    const candidate = line ? `${line} ${word}` : word;
    if (candidate.length <= width || !line) line = candidate;
    else {
      out.push(line);
      line = word;
    }
  }
  if (line) out.push(line);
  const kept = out.slice(0, lines).map((l) => (l.length > width ? `${l.slice(0, width - 1)}…` : l));
  if (out.length > lines) kept[lines - 1] = `${kept[lines - 1]!.slice(0, width - 1)}…`;
  return kept;
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
      <text x="100" y="192" textAnchor="middle" fill="#fff" fontSize="17" fontFamily="system-ui, sans-serif">
        {wrapTitle(title).map((line, i) => (
          <tspan key={i} x="100" dy={i === 0 ? 0 : 21}>
            {line}
          </tspan>
        ))}
      </text>
      {year ? (
        <text x="100" y="270" textAnchor="middle" fill="rgba(255,255,255,.8)" fontSize="14" fontFamily="system-ui, sans-serif">
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
