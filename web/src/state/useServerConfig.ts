import { useEffect, useState } from 'react';
import { api } from '../api/client';
import type { ClientConfig } from '../api/types';

/** The server's limits, or null until known (the server still checks every submission). */
export function useServerConfig(): ClientConfig | null {
  const [config, setConfig] = useState<ClientConfig | null>(null);
  useEffect(() => {
    let active = true;
    api.config().then(
      (config) => active && setConfig(config),
      () => undefined,
    );
    return () => {
      active = false;
    };
  }, []);
  return config;
}
