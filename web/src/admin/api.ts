/**
 * The admin API (docs/operations.md). The browser sends the admin's Basic credentials itself: it asked
 * for them when it loaded /admin, and answers the same realm's challenge on these calls.
 */
import { request } from '../api/client';
import type { Backup, Calculation, Stats } from './types';

export const adminApi = {
  stats: () => request<Stats>('/admin/stats'),
  retry: (index: number) => request<Calculation>(`/admin/calculations/${index}/retry`, { method: 'POST' }),
  backups: () => request<{ location: string; items: Backup[] }>('/admin/backups'),
  backupNow: () => request<Backup>('/admin/backups', { method: 'POST' }),
};
