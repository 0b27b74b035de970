import type { Announcement } from '../state/useAnnouncer';

/** A polite live region: read after whatever the person is doing, never interrupting it. */
export function Announcer({ announcement }: { announcement: Announcement | null }) {
  return (
    <div className="visually-hidden" role="status" aria-live="polite" aria-atomic="true">
      {announcement && <span key={announcement.id}>{announcement.text}</span>}
    </div>
  );
}
