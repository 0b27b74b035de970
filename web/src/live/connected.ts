import { createContext, useContext, useEffect, useState, type Dispatch, type SetStateAction } from 'react';

/**
 * Whether the page's event stream is live. It turns true again on the stream's `ready`, when the page
 * catches up: an error that only said the server could not be reached is then out of date.
 */
export const ConnectedContext = createContext(false);

/**
 * A problem the page shows, held as `useState` holds it, but one that only said the server could not
 * be reached goes once the page is live again.
 */
export function useProblem<T extends { unreachable: boolean }>(): [T | null, Dispatch<SetStateAction<T | null>>] {
  const [problem, setProblem] = useState<T | null>(null);
  const connected = useContext(ConnectedContext);
  useEffect(() => {
    if (connected) setProblem((shown) => (shown?.unreachable ? null : shown));
  }, [connected]);
  return [problem, setProblem];
}
