import { defineConfig } from 'vitest/config';

// One `vitest run` covers every tier; each project says where its tests live.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'server',
          include: ['server/src/**/*.test.ts', 'server/test/**/*.test.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'web',
          root: 'web',
          include: ['src/**/*.test.{ts,tsx}'],
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['e2e/**/*.test.ts'],
          globalSetup: ['e2e/setup/global.ts'],
          // One file at a time, on every machine: the files share one topology and its lists (a page
          // shows the newest 20), and a file's load would skew another's timing-sensitive checks.
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
      {
        test: {
          name: 'deploy',
          include: ['deploy/test/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          // After every other project: building and running the container stack takes both cores for
          // minutes, which would skew the timing-sensitive end-to-end tests running beside it.
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
