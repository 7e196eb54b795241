// Unit specs for the missions-list fold.
import { EVENT_TYPES } from '../catalogue';
import { emptyMission, evolveMission, MissionState } from './missions';
import { RecordedEvent } from './recorded-event';

let version = 0;
const recorded = (event: Pick<RecordedEvent, 'type' | 'data'>, at = ++version): RecordedEvent =>
  ({ ...event, missionId: 'mss-haiti', version: at, position: at, occurredAt: '2026-11-28T10:00:00.000Z' }) as RecordedEvent;
const established = (leadNation?: string) =>
  recorded({ type: 'MissionEstablished', data: { name: 'Multinational Security Support', hostCountry: 'HTI', ...(leadNation ? { leadNation } : {}) } });
const support = (supporter: string) => recorded({ type: 'SupportDeclared', data: { supporter } });

const fold = (events: RecordedEvent[], from: MissionState = emptyMission()): MissionState => events.reduce(evolveMission, from);

beforeEach(() => {
  version = 0;
});

describe('missions fold', () => {
  it('starts empty at version 0', () => {
    expect(emptyMission()).toEqual({ name: '', hostCountry: '', leadNation: null, streamVersion: 0, supporters: [], predecessor: null });
  });

  it('takes name, host and lead nation from MissionEstablished', () => {
    // given nothing
    // when the mission is established, led by Kenya
    const state = fold([established('KEN')]);
    // then the list shows what it is
    expect(state).toEqual({ name: 'Multinational Security Support', hostCountry: 'HTI', leadNation: 'KEN', streamVersion: 1, supporters: [], predecessor: null });
  });

  it('has no lead nation when none was given', () => {
    expect(fold([established()]).leadNation).toBeNull();
  });

  it('adds each supporter once, in the order they declared', () => {
    const state = fold([established(), support('USA'), support('CAN'), support('USA')]);
    expect(state.supporters).toEqual(['USA', 'CAN']);
    expect(state.streamVersion).toBe(4);
  });

  it.each(EVENT_TYPES.filter((type) => type !== 'MissionEstablished' && type !== 'SupportDeclared'))('%s only moves the stream version', (type) => {
    // given an established mission with one supporter
    const before = fold([established('KEN'), support('USA')]);
    // when any other event is recorded at version 7 (the data does not matter to this fold)
    const after = evolveMission(before, recorded({ type, data: {} } as Pick<RecordedEvent, 'type' | 'data'>, 7));
    // then only the version changed
    expect(after).toEqual({ ...before, streamVersion: 7 });
  });

  it('never moves the stream version back', () => {
    const state = fold([established(), recorded({ type: 'PersonnelRequirementSet', data: { required: 1 } }, 9)]);
    expect(evolveMission(state, recorded({ type: 'SupportDeclared', data: { supporter: 'USA' } }, 3)).streamVersion).toBe(9);
  });

  it('returns a new object and leaves the given state unchanged', () => {
    const state = Object.freeze(fold([established()]));
    Object.freeze(state.supporters);
    const next = evolveMission(state, support('USA'));
    expect(state.supporters).toEqual([]);
    expect(next.supporters).toEqual(['USA']);
  });
});
