// The write side of a mission stream: the rules an append must keep, decided against the
// stream's state. The event store calls `decide` while it holds the stream's row lock, so
// two concurrent appends are decided one after the other.
import { DomainEvent } from './catalogue';
import { CountryPersonnel, emptyPersonnel, evolvePersonnel, PersonnelState } from './projections/personnel';

/**
 * The most any one country's counter (pledged, departed, in transit, deployed, withdrawn)
 * may reach in a mission. Far above any real mission, and it keeps every total — summed over
 * every country code — an exact integer in JSON, in JavaScript and in the read models' 64-bit
 * columns, so no accepted event can ever make a fold fail.
 */
export const MAX_COUNTRY_PERSONNEL = 1_000_000_000;

export interface MissionStreamState {
  version: number;
  /** What the withdrawal rule needs: deployed personnel per country (and the rest of the fold). */
  personnel: PersonnelState;
}

export const NEW_STREAM: MissionStreamState = { version: 0, personnel: emptyPersonnel() };

export type DomainErrorCode =
  | 'mission-not-found'
  | 'mission-already-established'
  | 'version-conflict'
  | 'withdrawal-exceeds-deployed'
  | 'personnel-limit-exceeded';

export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
    readonly details: { path?: string; currentVersion?: number } = {},
  ) {
    super(message);
  }
}

/** Checks every event of a batch in order and returns the stream state after all of them. */
export function decide(state: MissionStreamState, events: ReadonlyArray<DomainEvent>): MissionStreamState {
  let { version, personnel } = state;
  events.forEach((event, index) => {
    const path = `events[${index}]`;
    if (version === 0 && event.type !== 'MissionEstablished') {
      throw new DomainError('mission-not-found', 'the mission does not exist; its first event must be MissionEstablished', { path: `${path}.type` });
    }
    if (version > 0 && event.type === 'MissionEstablished') {
      throw new DomainError('mission-already-established', `MissionEstablished is only valid as version 1; it would be version ${version + 1}`, {
        path: `${path}.type`,
        currentVersion: state.version,
      });
    }
    if (event.type === 'PersonnelWithdrawn') {
      const deployed = personnel.byCountry[event.data.country]?.deployed ?? 0;
      if (event.data.personnel > deployed) {
        throw new DomainError(
          'withdrawal-exceeds-deployed',
          `cannot withdraw ${event.data.personnel} personnel of ${event.data.country}: only ${deployed} deployed`,
          { path: `${path}.data.personnel` },
        );
      }
    }
    personnel = evolvePersonnel(personnel, event);
    if ('country' in event.data) assertWithinLimit(personnel.byCountry[event.data.country], event.data.country, `${path}.data.personnel`);
    version += 1;
  });
  return { version, personnel };
}

const grouped = (n: number) => n.toLocaleString('en-US');

function assertWithinLimit(counters: CountryPersonnel | undefined, country: string, path: string): void {
  if (!counters) return;
  for (const [counter, value] of Object.entries(counters)) {
    if (value > MAX_COUNTRY_PERSONNEL) {
      throw new DomainError(
        'personnel-limit-exceeded',
        `this would bring ${country}'s ${counter === 'inTransit' ? 'in-transit' : counter} personnel to ${grouped(value)}; at most ${grouped(MAX_COUNTRY_PERSONNEL)} per country and mission`,
        { path },
      );
    }
  }
}
