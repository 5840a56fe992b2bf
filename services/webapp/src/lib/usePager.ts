// Cursor paging with a way back: the gateway gives only `next_cursor`, so the cursors of the
// pages already seen are kept in a stack. Changing `resetKey` (the filters) starts over, in the
// same render: the first request for new filters must not carry the old list's cursor.
import { useCallback, useState } from "react";

export interface Pager {
  cursor: string | null;
  page: number;
  next: (nextCursor: string | null | undefined) => void;
  previous: () => void;
  reset: () => void;
}

export function usePager(resetKey: string): Pager {
  const [state, setState] = useState<{ key: string; stack: (string | null)[] }>({ key: resetKey, stack: [null] });
  let stack = state.stack;
  if (state.key !== resetKey) {
    // Adjusting state while rendering (React's documented pattern for "reset on prop change").
    stack = [null];
    setState({ key: resetKey, stack });
  }
  const next = useCallback(
    (nextCursor: string | null | undefined) => {
      if (nextCursor) setState((s) => ({ ...s, stack: [...s.stack, nextCursor] }));
    },
    [],
  );
  const previous = useCallback(
    () => setState((s) => (s.stack.length > 1 ? { ...s, stack: s.stack.slice(0, -1) } : s)),
    [],
  );
  const reset = useCallback(() => setState((s) => ({ ...s, stack: [null] })), []);
  return { cursor: stack[stack.length - 1] ?? null, page: stack.length, next, previous, reset };
}
