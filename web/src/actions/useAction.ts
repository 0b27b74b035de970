import { useCallback, useState } from 'react';

/**
 * What a button's asynchronous action needs: whether one is under way, and what went wrong the last
 * time, in words for the page. `run` answers whether the action succeeded.
 */
export function useAction() {
  const [running, setRunning] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = useCallback(async (action: () => Promise<unknown>): Promise<boolean> => {
    setRunning(true);
    setError(null);
    try {
      await action();
      return true;
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
      return false;
    } finally {
      setRunning(false);
    }
  }, []);
  return { run, running, error };
}
