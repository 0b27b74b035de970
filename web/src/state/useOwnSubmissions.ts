import { useCallback, useRef, useState } from 'react';
import { api } from '../api/client';
import { type Calculation, type CalculationStatus, isFinished, isUnfinished } from '../api/types';
import { formatDigitCount } from '../format/numbers';
import { supersedes } from './calculations';
import { type LiveData, useLiveData } from './useLiveData';

export interface OwnSubmissions {
  /** Both lists, kept current (useLiveData). */
  live: LiveData;
  /**
   * The page's latest submission, shown by the form: an index computed long ago is answered at once,
   * but its card sits far down the list, past the pages shown.
   */
  latest: Calculation | null;
  /** Submits an index; rejects when the server did not take it. */
  submit: (index: number) => Promise<void>;
}

/**
 * The live lists, with this page's own submissions followed through them: the latest is kept current
 * wherever its card is, and the outcome of each is announced once. Only this page's are announced:
 * other people's would be noise.
 */
export function useOwnSubmissions(announce: (text: string) => void): OwnSubmissions {
  const [latest, setLatest] = useState<Calculation | null>(null);
  const latestIndex = useRef<number | null>(null);
  // What was last said of each submission, so that each outcome is said once.
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
      if (told.current.has(next.index) && isFinished(next.status)) tell(next);
    },
    [tell],
  );
  // Re-read with the list's unfinished calculations after the stream was away, wherever its card is.
  const latestShown = useRef(latest);
  latestShown.current = latest;
  const watched = useCallback(() => {
    const shown = latestShown.current;
    return shown && isUnfinished(shown.status) ? shown.index : null;
  }, []);
  const live = useLiveData(onChange, watched);
  const { receive } = live;

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
      if (isFinished(calculation.status)) tell(calculation);
      else if (told.current.get(index) === 'queued') announce(`F(${index}) submitted.`);
      receive(calculation);
    },
    [announce, tell, receive],
  );

  return { live, latest, submit };
}
