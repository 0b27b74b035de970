import { type ReactNode, useId, useState } from 'react';
import { formatCount } from '../format/numbers';
import { MAX_NEWER, type ListState } from '../state/listReducer';

interface Props<T> {
  title: string;
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
export function ListPanel<T>({ title, description, list, empty, className, renderItem, onLoadOlder, onShowNewest, placeholderRows = 3 }: Props<T>) {
  const titleId = useId();
  const [loadingOlder, setLoadingOlder] = useState(false);
  const [olderError, setOlderError] = useState<string | null>(null);
  const [newestError, setNewestError] = useState<string | null>(null);

  async function loadOlder() {
    setLoadingOlder(true);
    setOlderError(null);
    try {
      await onLoadOlder();
    } catch (error) {
      setOlderError(error instanceof Error ? error.message : String(error));
    } finally {
      setLoadingOlder(false);
    }
  }

  async function showNewest() {
    setNewestError(null);
    try {
      await onShowNewest();
    } catch (error) {
      setNewestError(error instanceof Error ? error.message : String(error));
    }
  }

  return (
    <section className={`panel ${className}`} aria-labelledby={titleId} aria-busy={list.phase === 'loading'}>
      <header className="panel-header">
        <h2 id={titleId}>{title}</h2>
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
          <button type="button" className="button" onClick={showNewest}>
            Show {list.newer.size >= MAX_NEWER ? `${formatCount(MAX_NEWER)}+` : formatCount(list.newer.size)} newer
          </button>
          {newestError && <p className="field-error" role="alert">{newestError}</p>}
        </div>
      )}
      {list.items.length > 0 && <ol className="items">{list.items.map(renderItem)}</ol>}
      {list.phase === 'ready' && list.nextCursor !== null && (
        <div className="load-more">
          <button type="button" className="button" onClick={loadOlder} disabled={loadingOlder}>
            {loadingOlder ? 'Loading…' : 'Load more'}
          </button>
          {olderError && <p className="field-error" role="alert">{olderError}</p>}
        </div>
      )}
    </section>
  );
}
