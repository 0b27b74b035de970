import { useCallback, useLayoutEffect, useRef, useState } from 'react';

export interface Announcement {
  text: string;
  /** Changes with every announcement, so a repeated sentence is read out again. */
  id: number;
}

/**
 * Sentences for screen readers about things that happen away from the focus (a result arriving).
 * Those made before the page next renders (two results in one batch of events) are read together.
 */
export function useAnnouncer(): [Announcement | null, (text: string) => void] {
  const [announcement, setAnnouncement] = useState<Announcement | null>(null);
  const unread = useRef<string[]>([]);
  const announce = useCallback((text: string) => {
    unread.current.push(text);
    const joined = unread.current.join(' ');
    setAnnouncement((last) => ({ text: joined, id: (last?.id ?? 0) + 1 }));
  }, []);
  // Rendered: what comes next starts afresh. Before the browser paints, so that nothing announced after
  // this render is joined to what it read out.
  useLayoutEffect(() => {
    unread.current = [];
  }, [announcement]);
  return [announcement, announce];
}
