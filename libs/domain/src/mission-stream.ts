// The write side of a mission stream: the rules an append must keep, decided against the
// stream's state. The event store calls `decide` while it holds the stream's row lock, so
// two concurrent appends are decided one after the other.
import { DomainEvent } from './catalogue';
import { emptyPersonnel, evolvePersonnel, PersonnelState } from './projections/personnel';

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
  | 'withdrawal-exceeds-deployed';

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
    version += 1;
  });
  return { version, personnel };
}
