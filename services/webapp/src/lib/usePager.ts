// Cursor paging with a way back: the gateway gives only `next_cursor`, so the cursors of the
// pages already seen are kept in a stack. Changing `resetKey` (the filters) starts over.
import { useCallback, useEffect, useRef, useState } from "react";

export interface Pager {
  cursor: string | null;
  page: number;
  next: (nextCursor: string | null | undefined) => void;
  previous: () => void;
  reset: () => void;
}

export function usePager(resetKey: string): Pager {
  const [stack, setStack] = useState<(string | null)[]>([null]);
  const lastKey = useRef(resetKey);
  useEffect(() => {
    if (lastKey.current !== resetKey) {
      lastKey.current = resetKey;
      setStack([null]);
    }
  }, [resetKey]);
  const next = useCallback((nextCursor: string | null | undefined) => {
    if (nextCursor) setStack((s) => [...s, nextCursor]);
  }, []);
  const previous = useCallback(() => setStack((s) => (s.length > 1 ? s.slice(0, -1) : s)), []);
  const reset = useCallback(() => setStack([null]), []);
  return { cursor: stack[stack.length - 1] ?? null, page: stack.length, next, previous, reset };
}
