import { useEffect, useState } from 'react';
import { api } from '../api/client';

/** The largest index the server accepts, or null until known (the server still checks every submission). */
export function useMaxIndex(): number | null {
  const [maxIndex, setMaxIndex] = useState<number | null>(null);
  useEffect(() => {
    let active = true;
    api.config().then(
      (config) => active && setMaxIndex(config.maxIndex),
      () => undefined,
    );
    return () => {
      active = false;
    };
  }, []);
  return maxIndex;
}
