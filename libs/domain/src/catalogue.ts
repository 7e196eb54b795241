// The event catalogue (CONTRACT section 3, schemaVersion 1): one strict schema per type.
// Adding a type or a schema version is adding an entry here (and an upcaster in upcast.ts).
import { z } from 'zod';
import { AMOUNT_PATTERN } from './money';
import { countryCodeNamed, displayName, isCountryCode, isCurrencyCode } from './codes';
import { isIsoDate, OCCURRED_AT_RANGE } from './occurred-at';
import { webUrl } from './web-url';

/**
 * Why text cannot be stored as it is, or null. PostgreSQL (text and jsonb alike) refuses the
 * NUL character, and a lone surrogate is not Unicode at all: either would fail the append
 * deep in the database (or be silently altered), so both are refused up front.
 */
export function unstorableText(value: string): string | null {
  const nul = value.indexOf('\u0000');
  if (nul >= 0) return `must not contain the NUL character (U+0000, at character ${nul + 1})`;
  // With the u flag, a surrogate matches only when it is not half of a pair.
  const lone = LONE_SURROGATE.exec(value);
  if (lone) return `must not contain a lone surrogate (U+${lone[0].charCodeAt(0).toString(16).toUpperCase()} at character ${lone.index + 1}): it is not valid Unicode`;
  return null;
}
const LONE_SURROGATE = /\p{Surrogate}/u;

/** Text PostgreSQL can store (see unstorableText). */
export const storableString = () =>
  z.string().check((context) => {
    const problem = unstorableText(context.value);
    if (problem) context.issues.push({ code: 'custom', message: problem, input: context.value });
  });

const OPENS_EMBEDDING = new Set(['\u202a', '\u202b', '\u202d', '\u202e']); // LRE RLE LRO RLO, closed by PDF
const OPENS_ISOLATE = new Set(['\u2066', '\u2067', '\u2068']); // LRI RLI FSI, closed by PDI

/**
 * The first bidirectional embedding, override or isolate the text opens and does not close,
 * or null. Shown inside a sentence or a table ("Kenya: farewell held by …"), an unclosed
 * right-to-left override would reorder everything after it, figures included; closed ones
 * (as right-to-left text legitimately uses them) stay inside the field.
 */
export function unclosedBidiControl(value: string): { char: string; at: number } | null {
  const open: { char: string; at: number; isolate: boolean }[] = [];
  for (let i = 0; i < value.length; i++) {
    const char = value[i];
    if (OPENS_EMBEDDING.has(char) || OPENS_ISOLATE.has(char)) open.push({ char, at: i, isolate: OPENS_ISOLATE.has(char) });
    else if (char === '\u202c' && open.length > 0 && !open[open.length - 1].isolate) open.pop();
    else if (char === '\u2069') {
      // PDI closes the innermost isolate and whatever embeddings were opened inside it.
      const isolate = open.map((o) => o.isolate).lastIndexOf(true);
      if (isolate >= 0) open.length = isolate;
    }
  }
  return open[0] ?? null;
}

/** Stored exactly as sent; blank text, and bidirectional controls left open, are refused. */
export const text = (max: number) =>
  storableString()
    .max(max, `must be at most ${max} characters`)
    .refine((value) => value.trim().length > 0, 'must not be empty')
    .check((context) => {
      const open = unclosedBidiControl(context.value);
      if (open) {
        const code = open.char.charCodeAt(0).toString(16).toUpperCase();
        context.issues.push({
          code: 'custom',
          message: `must close the bidirectional control it opens (U+${code} at character ${open.at + 1}): left open it would reorder the text shown after it`,
          input: context.value,
        });
      }
    });
const country = z.string().refine(isCountryCode, 'must be an ISO 3166-1 alpha-3 country code such as "KEN"');
const currency = z.string().refine(isCurrencyCode, 'must be an ISO 4217 currency code such as "USD"');
const MAX_PERSONNEL = 10_000_000;
const count = (min: number) =>
  z
    .number()
    .int('must be an integer')
    .min(min, `must be at least ${min}`)
    .max(MAX_PERSONNEL, `must be at most ${MAX_PERSONNEL}`);
const amount = (allowZero: boolean) =>
  z
    .string()
    .regex(AMOUNT_PATTERN, 'must be a decimal string such as "300000000" or "5.70" (no exponent, at most 4 fraction digits)')
    .refine((value) => allowZero || !/^0+(\.0+)?$/.test(value), 'must be greater than 0');
/** The id the log gave an event (any case; ids are compared in lower case). */
const UUID_PATTERN = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const eventId = () => z.string().regex(UUID_PATTERN, 'must be the id (a UUID) of an earlier event of this mission');
/**
 * A donor or supporter: a country code or an organisation name. A country's name where its
 * code belongs ("Canada") is refused, naming the code: one donor must never become two rows.
 */
const party = text(120).check((context) => {
  const code = countryCodeNamed(context.value);
  if (code !== null && code !== context.value) {
    context.issues.push({ code: 'custom', message: `is the name of a country: use "${code}" for ${displayName(code)}`, input: context.value });
  }
});
/** A calendar day (mandates, indicator periods); compared as text, which orders YYYY-MM-DD by date. */
const isoDate = () => z.string().refine(isIsoDate, `must be an ISO 8601 date such as "2023-10-02", ${OCCURRED_AT_RANGE}`);
/** The same pattern as a mission id in a path (CONTRACT section 3). */
export const MISSION_ID_PATTERN = /^[a-z0-9][a-z0-9-]{1,62}$/;
export const INDICATOR_PATTERN = /^[a-z0-9][a-z0-9-]{0,63}$/;

export const eventDataSchemas = {
  MissionEstablished: z.strictObject({
    name: text(200),
    hostCountry: country,
    mandate: text(2000).optional(),
    leadNation: country.optional(),
    // Whether that mission exists needs the log beyond this stream: the event store checks it
    // (see predecessorsToCheck in mission-stream.ts).
    predecessor: z.string().regex(MISSION_ID_PATTERN, 'must be a mission id (^[a-z0-9][a-z0-9-]{1,62}$) of the mission this one succeeds').optional(),
  }),
  PersonnelRequirementSet: z.strictObject({ required: count(0) }),
  PersonnelPledged: z.strictObject({
    country,
    personnel: count(1),
    personnelType: z.enum(['police', 'military', 'civilian']).optional(),
  }),
  PledgeRevised: z.strictObject({ country, personnel: count(0) }),
  FarewellHeld: z.strictObject({
    country,
    personnel: count(1),
    officiant: text(200).optional(),
    location: text(200).optional(),
  }),
  ContingentDeparted: z.strictObject({ country, personnel: count(1), contingentId: text(100).optional() }),
  ContingentArrived: z.strictObject({ country, personnel: count(1), contingentId: text(100).optional() }),
  PersonnelWithdrawn: z.strictObject({ country, personnel: count(1), reason: text(500).optional() }),
  FundingPledged: z.strictObject({
    donor: party,
    amount: amount(false),
    currency,
    channel: z.enum(['trust-fund', 'bilateral', 'in-kind']).optional(),
  }),
  FundingPledgeRevised: z.strictObject({ donor: party, amount: amount(true), currency }),
  FundingCommitted: z.strictObject({ donor: party, amount: amount(false), currency }),
  FundingDisbursed: z.strictObject({ donor: party, amount: amount(false), currency }),
  SupportDeclared: z.strictObject({ supporter: party, statement: text(2000).optional() }),
  // Mandates and outcome indicators (CONTRACT section 11).
  MandateAuthorized: z
    .strictObject({
      authority: text(200),
      instrument: text(200),
      adoptedOn: isoDate(),
      expiresOn: isoDate().optional(),
      personnelCeiling: count(0).optional(),
      url: webUrl().optional(),
    })
    .refine((m) => m.expiresOn === undefined || m.expiresOn >= m.adoptedOn, {
      path: ['expiresOn'],
      message: 'must not be before adoptedOn',
    }),
  IndicatorRecorded: z
    .strictObject({
      indicator: z.string().regex(INDICATOR_PATTERN, 'must match ^[a-z0-9][a-z0-9-]{0,63}$ (lower-case letters, digits and dashes), e.g. "homicides"'),
      value: amount(true),
      unit: text(40),
      periodStart: isoDate(),
      periodEnd: isoDate(),
      area: text(120).optional(),
    })
    .refine((i) => i.periodEnd >= i.periodStart, { path: ['periodEnd'], message: 'must not be before periodStart' }),
  // Corrections (CONTRACT section 10): the target is named by its id; what a correction may
  // target, and whether its data fits the target's type, needs the stream (mission-stream.ts).
  EventRetracted: z.strictObject({ eventId: eventId(), reason: text(500) }),
  EventCorrected: z.strictObject({ eventId: eventId(), data: z.record(z.string(), z.unknown()), reason: text(500) }),
} as const;

export type EventType = keyof typeof eventDataSchemas;
/** The types that correct an earlier event instead of reporting something that happened. */
export const CORRECTION_TYPES: ReadonlySet<EventType> = new Set(['EventRetracted', 'EventCorrected']);
export const isCorrectionType = (type: string): type is 'EventRetracted' | 'EventCorrected' => CORRECTION_TYPES.has(type as EventType);
export const EVENT_TYPES = Object.keys(eventDataSchemas) as EventType[];
export const CURRENT_SCHEMA_VERSION = 1;

export type EventData<T extends EventType> = z.infer<(typeof eventDataSchemas)[T]>;

/** The discriminated union of every event's type and data. */
export type DomainEvent = { [T in EventType]: { type: T; data: EventData<T> } }[EventType];

export function isEventType(type: unknown): type is EventType {
  return typeof type === 'string' && Object.prototype.hasOwnProperty.call(eventDataSchemas, type);
}
