// The write side of a mission stream, in the shape of an Emmett decider: `initialState`,
// `evolve(state, event)` and `decide(state, events)`. Its state is what the rules need and
// nothing more, folded by its own `evolve` — never by a read model's fold — so a fix to a
// read model cannot change what the rules allow. The event store calls `decide` while it
// holds the stream's row lock, so two concurrent appends are decided one after the other.
import { DomainEvent, EventData, eventDataSchemas, isCorrectionType } from './catalogue';
import { CorrectionIndex, effectiveStream, IdentifiedEvent } from './effective-stream';

/**
 * The most any one country's counter (pledged, departed, in transit, deployed, withdrawn)
 * may reach in a mission. Far above any real mission, and it keeps every total — summed over
 * every country code — an exact integer in JSON, in JavaScript and in the read models' 64-bit
 * columns, so no accepted event can ever make a fold fail.
 */
export const MAX_COUNTRY_PERSONNEL = 1_000_000_000;

/**
 * The version of MissionStreamState's shape and of the `evolve` that computes it. Raise it
 * whenever either changes: the event store then recomputes each stream's state from its
 * events before deciding on it (and `npm run db:rebuild-stream-state` does all at once).
 * 1 was the personnel read model's fold; 2 the counters alone; 3 adds each indicator's unit.
 */
export const MISSION_STREAM_STATE_VERSION = 3;

/** One country's counters, each bounded by MAX_COUNTRY_PERSONNEL; `deployed` bounds withdrawals. */
export interface CountryCounters {
  pledged: number;
  departed: number;
  inTransit: number;
  deployed: number;
  withdrawn: number;
}

export interface MissionStreamState {
  /** Events in the stream: 0 means the mission is not established. */
  version: number;
  byCountry: Record<string, CountryCounters>;
  /** The unit each outcome indicator is recorded in (one per indicator within a mission). */
  units: Record<string, string>;
}

export const initialState = (): MissionStreamState => ({ version: 0, byCountry: {}, units: {} });

const noCounters: CountryCounters = { pledged: 0, departed: 0, inTransit: 0, deployed: 0, withdrawn: 0 };

/** The state after one accepted event (pure: returns a new object). */
export function evolve(state: MissionStreamState, event: DomainEvent): MissionStreamState {
  const version = state.version + 1;
  if (event.type === 'IndicatorRecorded') {
    const { indicator, unit } = event.data;
    return state.units[indicator] === undefined ? { ...state, version, units: { ...state.units, [indicator]: unit } } : { ...state, version };
  }
  const country = 'country' in event.data ? event.data.country : undefined;
  const next = country === undefined ? undefined : countersAfter(state.byCountry[country] ?? noCounters, event);
  if (next === undefined) return { ...state, version };
  return { ...state, version, byCountry: { ...state.byCountry, [country!]: next } };
}

/** One country's counters after an event of that country, or undefined when it counts nothing. */
function countersAfter(c: CountryCounters, event: DomainEvent): CountryCounters | undefined {
  switch (event.type) {
    case 'PersonnelPledged':
      return { ...c, pledged: c.pledged + event.data.personnel };
    case 'PledgeRevised':
      return { ...c, pledged: event.data.personnel };
    case 'ContingentDeparted':
      return { ...c, departed: c.departed + event.data.personnel, inTransit: c.inTransit + event.data.personnel };
    case 'ContingentArrived': {
      // Arrivals first use up personnel in transit; the rest arrived with no recorded
      // departure, so they count as departed too (as the personnel totals show them).
      const fromTransit = Math.min(event.data.personnel, c.inTransit);
      return {
        ...c,
        inTransit: c.inTransit - fromTransit,
        departed: c.departed + event.data.personnel - fromTransit,
        deployed: c.deployed + event.data.personnel,
      };
    }
    case 'PersonnelWithdrawn':
      return { ...c, deployed: c.deployed - event.data.personnel, withdrawn: c.withdrawn + event.data.personnel };
    default:
      return undefined;
  }
}

export type DomainErrorCode =
  | 'mission-not-found'
  | 'mission-already-established'
  | 'version-conflict'
  | 'withdrawal-exceeds-deployed'
  | 'personnel-limit-exceeded'
  | 'correction-target-not-found'
  | 'correction-target-invalid'
  | 'correction-data-invalid'
  | 'correction-conflict'
  | 'predecessor-not-found'
  | 'indicator-unit-conflict';

export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
    readonly details: { path?: string; currentVersion?: number; errors?: { path: string; message: string }[] } = {},
  ) {
    super(message);
  }
}

/**
 * The state of a stream given its whole log (in order): its effective stream folded, and the
 * version of the log itself (corrections are events of the stream too).
 */
export function streamStateOf(log: ReadonlyArray<IdentifiedEvent>): MissionStreamState {
  let state = initialState();
  for (const event of effectiveStream(log)) state = evolve(state, event as DomainEvent);
  return { ...state, version: log.length };
}

/**
 * Checks every event of a batch in order, each against the state the ones before it left,
 * and returns the state after all of them; throws DomainError for the first refused event.
 * A batch with a correction needs the stream's `log` (its events in order, with their ids):
 * a correction changes the past, so the rules are checked again over the whole effective
 * stream it leaves.
 */
export function decide(state: MissionStreamState, events: ReadonlyArray<DomainEvent>, log?: ReadonlyArray<IdentifiedEvent>): MissionStreamState {
  let current = state;
  // The log as this batch extends it (ids of the batch's own events are not known yet; no
  // correction can name them).
  const extended = log ? [...log] : undefined;
  events.forEach((event, index) => {
    const path = `events[${index}]`;
    if (isCorrectionType(event.type)) {
      if (!extended) throw new Error('decide: a correction needs the stream\'s log');
      checkEstablished(current, event, path, state.version);
      current = decideCorrection(current, event as CorrectionEvent, extended, path);
    } else {
      current = checkAndEvolve(current, event, path, state.version);
    }
    extended?.push({ id: `pending:${current.version}`, type: event.type, data: event.data });
  });
  return current;
}

/** `streamVersion`: the stream's version before the batch (what a 409 reports). */
function checkEstablished(current: MissionStreamState, event: DomainEvent, path: string, streamVersion: number): void {
  if (current.version === 0 && event.type !== 'MissionEstablished') {
    throw new DomainError('mission-not-found', 'the mission does not exist; its first event must be MissionEstablished', { path: `${path}.type` });
  }
  if (current.version > 0 && event.type === 'MissionEstablished') {
    throw new DomainError('mission-already-established', `MissionEstablished is only valid as version 1; it would be version ${current.version + 1}`, {
      path: `${path}.type`,
      currentVersion: streamVersion,
    });
  }
}

/** One event that reports something (not a correction): the rules, then the state after it. */
function checkAndEvolve(current: MissionStreamState, event: DomainEvent, path: string, streamVersion: number): MissionStreamState {
  checkEstablished(current, event, path, streamVersion);
  if (event.type === 'PersonnelWithdrawn') {
    const deployed = current.byCountry[event.data.country]?.deployed ?? 0;
    if (event.data.personnel > deployed) {
      throw new DomainError(
        'withdrawal-exceeds-deployed',
        `cannot withdraw ${event.data.personnel} personnel of ${event.data.country}: only ${deployed} deployed`,
        { path: `${path}.data.personnel` },
      );
    }
  }
  if (event.type === 'IndicatorRecorded') {
    const unit = current.units[event.data.indicator];
    if (unit !== undefined && unit !== event.data.unit) {
      throw new DomainError(
        'indicator-unit-conflict',
        `indicator "${event.data.indicator}" is recorded in ${JSON.stringify(unit)} in this mission; it cannot also be recorded in ${JSON.stringify(event.data.unit)} (one unit per indicator)`,
        { path: `${path}.data.unit` },
      );
    }
  }
  const next = evolve(current, event);
  if ('country' in event.data) assertWithinLimit(next.byCountry[event.data.country], event.data.country, `${path}.data.personnel`);
  return next;
}

type CorrectionEvent = { type: 'EventRetracted'; data: EventData<'EventRetracted'> } | { type: 'EventCorrected'; data: EventData<'EventCorrected'> };

/**
 * A retraction or correction: its target must be an earlier event of this stream that
 * reports something and is not retracted; a correction's data must be valid for the target's
 * type; and the effective stream it leaves must keep every rule, checked again from the start
 * in log order. Returns the state of that effective stream.
 */
function decideCorrection(current: MissionStreamState, event: CorrectionEvent, log: ReadonlyArray<IdentifiedEvent>, path: string): MissionStreamState {
  const targetId = event.data.eventId.toLowerCase();
  const targetIndex = log.findIndex((e) => e.id === targetId);
  if (targetIndex < 0) {
    throw new DomainError('correction-target-not-found', `event ${event.data.eventId} is not an event of this mission`, { path: `${path}.data.eventId` });
  }
  const target = log[targetIndex];
  const name = `event #${targetIndex + 1} (${target.type})`;
  const refuse = (why: string) => new DomainError('correction-target-invalid', `${name} ${why}`, { path: `${path}.data.eventId` });
  if (target.type === 'MissionEstablished') throw refuse('cannot be corrected or retracted: it establishes the mission');
  if (isCorrectionType(target.type)) throw refuse('is itself a correction; correct or retract the event it names instead');
  const corrections = CorrectionIndex.of(log);
  if (corrections.statusOf(targetId) === 'retracted') throw refuse('is retracted already');
  if (event.type === 'EventCorrected') {
    const parsed = eventDataSchemas[target.type].safeParse(event.data.data, { reportInput: true });
    if (!parsed.success) {
      const errors = parsed.error.issues.map((issue) => ({
        path: [`${path}.data.data`, ...issue.path.map(String)].join('.'),
        message: issue.code === 'unrecognized_keys' ? `is not a field of ${target.type}: ${issue.keys.join(', ')}` : issue.message,
      }));
      throw new DomainError('correction-data-invalid', `the corrected data is not valid for ${name}: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`, {
        path: errors[0]?.path,
        errors,
      });
    }
  }
  const corrected = [...log, { id: `pending:${current.version + 1}`, type: event.type, data: event.data }];
  const effective = effectiveStream(corrected);
  let state = initialState();
  for (const e of effective) {
    try {
      state = checkAndEvolve(state, e as DomainEvent, path, current.version);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      const at = log.findIndex((l) => l.id === e.id) + 1;
      throw new DomainError(
        'correction-conflict',
        `this ${event.type === 'EventRetracted' ? 'retraction' : 'correction'} of ${name} would make event #${at} (${e.type}) break a rule: ${error.message}`,
        { path: `${path}.data` },
      );
    }
  }
  return { ...state, version: current.version + 1 };
}

const grouped = (n: number) => n.toLocaleString('en-US');

function assertWithinLimit(counters: CountryCounters | undefined, country: string, path: string): void {
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

/** The missions a batch names as predecessors, with where (a MissionEstablished's `predecessor`). */
export function predecessorsNamed(events: ReadonlyArray<DomainEvent>): { predecessor: string; path: string }[] {
  return events.flatMap((event, index) =>
    event.type === 'MissionEstablished' && event.data.predecessor !== undefined
      ? [{ predecessor: event.data.predecessor, path: `events[${index}].data.predecessor` }]
      : [],
  );
}

/**
 * A mission succeeds one that exists. The decider sees one stream, so the event store, which
 * owns the log, says which missions exist (`exists`) in the append's transaction; this rule
 * says what that means. A mission cannot succeed itself.
 */
export function checkPredecessors(missionId: string, events: ReadonlyArray<DomainEvent>, exists: (missionId: string) => boolean): void {
  for (const { predecessor, path } of predecessorsNamed(events)) {
    if (predecessor === missionId) throw new DomainError('predecessor-not-found', `a mission cannot succeed itself ("${missionId}")`, { path });
    if (!exists(predecessor)) {
      throw new DomainError('predecessor-not-found', `there is no mission "${predecessor}" for "${missionId}" to succeed; establish it first`, { path });
    }
  }
}
