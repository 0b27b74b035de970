const timeOfDay = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
const dayAndTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** The time alone for today's moments, the date too for older ones: "05:20:01", "Nov 21, 2026, 17:02". */
export function formatMoment(iso: string, now: Date = new Date()): string {
  const moment = new Date(iso);
  return moment.toDateString() === now.toDateString() ? timeOfDay.format(moment) : dayAndTime.format(moment);
}
