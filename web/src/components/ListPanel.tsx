import { type ReactNode, useEffect, useId, useRef } from 'react';
import { useAction } from '../actions/useAction';
import { formatCount } from '../format/numbers';
import { MAX_NEWER, type ListState } from '../state/listReducer';

interface Props<T> {
  heading: string;
  description: string;
  list: ListState<T>;
  empty: ReactNode;
  className: string;
  renderItem: (item: T) => ReactNode;
  onLoadOlder: () => Promise<void>;
  /** Shows the newest page, when live events brought more new items than the list adds. */
  onShowNewest: () => Promise<void>;
  /** Rows drawn while the first page loads, so the page does not jump when it arrives. */
  placeholderRows?: number;
}

/** A titled, newest-first list with its loading, empty and error states and a "load more" button. */
export function ListPanel<T>({ heading, description, list, empty, className, renderItem, onLoadOlder, onShowNewest, placeholderRows = 3 }: Props<T>) {
  const titleId = useId();
  const title = useRef<HTMLHeadingElement>(null);
  const items = useRef<HTMLOListElement>(null);
  // The focus moves on from a button that loaded something: the button may be gone by then (no more
  // pages, nothing newer), and a lost focus falls back to the top of the page. After "Load more" it goes
  // to the first item loaded, once it is shown; after "Show newer", to the list's title.
  const firstLoaded = useRef<(() => Element | null | undefined) | null>(null);
  const older = useAction();
  const loadOlder = () =>
    older.run(async () => {
      const last = items.current?.lastElementChild;
      firstLoaded.current = () => last?.nextElementSibling;
      await onLoadOlder().catch((error: unknown) => {
        firstLoaded.current = null;
        throw error;
      });
    });
  const newest = useAction();
  const showNewest = () =>
    newest.run(async () => {
      await onShowNewest();
      title.current?.focus();
    });
  useEffect(() => {
    const item = firstLoaded.current?.();
    if (item instanceof HTMLElement) {
      item.focus();
      firstLoaded.current = null;
    }
  }, [list]);

  return (
    <section className={`panel ${className}`} aria-labelledby={titleId} aria-busy={list.phase === 'loading'}>
      <header className="panel-header">
        <h2 id={titleId} ref={title} tabIndex={-1}>
          {heading}
        </h2>
        <p className="panel-description">{description}</p>
      </header>
      {list.phase === 'loading' && (
        <ul className="placeholder-list" aria-hidden="true">
          {Array.from({ length: placeholderRows }, (_, row) => (
            <li key={row} className="placeholder-row" />
          ))}
        </ul>
      )}
      {list.phase === 'failed' && (
        <p className="notice" role="alert">
          This list could not be loaded: {list.error}
        </p>
      )}
      {list.phase === 'ready' && list.items.length === 0 && <div className="empty">{empty}</div>}
      {list.newer.size > 0 && (
        <div className="show-newest">
          <button type="button" className="button" onClick={() => void showNewest()}>
            Show {list.newer.size >= MAX_NEWER ? `${formatCount(MAX_NEWER)}+` : formatCount(list.newer.size)} newer
          </button>
          {newest.error && <p className="field-error" role="alert">{newest.error}</p>}
        </div>
      )}
      {list.items.length > 0 && (
        <ol className="items" ref={items}>
          {list.items.map(renderItem)}
        </ol>
      )}
      {list.phase === 'ready' && list.nextCursor !== null && (
        <div className="load-more">
          <button type="button" className="button" onClick={() => void loadOlder()} disabled={older.running}>
            {older.running ? 'Loading…' : 'Load more'}
          </button>
          {older.error && <p className="field-error" role="alert">{older.error}</p>}
        </div>
      )}
    </section>
  );
}
