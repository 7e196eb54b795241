// Who may open one more live stream on this process. A stream holds a socket and a place in
// its mission's feed for as long as the viewer stays, so the process serves at most
// MAX_LIVE_STREAMS; and one API key at most LIVE_STREAMS_PER_KEY of them, or a single key
// could take them all within its rate budget (and then even an admin would be refused).
// A dashboard session counts as its key: anyone holding a key can open sessions at will, so
// a cap per session alone would bound nothing.
//
// A slot is taken when the request arrives, before its first read, so that many arriving at
// once cannot all pass the check; it is given back when the stream (or the request) ends.
import { Provider } from '@nestjs/common';
import { AppConfig, CONFIG } from '@app/config';

/** Open streams one API process serves at most; more are answered 503 (scale out instead). */
export const MAX_LIVE_STREAMS = 5_000;

export type SlotRefusal = 'key-full' | 'server-full';

export class LiveStreamSlots {
  private total = 0;
  /** API key id → its slots taken (absent at 0). */
  private readonly byKey = new Map<string, number>();

  constructor(
    readonly perKey: number,
    readonly perProcess = MAX_LIVE_STREAMS,
  ) {}

  /** Takes a slot for the key: its release (harmless to call twice), or why there is none. */
  take(keyId: string): (() => void) | SlotRefusal {
    const held = this.byKey.get(keyId) ?? 0;
    if (held >= this.perKey) return 'key-full';
    if (this.total >= this.perProcess) return 'server-full';
    this.byKey.set(keyId, held + 1);
    this.total++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.total--;
      const left = this.byKey.get(keyId)! - 1;
      if (left === 0) this.byKey.delete(keyId);
      else this.byKey.set(keyId, left);
    };
  }

  /** Slots taken: in all, and by one key. */
  taken(keyId?: string): number {
    return keyId === undefined ? this.total : (this.byKey.get(keyId) ?? 0);
  }
}

export const liveStreamSlotsProvider: Provider = {
  provide: LiveStreamSlots,
  useFactory: (config: AppConfig) => new LiveStreamSlots(config.LIVE_STREAMS_PER_KEY),
  inject: [CONFIG],
};
