import type { Submission } from '../api/types';
import { byIdNewestFirst, byTimeNewestFirst } from './order';
import { createListReducer, type ListRules } from './listReducer';

const submissionRules: ListRules<Submission> = {
  keyOf: (submission) => submission.id,
  newestFirst: (a, b) => byTimeNewestFirst(a.createdAt, b.createdAt) || byIdNewestFirst(a.id, b.id),
  // A submission never changes once stored.
  replaces: () => false,
};

export const reduceSubmissions = createListReducer(submissionRules);
