import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import { useAction } from '../actions/useAction';
import { formatCount, formatDigitCount } from '../format/numbers';
import { adminApi } from './api';
import type { Backup, Schedule, Stats, Worker } from './types';
import { ago, bytes, calculationName, clock, duration, percent, rate, work } from './format';

/** The page refreshes itself this often. */
const REFRESH_MS = 5_000;

/** The controls that act: each action's outcome is shown beside the one that took it. */
type Control = 'retry' | 'backup';

/** What an operator checks first: the queue, throughput, workers, schedules, slow and failed calculations, backups. */
export function AdminPage() {
  const [stats, setStats] = useState<Stats>();
  const [backups, setBackups] = useState<Backup[]>([]);
  const [error, setError] = useState('');
  // Which control acted last, and what its action did, said once it is done.
  const [actedBy, setActedBy] = useState<Control>();
  const [notice, setNotice] = useState('');
  const action = useAction();
  const failedHeading = useRef<HTMLHeadingElement>(null);
  // Refreshes may overlap (a slow one, then the one an action starts): only the latest one started is shown.
  const refreshes = useRef(0);

  const refresh = useCallback(async () => {
    const mine = ++refreshes.current;
    try {
      const [current, stored] = await Promise.all([adminApi.stats(), adminApi.backups()]);
      if (mine !== refreshes.current) return;
      setStats(current);
      setBackups(stored.items);
      setError('');
    } catch (failure) {
      if (mine === refreshes.current) setError((failure as Error).message);
    }
  }, []);

  useEffect(() => {
    void refresh();
    const timer = setInterval(() => void refresh(), REFRESH_MS);
    return () => clearInterval(timer);
  }, [refresh]);

  const act = (control: Control, task: () => Promise<string>) => {
    setActedBy(control);
    setNotice('');
    return action.run(async () => {
      const done = await task();
      await refresh();
      setNotice(done);
    });
  };
  const outcome = (control: Control) => <Outcome notice={actedBy === control ? notice : ''} error={actedBy === control ? action.error : null} />;
  const busy = action.running;

  return (
    <main className="admin">
      <h1>fibstack admin</h1>
      {stats && (
        <p>
          {stats.queueDashboard ? (
            <a href={stats.queueDashboard}>Queue dashboard</a>
          ) : (
            <span className="muted">The queue dashboard comes with the Redis queue (the distributed roles); the in-process queue is shown here.</span>
          )}
        </p>
      )}
      {/* A failed refresh stays until one succeeds; an action's outcome is shown beside its control. */}
      {error && (
        <p role="alert" className="problem">
          {error}
        </p>
      )}
      {stats && (
        <>
          {/* The queue counts jobs, and a batch job holds many calculations: the two are counted apart. */}
          <div className="pair">
            <section aria-labelledby="queue-heading">
              <h2 id="queue-heading">Jobs in the queue</h2>
              {stats.pausedQueues.length > 0 && (
                <p className="problem">
                  Paused in the queue dashboard: {stats.pausedQueues.join(', ')}. Nothing there runs until it is resumed.
                </p>
              )}
              <dl className="counts">
                {Object.entries(stats.queue).map(([state, count]) => (
                  <div key={state}>
                    <dt>{state}</dt>
                    <dd data-testid={`queue-${state}`}>{formatCount(count)}</dd>
                  </div>
                ))}
              </dl>
              <p className="muted note">A batch of small calculations is one job.</p>
            </section>

            <section aria-labelledby="throughput-heading">
              <h2 id="throughput-heading">Calculations in the last {stats.windowMinutes} min</h2>
              <dl className="counts">
                <div>
                  <dt>finished per minute</dt>
                  <dd data-testid="jobs-per-minute">{rate(stats.jobsPerMinute)}</dd>
                </div>
                <div>
                  <dt>failure rate</dt>
                  <dd data-testid="failure-rate">{percent(stats.failureRate)}</dd>
                </div>
              </dl>
            </section>
          </div>

          <section aria-label="Workers">
            <h2>Workers online: {stats.workers.length}</h2>
            <Wide label="Workers">
              <table>
                <thead>
                  <tr>
                    <th>host</th>
                    <th>pid</th>
                    <th>concurrency</th>
                    <th>engine</th>
                    <th>last heartbeat</th>
                    <th>running</th>
                  </tr>
                </thead>
                <tbody>
                  {stats.workers.map((worker) => (
                    <tr key={worker.id}>
                      <td>{worker.host}</td>
                      <td>{worker.pid}</td>
                      <td>{worker.concurrency}</td>
                      <td>{worker.engine}</td>
                      <td>{ago(worker.lastHeartbeat)}</td>
                      <td>
                        <Running worker={worker} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </Wide>
          </section>

          <section aria-label="Schedules">
            <h2>Schedules</h2>
            <Wide label="Schedules">
              <table>
                <thead>
                  <tr>
                    <th>job</th>
                    <th>schedule (UTC)</th>
                    <th>next run</th>
                    <th>last run</th>
                    <th>took</th>
                    <th>outcome</th>
                  </tr>
                </thead>
                <tbody>
                  {stats.schedules.map((schedule) => (
                    <ScheduleRow key={schedule.name} schedule={schedule} />
                  ))}
                </tbody>
              </table>
            </Wide>
          </section>

          <section aria-label="Slowest calculations">
            <h2>Slowest calculations (24 h)</h2>
            <Wide label="Slowest calculations">
              <table>
                <thead>
                  <tr>
                    <th>calculation</th>
                    <th>digits</th>
                    <th>took</th>
                  </tr>
                </thead>
                <tbody>
                  {stats.slowest.map((calculation) => (
                    <tr key={calculation.index}>
                      <td>{calculationName(calculation.index)}</td>
                      <td>{calculation.digits === null ? '—' : formatDigitCount(calculation.digits)}</td>
                      <td>{duration(calculation.durationMs)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </Wide>
          </section>

          <section aria-label="Failed calculations">
            <h2 ref={failedHeading} tabIndex={-1}>
              Failed calculations
            </h2>
            {outcome('retry')}
            {stats.failed.length === 0 && <p className="muted">None.</p>}
            {stats.failedTotal > stats.failed.length && (
              <p className="muted">
                The latest {stats.failed.length} of {formatCount(stats.failedTotal)}
                {stats.failedTotalExact ? '' : ' or more'}.
              </p>
            )}
            <Wide label="Failed calculations">
              <table>
                {stats.failed.length > 0 && (
                  <thead>
                    <tr>
                      <th>calculation</th>
                      <th>error</th>
                      <th>action</th>
                    </tr>
                  </thead>
                )}
                <tbody>
                  {stats.failed.map((calculation) => (
                    <tr key={calculation.index}>
                      <td>{calculationName(calculation.index)}</td>
                      <td className="message">{calculation.error}</td>
                      <td>
                        <button
                          disabled={busy}
                          onClick={() =>
                            void act('retry', async () => {
                              await adminApi.retry(calculation.index);
                              // Its row goes: the focus goes to the list, not to the page's start.
                              failedHeading.current?.focus();
                              return `${calculationName(calculation.index)} is queued again.`;
                            })
                          }
                        >
                          Retry {calculationName(calculation.index)}
                        </button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </Wide>
          </section>
        </>
      )}

      <section aria-label="Backups">
        <h2>Backups</h2>
        <div className="acting">
          <button
            disabled={busy}
            onClick={() =>
              void act('backup', async () => {
                const { name } = await adminApi.backupNow();
                return `Backup ${name} made.`;
              })
            }
          >
            Back up now
          </button>
          {outcome('backup')}
        </div>
        <ul className="backups">
          {backups.map((backup) => (
            <li key={backup.name}>
              {backup.name} — {bytes(backup.bytes)}
            </li>
          ))}
        </ul>
      </section>
    </main>
  );
}

/** What a worker runs now: each job listed (the longest-running first) since when, and how many more; or idle. */
function Running({ worker: { running, runningCount } }: { worker: Worker }) {
  if (runningCount === 0) return <span className="muted">idle</span>;
  return (
    <ul className="running">
      {running.map((job) => (
        <li key={job.id}>
          {work(job)} <span className="muted">since</span> <time dateTime={job.startedAt}>{clock(job.startedAt)}</time>
        </li>
      ))}
      {runningCount > running.length && <li className="muted">and {formatCount(runningCount - running.length)} more</li>}
    </ul>
  );
}

/** One periodic job: a failed run's error stands beside its outcome, as a failed calculation's does. */
function ScheduleRow({ schedule: { name, pattern, next, last } }: { schedule: Schedule }) {
  return (
    <tr>
      <td>{name}</td>
      <td>
        <code>{pattern}</code>
      </td>
      <td>{next ? <time dateTime={next}>{clock(next)}</time> : '—'}</td>
      <td>{last ? <time dateTime={last.at}>{ago(last.at)}</time> : 'none yet'}</td>
      <td>{last ? duration(last.durationMs) : '—'}</td>
      <td className={last ? `message outcome-${last.outcome}` : undefined}>{last ? (last.error ? `${last.outcome}: ${last.error}` : last.outcome) : '—'}</td>
    </tr>
  );
}

/**
 * What the last action taken at a control did, beside it: its failure, or once it is done what it did.
 * The status is always there, empty until then, so that screen readers announce what is put in it.
 */
function Outcome({ notice, error }: { notice: string; error: string | null }) {
  return (
    <>
      {error && (
        <p role="alert" className="problem">
          {error}
        </p>
      )}
      <p role="status" className="notice">
        {notice}
      </p>
    </>
  );
}

/**
 * Tables scroll sideways on a narrow screen rather than widen the page. The scrolling box takes the
 * focus, named after its table, so it can be scrolled from the keyboard too (arrow keys); a shadow at
 * an edge shows that more of the table lies beyond it (admin.css).
 */
function Wide({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="wide" tabIndex={0} role="region" aria-label={`${label} table`}>
      {children}
    </div>
  );
}
