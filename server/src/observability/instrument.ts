/** Wrappers that time the work where it happens, without the services knowing about metrics. */
import type { FastifyInstance } from 'fastify';
import type { SubmissionBatchObserver } from '../services/calculation.service.js';
import type { FibComputer } from '../services/compute.service.js';
import { JobName, type JobHandler, type JobHandlers } from '../jobs/types.js';
import { outcomeOf, WorkerLostError } from '../jobs/run-job.js';
import { sizeBucket, type Metrics } from './metrics.js';

/** Every response, labelled by its route template (`/api/calculations/:index`), never the raw URL. */
export function instrumentHttp(app: FastifyInstance, metrics: Metrics): void {
  app.addHook('onResponse', async (request, reply) => {
    metrics.httpDuration.observe(
      { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) },
      reply.elapsedTime / 1_000,
    );
  });
}

const OUTCOMES = ['completed', 'failed', 'retried'] as const;
type Outcome = (typeof OUTCOMES)[number];

/**
 * The same handlers, each run timed and counted by outcome: `completed`; `failed`, a job's last attempt
 * failing, or its workers stopping mid-run too often; `retried`, a run the job will have again (an
 * attempt left, a dependency away, or its worker stopping: see outcomeOf).
 */
export function instrumentHandlers(handlers: JobHandlers, metrics: Metrics): JobHandlers {
  const timed: Partial<Record<JobName, JobHandler<JobName>>> = {};
  for (const name of Object.values(JobName)) {
    // Every series exists from the start, at 0: an alert on the increase of failures (a scheduled
    // backup's, say) sees the first one, which a series born at 1 would hide.
    for (const outcome of OUTCOMES) metrics.jobsFinished.inc({ job_name: name, outcome }, 0);
    const handler = handlers[name] as JobHandler<JobName>;
    timed[name] = {
      async handle(payload, context) {
        const stop = metrics.jobDuration.startTimer({ job_name: name });
        const finish = (outcome: Outcome) => {
          stop({ outcome });
          metrics.jobsFinished.inc({ job_name: name, outcome });
        };
        try {
          await handler.handle(payload, context);
          finish('completed');
        } catch (error) {
          finish(outcomeOf(error, context) === 'failed' ? 'failed' : 'retried');
          throw error;
        }
      },
      async onFailed(payload, error) {
        // A job whose workers stopped mid-run too often fails without a run of its own, so without the
        // count above (see BullmqQueue.failLost): its failure for good is counted here.
        if (error instanceof WorkerLostError) metrics.jobsFinished.inc({ job_name: name, outcome: 'failed' });
        await handler.onFailed?.(payload, error);
      },
    };
  }
  return timed as JobHandlers;
}

/** The F(n) engine, each computation's own measured time recorded by size of n. */
export function instrumentComputer(fib: FibComputer, metrics: Metrics): FibComputer {
  return {
    async compute(index, signal) {
      const result = await fib.compute(index, signal);
      metrics.computeDuration.observe({ size: sizeBucket(index) }, result.durationMs / 1_000);
      return result;
    },
  };
}

/** Each batch of cheap submissions: its size, and the time of its statement and of its queue step. */
export function observeSubmissionBatches(metrics: Metrics): SubmissionBatchObserver {
  return ({ size, statementMs, queueMs }) => {
    metrics.submissionBatchSize.observe(size);
    metrics.submissionBatchDuration.observe({ step: 'statement' }, statementMs / 1_000);
    metrics.submissionBatchDuration.observe({ step: 'queue' }, queueMs / 1_000);
  };
}
