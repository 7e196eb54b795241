// Cuts the events of an import file into append batches, one mission each, within the API's
// limits (events and bytes per request) and the memory the CLI allows itself.
import { EventToAppend } from '../api-client';

export interface Batch {
  missionId: string;
  /** 0, 1, 2... within the mission: two identical batches of one mission still differ. */
  ordinal: number;
  events: EventToAppend[];
  /** The file line of each event. */
  lines: number[];
}

export interface BatchLimits {
  /** Events per request (the API takes at most 1000). */
  maxEvents: number;
  /** JSON bytes of the events per request (the API refuses bodies over 1 MiB). */
  maxBytes: number;
  /** Events held across all open batches; beyond it the oldest open batch is closed early. */
  maxBuffered: number;
}

export const DEFAULT_BATCH_LIMITS: BatchLimits = { maxEvents: 1000, maxBytes: 900 * 1024, maxBuffered: 20_000 };

interface OpenBatch {
  ordinal: number;
  events: EventToAppend[];
  lines: number[];
  bytes: number;
}

export class BatchFormer {
  /** Insertion order = order of each open batch's first line: the first is the oldest. */
  private readonly open = new Map<string, OpenBatch>();
  private readonly ordinals = new Map<string, number>();
  private buffered = 0;

  /**
   * @param remaining events of each mission in the file (from the validation pass), so the
   *   last batch of a mission is sent as soon as its last line is read.
   */
  constructor(
    private readonly remaining: Map<string, number>,
    private readonly limits: BatchLimits = DEFAULT_BATCH_LIMITS,
  ) {}

  /** Adds the event of one line; returns the batches that this closed, in the order to send them. */
  add(missionId: string, event: EventToAppend, line: number): Batch[] {
    const closed: Batch[] = [];
    const bytes = Buffer.byteLength(JSON.stringify(event)) + 1;
    let batch = this.open.get(missionId);
    if (batch && batch.bytes + bytes > this.limits.maxBytes) {
      closed.push(this.close(missionId));
      batch = undefined;
    }
    if (!batch) {
      batch = { ordinal: this.nextOrdinal(missionId), events: [], lines: [], bytes: 0 };
      this.open.set(missionId, batch);
    }
    batch.events.push(event);
    batch.lines.push(line);
    batch.bytes += bytes;
    this.buffered++;
    const left = (this.remaining.get(missionId) ?? 1) - 1;
    this.remaining.set(missionId, left);
    if (batch.events.length >= this.limits.maxEvents || left <= 0) closed.push(this.close(missionId));
    while (this.buffered > this.limits.maxBuffered) closed.push(this.close(this.open.keys().next().value!));
    return closed;
  }

  /** What is still open at the end of the file (only when the counts were off). */
  flush(): Batch[] {
    return [...this.open.keys()].map((missionId) => this.close(missionId));
  }

  private nextOrdinal(missionId: string): number {
    const ordinal = this.ordinals.get(missionId) ?? 0;
    this.ordinals.set(missionId, ordinal + 1);
    return ordinal;
  }

  private close(missionId: string): Batch {
    const batch = this.open.get(missionId)!;
    this.open.delete(missionId);
    this.buffered -= batch.events.length;
    return { missionId, ordinal: batch.ordinal, events: batch.events, lines: batch.lines };
  }
}
