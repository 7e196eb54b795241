// The fan-out behind GET /v1/missions/{id}/live. Viewers of a mission share one feed: when a
// projection advances, the feed of each mission it changed (named in the NOTIFY) reads that
// read model once — however many viewers — and sends it to those whose last copy differs.
// At most one read per mission and model is in flight; advances meanwhile are folded into one
// more read after it. A viewer whose connection cannot keep up is skipped until it drains,
// then sent the latest state (never a backlog); one stuck for too long is closed.
import { BeforeApplicationShutdown, Injectable, OnModuleInit } from '@nestjs/common';
import { PgListener } from '@app/database';
import { ProjectionAdvanced } from '@app/projections';
import { API_KEYS_CHANGED_CHANNEL } from '../auth/api-keys.repository';
import { SESSIONS_CHANGED_CHANNEL } from '../session/sessions.repository';
import { ProjectionWatcher } from './projection-watcher';
import { ReadModelsService } from './read-models.service';

export const LIVE_MODELS = ['personnel', 'funding'] as const;
export type LiveModel = (typeof LIVE_MODELS)[number];

const HEARTBEAT_MS = 15_000;
/** A viewer whose socket has not drained for this long is disconnected. */
const CONGESTED_LIMIT_MS = 30_000;

/** One read model as last read: the body sent, and what it is compared by (the body without position). */
interface Snapshot {
  body: { position: number };
  fingerprint: string;
}

/** What the hub needs of a viewer's connection. */
export interface ViewerConnection {
  /** Writes a chunk; false when the socket's buffer is full (wait for 'drain'). */
  write(chunk: string): boolean;
  onDrain(listener: () => void): void;
  end(): void;
  /** False once the key or session that opened the stream no longer may (revoked, signed out). */
  stillAllowed?(): Promise<boolean>;
}

class Viewer {
  private readonly sent: Partial<Record<LiveModel, string>> = {};
  private congestedSince: number | null = null;

  constructor(readonly connection: ViewerConnection) {}

  /** Sends the snapshot unless this viewer already has it; skipped while congested. */
  offer(model: LiveModel, snapshot: Snapshot): void {
    if (this.congestedSince !== null || this.sent[model] === snapshot.fingerprint) return;
    this.sent[model] = snapshot.fingerprint;
    const ok = this.connection.write(`event: ${model}\nid: ${snapshot.body.position}\ndata: ${JSON.stringify(snapshot.body)}\n\n`);
    if (!ok) this.congestedSince = Date.now();
  }

  drained(latest: Partial<Record<LiveModel, Snapshot>>): void {
    this.congestedSince = null;
    for (const model of LIVE_MODELS) if (latest[model]) this.offer(model, latest[model]);
  }

  /** Heartbeat; false when the viewer has been congested too long and should be dropped. */
  beat(now: number): boolean {
    if (this.congestedSince !== null) return now - this.congestedSince < CONGESTED_LIMIT_MS;
    if (!this.connection.write(': keep-alive\n\n')) this.congestedSince = now;
    return true;
  }
}

/** One mission's viewers and the reads they share. */
class MissionFeed {
  readonly viewers = new Set<Viewer>();
  readonly latest: Partial<Record<LiveModel, Snapshot>> = {};
  private readonly reading: Partial<Record<LiveModel, Promise<Snapshot>>> = {};
  private readonly again: Partial<Record<LiveModel, boolean>> = {};

  constructor(
    private readonly read: (model: LiveModel) => Promise<{ position: number }>,
    private readonly onIdle: () => void,
  ) {}

  /** The current snapshot of a model: joins a read in flight, else reads. */
  current(model: LiveModel): Promise<Snapshot> {
    return this.reading[model] ?? this.refresh(model);
  }

  /** Reads the model again (once more after the read in flight, if one is). */
  refresh(model: LiveModel): Promise<Snapshot> {
    if (this.reading[model]) {
      this.again[model] = true;
      return this.reading[model];
    }
    const reading = this.read(model).then((body) => {
      const { position, ...model } = body;
      return { body, fingerprint: JSON.stringify(model) };
    });
    this.reading[model] = reading;
    reading
      .then((snapshot) => {
        this.latest[model] = snapshot;
        for (const viewer of this.viewers) viewer.offer(model, snapshot);
      })
      .catch(() => undefined) // PostgreSQL unreachable: the next advance reads again
      .finally(() => {
        delete this.reading[model];
        if (this.again[model]) {
          this.again[model] = false;
          void this.refresh(model).catch(() => undefined);
        } else if (this.viewers.size === 0 && !this.busy) {
          this.onIdle();
        }
      });
    return reading;
  }

  get busy(): boolean {
    return LIVE_MODELS.some((model) => this.reading[model]);
  }
}

@Injectable()
export class LiveHub implements OnModuleInit, BeforeApplicationShutdown {
  private readonly feeds = new Map<string, MissionFeed>();
  /** `model:missionId` → the position the last NOTIFY naming the mission announced (kept while its feed lives). */
  private readonly announced = new Map<string, number>();
  private viewerCount = 0;
  private heartbeat?: NodeJS.Timeout;
  private unsubscribe?: () => void;

  constructor(
    private readonly readModels: ReadModelsService,
    private readonly watcher: ProjectionWatcher,
    private readonly listener: PgListener,
  ) {}

  async onModuleInit(): Promise<void> {
    this.unsubscribe = this.watcher.onAdvanced((advanced) => this.advanced(advanced));
    // After the repositories have dropped their caches for the same notification.
    const recheck = () => setImmediate(() => void this.recheck().catch(() => undefined));
    for (const channel of [API_KEYS_CHANGED_CHANNEL, SESSIONS_CHANGED_CHANNEL]) await this.listener.subscribe(channel, recheck);
  }

  /** Open streams in this process. */
  get streams(): number {
    return this.viewerCount;
  }

  /** Missions with a feed (viewers, or a read in flight). */
  get missions(): number {
    return this.feeds.size;
  }

  /** Both read models of a mission now (shared with any read in flight); rejects with 404 for no such mission. */
  async snapshot(missionId: string): Promise<Record<LiveModel, Snapshot>> {
    const feed = this.feed(missionId);
    const [personnel, funding] = await Promise.all(LIVE_MODELS.map((model) => feed.current(model)));
    return { personnel, funding };
  }

  /** Starts sending a mission's read models to a connection (the snapshot first); returns the unsubscribe. */
  subscribe(missionId: string, connection: ViewerConnection, first: Record<LiveModel, Snapshot>): () => void {
    const feed = this.feed(missionId);
    const viewer = new Viewer(connection);
    for (const model of LIVE_MODELS) viewer.offer(model, feed.latest[model] ?? first[model]);
    connection.onDrain(() => viewer.drained(feed.latest));
    feed.viewers.add(viewer);
    this.viewerCount++;
    this.heartbeat ??= setInterval(() => this.beat(), HEARTBEAT_MS).unref();
    let subscribed = true;
    return () => {
      if (!subscribed) return;
      subscribed = false;
      feed.viewers.delete(viewer);
      this.viewerCount--;
      if (feed.viewers.size === 0 && !feed.busy) this.dropFeed(missionId);
      if (this.viewerCount === 0) {
        clearInterval(this.heartbeat);
        this.heartbeat = undefined;
      }
    };
  }

  private feed(missionId: string): MissionFeed {
    let feed = this.feeds.get(missionId);
    if (!feed) {
      // Never older than what the primary has announced for this mission: a replica that has
      // not replayed the NOTIFY's commit yet would send the viewers a state that no later
      // NOTIFY corrects.
      const read = (model: LiveModel) => {
        const freshness = { notOlderThan: this.announced.get(`${model}:${missionId}`) ?? 0 };
        return model === 'personnel' ? this.readModels.personnel(missionId, undefined, freshness) : this.readModels.funding(missionId, undefined, freshness);
      };
      const created = new MissionFeed(
        read,
        () => this.feeds.get(missionId) === created && this.dropFeed(missionId),
      );
      feed = created;
      this.feeds.set(missionId, feed);
    }
    return feed;
  }

  private dropFeed(missionId: string): boolean {
    for (const model of LIVE_MODELS) this.announced.delete(`${model}:${missionId}`);
    return this.feeds.delete(missionId);
  }

  private advanced({ name, position, missions }: ProjectionAdvanced): void {
    if (!(LIVE_MODELS as readonly string[]).includes(name)) return;
    const model = name as LiveModel;
    for (const missionId of missions ?? [...this.feeds.keys()]) {
      const feed = this.feeds.get(missionId);
      if (!feed || feed.viewers.size === 0) continue;
      // A NOTIFY that names the mission gives the position its partition reached (one that
      // names none is about some partition: no bound for this mission's).
      if (missions) this.announced.set(`${model}:${missionId}`, Math.max(position, this.announced.get(`${model}:${missionId}`) ?? 0));
      void feed.refresh(model).catch(() => undefined);
    }
  }

  private beat(): void {
    const now = Date.now();
    for (const feed of this.feeds.values()) {
      for (const viewer of feed.viewers) if (!viewer.beat(now)) viewer.connection.end();
    }
  }

  /**
   * Ends the streams whose key was revoked or whose session was signed out: a revocation
   * stops a key at once, open streams included. One viewer at a time, so that the first
   * lookup of a key fills the cache for the others.
   */
  async recheck(): Promise<void> {
    const viewers = [...this.feeds.values()].flatMap((feed) => [...feed.viewers]);
    for (const viewer of viewers) {
      if (viewer.connection.stillAllowed && !(await viewer.connection.stillAllowed())) viewer.connection.end();
    }
  }

  beforeApplicationShutdown(): void {
    this.unsubscribe?.();
    clearInterval(this.heartbeat);
    for (const feed of this.feeds.values()) for (const viewer of feed.viewers) viewer.connection.end();
  }
}
