import { useId, useRef, type ReactNode } from "react";
import { ChevronLeft, ChevronRight } from "./Icons";

/** A horizontally scrolling row with previous/next buttons; also scrolls by touch or keyboard. */
export function Carousel({ title, children, more }: { title: string; children: ReactNode; more?: ReactNode }) {
  const track = useRef<HTMLUListElement>(null);
  const headingId = useId();
  const scroll = (dir: 1 | -1) => {
    const el = track.current;
    if (el) el.scrollBy({ left: dir * el.clientWidth * 0.9, behavior: "smooth" });
  };
  return (
    <section className="carousel" aria-labelledby={headingId}>
      <div className="carousel-head">
        <h2 id={headingId}>{title}</h2>
        <div className="carousel-controls">
          {more}
          <button type="button" className="icon-button" onClick={() => scroll(-1)} aria-label={`Scroll ${title} back`}>
            <ChevronLeft />
          </button>
          <button type="button" className="icon-button" onClick={() => scroll(1)} aria-label={`Scroll ${title} forward`}>
            <ChevronRight />
          </button>
        </div>
      </div>
      <ul className="carousel-track" ref={track} tabIndex={0} aria-label={title}>
        {children}
      </ul>
    </section>
  );
}
