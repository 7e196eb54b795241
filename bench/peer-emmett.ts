// The benchmark's peer: Emmett (@event-driven-io/emmett-postgresql), the best-known TypeScript
// event store on PostgreSQL, appending the same mission events through its own library call
// on a database of its own (created and dropped by the benchmark), with its defaults
// (getPostgreSQLEventStore(connectionString): its pool, its schema, its append function).
// Used only here (a devDependency).
import { dumbo } from '@event-driven-io/dumbo';
import { getPostgreSQLEventStore, PostgresEventStore, readMessagesBatch } from '@event-driven-io/emmett-postgresql';
import { Acknowledged, untilQuiet } from './lib/feed-check';
import { HostedStore } from './lib/library-protocol';
import { runConcurrently } from './lib/stats';
import { benchEvent, MISSIONS } from './workload';

/** One stream per mission, as ours: "mission-bench-<n>" (Emmett takes the stream type from the prefix). */
const streamName = (i: number) => `mission-bench-${i % MISSIONS}`;

export interface EmmettRun {
  acks: Acknowledged[];
  /** Appends that Emmett refused with ExpectedVersionConflictError and that were retried. */
  conflicts: number;
}

export class EmmettPeer implements HostedStore {
  readonly store: PostgresEventStore;
  private next = 0;

  constructor(readonly connectionString: string) {
    this.store = getPostgreSQLEventStore(connectionString);
  }

  /** Creates Emmett's schema and every stream (the first event of each mission), outside any measured window. */
  async setUp(): Promise<void> {
    await this.store.schema.migrate();
    for (let m = 0; m < MISSIONS; m++) {
      await this.store.appendToStream(streamName(m), [{ type: 'MissionEstablished', data: { name: `Bench mission ${m}`, hostCountry: 'HTI' } }]);
    }
  }

  /** `total` appends of one event each from `callers` concurrent callers. */
  async appendSingles(total: number, callers: number): Promise<EmmettRun> {
    const acks: Acknowledged[] = [];
    let conflicts = 0;
    const base = this.next;
    this.next += total;
    await runConcurrently(callers, total, async (k) => {
      const i = base + k;
      const event = benchEvent(i);
      for (;;) {
        const calledAt = performance.now();
        try {
          // Without an expected version Emmett still checks the stream position it read, so
          // two appends racing on one stream can conflict: the loser is retried, as a caller would.
          const result = await this.store.appendToStream(streamName(i), [{ type: event.type, data: event.data }]);
          acks.push({ position: Number(result.lastEventGlobalPosition), stream: streamName(i), version: Number(result.nextExpectedStreamVersion), calledAt, returnedAt: performance.now() });
          return;
        } catch (error) {
          if ((error as { name?: string }).name !== 'ExpectedVersionConflictError' && !/expected version/i.test(String(error))) throw error;
          conflicts++;
        }
      }
    });
    return { acks, conflicts };
  }

  /** `total` events in appends of `batch` events from `callers` concurrent callers. */
  async appendBatches(total: number, callers: number, batch: number): Promise<void> {
    const base = this.next;
    this.next += total;
    await runConcurrently(callers, Math.ceil(total / batch), async (b) => {
      const events = Array.from({ length: batch }, (_, k) => benchEvent(base + b * batch + k)).map((e) => ({ type: e.type, data: e.data }));
      await this.store.appendToStream(streamName(b), events);
    });
  }

  /**
   * What Emmett's consumers receive: a consumer (postgreSQLEventStoreConsumer, its default
   * batch size and polling) with one reactor from position `after`, running from before
   * `during` starts until it has been quiet for `quietMs` after `during` ended.
   */
  async consumeWhile(during: () => Promise<unknown>, after: number, quietMs = 3000): Promise<number[]> {
    const received: number[] = [];
    const consumer = this.store.consumer();
    consumer.reactor({
      processorId: `bench-feed-${Date.now()}`,
      // From the head before the checked appends: the reactor stores a checkpoint per message,
      // so replaying the earlier runs' events would only slow the check down.
      startFrom: { lastCheckpoint: BigInt(after) },
      eachMessage: async (message: { metadata: { globalPosition: bigint } }) => {
        received.push(Number(message.metadata.globalPosition));
      },
    } as never);
    const running = consumer.start();
    try {
      await untilQuiet(during, received, quietMs);
    } finally {
      await consumer.stop();
      await running.catch(() => undefined);
    }
    return received;
  }

  /** The global feed read afterwards with readMessagesBatch (what the consumers page with), 100 a page. */
  async readFeed(batchSize = 100): Promise<number[]> {
    const pool = dumbo({ connectionString: this.connectionString });
    const received: number[] = [];
    try {
      let after = 0n;
      for (;;) {
        const page = await readMessagesBatch(pool.execute, { after, batchSize });
        for (const message of page.messages) received.push(Number(message.metadata.globalPosition));
        if (page.messages.length === 0) break;
        after = page.currentGlobalPosition;
      }
    } finally {
      await pool.close();
    }
    return received;
  }

  close(): Promise<void> {
    return this.store.close();
  }
}
