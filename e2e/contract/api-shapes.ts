/**
 * The web client declares the shapes of the API it reads (web/src/api/types.ts, after docs/api.md);
 * the server declares what it sends. This file holds the two to each other: `npm test` typechecks it,
 * and a shape changed on one side alone stops it compiling.
 */
import type { presentPage } from '../../server/src/api/presenters.js';
import type { clientConfig } from '../../server/src/api/routes/config.js';
import type { CalculationView, SubmissionView } from '../../server/src/services/calculation.view.js';
import type { Calculation, CalculationStatus, ClientConfig, Page, Submission } from '../../web/src/api/types.js';

/** `true` only when A and B are the same type, each assignable to the other. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

export const sameShapes = {
  calculation: true satisfies Same<CalculationView, Calculation>,
  status: true satisfies Same<CalculationView['status'], CalculationStatus>,
  submission: true satisfies Same<SubmissionView, Submission>,
  page: true satisfies Same<ReturnType<typeof presentPage<CalculationView>>, Page<Calculation>>,
  config: true satisfies Same<ReturnType<typeof clientConfig>, ClientConfig>,
};
