import type { Calculation, CalculationStatus } from '../api/types';
import { byTimeNewestFirst } from './order';
import { createListReducer, type ListRules } from './listReducer';

/**
 * Which status may follow which. Events and re-read pages can arrive out of order, so a copy that would
 * move a calculation backwards is stale and ignored; the one way back is a failed calculation queued
 * again by a retry.
 */
const successors: Record<CalculationStatus, ReadonlySet<CalculationStatus>> = {
  queued: new Set(['queued', 'running', 'done', 'failed']),
  running: new Set(['running', 'done', 'failed']),
  done: new Set(['done']),
  failed: new Set(['failed', 'queued', 'running', 'done']),
};

function canFollow(current: CalculationStatus, next: CalculationStatus): boolean {
  return successors[current].has(next);
}

/** Whether `next`, a copy of the same calculation, is news to one showing `current`. */
export function supersedes(current: Calculation, next: Calculation): boolean {
  return canFollow(current.status, next.status);
}

const calculationRules: ListRules<Calculation> = {
  keyOf: (calculation) => String(calculation.index),
  newestFirst: (a, b) => byTimeNewestFirst(a.createdAt, b.createdAt) || b.index - a.index,
  replaces: supersedes,
};

export const reduceCalculations = createListReducer(calculationRules);
