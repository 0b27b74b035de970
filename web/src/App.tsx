import { useCallback, useRef, useState } from 'react';
import { api } from './api/client';
import type { Calculation, CalculationStatus, ClientConfig } from './api/types';
import { Announcer } from './components/Announcer';
import { CalculationItem } from './components/CalculationItem';
import { ConnectionStatus } from './components/ConnectionStatus';
import { IndexForm } from './components/IndexForm';
import { ListPanel } from './components/ListPanel';
import { Spiral } from './components/Spiral';
import { SubmissionItem } from './components/SubmissionItem';
import { formatCount, formatDigitCount } from './format/numbers';
import { ConnectedContext } from './live/connected';
import { supersedes } from './state/calculations';
import { useAnnouncer } from './state/useAnnouncer';
import { useLiveData } from './state/useLiveData';
import { useServerConfig } from './state/useServerConfig';

export function App() {
  const config = useServerConfig();
  const maxIndex = config?.maxIndex ?? null;
  const [announcement, announce] = useAnnouncer();
  // The page's latest submission, shown by the form: an index computed long ago is answered at once,
  // but its card sits far down the list, past the pages shown.
  const [latest, setLatest] = useState<Calculation | null>(null);
  const latestIndex = useRef<number | null>(null);
  // Only the outcomes of this page's own submissions are announced (other people's would be noise),
  // each once: what was last said of each.
  const told = useRef(new Map<number, CalculationStatus>());

  const tell = useCallback(
    ({ index, status, digits, error }: Calculation) => {
      if (told.current.get(index) === status) return;
      told.current.set(index, status);
      if (status === 'done') announce(`F(${index}) is ready: ${formatDigitCount(digits ?? 0)}.`);
      if (status === 'failed') announce(`F(${index}) failed: ${error ?? 'no reason given'}.`);
    },
    [announce],
  );

  const onChange = useCallback(
    (next: Calculation) => {
      if (next.index === latestIndex.current) setLatest((shown) => (shown?.index !== next.index || supersedes(shown, next) ? next : shown));
      if (told.current.has(next.index) && (next.status === 'done' || next.status === 'failed')) tell(next);
    },
    [tell],
  );
  // Re-read with the list's unfinished calculations after the stream was away, wherever its card is.
  const latestShown = useRef(latest);
  latestShown.current = latest;
  const watched = useCallback(() => {
    const shown = latestShown.current;
    return shown && (shown.status === 'queued' || shown.status === 'running') ? shown.index : null;
  }, []);
  const live = useLiveData(onChange, watched);
  // Back after an outage (`ready`), the server is reachable again: messages saying it was not go.
  const connected = live.connection.kind === 'live';

  const submit = useCallback(
    async (index: number) => {
      // Both before the request: a small value is done within milliseconds, and its events may come
      // before the answer.
      const [previousLatest, previousTold] = [latestIndex.current, told.current.get(index)];
      latestIndex.current = index;
      told.current.set(index, 'queued');
      let calculation: Calculation;
      try {
        calculation = await api.submit(index);
      } catch (error) {
        // Unless another submission (a retry pressed meanwhile) has taken its place.
        if (latestIndex.current === index) latestIndex.current = previousLatest;
        if (previousTold === undefined) told.current.delete(index);
        else told.current.set(index, previousTold);
        throw error;
      }
      // An event may have told more than the answer does; a later submission, answered first, stays.
      if (latestIndex.current === index) setLatest((shown) => (shown?.index === index && !supersedes(shown, calculation) ? shown : calculation));
      if (calculation.status === 'done' || calculation.status === 'failed') tell(calculation);
      else if (told.current.get(index) === 'queued') announce(`F(${index}) submitted.`);
      live.receive(calculation);
    },
    [announce, tell, live.receive],
  );

  return (
    <ConnectedContext.Provider value={connected}>
      <header className="masthead">
        <a className="brand" href="/">
          <span className="brand-mark" aria-hidden="true">
            F
          </span>
          fibstack
        </a>
        <ConnectionStatus connection={live.connection} onReconnect={live.reconnectNow} />
      </header>
      <main className="layout">
        <section className="hero" aria-labelledby="hero-title">
          <h1 id="hero-title">Fibonacci numbers, every digit.</h1>
          <p className="lede">
            Ask for F(n) up to n = {maxIndex === null ? 'the server’s limit' : formatCount(maxIndex)}. Workers compute
            it, and it appears here the moment it is ready, for everyone watching.
          </p>
          <IndexForm maxIndex={maxIndex} onSubmit={submit} />
          {latest && (
            <section className="latest" aria-labelledby="latest-title">
              <h2 id="latest-title" className="latest-title">
                Your latest
              </h2>
              <ul className="items">
                <CalculationItem calculation={latest} onRetry={submit} announce={announce} />
              </ul>
            </section>
          )}
          <Spiral />
        </section>
        <ListPanel
          className="values"
          heading="Calculated values"
          description="Newest first, updated live."
          list={live.calculations}
          onLoadOlder={live.loadOlderCalculations}
          onShowNewest={live.showNewestCalculations}
          renderItem={(calculation) => (
            <CalculationItem key={calculation.index} calculation={calculation} onRetry={submit} announce={announce} />
          )}
          empty={
            <>
              <p className="empty-title">No values yet</p>
              <p>Enter an index above, or pick one of the examples: F(100,000) has 20,899 digits.</p>
            </>
          }
        />
        <ListPanel
          className="seen"
          heading="Indexes I have seen"
          description="Every submission, from every browser."
          list={live.submissions}
          onLoadOlder={live.loadOlderSubmissions}
          onShowNewest={live.showNewestSubmissions}
          placeholderRows={6}
          renderItem={(submission) => <SubmissionItem key={submission.id} submission={submission} />}
          empty={
            <>
              <p className="empty-title">Nothing submitted yet</p>
              <p>Each index anyone submits is listed here as it happens.</p>
            </>
          }
        />
      </main>
      <footer className="footer">
        <p>F(0) = 0, F(1) = 1, F(n) = F(n−1) + F(n−2). {exactness(config)}</p>
      </footer>
      <Announcer announcement={announcement} />
    </ConnectedContext.Provider>
  );
}

/** What the page promises of its values: every one exact, unless the server keeps only a summary of the largest. */
function exactness(config: ClientConfig | null): string {
  if (config === null) return '';
  if (config.maxExactIndex >= config.maxIndex) return 'Values are exact: big ones are downloaded in full.';
  return `Values up to F(${formatCount(config.maxExactIndex)}) are exact and downloaded in full; larger ones are known by their length and ends.`;
}
