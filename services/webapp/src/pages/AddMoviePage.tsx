import { useState, type FormEvent } from "react";
import { useNavigate } from "react-router-dom";
import type { MovieCreate } from "../api/client";
import { ApiError, errorMessage } from "../api/problem";
import { useCreateMovie } from "../api/queries";
import { Field, FormError } from "../components/Field";
import { RequireAuth } from "../components/RequireAuth";
import { useTitle } from "../lib/useTitle";

export default function AddMoviePage() {
  useTitle("Add a movie");
  return <RequireAuth>{() => <AddMovieForm />}</RequireAuth>;
}

const EMPTY = { title: "", year: "", director: "", country: "", category: "", poster_url: "", background_url: "" };
type Draft = typeof EMPTY;

/** The form as the API wants it: empty optional fields are left out, the year is a number. */
export function toMovieCreate(draft: Draft): MovieCreate {
  const body: Record<string, unknown> = { title: draft.title.trim() };
  const year = draft.year.trim();
  // A non-number is sent as-is, so the API's message about it is the one shown.
  body.year = /^-?\d+$/.test(year) ? Number(year) : year;
  for (const key of ["director", "country", "category", "poster_url", "background_url"] as const) {
    const v = draft[key].trim();
    if (v) body[key] = v;
  }
  return body as unknown as MovieCreate;
}

export function AddMovieForm() {
  const [draft, setDraft] = useState<Draft>(EMPTY);
  const create = useCreateMovie();
  const navigate = useNavigate();
  const errors = create.error instanceof ApiError ? create.error.fieldErrors : {};
  const fieldNames = Object.keys(EMPTY);
  const unplaced = Object.entries(errors).filter(([k]) => !fieldNames.includes(k));
  const formError = create.error
    ? create.error instanceof ApiError && create.error.status === 422 && unplaced.length === 0
      ? "Please correct the fields marked below."
      : errorMessage(create.error)
    : null;

  const set = (key: keyof Draft) => (e: { target: { value: string } }) =>
    setDraft((d) => ({ ...d, [key]: e.target.value }));

  function submit(event: FormEvent) {
    event.preventDefault();
    create.mutate(toMovieCreate(draft), { onSuccess: (movie) => navigate(`/movies/${movie.id}`) });
  }

  return (
    <div className="page form-page">
      <h1>Add a movie</h1>
      <form onSubmit={submit} noValidate className="stack-form">
        <FormError message={formError} />
        <Field label="Title" name="title" value={draft.title} onChange={set("title")} error={errors.title} required maxLength={300} autoComplete="off" />
        <Field label="Year" name="year" inputMode="numeric" value={draft.year} onChange={set("year")} error={errors.year} required hint="1870 or later" />
        <Field label="Director" name="director" value={draft.director} onChange={set("director")} error={errors.director} maxLength={200} />
        <Field label="Country" name="country" value={draft.country} onChange={set("country")} error={errors.country} maxLength={100} />
        <Field label="Category" name="category" value={draft.category} onChange={set("category")} error={errors.category} maxLength={100} hint="e.g. drama, thriller" />
        <Field label="Poster URL" name="poster_url" type="url" value={draft.poster_url} onChange={set("poster_url")} error={errors.poster_url} hint="An http(s) address of an image" />
        <Field label="Background image URL" name="background_url" type="url" value={draft.background_url} onChange={set("background_url")} error={errors.background_url} />
        {unplaced.length > 0 ? (
          <ul className="form-error">
            {unplaced.map(([k, v]) => (
              <li key={k}>
                {k}: {v}
              </li>
            ))}
          </ul>
        ) : null}
        <button type="submit" className="primary" disabled={create.isPending}>
          {create.isPending ? "Adding…" : "Add movie"}
        </button>
      </form>
    </div>
  );
}
