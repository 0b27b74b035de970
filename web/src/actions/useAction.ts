import { useCallback, useState } from 'react';
import { isUnreachable } from '../api/client';
import { useProblem } from '../live/connected';

/**
 * What a button's asynchronous action needs: whether one is under way, and what went wrong the last
 * time, in words for the page. `run` answers whether the action succeeded. An error that only said the
 * server could not be reached goes once the page's event stream is live again (ConnectedContext).
 */
export function useAction() {
  const [running, setRunning] = useState(false);
  const [failure, setFailure] = useProblem<{ message: string; unreachable: boolean }>();
  const run = useCallback(async (action: () => Promise<unknown>): Promise<boolean> => {
    setRunning(true);
    setFailure(null);
    try {
      await action();
      return true;
    } catch (error) {
      setFailure({ message: error instanceof Error ? error.message : String(error), unreachable: isUnreachable(error) });
      return false;
    } finally {
      setRunning(false);
    }
  }, []);
  return { run, running, error: failure?.message ?? null };
}
