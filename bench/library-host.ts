// A child process that hosts one event store as a library (ours or Emmett's) and runs the
// library scenarios on the benchmark's request (IPC). Each store gets a process of its own
// because both configure the one `pg` module globally (Emmett's driver parses int8 as BigInt
// and JSON with its own parser, ours int8 as numbers), and so that each one's CPU, callers
// included, is one process to count.
//   node dist/bench/library-host.js ours|emmett <databaseUrl>
import 'reflect-metadata';
import { checkFeedInputs, HostedStore, HostRequest, HostResponse } from './lib/library-protocol';

async function main(): Promise<void> {
  // Stopped by the benchmark (SIGTERM) or orphaned: exit at once. Registered first, so that
  // the handlers a store installs for itself (Emmett's consumers close on SIGTERM) never run.
  process.prependListener('SIGTERM', () => process.exit(0));
  process.on('disconnect', () => process.exit(0));
  const [kind, url] = process.argv.slice(2);
  // Loaded on demand: the other store's module (and its pg settings) never enters this process.
  const store: HostedStore =
    kind === 'emmett' ? new (await import('./peer-emmett')).EmmettPeer(url) : new (await import('./library')).LibraryStore(url);
  const ops: Record<HostRequest['op'], (...args: never[]) => Promise<unknown>> = {
    setUp: () => store.setUp(),
    appendSingles: (total: number, callers: number) => store.appendSingles(total, callers),
    appendBatches: (total: number, callers: number, batch: number) => store.appendBatches(total, callers, batch),
    feedCheck: (events: number, callers: number) => checkFeedInputs(store, events, callers),
    close: async () => {
      await store.close();
      setImmediate(() => process.exit(0));
    },
  };
  process.on('message', async (request: HostRequest) => {
    const started = performance.now();
    let response: HostResponse;
    try {
      const result = await (ops[request.op] as (...args: unknown[]) => Promise<unknown>)(...request.args);
      response = { id: request.id, result, elapsedMs: performance.now() - started };
    } catch (error) {
      response = { id: request.id, error: (error as Error).stack ?? String(error) };
    }
    process.send!(response);
  });
  process.send!({ id: 0, result: 'ready', elapsedMs: 0 } satisfies HostResponse);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
