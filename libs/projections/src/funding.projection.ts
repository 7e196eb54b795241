// funding: per mission, donor and currency — pledged, committed, disbursed as numeric(60,4).
import { prepared } from '@app/database';
import { donorKey, emptyFunding, evolveFunding, formatAmount, FUNDING_EVENT_TYPES, FundingState, parseAmount } from '@app/domain';
import { Queryable } from '@app/event-store';
import { defineProjection } from './projection';

export const fundingProjection = defineProjection({
  name: 'funding',
  handles: FUNDING_EVENT_TYPES,
  tables: ['funding_donors'],
  initial: emptyFunding,
  evolve: evolveFunding,

  async load(db, generation, missionIds) {
    const { rows } = await db.query<{ mission_id: string; donor: string; currency: string; pledged: string; committed: string; disbursed: string }>(
      prepared(`SELECT mission_id, donor, currency, pledged::text, committed::text, disbursed::text
       FROM funding_donors WHERE generation = $1 AND mission_id = ANY($2) ORDER BY mission_id, donor, currency`),
      [generation, missionIds],
    );
    const states = new Map<string, FundingState>();
    for (const row of rows) {
      const state = states.get(row.mission_id) ?? emptyFunding();
      // numeric(60,4) reads back as "300000000.0000": normalise to the shortest exact form.
      const amount = (text: string) => formatAmount(parseAmount(text));
      state.byDonor[donorKey(row.donor, row.currency)] = {
        donor: row.donor,
        currency: row.currency,
        pledged: amount(row.pledged),
        committed: amount(row.committed),
        disbursed: amount(row.disbursed),
      };
      states.set(row.mission_id, state);
    }
    return states;
  },

  writes(generation, states, params, refolded) {
    const rows = [...states.entries()].flatMap(([missionId, state]) => Object.values(state.byDonor).map((d) => ({ missionId, ...d })));
    const statements: string[] = [];
    if (refolded.size > 0) {
      // Donors a refolded mission no longer has; the rows it keeps are upserted below.
      const kept = rows.filter((r) => refolded.has(r.missionId));
      statements.push(
        `DELETE FROM funding_donors d WHERE d.generation = ${params.add(generation)}::int AND d.mission_id = ANY(${params.add([...refolded])}::text[])
         AND (d.mission_id, d.donor, d.currency) NOT IN (SELECT * FROM unnest(${params.add(kept.map((r) => r.missionId))}::text[],
           ${params.add(kept.map((r) => r.donor))}::text[], ${params.add(kept.map((r) => r.currency))}::text[]))`,
      );
    }
    if (rows.length === 0) return statements;
    return [
      ...statements,
      `INSERT INTO funding_donors (generation, mission_id, donor, currency, pledged, committed, disbursed)
       SELECT ${params.add(generation)}::int, * FROM unnest(${params.add(rows.map((r) => r.missionId))}::text[], ${params.add(rows.map((r) => r.donor))}::text[],
         ${params.add(rows.map((r) => r.currency))}::text[], ${params.add(rows.map((r) => r.pledged))}::numeric[],
         ${params.add(rows.map((r) => r.committed))}::numeric[], ${params.add(rows.map((r) => r.disbursed))}::numeric[])
       ON CONFLICT (generation, mission_id, donor, currency) DO UPDATE SET
         pledged = EXCLUDED.pledged, committed = EXCLUDED.committed, disbursed = EXCLUDED.disbursed`,
    ];
  },
});

export async function readFunding(db: Queryable, generation: number, missionId: string): Promise<FundingState> {
  return (await fundingProjection.load(db, generation, [missionId])).get(missionId) ?? emptyFunding();
}
