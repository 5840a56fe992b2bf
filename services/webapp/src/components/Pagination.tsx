import type { PageInfo } from "../api/client";
import type { Pager } from "../lib/usePager";
import { ChevronLeft, ChevronRight } from "./Icons";

/** Previous / next for a cursor-paged list, with "page n of m" from the total. */
export function Pagination({ pager, info, label }: { pager: Pager; info: PageInfo | undefined; label: string }) {
  if (!info) return null;
  const pages = Math.max(1, Math.ceil(info.total / Math.max(1, info.limit)));
  if (pages <= 1 && pager.page === 1) return null;
  return (
    <nav className="pagination" aria-label={label}>
      <button type="button" onClick={pager.previous} disabled={pager.page <= 1}>
        <ChevronLeft /> Previous
      </button>
      <span aria-live="polite">
        Page {pager.page} of {pages}
      </span>
      <button type="button" onClick={() => pager.next(info.next_cursor)} disabled={!info.next_cursor}>
        Next <ChevronRight />
      </button>
    </nav>
  );
}
