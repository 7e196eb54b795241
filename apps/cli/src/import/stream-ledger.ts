// What one mission's stream already holds, as far as an import is concerned: its version, and
// how many events of each content (event-content.ts) no line of the file has been matched to
// yet. A line whose content is still unmatched in the stream is already in the log and is not
// sent again — whoever appended it, with whatever key, however long ago. Appends carry the
// version read here as `expectedVersion`, so two imports racing cannot both append a line: the
// loser gets 409, reads what the winner added, and matches its lines against that.
import { ApiClient, ApiError, EventEnvelope } from '../api-client';
import { contentKey, EventContent } from './event-content';

const PAGE = 1000;

export class StreamLedger {
  /** The stream's version as last read or appended here (0: the mission does not exist yet). */
  version = 0;
  private readonly unmatched = new Map<string, number>();

  constructor(
    private readonly client: ApiClient,
    readonly missionId: string,
  ) {}

  /** Reads the events appended after `version` (all of them, the first time). */
  async catchUp(): Promise<void> {
    for (;;) {
      let page;
      try {
        page = await this.client.readStream(this.missionId, this.version + 1, PAGE);
      } catch (error) {
        if (error instanceof ApiError && error.status === 404 && this.version === 0) return; // no such mission yet
        throw error;
      }
      for (const event of page.events) this.record(event);
      if (page.nextVersion === null || page.events.length === 0) return;
    }
  }

  /** The items whose event is not in the stream yet, in order; those found there are matched and dropped. */
  missing<T>(items: T[], eventOf: (item: T) => EventContent): T[] {
    return items.filter((item) => !this.match(contentKey(eventOf(item))));
  }

  /** After a successful append: the stream moved to `version` by our own events (already matched). */
  appended(version: number): void {
    this.version = version;
  }

  private record(event: EventEnvelope): void {
    const key = contentKey(event);
    this.unmatched.set(key, (this.unmatched.get(key) ?? 0) + 1);
    this.version = event.version;
  }

  private match(key: string): boolean {
    const left = this.unmatched.get(key);
    if (!left) return false;
    if (left === 1) this.unmatched.delete(key);
    else this.unmatched.set(key, left - 1);
    return true;
  }
}
