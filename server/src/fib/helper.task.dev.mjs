// Loads helper.task.ts in a worker thread when the server runs from source (tests, `npm run dev`), as
// compute.task.dev.mjs does for the pool. Messages sent before it is loaded wait in the port.
import { tsImport } from 'tsx/esm/api';

await tsImport('./helper.task.ts', import.meta.url);
