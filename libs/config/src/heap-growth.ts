// V8 lets its heap grow to a multiple of what is live before the next full collection. The
// API under a stream of appends and the worker during a rebuild allocate fast and keep
// little (~50 MB live), and reached 205-260 MB resident that way. Growing by 20 % at a time
// kept them at 140-155 MB with no measurable CPU cost (docs/performance.md). Not a hard cap
// (--max-old-space-size): a burst of large bodies must slow the process, never crash it.
// The flag cannot be given in NODE_OPTIONS, and `node dist/...` is how services are started,
// so each service's main sets it before its heap grows.
import { setFlagsFromString } from 'node:v8';

export const HEAP_GROWING_PERCENT = 20;

export function limitHeapGrowth(): void {
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}
