// Reads for dashboards: from the live generation of each projection, or, with `asOf`, a
// replay of the mission's log up to that date through the same pure folds the worker uses.
// Each runs as one snapshot on the server ReadRouter picks (a replica, or the primary).
import { Injectable } from '@nestjs/common';
import { PoolClient } from 'pg';
import {
  authorizedOn,
  emptyFigures,
  emptyMandates,
  evolveFigures,
  evolveMandates,
  MANDATE_EVENT_TYPES,
  mandateInForce,
  MandatesState,
  sortedMandates,
  utcDay,
  emptyIndicators,
  emptyHistory,
  evolveHistoryMany,
  HISTORY_EVENT_TYPES,
  historyPoints,
  evolveIndicators,
  INDICATOR_EVENT_TYPES,
  indicatorSeries,
  contributions,
  emptyFunding,
  FigureQuery,
  isFundingFigure,
  emptyPersonnel,
  evolveFunding,
  evolvePersonnel,
  FUNDING_EVENT_TYPES,
  PERSONNEL_EVENT_TYPES,
  fundingByCurrency,
  fundingByDonor,
  FundingState,
  PersonnelState,
  personnelTotals,
} from '@app/domain';
import { EffectiveEvent, EventLogReader, MissionView } from '@app/event-store';
import {
  liveCheckpoint,
  liveGeneration,
  ProjectionName,
  readAllMandates,
  readFunding,
  readHistory,
  readIndicators,
  readMandates,
  readMissions,
  readPersonnel,
  readPersonnelTotals,
  readTimeline,
  TimelineQuery,
} from '@app/projections';
import { encodeTimelineCursor } from './timeline-cursor';
import { ReadRequest, ReadRouter } from '../read-routing/read-router';
import { Problem } from '../problems/problem';
import { ConcurrencyLimit } from './concurrency-limit';

@Injectable()
export class ReadModelsService {
  /**
   * `asOf` replays fold on this process's event loop: at most two at once, a few more waiting,
   * and the rest answered 503 at once, so that no burst of them can stall every other request.
   * A replay takes its turn before its connection (see ReadRequest.turn): one waiting holds
   * none, so a flood of them never takes the pool from the appends.
   */
  private readonly replays = new ConcurrencyLimit(REPLAY_SLOTS, 16);

  constructor(private readonly router: ReadRouter) {}

  async missions(freshness: Freshness = {}) {
    return this.snapshot(['missions', 'personnel', 'mandates'], freshness, async (db) => {
      const missions = await liveGeneration(db, 'missions');
      const personnel = await liveGeneration(db, 'personnel');
      const mandates = await liveGeneration(db, 'mandates');
      const rows = await readMissions(db, missions.generation);
      const totals = await readPersonnelTotals(db, personnel.generation);
      const mandatesOf = await readAllMandates(db, mandates.generation);
      const today = utcDay(new Date());
      const result = rows.map((mission) => {
        const { required, ...counts } = totals.get(mission.missionId) ?? personnelTotals(emptyPersonnel());
        return {
          missionId: mission.missionId,
          name: mission.name,
          hostCountry: mission.hostCountry,
          leadNation: mission.leadNation,
          streamVersion: mission.streamVersion,
          supporters: mission.supporters,
          predecessor: mission.predecessor,
          successor: mission.successor,
          personnel: { required, authorized: authorizedOn(mandatesOf.get(mission.missionId) ?? [], today), ...counts },
        };
      });
      // Every mission: the lowest position over the partitions of the three projections.
      return { missions: result, position: Math.min(missions.position, personnel.position, mandates.position) };
    });
  }

  /**
   * `authorized` is the ceiling of the mandate in force on the view's day: `asOf`'s, else
   * `knownAt`'s (the answer as given that day), else today (UTC). With `asOf` the mandates are
   * those that occurred by then, as every other figure of the view.
   */
  async personnel(missionId: string, view: ReplayView = {}, freshness: Freshness = {}) {
    return this.snapshot(['personnel', 'mandates'], { missionId, ...this.forReplay(view, freshness) }, async (db) => {
      await this.assertMissionExists(db, missionId);
      if (isReplay(view)) {
        const { state, position } = await this.replay(db, missionId, view, PERSONNEL_AND_MANDATES, emptyFigures(), evolveFigures);
        return { missionId, position, ...personnelView(state.personnel, state.mandates, dayOf(view)) };
      }
      const personnel = await this.fromProjection(db, 'personnel', missionId, (generation) => readPersonnel(db, generation, missionId));
      const mandates = await this.fromProjection(db, 'mandates', missionId, (generation) => readMandates(db, generation, missionId));
      return { missionId, position: Math.min(personnel.position, mandates.position), ...personnelView(personnel.state, mandates.state, dayOf(view)) };
    });
  }

  /** Every mandate of the mission by adoptedOn, and the one in force on the view's day (as for personnel). */
  async mandates(missionId: string, view: ReplayView = {}, freshness: Freshness = {}) {
    return this.snapshot(['mandates'], { missionId, ...this.forReplay(view, freshness) }, async (db) => {
      await this.assertMissionExists(db, missionId);
      const { state, position } = isReplay(view)
        ? await this.replay(db, missionId, view, MANDATE_EVENT_TYPES, emptyMandates(), evolveMandates)
        : await this.fromProjection(db, 'mandates', missionId, (generation) => readMandates(db, generation, missionId));
      return { missionId, position, current: mandateInForce(state, dayOf(view)), mandates: sortedMandates(state) };
    });
  }

  async funding(missionId: string, view: ReplayView = {}, freshness: Freshness = {}) {
    return this.snapshot(['funding'], { missionId, ...this.forReplay(view, freshness) }, async (db) => {
      await this.assertMissionExists(db, missionId);
      const { state, position } = isReplay(view)
        ? await this.replay(db, missionId, view, FUNDING_EVENT_TYPES, emptyFunding(), evolveFunding)
        : await this.fromProjection(db, 'funding', missionId, (generation) => readFunding(db, generation, missionId));
      return { missionId, position, ...fundingView(state) };
    });
  }

  /**
   * One point per day with an effective event, from `from` to `to` (inclusive): the history
   * read model the workers keep, or with `knownAt` a fold of the log as known then (through
   * the same pure fold, so the two cannot disagree).
   */
  async history(missionId: string, range: { from?: string; to?: string }, view: Pick<ReplayView, 'knownAt'> = {}, freshness: Freshness = {}) {
    return this.snapshot(['history'], { missionId, ...this.forReplay(view, freshness) }, async (db) => {
      await this.assertMissionExists(db, missionId);
      if (isReplay(view)) {
        // Collected, then folded at once (one copy of the day list, not one per event).
        const collect = (events: EffectiveEvent[], event: EffectiveEvent) => (events.push(event), events);
        const { state: events, position } = await this.replay(db, missionId, view, HISTORY_EVENT_TYPES, [] as EffectiveEvent[], collect);
        return { missionId, position, points: historyPoints(evolveHistoryMany(emptyHistory(), events), range.from, range.to) };
      }
      const { state: points, position } = await this.fromProjection(db, 'history', missionId, (generation) => readHistory(db, generation, missionId, range.from, range.to));
      return { missionId, position, points };
    });
  }

  /**
   * The outcome indicators. A point counts by its period, not by when it was reported:
   * `asOf` keeps the points whose periodEnd is on or before its day; a revision stands
   * whenever it was dated. So only `knownAt` replays the log (the events recorded by then).
   */
  async indicators(missionId: string, view: ReplayView = {}, freshness: Freshness = {}) {
    const knownAt = view.knownAt === undefined ? {} : { knownAt: view.knownAt };
    return this.snapshot(['indicators'], { missionId, ...this.forReplay(knownAt, freshness) }, async (db) => {
      await this.assertMissionExists(db, missionId);
      const { state, position } = isReplay(knownAt)
        ? await this.replay(db, missionId, knownAt, INDICATOR_EVENT_TYPES, emptyIndicators(), evolveIndicators)
        : await this.fromProjection(db, 'indicators', missionId, (generation) => readIndicators(db, generation, missionId));
      return { missionId, position, indicators: indicatorSeries(state, view.asOf === undefined ? undefined : utcDay(view.asOf)) };
    });
  }

  /**
   * What one figure rests on: a fold of the mission's effective stream per request (a
   * mission's events of one kind, read once), never a stored copy that could drift from the
   * read model it explains. Runs where asOf replays run, under the same limit.
   */
  async contributions(missionId: string, query: FigureQuery, view: ReplayView = {}, freshness: Freshness = {}) {
    const funding = isFundingFigure(query.figure);
    return this.snapshot([funding ? 'funding' : 'personnel'], { missionId, ...this.forReplay({ ...view, always: true }, freshness) }, async (db) => {
      await this.assertMissionExists(db, missionId);
      const types = funding ? FUNDING_EVENT_TYPES : PERSONNEL_EVENT_TYPES;
      const collect = (events: EffectiveEvent[], event: EffectiveEvent) => (events.push(event), events);
      const { state: events, position } = await this.replay(db, missionId, view, types, [] as EffectiveEvent[], collect);
      const { total, items } = contributions(events, query);
      return {
        missionId,
        figure: query.figure,
        ...(query.country !== undefined && { country: query.country }),
        ...(query.donor !== undefined && { donor: query.donor }),
        ...(query.currency !== undefined && { currency: query.currency }),
        position,
        total,
        items,
      };
    });
  }

  async timeline(missionId: string, query: TimelineQuery, freshness: Freshness = {}) {
    return this.snapshot(['timeline'], { missionId, ...freshness }, async (db) => {
      await this.assertMissionExists(db, missionId);
      const { generation, position } = await liveCheckpoint(db, 'timeline', missionId);
      const { items, more } = await readTimeline(db, generation, missionId, query);
      const last = items.at(-1);
      // The next page: by position, the `before` to pass; by date, an opaque cursor.
      const next = !more || !last ? null : query.order === 'occurred' ? encodeTimelineCursor(last) : last.position;
      return { missionId, position, items, next };
    });
  }

  /** A mission's read model reflects its partition's live checkpoint: that is its `position`. */
  private async fromProjection<S>(db: PoolClient, name: ProjectionName, missionId: string, read: (generation: number) => Promise<S>) {
    const { generation, position } = await liveCheckpoint(db, name, missionId);
    return { state: await read(generation), position };
  }

  /**
   * Folds the mission's effective stream as the view sees it (events of the given types that
   * occurred by `asOf`, recorded by `knownAt`), in log order, a chunk at a time (constant
   * memory for any mission). `position` is the log head of the same snapshot.
   */
  private async replay<S>(db: PoolClient, missionId: string, view: ReplayView, types: ReadonlySet<string>, initial: S, evolve: (state: S, event: EffectiveEvent) => S) {
    const log = new EventLogReader(db);
    const { state, unreadable } = await log.foldMission(missionId, { upTo: view.asOf, knownAt: view.knownAt }, types, initial, evolve);
    // An event written by a newer release makes the replay wait for a server that can read it.
    if (unreadable) {
      throw new Problem(503, 'newer-events', `the event at position ${unreadable.position} was written by a newer release than this server (${unreadable.reason}); retry shortly`, {}, { 'Retry-After': '5' });
    }
    return { state, position: await log.headPosition() };
  }

  /** A turn among the replays (503 when too many wait already); resolves with its release. */
  private readonly replayTurn = () =>
    this.replays.acquire().catch(() => {
      throw new Problem(503, 'busy', 'this server is replaying as many asOf views as it can; retry shortly', {}, { 'Retry-After': '1' });
    });

  /**
   * A replay (`asOf`, `knownAt`, contributions) folds the log, which replicas have too: it runs
   * on one (the heaviest read, best kept off the primary), where its position is that replica's
   * log head. Asked for a minPosition it reads the primary, which has every committed event,
   * so it never waits (as before). Either way it waits for a replay turn before it takes a
   * connection.
   */
  private forReplay(view: ReplayView & { always?: boolean }, freshness: Freshness): Freshness & Pick<ReadRequest, 'primaryOnly' | 'turn'> {
    return view.always || isReplay(view) ? { primaryOnly: (freshness.minPosition ?? 0) > 0, turn: this.replayTurn } : freshness;
  }

  private async assertMissionExists(db: PoolClient, missionId: string): Promise<void> {
    if (!(await new EventLogReader(db).missionExists(missionId))) throw new Problem(404, 'mission-not-found', `there is no mission "${missionId}"`);
  }

  /**
   * Every read runs in one snapshot, so a rebuild's switch-over is never seen half done, on
   * a server that reflects `freshness`. A lagging replica may not know a mission created a
   * moment ago: its 404 is asked again of the primary.
   */
  private snapshot<T>(projections: ProjectionName[], freshness: Freshness & Pick<ReadRequest, 'missionId' | 'primaryOnly' | 'turn'>, read: (db: PoolClient) => Promise<T>): Promise<T> {
    return this.router.read({ projections, ...freshness, confirmOnPrimary: isMissionNotFound }, read);
  }
}

/** How fresh a read must be: see ReadRequest. */
export type Freshness = Pick<ReadRequest, 'minPosition' | 'notOlderThan'>;

/** `asOf` replays one API process runs at once. */
export const REPLAY_SLOTS = 2;

const isMissionNotFound = (error: unknown) => error instanceof Problem && error.status === 404;

/** What the world looked like by `asOf`, as the log knew it at `knownAt` (either, both, or neither: the live read model). */
export interface ReplayView {
  asOf?: Date;
  knownAt?: Date;
}

const isReplay = (view: ReplayView) => view.asOf !== undefined || view.knownAt !== undefined;

/** The UTC day a view looks at: asOf's, else knownAt's, else today's. */
const dayOf = (view: ReplayView): string => utcDay(view.asOf ?? view.knownAt ?? new Date());

const PERSONNEL_AND_MANDATES: ReadonlySet<string> = new Set([...PERSONNEL_EVENT_TYPES, ...MANDATE_EVENT_TYPES]);


export function personnelView(state: PersonnelState, mandates: MandatesState, day: string) {
  const { required, ...counts } = personnelTotals(state);
  return {
    required,
    authorized: authorizedOn(mandates, day),
    ...counts,
    byCountry: Object.entries(state.byCountry)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([country, c]) => ({ country, ...c })),
  };
}

export function fundingView(state: FundingState) {
  const byDonor = fundingByDonor(state);
  return { byCurrency: fundingByCurrency(byDonor), byDonor };
}
