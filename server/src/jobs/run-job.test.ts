import { describe, expect, it } from 'vitest';
import { outcomeOf, RetryLaterError, runJob, WorkerStoppedError } from './run-job.js';
import { JobName, type JobContext, type JobHandlers } from './types.js';

/** A run of a Backup job on `attempt` of `attempts` whose handler throws `error`, its signal aborted for `reason` if given. */
async function failingRun(error: unknown, { attempt = 1, attempts = 1, reason }: { attempt?: number; attempts?: number; reason?: unknown } = {}) {
  const controller = new AbortController();
  if (reason !== undefined) controller.abort(reason);
  const context: JobContext = { signal: controller.signal, attempt, attempts, id: 'job-1' };
  const told: Error[] = [];
  const handlers = {
    [JobName.Backup]: {
      handle: async () => {
        throw error;
      },
      onFailed: async (_payload: unknown, failure: Error) => void told.push(failure),
    },
  } as unknown as JobHandlers;
  const thrown = await runJob(handlers, JobName.Backup, {}, context).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  return { thrown, told, outcome: outcomeOf(thrown, context) };
}

const unavailable = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });

describe('how a run that threw ends', () => {
  it('retries with attempts left, and fails the last attempt, telling the handler once', async () => {
    const boom = new Error('boom');
    expect(await failingRun(boom, { attempt: 1, attempts: 2 })).toEqual({ thrown: boom, told: [], outcome: 'retry' });
    expect(await failingRun(boom, { attempt: 2, attempts: 2 })).toEqual({ thrown: boom, told: [boom], outcome: 'failed' });
  });

  it('tries again later, unfailed, when Postgres or Redis did not answer, on the last attempt too', async () => {
    const { thrown, told, outcome } = await failingRun(unavailable());
    expect(thrown).toBeInstanceOf(RetryLaterError);
    expect(told).toEqual([]);
    expect(outcome).toBe('retry-later');
  });

  it('hands the job back, unfailed on its last attempt, when its worker’s stop aborted it', async () => {
    const aborted = new Error('The operation was aborted');
    expect(await failingRun(aborted, { reason: new WorkerStoppedError() })).toEqual({ thrown: aborted, told: [], outcome: 'handed-back' });
  });

  it('fails the last attempt of a job aborted for another reason (BullMQ’s cancel), telling the handler, as BullMQ fails it', async () => {
    const aborted = new Error('The operation was aborted');
    expect(await failingRun(aborted, { reason: 'cancelled from the dashboard' })).toEqual({ thrown: aborted, told: [aborted], outcome: 'failed' });
  });
});
