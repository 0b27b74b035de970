import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import type { BackupService } from '../../backup/backup.service.js';
import { AppError } from '../../lib/errors.js';
import type { AdminService } from '../../services/admin.service.js';
import type { AdminGuard } from '../admin-auth.js';
import { parseIndexParam } from '../validation.js';

export interface AdminContext {
  admin: AdminService;
  backups: BackupService;
  guard: AdminGuard;
  maxIndex: number;
  /** The built web client, whose admin.html is the admin page. */
  webDir: string;
  /** The BullMQ queues, for their dashboard; absent with the in-process queue. */
  dashboardQueues?: Queue[];
}

const DASHBOARD_PATH = '/admin/queues';
const DASHBOARD_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

/** Everything under /admin and /api/admin, each route behind the admin credentials. */
export async function adminRoutes(app: FastifyInstance, context: AdminContext): Promise<void> {
  await app.register(async (scope) => {
    // In this scope only: the hook runs before any admin route, and before the dashboard's own routes.
    scope.addHook('onRequest', context.guard);
    scope.addHook('onSend', async (_request, reply) => void reply.header('cache-control', 'no-store'));
    await registerApi(scope, context);
    await registerPage(scope, context);
  });
}

async function registerApi(app: FastifyInstance, { admin, backups, maxIndex, dashboardQueues }: AdminContext): Promise<void> {
  // Where the queue dashboard is, or null when this process's queue has none (the in-process queue).
  const queueDashboard = dashboardQueues ? DASHBOARD_PATH : null;
  app.get('/api/admin/stats', async () => ({ ...(await admin.overview()), queueDashboard }));

  app.post<{ Params: { index: string } }>('/api/admin/calculations/:index/retry', async (request, reply) => {
    const calculation = await admin.retry(parseIndexParam(request.params.index, maxIndex));
    return reply.status(202).send(calculation);
  });

  app.get('/api/admin/backups', async () => ({ location: backups.store.location, items: await backups.list() }));

  app.post('/api/admin/backups', async (_request, reply) => reply.status(201).send(await backups.create()));

  app.post<{ Params: { name: string } }>('/api/admin/backups/:name/restore', async (request) => ({
    restored: await backups.restore(request.params.name),
  }));
}

async function registerPage(app: FastifyInstance, { webDir, dashboardQueues }: AdminContext): Promise<void> {
  app.get('/admin', async (_request, reply) => {
    const page = await readFile(join(webDir, 'admin.html'), 'utf8').catch(() => {
      throw new AppError('NOT_FOUND', 'the admin page is not built; run `npm run build -w web`');
    });
    return reply.type('text/html; charset=utf-8').send(page);
  });
  // The page's address typed with a slash, as the dashboard's is, leads to it.
  app.get('/admin/', async (_request, reply) => reply.redirect('/admin', 308));

  if (!dashboardQueues) {
    app.get(`${DASHBOARD_PATH}*`, async () => {
      throw new AppError('NOT_FOUND', 'the queue dashboard needs the Redis queue; the in-process queue is shown at /admin');
    });
    return;
  }
  const board = new FastifyAdapter();
  board.setBasePath(DASHBOARD_PATH);
  createBullBoard({ queues: dashboardQueues.map((queue) => new BullMQAdapter(queue)), serverAdapter: board });
  await app.register(async (dashboard) => {
    // bull-board's page carries inline styles; everything else keeps the strict policy.
    dashboard.addHook('onSend', async (_request, reply) => void reply.header('content-security-policy', DASHBOARD_CSP));
    await dashboard.register(board.registerPlugin(), { prefix: DASHBOARD_PATH });
  });
}
