// Missions list read model: what each mission is, its stream version and its supporters.
import { RecordedEvent } from './recorded-event';

export interface MissionState {
  name: string;
  hostCountry: string;
  leadNation: string | null;
  streamVersion: number;
  supporters: string[];
  /** The mission this one succeeds. */
  predecessor: string | null;
}

export const emptyMission = (): MissionState => ({ name: '', hostCountry: '', leadNation: null, streamVersion: 0, supporters: [], predecessor: null });

export function evolveMission(state: MissionState, event: RecordedEvent): MissionState {
  const next = { ...state, streamVersion: Math.max(state.streamVersion, event.version) };
  if (event.type === 'MissionEstablished') {
    next.name = event.data.name;
    next.hostCountry = event.data.hostCountry;
    next.leadNation = event.data.leadNation ?? null;
    next.predecessor = event.data.predecessor ?? null;
  }
  if (event.type === 'SupportDeclared' && !state.supporters.includes(event.data.supporter)) {
    next.supporters = [...state.supporters, event.data.supporter];
  }
  return next;
}
