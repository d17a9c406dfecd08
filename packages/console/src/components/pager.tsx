import { useState } from 'react';

/** Cursor paging: the cursors of the pages before this one, so "Previous" goes back exactly. */
export function usePager(resetOn: unknown) {
  const [state, setState] = useState<{ for: unknown; cursors: (string | undefined)[] }>({ for: resetOn, cursors: [undefined] });
  const cursors = Object.is(state.for, resetOn) ? state.cursors : [undefined];
  return {
    cursor: cursors.at(-1),
    page: cursors.length,
    next: (cursor: string) => setState({ for: resetOn, cursors: [...cursors, cursor] }),
    previous: () => setState({ for: resetOn, cursors: cursors.slice(0, -1) }),
  };
}

export function Pager({ pager, nextCursor, label }: { pager: ReturnType<typeof usePager>; nextCursor: string | null | undefined; label: string }) {
  return (
    <nav className="pager" aria-label={`${label} pages`}>
      <button type="button" disabled={pager.page <= 1} onClick={pager.previous}>
        Previous
      </button>
      <span>Page {pager.page}</span>
      <button type="button" disabled={!nextCursor} onClick={() => nextCursor && pager.next(nextCursor)}>
        Next
      </button>
    </nav>
  );
}
