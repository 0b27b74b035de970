import { useEffect, useRef, useState } from 'react';
import type { ConnectionState } from '../live/eventStream';

interface Props {
  connection: ConnectionState;
  onReconnect: () => void;
}

/** Says whether results arrive live, and while they do not, when the next attempt comes. */
export function ConnectionStatus({ connection, onReconnect }: Props) {
  const seconds = useSecondsUntil(connection.kind === 'retrying' ? connection.retryAt : null);
  const region = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);
  // Read while rendering, before this render takes the button away (the next attempt began, by a click
  // or by the countdown): the focus it had goes to the status, not to the page's start.
  const buttonHadFocus = button.current !== null && document.activeElement === button.current;
  useEffect(() => {
    if (buttonHadFocus && button.current === null) region.current?.focus();
  });
  return (
    <div ref={region} tabIndex={-1} className={`connection is-${connection.kind}`} role="status">
      <span className="connection-dot" aria-hidden="true" />
      {connection.kind === 'live' && <span>Live</span>}
      {connection.kind === 'connecting' && <span>Connecting…</span>}
      {connection.kind === 'paused' && <span>Paused while hidden</span>}
      {connection.kind === 'retrying' && (
        <>
          {/* The countdown changes every second: it is shown, but only the stable sentence is announced. */}
          <span className="visually-hidden">Live updates paused. Reconnecting.</span>
          <span aria-hidden="true">Offline · retrying in {seconds} s</span>
          <button ref={button} type="button" className="link-button" onClick={onReconnect}>
            Reconnect now
          </button>
        </>
      )}
    </div>
  );
}

function useSecondsUntil(deadline: number | null): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (deadline === null) return;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), 1_000);
    return () => clearInterval(timer);
  }, [deadline]);
  return deadline === null ? 0 : Math.max(0, Math.ceil((deadline - now) / 1_000));
}
