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
  const older = useAction(onLoadOlder);
  const newest = useAction(onShowNewest);

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
          <button type="button" className="button" onClick={newest.run}>
            Show {list.newer.size >= MAX_NEWER ? `${formatCount(MAX_NEWER)}+` : formatCount(list.newer.size)} newer
          </button>
          {newest.error && <p className="field-error" role="alert">{newest.error}</p>}
        </div>
      )}
      {list.items.length > 0 && <ol className="items">{list.items.map(renderItem)}</ol>}
      {list.phase === 'ready' && list.nextCursor !== null && (
        <div className="load-more">
          <button type="button" className="button" onClick={older.run} disabled={older.running}>
            {older.running ? 'Loading…' : 'Load more'}
          </button>
          {older.error && <p className="field-error" role="alert">{older.error}</p>}
        </div>
      )}
    </section>
  );
}

/** A button's asynchronous action: whether it is under way, and what went wrong the last time. */
function useAction(action: () => Promise<void>) {
  const [running, setRunning] = useState(false);
  const [error, setError] = useState<string | null>(null);
  async function run() {
    setRunning(true);
    setError(null);
    try {
      await action();
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
    } finally {
      setRunning(false);
    }
  }
  return { run, running, error };
}
