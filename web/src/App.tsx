import type { ClientConfig } from './api/types';
import { Announcer } from './components/Announcer';
import { CalculationItem } from './components/CalculationItem';
import { ConnectionStatus } from './components/ConnectionStatus';
import { IndexForm } from './components/IndexForm';
import { ListPanel } from './components/ListPanel';
import { Spiral } from './components/Spiral';
import { SubmissionItem } from './components/SubmissionItem';
import { formatCount } from './format/numbers';
import { ConnectedContext } from './live/connected';
import { useAnnouncer } from './state/useAnnouncer';
import { useOwnSubmissions } from './state/useOwnSubmissions';
import { useServerConfig } from './state/useServerConfig';

export function App() {
  const config = useServerConfig();
  const maxIndex = config?.maxIndex ?? null;
  // Null too when every index the server takes is exact: there is no limit to tell of.
  const maxExactIndex = config !== null && config.maxExactIndex < config.maxIndex ? config.maxExactIndex : null;
  const [announcement, announce] = useAnnouncer();
  const { live, latest, submit } = useOwnSubmissions(announce);
  // Back after an outage (`ready`), the server is reachable again: messages saying it was not go.
  const connected = live.connection.kind === 'live';

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
          <h1 id="hero-title">Fibonacci numbers, on demand.</h1>
          <p className="lede">
            Ask for F(n) up to n = {maxIndex === null ? 'the server’s limit' : formatCount(maxIndex)}. Workers compute
            it, and it appears here the moment it is ready, for everyone watching.
          </p>
          <IndexForm maxIndex={maxIndex} maxExactIndex={maxExactIndex} onSubmit={submit} />
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
