// Reads for dashboards: from the live generation of each projection, or, with `asOf`, a
// replay of the mission's log up to that date through the same pure folds the worker uses.
import { Inject, Injectable } from '@nestjs/common';
import { PoolClient } from 'pg';
import {
  DomainEvent,
  emptyFunding,
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
import { Database, DATABASE, inSnapshot } from '@app/database';
import { EventLogReader } from '@app/event-store';
import { liveCheckpoint, liveGeneration, readFunding, readMissions, readPersonnel, readPersonnelTotals, readTimeline } from '@app/projections';
import { Problem } from '../problems/problem';
import { ConcurrencyLimit } from './concurrency-limit';

@Injectable()
export class ReadModelsService {
  /**
   * `asOf` replays fold on this process's event loop: at most two at once, a few more waiting,
   * and the rest answered 503 at once, so that no burst of them can stall every other request.
   */
  private readonly replays = new ConcurrencyLimit(2, 16);

  constructor(@Inject(DATABASE) private readonly database: Database) {}

  async missions() {
    return this.snapshot(async (db) => {
      const missions = await liveGeneration(db, 'missions');
      const personnel = await liveGeneration(db, 'personnel');
      const rows = await readMissions(db, missions.generation);
      const totals = await readPersonnelTotals(db, personnel.generation);
      const result = rows.map((mission) => ({
        missionId: mission.missionId,
        name: mission.name,
        hostCountry: mission.hostCountry,
        leadNation: mission.leadNation,
        streamVersion: mission.streamVersion,
        supporters: mission.supporters,
        personnel: totals.get(mission.missionId) ?? personnelTotals(emptyPersonnel()),
      }));
      // Every mission: the lowest position over the partitions of both projections.
      return { missions: result, position: Math.min(missions.position, personnel.position) };
    });
  }

  async personnel(missionId: string, asOf?: Date) {
    return this.snapshot(async (db) => {
      await this.assertMissionExists(db, missionId);
      const { state, position } = asOf
        ? await this.replay(db, missionId, asOf, PERSONNEL_EVENT_TYPES, emptyPersonnel(), evolvePersonnel)
        : await this.fromProjection(db, 'personnel', missionId, (generation) => readPersonnel(db, generation, missionId));
      return { missionId, position, ...personnelView(state) };
    });
  }

  async funding(missionId: string, asOf?: Date) {
    return this.snapshot(async (db) => {
      await this.assertMissionExists(db, missionId);
      const { state, position } = asOf
        ? await this.replay(db, missionId, asOf, FUNDING_EVENT_TYPES, emptyFunding(), evolveFunding)
        : await this.fromProjection(db, 'funding', missionId, (generation) => readFunding(db, generation, missionId));
      return { missionId, position, ...fundingView(state) };
    });
  }

  async timeline(missionId: string, limit: number, before?: number) {
    return this.snapshot(async (db) => {
      await this.assertMissionExists(db, missionId);
      const { generation, position } = await liveCheckpoint(db, 'timeline', missionId);
      return { missionId, position, items: await readTimeline(db, generation, missionId, limit, before) };
    });
  }

  /** A mission's read model reflects its partition's live checkpoint: that is its `position`. */
  private async fromProjection<S>(db: PoolClient, name: 'personnel' | 'funding', missionId: string, read: (generation: number) => Promise<S>) {
    const { generation, position } = await liveCheckpoint(db, name, missionId);
    return { state: await read(generation), position };
  }

  /**
   * Folds the mission's events of the given types with occurredAt <= asOf, in log order, a
   * chunk at a time (constant memory for any mission). `position` is the log head of the
   * same snapshot.
   */
  private async replay<S>(db: PoolClient, missionId: string, asOf: Date, types: ReadonlySet<string>, initial: S, evolve: (state: S, event: DomainEvent) => S) {
    const release = await this.replays.acquire().catch(() => {
      throw new Problem(503, 'busy', 'this server is replaying as many asOf views as it can; retry shortly', {}, { 'Retry-After': '1' });
    });
    try {
      const log = new EventLogReader(db);
      const { state, unreadable } = await log.foldMission(missionId, asOf, types, initial, evolve);
      // An event written by a newer release makes the replay wait for a server that can read it.
      if (unreadable) {
        throw new Problem(503, 'newer-events', `the event at position ${unreadable.position} was written by a newer release than this server (${unreadable.reason}); retry shortly`, {}, { 'Retry-After': '5' });
      }
      return { state, position: await log.headPosition() };
    } finally {
      release();
    }
  }

  private async assertMissionExists(db: PoolClient, missionId: string): Promise<void> {
    if (!(await new EventLogReader(db).missionExists(missionId))) throw new Problem(404, 'mission-not-found', `there is no mission "${missionId}"`);
  }

  /** Every read runs in one snapshot, so a rebuild's switch-over is never seen half done. */
  private snapshot<T>(read: (db: PoolClient) => Promise<T>): Promise<T> {
    return inSnapshot(this.database.pool, read);
  }
}

export function personnelView(state: PersonnelState) {
  return {
    ...personnelTotals(state),
    byCountry: Object.entries(state.byCountry)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([country, c]) => ({ country, ...c })),
  };
}

export function fundingView(state: FundingState) {
  const byDonor = fundingByDonor(state);
  return { byCurrency: fundingByCurrency(byDonor), byDonor };
}
