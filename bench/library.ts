// Our event store called as a library (libs/event-store EventStore.append, no HTTP, no
// worker), on a database of its own: the level at which it is compared with Emmett's library
// call, and where the single append lock's ceiling is measured. Each call builds its command
// with the domain's validation (validateAppendRequest), as the HTTP route does, so the
// library figure includes it.
import { Database, createDatabase } from '@app/database';
import { AppendCommand, validateAppendRequest } from '@app/domain';
import { EventStore } from '@app/event-store';
import { Acknowledged, untilQuiet } from './lib/feed-check';
import { HostedStore } from './lib/library-protocol';
import { runConcurrently, sleep } from './lib/stats';
import { benchEvent, establish, missionId, MISSIONS } from './workload';

const CONTEXT = { actor: 'bench', principal: 'bench' };

function command(body: unknown): AppendCommand {
  const validated = validateAppendRequest(body);
  if (!validated.ok) throw new Error(`bench event refused: ${JSON.stringify(validated.errors)}`);
  return validated.value;
}

export class LibraryStore implements HostedStore {
  readonly database: Database;
  readonly store: EventStore;
  private next = 0;

  constructor(databaseUrl: string) {
    this.database = createDatabase(databaseUrl);
    this.store = new EventStore(this.database.pool);
  }

  /** Every mission's first event, outside any measured window. */
  async setUp(): Promise<void> {
    for (let m = 0; m < MISSIONS; m++) await this.store.append(missionId(m), command(establish(m)), CONTEXT);
  }

  /** `total` appends of one event each from `callers` concurrent callers. */
  async appendSingles(total: number, callers: number): Promise<{ acks: Acknowledged[]; conflicts: number }> {
    const acks: Acknowledged[] = [];
    const base = this.next;
    this.next += total;
    await runConcurrently(callers, total, async (k) => {
      const i = base + k;
      const calledAt = performance.now();
      const { result } = await this.store.append(missionId(i), command({ events: [benchEvent(i)] }), CONTEXT);
      acks.push({ position: result.events[0].position, stream: missionId(i), version: result.events[0].version, calledAt, returnedAt: performance.now() });
    });
    return { acks, conflicts: 0 }; // appends to one stream wait for each other: none is refused
  }

  /** `total` events in appends of `batch` events from `callers` concurrent callers. */
  async appendBatches(total: number, callers: number, batch: number): Promise<void> {
    const base = this.next;
    this.next += total;
    await runConcurrently(callers, Math.ceil(total / batch), async (b) => {
      const events = Array.from({ length: batch }, (_, k) => benchEvent(base + b * batch + k));
      await this.store.append(missionId(b), command({ events }), CONTEXT);
    });
  }

  /** A reader tailing the global feed after `from` (readAll, 100 a page, 50 ms between empty polls) while `during` runs, until quiet. */
  async consumeWhile(during: () => Promise<unknown>, from: number, quietMs = 3000): Promise<number[]> {
    const received: number[] = [];
    let stop = false;
    let after = from;
    const tail = (async () => {
      while (!stop) {
        const page = await this.store.readAll(after, 100);
        for (const event of page.events) received.push(event.position);
        after = page.next;
        if (page.events.length === 0) await sleep(50);
      }
    })();
    try {
      await untilQuiet(during, received, quietMs);
    } finally {
      stop = true;
      await tail;
    }
    return received;
  }

  /** The global feed read afterwards, 100 a page. */
  async readFeed(): Promise<number[]> {
    const received: number[] = [];
    for (let after = 0; ; ) {
      const page = await this.store.readAll(after, 100);
      if (page.events.length === 0) return received;
      for (const event of page.events) received.push(event.position);
      after = page.next;
    }
  }

  close(): Promise<void> {
    return this.database.close();
  }
}
