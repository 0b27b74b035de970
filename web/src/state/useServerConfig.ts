import { useEffect, useState } from 'react';
import { api } from '../api/client';
import type { ClientConfig } from '../api/types';

/** After a failed read, the next one waits this long: the limits come with the server's next answer. */
const RETRY_MS = 5_000;

/** The server's limits, or null until known (the server still checks every submission). */
export function useServerConfig(): ClientConfig | null {
  const [config, setConfig] = useState<ClientConfig | null>(null);
  useEffect(() => {
    let active = true;
    let retry: ReturnType<typeof setTimeout> | undefined;
    const read = () =>
      api.config().then(
        (config) => active && setConfig(config),
        () => {
          if (active) retry = setTimeout(read, RETRY_MS);
        },
      );
    void read();
    return () => {
      active = false;
      clearTimeout(retry);
    };
  }, []);
  return config;
}
