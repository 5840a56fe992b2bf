import { useEffect, useState } from "react";
import { useSearchParams } from "react-router-dom";
import { useMovies, type Direction, type MovieFilters, type MovieSort } from "../api/queries";
import { SearchIcon } from "../components/Icons";
import { MovieCard } from "../components/MovieCard";
import { Pagination } from "../components/Pagination";
import { ErrorNote, Loading } from "../components/Status";
import { useDebounced } from "../lib/useDebounced";
import { usePager } from "../lib/usePager";
import { useTitle } from "../lib/useTitle";

const SORTS: { value: MovieSort; label: string }[] = [
  { value: "title", label: "Title" },
  { value: "year", label: "Year" },
  { value: "created", label: "Recently added" },
  { value: "rating", label: "Rating" },
  { value: "popularity", label: "Popularity" },
];
const PAGE_SIZE = 24;

function intOrUndefined(value: string | null): number | undefined {
  if (!value) return undefined;
  const n = Number(value);
  return Number.isInteger(n) && n >= 1870 && n <= 9999 ? n : undefined;
}

/** Filters live in the address, so a filtered list can be bookmarked and shared. */
function filtersFrom(params: URLSearchParams): MovieFilters {
  const sort = params.get("sort") as MovieSort | null;
  const direction = params.get("direction") as Direction | null;
  return {
    sort: SORTS.some((s) => s.value === sort) ? sort! : "title",
    direction: direction === "asc" || direction === "desc" ? direction : undefined,
    q: params.get("q") ?? undefined,
    category: params.get("category") ?? undefined,
    country: params.get("country") ?? undefined,
    director: params.get("director") ?? undefined,
    year_gte: intOrUndefined(params.get("year_gte")),
    year_lte: intOrUndefined(params.get("year_lte")),
  };
}

export default function MoviesPage() {
  useTitle("Movies");
  const [params, setParams] = useSearchParams();
  const filters = filtersFrom(params);
  const [search, setSearch] = useState(filters.q ?? "");
  const advanced = Boolean(filters.category || filters.country || filters.director || filters.year_gte || filters.year_lte);
  const [moreOpen, setMoreOpen] = useState(advanced);
  const debounced = useDebounced(search.trim(), 300);

  // Only the settled search text drives the address (not every change of `params`).
  useEffect(() => {
    if ((params.get("q") ?? "") !== debounced) update({ q: debounced });
  }, [debounced]); // eslint-disable-line react-hooks/exhaustive-deps

  function update(changes: Record<string, string | undefined>) {
    const next = new URLSearchParams(params);
    for (const [key, value] of Object.entries(changes)) {
      if (value) next.set(key, value);
      else next.delete(key);
    }
    setParams(next, { replace: true });
  }

  const pager = usePager(JSON.stringify(filters));
  const movies = useMovies(filters, { limit: PAGE_SIZE, cursor: pager.cursor });

  return (
    <div className="page movies">
      <h1>Movies</h1>
      <form className="filters" role="search" onSubmit={(e) => e.preventDefault()}>
        <div className="field search-field">
          <label htmlFor="movie-search">Search titles and directors</label>
          <div className="input-icon">
            <SearchIcon />
            <input
              id="movie-search"
              type="search"
              value={search}
              maxLength={200}
              onChange={(e) => setSearch(e.target.value)}
              placeholder="e.g. Third Man"
            />
          </div>
        </div>
        <div className="field">
          <label htmlFor="movie-sort">Sort by</label>
          <select id="movie-sort" value={filters.sort} onChange={(e) => update({ sort: e.target.value, direction: undefined })}>
            {SORTS.map((s) => (
              <option key={s.value} value={s.value}>
                {s.label}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="movie-direction">Order</label>
          <select id="movie-direction" value={filters.direction ?? ""} onChange={(e) => update({ direction: e.target.value })}>
            <option value="">Default</option>
            <option value="asc">Ascending</option>
            <option value="desc">Descending</option>
          </select>
        </div>
        <button
          type="button"
          className="filters-toggle"
          aria-expanded={moreOpen}
          aria-controls="more-filters"
          onClick={() => setMoreOpen((v) => !v)}
        >
          {moreOpen ? "Fewer filters" : "More filters"}
        </button>
        {/* Always shown on wider screens; behind the toggle on phones (see styles.css). */}
        <div id="more-filters" className="filters-more" data-open={moreOpen || undefined}>
          <FilterInput id="movie-category" label="Category" value={filters.category} onCommit={(v) => update({ category: v })} />
          <FilterInput id="movie-country" label="Country" value={filters.country} onCommit={(v) => update({ country: v })} />
          <FilterInput id="movie-director" label="Director" value={filters.director} onCommit={(v) => update({ director: v })} />
          <FilterInput id="movie-year-from" label="From year" type="number" value={filters.year_gte?.toString()} onCommit={(v) => update({ year_gte: v })} />
          <FilterInput id="movie-year-to" label="To year" type="number" value={filters.year_lte?.toString()} onCommit={(v) => update({ year_lte: v })} />
        </div>
      </form>

      {movies.isPending ? (
        <Loading what="Loading movies" />
      ) : movies.isError ? (
        <ErrorNote error={movies.error} retry={() => void movies.refetch()} />
      ) : (
        <>
          <p className="muted" aria-live="polite">
            {movies.data.info.total} {movies.data.info.total === 1 ? "movie" : "movies"}
          </p>
          {movies.data.items.length === 0 ? (
            <p>No movies match these filters.</p>
          ) : (
            <ul className="movie-grid" aria-busy={movies.isFetching}>
              {movies.data.items.map((m) => (
                <li key={m.id}>
                  <MovieCard movie={m} />
                </li>
              ))}
            </ul>
          )}
          <Pagination pager={pager} info={movies.data.info} label="Movie pages" />
        </>
      )}
    </div>
  );
}

/** A filter applied on blur or Enter (not on each keystroke). */
function FilterInput({
  id,
  label,
  value,
  onCommit,
  type = "text",
}: {
  id: string;
  label: string;
  value: string | undefined;
  onCommit: (value: string | undefined) => void;
  type?: "text" | "number";
}) {
  const [draft, setDraft] = useState(value ?? "");
  useEffect(() => setDraft(value ?? ""), [value]);
  const commit = () => {
    const v = draft.trim() || undefined;
    if (v !== value) onCommit(v);
  };
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type={type}
        inputMode={type === "number" ? "numeric" : undefined}
        min={type === "number" ? 1870 : undefined}
        max={type === "number" ? 9999 : undefined}
        value={draft}
        onChange={(e) => setDraft(e.target.value)}
        onBlur={commit}
        onKeyDown={(e) => {
          if (e.key === "Enter") commit();
        }}
      />
    </div>
  );
}
