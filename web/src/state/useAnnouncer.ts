import { useCallback, useState } from 'react';

export interface Announcement {
  text: string;
  /** Changes with every announcement, so a repeated sentence is read out again. */
  id: number;
}

/** Sentences for screen readers about things that happen away from the focus (a result arriving). */
export function useAnnouncer(): [Announcement | null, (text: string) => void] {
  const [announcement, setAnnouncement] = useState<Announcement | null>(null);
  const announce = useCallback((text: string) => setAnnouncement((last) => ({ text, id: (last?.id ?? 0) + 1 })), []);
  return [announcement, announce];
}
