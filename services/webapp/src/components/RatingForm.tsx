// Your own rating of a movie: 1–10 stars and an optional comment, saved together (the gateway
// upserts: one review per user and movie); "Remove" deletes the review altogether.
import { useEffect, useId, useState, type FormEvent } from "react";
import { FormError } from "./Field";
import { StarRating } from "./StarRating";

export interface RatingFormProps {
  current: { rating: number; comment?: string | null } | null;
  onSave: (value: { rating: number; comment: string | null }) => Promise<unknown>;
  onClear: () => Promise<unknown>;
  error?: string | null;
  fieldErrors?: Record<string, string>;
}

export const COMMENT_MAX = 4000;

export function RatingForm({ current, onSave, onClear, error, fieldErrors = {} }: RatingFormProps) {
  const [rating, setRating] = useState<number | null>(current?.rating ?? null);
  const [comment, setComment] = useState(current?.comment ?? "");
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState<string | null>(null);
  const [missing, setMissing] = useState(false);
  const commentId = useId();

  // A different saved review (loaded, saved or removed elsewhere) resets the form.
  useEffect(() => {
    setRating(current?.rating ?? null);
    setComment(current?.comment ?? "");
  }, [current?.rating, current?.comment]);

  const dirty = rating !== (current?.rating ?? null) || comment.trim() !== (current?.comment ?? "");

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (rating == null) {
      setMissing(true);
      return;
    }
    setBusy(true);
    setSaved(null);
    try {
      await onSave({ rating, comment: comment.trim() ? comment.trim() : null });
      setSaved("Your rating is saved.");
    } catch {
      // the parent shows the error it was given
    } finally {
      setBusy(false);
    }
  }

  async function clear() {
    setBusy(true);
    setSaved(null);
    try {
      await onClear();
      setRating(null);
      setComment("");
      setSaved("Your rating was removed.");
    } catch {
      // shown by the parent
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="rating-form" onSubmit={submit} aria-label="Your rating">
      <StarRating
        label="Your rating, 1 to 10"
        value={rating}
        disabled={busy}
        onChange={(v) => {
          setRating(v);
          setMissing(false);
          setSaved(null);
        }}
      />
      {missing || fieldErrors.rating ? (
        <p className="field-error">{fieldErrors.rating ?? "Choose a rating from 1 to 10 first."}</p>
      ) : null}
      <div className={`field${fieldErrors.comment ? " has-error" : ""}`}>
        <label htmlFor={commentId}>Comment (optional)</label>
        <textarea
          id={commentId}
          name="comment"
          rows={3}
          maxLength={COMMENT_MAX}
          value={comment}
          aria-invalid={fieldErrors.comment ? true : undefined}
          onChange={(e) => {
            setComment(e.target.value);
            setSaved(null);
          }}
        />
        {fieldErrors.comment ? <p className="field-error">{fieldErrors.comment}</p> : null}
      </div>
      <FormError message={error} />
      <div className="actions">
        <button type="submit" className="primary" disabled={busy || !dirty}>
          {current ? "Update rating" : "Save rating"}
        </button>
        {current ? (
          <button type="button" onClick={clear} disabled={busy}>
            Remove my rating
          </button>
        ) : null}
        <span role="status" className="saved">
          {saved}
        </span>
      </div>
    </form>
  );
}
