// Reads for dashboards: from the live generation of each projection, or, with `asOf`, a
// replay of the mission's log up to that date through the same pure folds the worker uses.
import { Inject, Injectable } from '@nestjs/common';
import { PoolClient } from 'pg';
import {
  emptyFunding,
  emptyPersonnel,
  evolveFunding,
  evolvePersonnel,
  fundingByCurrency,
  fundingByDonor,
  FundingState,
  PersonnelState,
  personnelTotals,
} from '@app/domain';
import { Database, DATABASE, inSnapshot } from '@app/database';
import { EVENT_COLUMNS, EventRow, toStoredEvent } from '@app/event-store';
import { liveGeneration, readFunding, readMissions, readPersonnel, readPersonnelTotals, readTimeline } from '@app/projections';
import { Problem } from '../problems/problem';

@Injectable()
export class ReadModelsService {
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
      return { missions: result, position: Math.min(missions.position, personnel.position) };
    });
  }

  async personnel(missionId: string, asOf?: Date) {
    return this.snapshot(async (db) => {
      await this.assertMissionExists(db, missionId);
      const { state, position } = asOf
        ? await this.replay(db, missionId, asOf, emptyPersonnel(), evolvePersonnel)
        : await this.fromProjection(db, 'personnel', (generation) => readPersonnel(db, generation, missionId));
      return { missionId, position, ...personnelView(state) };
    });
  }

  async funding(missionId: string, asOf?: Date) {
    return this.snapshot(async (db) => {
      await this.assertMissionExists(db, missionId);
      const { state, position } = asOf
        ? await this.replay(db, missionId, asOf, emptyFunding(), evolveFunding)
        : await this.fromProjection(db, 'funding', (generation) => readFunding(db, generation, missionId));
      return { missionId, position, ...fundingView(state) };
    });
  }

  async timeline(missionId: string, limit: number, before?: number) {
    return this.snapshot(async (db) => {
      await this.assertMissionExists(db, missionId);
      const { generation, position } = await liveGeneration(db, 'timeline');
      return { missionId, position, items: await readTimeline(db, generation, missionId, limit, before) };
    });
  }

  private async fromProjection<S>(db: PoolClient, name: 'personnel' | 'funding', read: (generation: number) => Promise<S>) {
    const { generation, position } = await liveGeneration(db, name);
    return { state: await read(generation), position };
  }

  /** Folds the mission's events with occurredAt <= asOf, in log order. */
  private async replay<S>(db: PoolClient, missionId: string, asOf: Date, initial: S, evolve: (state: S, event: any) => S) {
    const { rows } = await db.query<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM events WHERE mission_id = $1 AND occurred_at <= $2 ORDER BY version`,
      [missionId, asOf],
    );
    const head = await db.query<{ head: number | null }>('SELECT max(position) AS head FROM events');
    let state = initial;
    for (const row of rows) state = evolve(state, toStoredEvent(row));
    return { state, position: head.rows[0].head ?? 0 };
  }

  private async assertMissionExists(db: PoolClient, missionId: string): Promise<void> {
    const { rowCount } = await db.query('SELECT 1 FROM streams WHERE mission_id = $1', [missionId]);
    if (!rowCount) throw new Problem(404, 'mission-not-found', `there is no mission "${missionId}"`);
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
