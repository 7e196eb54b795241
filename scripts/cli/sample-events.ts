// Writes an import file of valid events: missions interleaved line by line (as a spreadsheet
// export sorted by date would be), each opening with MissionEstablished.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

const COUNTRIES = ['KEN', 'USA', 'CAN', 'JAM', 'BHS', 'BLZ', 'BEN', 'TCD'];

/** The event of mission `m` at its index `i` (0 = MissionEstablished). */
export function sampleEvent(missionId: string, i: number): Record<string, unknown> {
  const day = new Date(Date.UTC(2024, 0, 1) + i * 60_000).toISOString();
  if (i === 0) return { missionId, type: 'MissionEstablished', occurredAt: '2024-01-01', data: { name: `Mission ${missionId}`, hostCountry: 'HTI' } };
  const country = COUNTRIES[i % COUNTRIES.length];
  switch (i % 4) {
    case 0:
      return { missionId, type: 'PersonnelPledged', occurredAt: day, data: { country, personnel: 10 } };
    case 1:
      return { missionId, type: 'ContingentDeparted', occurredAt: day, data: { country, personnel: 5, contingentId: `c-${i}` } };
    case 2:
      return { missionId, type: 'FundingPledged', occurredAt: day, data: { donor: country, amount: `${i}.25`, currency: 'USD' }, metadata: { row: i } };
    default:
      return { missionId, type: 'ContingentArrived', occurredAt: day, data: { country, personnel: 5 } };
  }
}

export async function writeSampleFile(path: string, events: number, missions: number, prefix = 'imp'): Promise<void> {
  const out = createWriteStream(path);
  const next = new Array<number>(missions).fill(0);
  for (let n = 0; n < events; n++) {
    const m = n % missions;
    const line = `${JSON.stringify(sampleEvent(`${prefix}-${m}`, next[m]++))}\n`;
    if (!out.write(line)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}
