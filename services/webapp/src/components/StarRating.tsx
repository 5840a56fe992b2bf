// The 1–10 rating input: a radio group (one tab stop; arrow keys move and select, like native
// radios), drawn as stars. `value` null means "no rating yet".
import { useId, useRef, useState, type KeyboardEvent } from "react";
import { StarIcon } from "./Icons";

export interface StarRatingProps {
  value: number | null;
  onChange: (value: number) => void;
  label: string;
  max?: number;
  disabled?: boolean;
}

export function StarRating({ value, onChange, label, max = 10, disabled = false }: StarRatingProps) {
  const [hover, setHover] = useState<number | null>(null);
  const refs = useRef<(HTMLSpanElement | null)[]>([]);
  const labelId = useId();
  const shown = hover ?? value ?? 0;
  // The focusable star: the chosen one, or the first when nothing is chosen yet.
  const tabStop = value ?? 1;

  function choose(next: number) {
    if (disabled) return;
    const clamped = Math.min(max, Math.max(1, next));
    onChange(clamped);
    refs.current[clamped - 1]?.focus();
  }

  function onKeyDown(event: KeyboardEvent<HTMLSpanElement>, star: number) {
    const moves: Record<string, number> = {
      ArrowRight: star + 1,
      ArrowUp: star + 1,
      ArrowLeft: star - 1,
      ArrowDown: star - 1,
      Home: 1,
      End: max,
    };
    if (event.key in moves) {
      event.preventDefault();
      choose(moves[event.key]!);
    } else if (event.key === " " || event.key === "Enter") {
      event.preventDefault();
      choose(star);
    }
  }

  return (
    <div className="stars" role="radiogroup" aria-labelledby={labelId} aria-disabled={disabled || undefined}>
      <span id={labelId} className="visually-hidden">
        {label}
      </span>
      {Array.from({ length: max }, (_, i) => {
        const star = i + 1;
        return (
          <span
            key={star}
            ref={(el) => {
              refs.current[i] = el;
            }}
            role="radio"
            aria-checked={value === star}
            aria-label={`${star} of ${max}`}
            tabIndex={disabled ? -1 : star === tabStop ? 0 : -1}
            className={`star${star <= shown ? " on" : ""}`}
            onClick={() => choose(star)}
            onKeyDown={(e) => onKeyDown(e, star)}
            onMouseEnter={() => !disabled && setHover(star)}
            onMouseLeave={() => setHover(null)}
          >
            <StarIcon filled={star <= shown} />
          </span>
        );
      })}
      <span className="stars-value" aria-hidden="true">
        {value ? `${value}/10` : "–"}
      </span>
    </div>
  );
}
