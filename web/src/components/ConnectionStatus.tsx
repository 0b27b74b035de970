import { useEffect, useRef, useState } from 'react';
import type { ConnectionState } from '../live/eventStream';
import { useOnline } from '../live/online';

interface Props {
  connection: ConnectionState;
  onReconnect: () => void;
}

/**
 * Says whether results arrive live, and while they do not, when the next attempt comes. The status
 * region says only what changes for the reader: each attempt of an outage (connecting, refused,
 * waiting) keeps one sentence, and the countdown and the button are outside what is read out.
 * "Reconnect now" is offered only while the browser has a network: without one an attempt can only
 * fail, and the page reconnects by itself the moment the network is back.
 */
export function ConnectionStatus({ connection, onReconnect }: Props) {
  const online = useOnline();
  const seconds = useSecondsUntil(connection.kind === 'retrying' && online ? connection.retryAt : null);
  const outage = useRef(false);
  if (connection.kind === 'retrying') outage.current = true;
  if (connection.kind === 'live' || connection.kind === 'paused') outage.current = false;
  const region = useRef<HTMLSpanElement>(null);
  const button = useRef<HTMLButtonElement>(null);
  // Read while rendering, before this render takes the button away (the next attempt began, by a click
  // or by the countdown, or the network went): the focus it had goes to the status, not to the page's start.
  const buttonHadFocus = button.current !== null && document.activeElement === button.current;
  useEffect(() => {
    if (buttonHadFocus && button.current === null) region.current?.focus();
  });
  const shown = {
    live: 'Live',
    connecting: 'Connecting…',
    paused: 'Paused while hidden',
    // The browser knows when it has no network at all; otherwise it is the server that did not answer.
    retrying: online ? `Server unreachable · retrying in ${seconds}\u00a0s` : 'Offline · waiting for the network',
  }[connection.kind];
  return (
    <div className={`connection is-${connection.kind}`}>
      <span ref={region} tabIndex={-1} className="connection-state" role="status">
        <span className="connection-dot" aria-hidden="true" />
        <span className="visually-hidden">{outage.current ? 'Live updates paused. Reconnecting.' : shown}</span>
        <span aria-hidden="true">{shown}</span>
      </span>
      {connection.kind === 'retrying' && online && (
        <button ref={button} type="button" className="link-button" onClick={onReconnect}>
          Reconnect now
        </button>
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
