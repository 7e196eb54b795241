// The live hub's own logic, in memory: shared and coalesced reads, back-pressure. (Over real
// HTTP, with the real read models, see test/live.e2e-spec.ts.)
import { PgListener } from '@app/database';
import { ProjectionAdvanced } from '@app/projections';
import { LiveHub, ViewerConnection } from './live-hub';
import { ProjectionWatcher } from './projection-watcher';
import { ReadModelsService } from './read-models.service';

function setup() {
  let pledged = 1;
  const reads: string[] = [];
  const pending: Array<() => void> = [];
  const readModels = {
    personnel: async (missionId: string) => {
      reads.push(`personnel:${missionId}`);
      await new Promise<void>((resolve) => pending.push(resolve));
      return { missionId, position: pledged, pledged };
    },
    funding: async (missionId: string) => ({ missionId, position: 0, byDonor: [] }),
  } as unknown as ReadModelsService;
  let notify!: (advanced: ProjectionAdvanced) => void;
  const watcher = { onAdvanced: (listener: typeof notify) => ((notify = listener), () => undefined), announced: () => 0 } as unknown as ProjectionWatcher;
  const listener = { subscribe: async () => undefined } as unknown as PgListener;
  const hub = new LiveHub(readModels, watcher, listener);
  void hub.onModuleInit();
  const flush = async () => {
    while (pending.length) {
      pending.shift()!();
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  return { hub, reads, flush, advance: (a: ProjectionAdvanced) => notify(a), setPledged: (n: number) => (pledged = n) };
}

function connection(acceptWrites = () => true) {
  const written: string[] = [];
  let drain = () => undefined as void;
  const conn: ViewerConnection = {
    write: (chunk) => (written.push(chunk), acceptWrites()),
    onDrain: (listener) => (drain = listener),
    end: () => undefined,
  };
  return { conn, written, drain: () => drain(), personnel: () => written.filter((w) => w.startsWith('event: personnel')) };
}

describe('LiveHub', () => {
  it('reads a mission once per advance for all its viewers, and folds advances during a read into one more', async () => {
    const { hub, reads, flush, advance, setPledged } = setup();
    const first = hub.snapshot('m');
    await flush();
    const viewers = [connection(), connection(), connection()];
    for (const v of viewers) hub.subscribe('m', v.conn, await first);
    expect(reads).toEqual(['personnel:m']);

    setPledged(2);
    advance({ name: 'personnel', partition: 0, position: 2, missions: ['m'] });
    advance({ name: 'personnel', partition: 0, position: 3, missions: ['m'] });
    advance({ name: 'personnel', partition: 0, position: 4, missions: ['m'] });
    await flush();
    expect(reads).toEqual(['personnel:m', 'personnel:m', 'personnel:m']); // the first, one, one more
    for (const v of viewers) expect(v.personnel()).toHaveLength(2); // unchanged bodies are not sent again
    // a mission nobody watches is not read; other projections do not cause reads
    advance({ name: 'personnel', partition: 0, position: 5, missions: ['other'] });
    advance({ name: 'timeline', partition: 0, position: 5, missions: ['m'] });
    await flush();
    expect(reads).toHaveLength(3);
  });

  it('skips a viewer whose socket is full and sends it the latest state, once, when it drains', async () => {
    const { hub, flush, advance, setPledged } = setup();
    const first = hub.snapshot('m');
    await flush();
    let full = false;
    const slow = connection(() => !full);
    hub.subscribe('m', slow.conn, await first);
    full = true;
    setPledged(2);
    advance({ name: 'personnel', partition: 0, position: 2, missions: ['m'] }); // written, and the buffer is full now
    await flush();
    setPledged(3);
    advance({ name: 'personnel', partition: 0, position: 3, missions: ['m'] }); // skipped
    await flush();
    setPledged(4);
    advance({ name: 'personnel', partition: 0, position: 4, missions: ['m'] }); // skipped
    await flush();
    expect(slow.personnel()).toHaveLength(2);
    full = false;
    slow.drain();
    expect(slow.personnel()).toHaveLength(3);
    expect(slow.personnel()[2]).toContain('"pledged":4');
  });

  it('forgets a mission when its last viewer leaves', async () => {
    const { hub, flush } = setup();
    const first = hub.snapshot('m');
    await flush();
    const unsubscribe = hub.subscribe('m', connection().conn, await first);
    expect([hub.streams, hub.missions]).toEqual([1, 1]);
    unsubscribe();
    unsubscribe();
    expect([hub.streams, hub.missions]).toEqual([0, 0]);
  });
});
