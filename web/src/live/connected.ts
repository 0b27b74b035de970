import { createContext, useContext } from 'react';

/**
 * Whether the page's event stream is live. It turns true again on the stream's `ready`, when the page
 * catches up: an error that only said the server could not be reached is then out of date.
 */
export const ConnectedContext = createContext(false);

export function useConnected(): boolean {
  return useContext(ConnectedContext);
}
