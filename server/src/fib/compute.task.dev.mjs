// Loads compute.task.ts in a worker thread when the server runs from source (tests, `npm run dev`):
// on Node 20 a worker's `--import tsx` does not register the TypeScript loader, tsx's API does.
// Piscina awaits a task export that is a promise.
import { tsImport } from 'tsx/esm/api';

const task = tsImport('./compute.task.ts', import.meta.url);
export const compute = task.then((module) => module.compute);
export const decimal = task.then((module) => module.decimal);
