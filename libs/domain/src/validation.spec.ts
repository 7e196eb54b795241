// Unit specs for the validation of untrusted input (CONTRACT section 3 event catalogue and the
// append request of section 4). Pure: no database, no HTTP.
import { EVENT_TYPES, EventType } from './catalogue';
import { FieldError, formatPath, MAX_EVENTS_PER_APPEND, validateAppendRequest, validateEvent } from './validation';

// ---------------------------------------------------------------------------------------------
// Fixtures and helpers
// ---------------------------------------------------------------------------------------------

const COUNTRY_MESSAGE = 'must be an ISO 3166-1 alpha-3 country code such as "KEN"';
const CURRENCY_MESSAGE = 'must be an ISO 4217 currency code such as "USD"';
const AMOUNT_MESSAGE = 'must be a decimal string such as "300000000" or "5.70" (no exponent, at most 4 fraction digits)';
const DATE_MESSAGE = 'must be an ISO 8601 date ("2024-06-24") or date-time ("2024-06-24T18:00:00Z") between the years 1900 and 9999 (UTC)';
const REQUIRED = 'is required';
const UNKNOWN_FIELD = 'is not a known field';
const NOT_AN_INTEGER = 'must be an integer';
const A_NUMBER_NOT_A_STRING = 'must be a number, not a string';
const A_STRING_NOT_A_NUMBER = 'must be a string, not a number';
const UNKNOWN_TYPE_MESSAGE = (type: string) => `unknown event type "${type}"; expected one of ${EVENT_TYPES.join(', ')}`;

type Data = Record<string, unknown>;

interface Example {
  /** Only the required fields. */
  minimal: Data;
  /** Every field, optional ones included. */
  full: Data;
  /** Required fields, in schema order. */
  required: string[];
  /** Fields holding a number (the rest of the non-enum fields hold strings). */
  numberFields: string[];
  /** Fields holding a free string, a country code, a currency code or an amount. */
  stringFields: string[];
}

/** One valid example per event type of the catalogue (CONTRACT section 3). */
const EXAMPLES: Record<EventType, Example> = {
  MissionEstablished: {
    minimal: { name: 'Multinational Security Support mission to Haiti', hostCountry: 'HTI' },
    full: {
      name: 'Multinational Security Support mission to Haiti',
      hostCountry: 'HTI',
      mandate: 'UN Security Council resolution 2699',
      leadNation: 'KEN',
      predecessor: 'mss-haiti',
    },
    required: ['name', 'hostCountry'],
    numberFields: [],
    stringFields: ['name', 'hostCountry', 'mandate', 'leadNation', 'predecessor'],
  },
  MandateAuthorized: {
    minimal: { authority: 'UN Security Council', instrument: 'S/RES/2699 (2023)', adoptedOn: '2023-10-02' },
    full: {
      authority: 'UN Security Council',
      instrument: 'S/RES/2793 (2025)',
      adoptedOn: '2025-09-30',
      expiresOn: '2026-10-01',
      personnelCeiling: 5550,
      url: 'https://press.un.org/en/2025/sc16185.doc.htm',
    },
    required: ['authority', 'instrument', 'adoptedOn'],
    numberFields: ['personnelCeiling'],
    stringFields: ['authority', 'instrument', 'adoptedOn', 'expiresOn', 'url'],
  },
  IndicatorRecorded: {
    minimal: { indicator: 'homicides', value: '0', unit: 'people', periodStart: '2024-01-01', periodEnd: '2024-03-31' },
    full: { indicator: 'displaced-people', value: '578074.5', unit: 'people', periodStart: '2024-01-01', periodEnd: '2024-03-31', area: 'Port-au-Prince' },
    required: ['indicator', 'value', 'unit', 'periodStart', 'periodEnd'],
    numberFields: [],
    stringFields: ['indicator', 'value', 'unit', 'periodStart', 'periodEnd', 'area'],
  },
  PersonnelRequirementSet: {
    minimal: { required: 5000 },
    full: { required: 5000 },
    required: ['required'],
    numberFields: ['required'],
    stringFields: [],
  },
  PersonnelPledged: {
    minimal: { country: 'KEN', personnel: 1000 },
    full: { country: 'KEN', personnel: 1000, personnelType: 'police' },
    required: ['country', 'personnel'],
    numberFields: ['personnel'],
    stringFields: ['country'],
  },
  PledgeRevised: {
    minimal: { country: 'KEN', personnel: 800 },
    full: { country: 'KEN', personnel: 800 },
    required: ['country', 'personnel'],
    numberFields: ['personnel'],
    stringFields: ['country'],
  },
  FarewellHeld: {
    minimal: { country: 'KEN', personnel: 400 },
    full: { country: 'KEN', personnel: 400, officiant: 'President William Ruto', location: 'Embakasi, Nairobi' },
    required: ['country', 'personnel'],
    numberFields: ['personnel'],
    stringFields: ['country', 'officiant', 'location'],
  },
  ContingentDeparted: {
    minimal: { country: 'KEN', personnel: 400 },
    full: { country: 'KEN', personnel: 400, contingentId: 'ken-1' },
    required: ['country', 'personnel'],
    numberFields: ['personnel'],
    stringFields: ['country', 'contingentId'],
  },
  ContingentArrived: {
    minimal: { country: 'KEN', personnel: 400 },
    full: { country: 'KEN', personnel: 400, contingentId: 'ken-1' },
    required: ['country', 'personnel'],
    numberFields: ['personnel'],
    stringFields: ['country', 'contingentId'],
  },
  PersonnelWithdrawn: {
    minimal: { country: 'KEN', personnel: 20 },
    full: { country: 'KEN', personnel: 20, reason: 'end of rotation' },
    required: ['country', 'personnel'],
    numberFields: ['personnel'],
    stringFields: ['country', 'reason'],
  },
  FundingPledged: {
    minimal: { donor: 'USA', amount: '300000000', currency: 'USD' },
    full: { donor: 'USA', amount: '300000000', currency: 'USD', channel: 'bilateral' },
    required: ['donor', 'amount', 'currency'],
    numberFields: [],
    stringFields: ['donor', 'amount', 'currency'],
  },
  FundingPledgeRevised: {
    minimal: { donor: 'USA', amount: '200000000.50', currency: 'USD' },
    full: { donor: 'USA', amount: '200000000.50', currency: 'USD' },
    required: ['donor', 'amount', 'currency'],
    numberFields: [],
    stringFields: ['donor', 'amount', 'currency'],
  },
  FundingCommitted: {
    minimal: { donor: 'CAN', amount: '80.5', currency: 'CAD' },
    full: { donor: 'CAN', amount: '80.5', currency: 'CAD' },
    required: ['donor', 'amount', 'currency'],
    numberFields: [],
    stringFields: ['donor', 'amount', 'currency'],
  },
  FundingDisbursed: {
    minimal: { donor: 'UN Trust Fund', amount: '5.70', currency: 'USD' },
    full: { donor: 'UN Trust Fund', amount: '5.70', currency: 'USD' },
    required: ['donor', 'amount', 'currency'],
    numberFields: [],
    stringFields: ['donor', 'amount', 'currency'],
  },
  SupportDeclared: {
    minimal: { supporter: 'USA' },
    full: { supporter: 'USA', statement: 'The United States supports the mission.' },
    required: ['supporter'],
    numberFields: [],
    stringFields: ['supporter', 'statement'],
  },
  EventRetracted: {
    minimal: { eventId: '0b8c0a52-6f5e-4a53-9d5e-2d0c1f7f8a10', reason: 'reported twice' },
    full: { eventId: '0b8c0a52-6f5e-4a53-9d5e-2d0c1f7f8a10', reason: 'reported twice' },
    required: ['eventId', 'reason'],
    numberFields: [],
    stringFields: ['eventId', 'reason'],
  },
  EventCorrected: {
    minimal: { eventId: '0b8c0a52-6f5e-4a53-9d5e-2d0c1f7f8a10', data: { country: 'KEN', personnel: 40 }, reason: 'typo in the source' },
    full: { eventId: '0b8c0a52-6f5e-4a53-9d5e-2d0c1f7f8a10', data: { country: 'KEN', personnel: 40 }, reason: 'typo in the source' },
    required: ['eventId', 'data', 'reason'],
    numberFields: [],
    stringFields: ['eventId', 'reason'],
  },
};

const PERSONNEL_AT_LEAST_ONE: EventType[] = [
  'PersonnelPledged',
  'FarewellHeld',
  'ContingentDeparted',
  'ContingentArrived',
  'PersonnelWithdrawn',
];
const POSITIVE_AMOUNT_TYPES: EventType[] = ['FundingPledged', 'FundingCommitted', 'FundingDisbursed'];
const FUNDING_TYPES: EventType[] = [...POSITIVE_AMOUNT_TYPES, 'FundingPledgeRevised'];

/** Every (type, field) pair holding a country code. */
const COUNTRY_FIELDS: Array<[EventType, string]> = [
  ['MissionEstablished', 'hostCountry'],
  ['MissionEstablished', 'leadNation'],
  ...PERSONNEL_AT_LEAST_ONE.map((type): [EventType, string] => [type, 'country']),
  ['PledgeRevised', 'country'],
];

function event(type: string, data: unknown, extra: Data = {}): Data {
  return { type, occurredAt: '2024-06-24', data, ...extra };
}

function withData(type: EventType, changes: Data): Data {
  return event(type, { ...EXAMPLES[type].minimal, ...changes });
}

/** The errors of a rejected event; fails the test when it was accepted. */
function errorsOf(input: unknown): FieldError[] {
  const result = validateEvent(input);
  if (result.ok) throw new Error(`expected a rejection, got ${JSON.stringify(result.value)}`);
  return result.errors;
}

function valueOf(input: unknown) {
  const result = validateEvent(input);
  if (!result.ok) throw new Error(`expected acceptance, got ${JSON.stringify(result.errors)}`);
  return result.value;
}

function appendErrorsOf(input: unknown): FieldError[] {
  const result = validateAppendRequest(input);
  if (result.ok) throw new Error(`expected a rejection, got ${JSON.stringify(result.value)}`);
  return result.errors;
}

// ---------------------------------------------------------------------------------------------
// validateEvent
// ---------------------------------------------------------------------------------------------

describe('validateEvent', () => {
  describe('the examples', () => {
    it('cover every event type of the catalogue, and nothing else', () => {
      // given the catalogue's types
      // when listing the types with an example
      const covered = Object.keys(EXAMPLES).sort();
      // then they are the same 17 types as the contract's tables (13 of section 3, 2 corrections of section 10, 2 of section 11)
      expect(covered).toEqual([...EVENT_TYPES].sort());
      expect(EVENT_TYPES).toHaveLength(17);
    });
  });

  describe.each(EVENT_TYPES)('%s', (type) => {
    const example = EXAMPLES[type];

    it('accepts a valid example with only the required fields', () => {
      // given a valid event with the required fields only
      const input = event(type, example.minimal);
      // when validated
      const value = valueOf(input);
      // then the parsed value carries the type, the data, occurredAt as a Date and empty metadata
      expect(value.type).toBe(type);
      expect(value.data).toEqual(example.minimal);
      expect(value.occurredAt).toBeInstanceOf(Date);
      expect(value.occurredAt.toISOString()).toBe('2024-06-24T00:00:00.000Z');
      expect(value.metadata).toEqual({});
    });

    it('accepts a valid example with every optional field and metadata', () => {
      // given a valid event with every field and client metadata
      const input = event(type, example.full, { occurredAt: '2024-06-24T18:00:00Z', metadata: { correlationId: 'abc' } });
      // when validated
      const value = valueOf(input);
      // then every field is kept as given
      expect(value).toEqual({
        type,
        data: example.full,
        occurredAt: new Date('2024-06-24T18:00:00.000Z'),
        metadata: { correlationId: 'abc' },
      });
    });

    it('rejects empty data, naming every missing required field', () => {
      // given an event with no data fields
      // when validated
      const errors = errorsOf(event(type, {}));
      // then each required field is reported as required
      expect(errors).toEqual(example.required.map((field) => ({ path: `data.${field}`, message: REQUIRED })));
    });

    it.each(example.required)('rejects the event when required field %s is missing', (field) => {
      // given a valid event without one required field
      const data = { ...example.minimal };
      delete data[field];
      // when validated
      const errors = errorsOf(event(type, data));
      // then exactly that field is reported
      expect(errors).toEqual([{ path: `data.${field}`, message: REQUIRED }]);
    });

    it('rejects an unknown field in data', () => {
      // given a valid event with one extra field in data
      // when validated
      const errors = errorsOf(withData(type, { comment: 'hello' }));
      // then the extra field is reported
      expect(errors).toEqual([{ path: 'data.comment', message: UNKNOWN_FIELD }]);
    });

    it('rejects several unknown fields in data, one error each', () => {
      const errors = errorsOf(withData(type, { foo: 1, bar: 'x' }));
      expect(errors).toEqual([
        { path: 'data.foo', message: UNKNOWN_FIELD },
        { path: 'data.bar', message: UNKNOWN_FIELD },
      ]);
    });

    if (example.numberFields.length > 0) {
      it.each(example.numberFields)('rejects a string in number field %s', (field) => {
        // given a number field holding a numeric string
        // when validated
        const errors = errorsOf(withData(type, { [field]: '5' }));
        // then the type mismatch is reported
        expect(errors).toEqual([{ path: `data.${field}`, message: A_NUMBER_NOT_A_STRING }]);
      });
    }

    if (example.stringFields.length > 0) {
      it.each(example.stringFields)('rejects a number in string field %s', (field) => {
        // given a string field holding a number
        // when validated
        const errors = errorsOf(withData(type, { [field]: 5 }));
        // then the type mismatch is reported
        expect(errors).toEqual([{ path: `data.${field}`, message: A_STRING_NOT_A_NUMBER }]);
      });
    }

    it.each([
      ...example.stringFields.map((field) => [field, 'must be a string, not null']),
      ...example.numberFields.map((field) => [field, 'must be a number, not null']),
    ])('rejects null in field %s', (field, message) => {
      const errors = errorsOf(withData(type, { [field]: null }));
      expect(errors).toEqual([{ path: `data.${field}`, message }]);
    });
  });

  describe('mandates and indicators (CONTRACT section 11)', () => {
    it('refuses an expiry before the adoption, naming expiresOn', () => {
      expect(errorsOf(withData('MandateAuthorized', { adoptedOn: '2024-09-30', expiresOn: '2024-09-29' }))).toEqual([
        { path: 'data.expiresOn', message: 'must not be before adoptedOn' },
      ]);
      expect(valueOf(withData('MandateAuthorized', { adoptedOn: '2024-09-30', expiresOn: '2024-09-30' })).data).toMatchObject({ expiresOn: '2024-09-30' });
    });

    it('refuses dates that are not calendar days, a negative ceiling and a url that is not http(s)', () => {
      const errors = errorsOf(withData('MandateAuthorized', { adoptedOn: '2023-02-30', expiresOn: '2024-01-01T00:00:00Z', personnelCeiling: -1, url: 'javascript:alert(1)' }));
      expect(errors.map((e) => e.path)).toEqual(['data.adoptedOn', 'data.expiresOn', 'data.personnelCeiling', 'data.url']);
    });

    it('refuses a period that ends before it starts (naming periodEnd), a bad indicator name, a negative value', () => {
      expect(errorsOf(withData('IndicatorRecorded', { periodStart: '2024-04-01', periodEnd: '2024-03-31' }))).toEqual([
        { path: 'data.periodEnd', message: 'must not be before periodStart' },
      ]);
      expect(errorsOf(withData('IndicatorRecorded', { indicator: 'Homicides', value: '-1' })).map((e) => e.path)).toEqual(['data.indicator', 'data.value']);
    });

    it('refuses a predecessor that is not a mission id', () => {
      expect(errorsOf(withData('MissionEstablished', { predecessor: 'MSS Haiti' })).map((e) => e.path)).toEqual(['data.predecessor']);
    });
  });

  describe('unknown event types', () => {
    it.each(['PersonnelDeployed', 'missionestablished', '', 'constructor', 'toString', '__proto__'])(
      'rejects type %j',
      (type) => {
        // given an event whose type is not in the catalogue
        // when validated
        const errors = errorsOf(event(type, { country: 'KEN', personnel: 1 }));
        // then only the type is reported, listing the known types
        expect(errors).toEqual([{ path: 'type', message: UNKNOWN_TYPE_MESSAGE(type) }]);
      },
    );

    it('rejects a type that is not a string', () => {
      const errors = errorsOf(event(5 as unknown as string, {}));
      expect(errors).toEqual([{ path: 'type', message: A_STRING_NOT_A_NUMBER }]);
    });
  });

  describe('country codes (ISO 3166-1 alpha-3)', () => {
    it.each(COUNTRY_FIELDS)('accepts real codes in %s.%s', (type, field) => {
      for (const code of ['KEN', 'USA', 'CAN', 'HTI', 'JAM', 'BHS']) {
        expect(valueOf(withData(type, { [field]: code })).data).toEqual({ ...EXAMPLES[type].minimal, [field]: code });
      }
    });

    describe.each(COUNTRY_FIELDS)('%s.%s', (type, field) => {
      it.each([
        ['KE', 'alpha-2 code'],
        ['XXX', 'unassigned code'],
        ['ken', 'lower case'],
        ['Ken', 'mixed case'],
        ['Kenya', 'country name'],
        ['', 'empty string'],
        [' KEN', 'leading space'],
      ])('rejects %j (%s)', (code) => {
        // given a country field holding something that is not an alpha-3 code
        // when validated
        const errors = errorsOf(withData(type, { [field]: code }));
        // then it is reported with the country-code message
        expect(errors).toEqual([{ path: `data.${field}`, message: COUNTRY_MESSAGE }]);
      });
    });
  });

  describe('currency codes (ISO 4217)', () => {
    describe.each(FUNDING_TYPES)('%s', (type) => {
      it.each(['USD', 'CAD', 'EUR', 'KES', 'HTG'])('accepts %s', (currency) => {
        expect(valueOf(withData(type, { currency })).data).toMatchObject({ currency });
      });

      it.each(['XXY', 'usd', 'US', 'USDD', 'KEN', '', 'US$'])('rejects %j', (currency) => {
        // given a currency that is not an ISO 4217 code
        // when validated
        const errors = errorsOf(withData(type, { currency }));
        // then it is reported with the currency message
        expect(errors).toEqual([{ path: 'data.currency', message: CURRENCY_MESSAGE }]);
      });
    });
  });

  describe('personnel counts', () => {
    describe.each(PERSONNEL_AT_LEAST_ONE)('%s (personnel >= 1)', (type) => {
      it.each([1, 400, 10_000_000])('accepts %d', (personnel) => {
        expect(valueOf(withData(type, { personnel })).data).toMatchObject({ personnel });
      });

      it('rejects a non-integer (1.5)', () => {
        expect(errorsOf(withData(type, { personnel: 1.5 }))).toEqual([{ path: 'data.personnel', message: NOT_AN_INTEGER }]);
      });

      it.each([0, -1, -400])('rejects %d', (personnel) => {
        expect(errorsOf(withData(type, { personnel }))).toEqual([{ path: 'data.personnel', message: 'must be at least 1' }]);
      });

      it('rejects a count above the ceiling', () => {
        expect(errorsOf(withData(type, { personnel: 10_000_001 }))).toEqual([
          { path: 'data.personnel', message: 'must be at most 10000000' },
        ]);
      });

      it('rejects a boolean', () => {
        expect(errorsOf(withData(type, { personnel: true }))).toEqual([
          { path: 'data.personnel', message: 'must be a number, not a boolean' },
        ]);
      });
    });

    describe('PledgeRevised (personnel >= 0)', () => {
      it('accepts 0, which withdraws the pledge', () => {
        // given a revision to zero
        // when validated
        const value = valueOf(event('PledgeRevised', { country: 'KEN', personnel: 0 }));
        // then it is accepted as is
        expect(value.data).toEqual({ country: 'KEN', personnel: 0 });
      });

      it('rejects -1', () => {
        expect(errorsOf(event('PledgeRevised', { country: 'KEN', personnel: -1 }))).toEqual([
          { path: 'data.personnel', message: 'must be at least 0' },
        ]);
      });

      it('rejects 1.5', () => {
        expect(errorsOf(event('PledgeRevised', { country: 'KEN', personnel: 1.5 }))).toEqual([
          { path: 'data.personnel', message: NOT_AN_INTEGER },
        ]);
      });
    });

    describe('PersonnelRequirementSet (required >= 0)', () => {
      it('accepts 0', () => {
        expect(valueOf(event('PersonnelRequirementSet', { required: 0 })).data).toEqual({ required: 0 });
      });

      it('rejects -1', () => {
        expect(errorsOf(event('PersonnelRequirementSet', { required: -1 }))).toEqual([
          { path: 'data.required', message: 'must be at least 0' },
        ]);
      });

      it('rejects 1.5', () => {
        expect(errorsOf(event('PersonnelRequirementSet', { required: 1.5 }))).toEqual([
          { path: 'data.required', message: NOT_AN_INTEGER },
        ]);
      });

      it('rejects "5000"', () => {
        expect(errorsOf(event('PersonnelRequirementSet', { required: '5000' }))).toEqual([
          { path: 'data.required', message: A_NUMBER_NOT_A_STRING },
        ]);
      });
    });
  });

  describe('amounts', () => {
    const MALFORMED = ['1e5', '-5', '5.12345', '', '+5', '5.', '.5', '1,000', '5 ', ' 5', '0x10', 'NaN', 'Infinity', '1_000', '123456789012345678901'];
    const WELL_FORMED_POSITIVE = ['300000000', '5.70', '5.7', '0.0001', '5.1234', '0.5', '999999999999999999.9999'];

    describe.each(POSITIVE_AMOUNT_TYPES)('%s (amount > 0)', (type) => {
      it.each(WELL_FORMED_POSITIVE)('accepts %j unchanged', (amount) => {
        // given a well-formed positive amount
        // when validated
        const value = valueOf(withData(type, { amount }));
        // then the amount is kept exactly as the string given
        expect(value.data).toMatchObject({ amount });
      });

      it.each(MALFORMED)('rejects malformed %j', (amount) => {
        expect(errorsOf(withData(type, { amount }))).toEqual([{ path: 'data.amount', message: AMOUNT_MESSAGE }]);
      });

      it.each(['0', '0.0', '0.00', '0.0000'])('rejects zero written as %j', (amount) => {
        expect(errorsOf(withData(type, { amount }))).toEqual([{ path: 'data.amount', message: 'must be greater than 0' }]);
      });

      it('rejects a JSON number', () => {
        expect(errorsOf(withData(type, { amount: 300000000 }))).toEqual([{ path: 'data.amount', message: A_STRING_NOT_A_NUMBER }]);
      });
    });

    describe('FundingPledgeRevised (amount >= 0)', () => {
      it.each(['0', '0.00', ...WELL_FORMED_POSITIVE])('accepts %j', (amount) => {
        expect(valueOf(withData('FundingPledgeRevised', { amount })).data).toMatchObject({ amount });
      });

      it.each(MALFORMED)('rejects malformed %j', (amount) => {
        expect(errorsOf(withData('FundingPledgeRevised', { amount }))).toEqual([{ path: 'data.amount', message: AMOUNT_MESSAGE }]);
      });
    });
  });

  describe('enumerations', () => {
    it.each(['police', 'military', 'civilian'])('PersonnelPledged accepts personnelType %s', (personnelType) => {
      expect(valueOf(withData('PersonnelPledged', { personnelType })).data).toMatchObject({ personnelType });
    });

    it.each(['navy', 'Police', ''])('PersonnelPledged rejects personnelType %j', (personnelType) => {
      expect(errorsOf(withData('PersonnelPledged', { personnelType }))).toEqual([
        { path: 'data.personnelType', message: 'must be one of "police", "military", "civilian"' },
      ]);
    });

    it.each(['trust-fund', 'bilateral', 'in-kind'])('FundingPledged accepts channel %s', (channel) => {
      expect(valueOf(withData('FundingPledged', { channel })).data).toMatchObject({ channel });
    });

    it.each(['grant', 'trust_fund', 5])('FundingPledged rejects channel %j', (channel) => {
      expect(errorsOf(withData('FundingPledged', { channel }))).toEqual([
        { path: 'data.channel', message: 'must be one of "trust-fund", "bilateral", "in-kind"' },
      ]);
    });
  });

  describe('free text', () => {
    it('accepts a name of 200 characters and rejects one of 201', () => {
      expect(valueOf(withData('MissionEstablished', { name: 'x'.repeat(200) })).data).toMatchObject({ name: 'x'.repeat(200) });
      expect(errorsOf(withData('MissionEstablished', { name: 'x'.repeat(201) }))).toEqual([
        { path: 'data.name', message: 'must be at most 200 characters' },
      ]);
    });

    it.each(['', '   '])('rejects the empty or blank name %j', (name) => {
      expect(errorsOf(withData('MissionEstablished', { name }))).toEqual([{ path: 'data.name', message: 'must not be empty' }]);
    });

    it('keeps text exactly as sent', () => {
      expect(valueOf(withData('MissionEstablished', { name: '  MSS Haiti  ' })).data).toEqual({ name: '  MSS Haiti  ', hostCountry: 'HTI' });
    });

    it.each(['FundingPledged', 'SupportDeclared'] as const)('%s accepts a country code or an organisation name as the party', (type) => {
      const field = type === 'SupportDeclared' ? 'supporter' : 'donor';
      for (const party of ['USA', 'World Bank', 'Organization of American States', 'x'.repeat(120)]) {
        expect(valueOf(withData(type, { [field]: party })).data).toMatchObject({ [field]: party });
      }
    });

    it.each([
      ['FundingPledged', 'donor'],
      ['FundingPledgeRevised', 'donor'],
      ['FundingCommitted', 'donor'],
      ['FundingDisbursed', 'donor'],
      ['SupportDeclared', 'supporter'],
    ] as const)('%s rejects a %s of 121 characters or none', (type, field) => {
      expect(errorsOf(withData(type, { [field]: 'x'.repeat(121) }))).toEqual([
        { path: `data.${field}`, message: 'must be at most 120 characters' },
      ]);
      expect(errorsOf(withData(type, { [field]: '' }))).toEqual([{ path: `data.${field}`, message: 'must not be empty' }]);
    });
  });

  describe('occurredAt', () => {
    it.each([
      ['2024-06-24', '2024-06-24T00:00:00.000Z'],
      ['2024-02-29', '2024-02-29T00:00:00.000Z'],
      ['2024-06-24T18:00:00Z', '2024-06-24T18:00:00.000Z'],
      ['2024-06-24T18:00:00.123Z', '2024-06-24T18:00:00.123Z'],
      ['2024-06-24T18:00:00+05:30', '2024-06-24T12:30:00.000Z'],
      ['2024-06-24T18:00:00-04:00', '2024-06-24T22:00:00.000Z'],
      ['2024-06-24T18:00', '2024-06-24T18:00:00.000Z'],
    ])('accepts %j as the instant %s', (occurredAt, instant) => {
      // given an ISO 8601 date or date-time (with or without an offset)
      // when validated
      const value = valueOf(event('SupportDeclared', { supporter: 'USA' }, { occurredAt }));
      // then occurredAt is the Date of that instant
      expect(value.occurredAt).toBeInstanceOf(Date);
      expect(value.occurredAt.toISOString()).toBe(instant);
    });

    it.each(['2024-13-01', '2024-02-30', '2023-02-29', 'yesterday', '', '2024-6-24', '24/06/2024', '2024-06-24T25:00:00Z', '2024-06-24 18:00:00Z'])(
      'rejects %j',
      (occurredAt) => {
        expect(errorsOf(event('SupportDeclared', { supporter: 'USA' }, { occurredAt }))).toEqual([
          { path: 'occurredAt', message: DATE_MESSAGE },
        ]);
      },
    );

    it('rejects a number (epoch milliseconds)', () => {
      expect(errorsOf(event('SupportDeclared', { supporter: 'USA' }, { occurredAt: 1719187200000 }))).toEqual([
        { path: 'occurredAt', message: A_STRING_NOT_A_NUMBER },
      ]);
    });
  });

  describe('the event envelope', () => {
    it.each(['type', 'occurredAt', 'data'])('rejects an event without %s', (field) => {
      const input = event('SupportDeclared', { supporter: 'USA' });
      delete input[field];
      expect(errorsOf(input)).toEqual([{ path: field, message: REQUIRED }]);
    });

    it('rejects an unknown top-level field of an event', () => {
      const input = event('SupportDeclared', { supporter: 'USA' }, { version: 3 });
      expect(errorsOf(input)).toEqual([{ path: 'version', message: UNKNOWN_FIELD }]);
    });

    it('rejects data that is not an object', () => {
      expect(errorsOf(event('SupportDeclared', 'USA'))).toEqual([{ path: 'data', message: 'must be an object, not a string' }]);
    });

    it('rejects an event that is not an object', () => {
      expect(errorsOf(null)).toEqual([{ path: '', message: 'must be an object, not null' }]);
    });

    it('accepts metadata.actor, which the event store then replaces with the API key name', () => {
      // given an event whose metadata names an actor
      const input = event('SupportDeclared', { supporter: 'USA' }, { metadata: { actor: 'someone-else', correlationId: 'c' } });
      // then it is valid (the store overwrites actor; see the api-keys e2e spec)
      expect(valueOf(input).metadata).toEqual({ actor: 'someone-else', correlationId: 'c' });
    });

    it('rejects metadata over 4096 characters of JSON', () => {
      const input = event('SupportDeclared', { supporter: 'USA' }, { metadata: { note: 'x'.repeat(5000) } });
      expect(errorsOf(input)).toEqual([{ path: 'metadata', message: 'must be at most 4096 bytes of JSON' }]);
    });

    it('keeps client metadata as given', () => {
      const metadata = { correlationId: 'abc', origin: { system: 'ops', seq: 7 }, source: { url: 'https://press.un.org/en/2023/sc15432.doc.htm', publisher: 'United Nations' } };
      expect(valueOf(event('SupportDeclared', { supporter: 'USA' }, { metadata })).metadata).toEqual(metadata);
    });

    it('lists every problem of one event at once: date, code, count and extra field', () => {
      // given an event with four problems
      const input = event('ContingentArrived', { country: 'ken', personnel: 0, note: 'x' }, { occurredAt: '2024-02-30' });
      // when validated
      const errors = errorsOf(input);
      // then all four are reported
      expect(errors).toEqual([
        { path: 'occurredAt', message: DATE_MESSAGE },
        { path: 'data.country', message: COUNTRY_MESSAGE },
        { path: 'data.personnel', message: 'must be at least 1' },
        { path: 'data.note', message: UNKNOWN_FIELD },
      ]);
    });

    it('still checks the data of a known type when the envelope itself is wrong', () => {
      // given a known type with a non-string occurredAt and an unknown data field
      const input = event('SupportDeclared', { supporter: 'USA', x: 1 }, { occurredAt: 5 });
      // when validated
      // then both the envelope and the data problems are reported
      expect(errorsOf(input)).toEqual([
        { path: 'occurredAt', message: A_STRING_NOT_A_NUMBER },
        { path: 'data.x', message: UNKNOWN_FIELD },
      ]);
    });

    it('prefixes every path with the given path', () => {
      const errors = validateEvent(event('PersonnelPledged', { country: 'KEN', personnel: 1.5 }), ['events', 4]);
      expect(errors).toEqual({ ok: false, errors: [{ path: 'events[4].data.personnel', message: NOT_AN_INTEGER }] });
    });
  });
});

// ---------------------------------------------------------------------------------------------
// formatPath
// ---------------------------------------------------------------------------------------------

describe('formatPath', () => {
  it.each([
    [[], ''],
    [['events'], 'events'],
    [['events', 0], 'events[0]'],
    [['events', 1, 'data', 'personnel'], 'events[1].data.personnel'],
    [['events', 12, 'metadata'], 'events[12].metadata'],
  ] as Array<[PropertyKey[], string]>)('formats %j as %j', (path, text) => {
    expect(formatPath(path)).toBe(text);
  });
});

// ---------------------------------------------------------------------------------------------
// validateAppendRequest
// ---------------------------------------------------------------------------------------------

describe('validateAppendRequest', () => {
  const departed = (personnel: unknown = 400) => ({
    type: 'ContingentDeparted',
    occurredAt: '2024-06-24',
    data: { country: 'KEN', personnel },
  });

  it('accepts a request with expectedVersion and returns typed events', () => {
    // given the contract's example request
    const input = {
      expectedVersion: 2,
      events: [{ ...departed(), metadata: { correlationId: 'abc' } }],
    };
    // when validated
    const result = validateAppendRequest(input);
    // then it becomes a command with the parsed events
    expect(result).toEqual({
      ok: true,
      value: {
        expectedVersion: 2,
        events: [
          {
            type: 'ContingentDeparted',
            occurredAt: new Date('2024-06-24T00:00:00.000Z'),
            data: { country: 'KEN', personnel: 400 },
            metadata: { correlationId: 'abc' },
          },
        ],
      },
    });
  });

  it('accepts expectedVersion 0 (the mission must not exist yet)', () => {
    const result = validateAppendRequest({ expectedVersion: 0, events: [departed()] });
    expect(result.ok && result.value.expectedVersion).toBe(0);
  });

  it('leaves expectedVersion undefined when it is not given', () => {
    const result = validateAppendRequest({ events: [departed(), departed(5)] });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.expectedVersion).toBeUndefined();
    expect(result.value.events.map((e) => e.data)).toEqual([
      { country: 'KEN', personnel: 400 },
      { country: 'KEN', personnel: 5 },
    ]);
  });

  it('accepts exactly 1000 events', () => {
    const result = validateAppendRequest({ events: Array.from({ length: MAX_EVENTS_PER_APPEND }, () => departed()) });
    expect(result.ok && result.value.events).toHaveLength(1000);
  });

  it('rejects 0 events', () => {
    expect(appendErrorsOf({ events: [] })).toEqual([{ path: 'events', message: 'must hold at least 1 event' }]);
  });

  it('rejects 1001 events with one error, without checking each event', () => {
    // given 1001 events, all of them also invalid
    const input = { events: Array.from({ length: 1001 }, () => departed(0)) };
    // when validated
    // then only the size of the batch is reported
    expect(appendErrorsOf(input)).toEqual([{ path: 'events', message: 'must hold at most 1000 events' }]);
  });

  it('rejects a request without events', () => {
    expect(appendErrorsOf({ expectedVersion: 1 })).toEqual([{ path: 'events', message: REQUIRED }]);
  });

  it('rejects events that are not an array', () => {
    expect(appendErrorsOf({ events: departed() })).toEqual([{ path: 'events', message: 'must be an array, not an object' }]);
  });

  it('rejects an unknown top-level field', () => {
    expect(appendErrorsOf({ events: [departed()], streamVersion: 3 })).toEqual([{ path: 'streamVersion', message: UNKNOWN_FIELD }]);
  });

  it.each([
    [-1, 'must be at least 0'],
    [1.5, NOT_AN_INTEGER],
    ['2', A_NUMBER_NOT_A_STRING],
    [null, 'must be a number, not null'],
  ])('rejects expectedVersion %j', (expectedVersion, message) => {
    expect(appendErrorsOf({ expectedVersion, events: [departed()] })).toEqual([{ path: 'expectedVersion', message }]);
  });

  it.each([
    [null, 'null'],
    [[], 'an array'],
    ['events', 'a string'],
    [42, 'a number'],
  ])('rejects the body %j', (body, described) => {
    expect(appendErrorsOf(body)).toEqual([{ path: '', message: `the body must be a JSON object, not ${described}` }]);
  });


  it('lists the errors of several events together, with their indexes', () => {
    // given a batch whose first and fourth events are valid and the others are not
    const input = {
      events: [
        departed(),
        departed(1.5),
        { type: 'FundingPledged', occurredAt: 'yesterday', data: { donor: 'USA', amount: '1e5', currency: 'usd' } },
        departed(),
        { type: 'ContingentLeft', occurredAt: '2024-06-24', data: {} },
      ],
    };
    // when validated
    const errors = appendErrorsOf(input);
    // then every problem is listed, in batch order, with the event's index in its path
    expect(errors).toEqual([
      { path: 'events[1].data.personnel', message: NOT_AN_INTEGER },
      { path: 'events[2].occurredAt', message: DATE_MESSAGE },
      { path: 'events[2].data.amount', message: AMOUNT_MESSAGE },
      { path: 'events[2].data.currency', message: CURRENCY_MESSAGE },
      { path: 'events[4].type', message: UNKNOWN_TYPE_MESSAGE('ContingentLeft') },
    ]);
  });

  it('lists request-level and event-level errors together', () => {
    // given a bad expectedVersion, an unknown top-level field and a bad event
    const input = { expectedVersion: -3, idempotencyKey: 'k', events: [departed(0)] };
    // when validated
    // then all three problems are reported
    expect(appendErrorsOf(input)).toEqual([
      { path: 'expectedVersion', message: 'must be at least 0' },
      { path: 'idempotencyKey', message: UNKNOWN_FIELD },
      { path: 'events[0].data.personnel', message: 'must be at least 1' },
    ]);
  });
});

describe('validateEvent reports envelope and content problems together', () => {
  it('lists the unknown type and the bad date even when metadata is refused', () => {
    // given an event wrong in three places at once
    const result = validateEvent({ type: 'Nope', occurredAt: 'yesterday', data: {}, metadata: 'x' });
    // then every one of them is reported
    expect(result.ok).toBe(false);
    const paths = result.ok ? [] : result.errors.map((e) => e.path).sort();
    expect(paths).toEqual(['metadata', 'occurredAt', 'type']);
  });

  it('refuses dates before 1900 (a typo such as 0024 for 2024)', () => {
    expect(validateEvent({ type: 'PersonnelRequirementSet', occurredAt: '0024-06-24', data: { required: 1 } }).ok).toBe(false);
  });
});

describe('text PostgreSQL cannot store is refused with a precise message', () => {
  const NUL = (at: number) => `must not contain the NUL character (U+0000, at character ${at})`;
  const LONE = (unit: string, at: number) => `must not contain a lone surrogate (U+${unit} at character ${at}): it is not valid Unicode`;
  const event = (type: string, data: Data, metadata?: unknown) => ({ type, occurredAt: '2024-06-24', data, ...(metadata === undefined ? {} : { metadata }) });
  const errorsOf = (input: unknown): FieldError[] => {
    const result = validateEvent(input);
    return result.ok ? [] : result.errors;
  };

  it.each([
    ['MissionEstablished', 'name', { hostCountry: 'HTI' }],
    ['MissionEstablished', 'mandate', { name: 'M', hostCountry: 'HTI' }],
    ['FarewellHeld', 'officiant', { country: 'KEN', personnel: 1 }],
    ['FarewellHeld', 'location', { country: 'KEN', personnel: 1 }],
    ['ContingentDeparted', 'contingentId', { country: 'KEN', personnel: 1 }],
    ['ContingentArrived', 'contingentId', { country: 'KEN', personnel: 1 }],
    ['PersonnelWithdrawn', 'reason', { country: 'KEN', personnel: 1 }],
    ['FundingPledged', 'donor', { amount: '1', currency: 'USD' }],
    ['FundingCommitted', 'donor', { amount: '1', currency: 'USD' }],
    ['SupportDeclared', 'supporter', {}],
    ['SupportDeclared', 'statement', { supporter: 'CAN' }],
  ])('%s.%s: NUL, a lone high and a lone low surrogate', (type, field, rest) => {
    expect(errorsOf(event(type, { ...rest, [field]: 'ab\u0000c' }))).toEqual([{ path: `data.${field}`, message: NUL(3) }]);
    expect(errorsOf(event(type, { ...rest, [field]: 'x\uD83D' }))).toEqual([{ path: `data.${field}`, message: LONE('D83D', 2) }]);
    expect(errorsOf(event(type, { ...rest, [field]: '\uDE00x' }))).toEqual([{ path: `data.${field}`, message: LONE('DE00', 1) }]);
  });

  it('accepts a surrogate pair (an emoji), right-to-left marks and other unusual but valid text', () => {
    for (const supporter of ['😀 Haïti', '\u200Fمصر\u200E', '\uFEFFBOM', 'tab\there', 'line\u2028separator']) {
      expect(errorsOf(event('SupportDeclared', { supporter }))).toEqual([]);
    }
  });

  it('refuses NUL and lone surrogates in metadata keys and values at any depth, naming each place', () => {
    const metadata = { note: 'a\u0000', nested: { list: ['ok', { deep: '\uD800' }] }, 'bad\u0000key': 1 };
    expect(errorsOf(event('SupportDeclared', { supporter: 'CAN' }, metadata))).toEqual([
      { path: 'metadata.bad\u0000key', message: `is a key that ${NUL(4)}` },
      { path: 'metadata.note', message: NUL(2) },
      { path: 'metadata.nested.list[1].deep', message: LONE('D800', 1) },
    ]);
  });

  it('refuses metadata nested deeper than 64 levels without overflowing the stack, however deep', () => {
    let deep: unknown = 'bottom';
    for (let level = 0; level < 200_000; level++) deep = { d: deep };
    const errors = errorsOf(event('SupportDeclared', { supporter: 'CAN' }, { deep }));
    expect(errors).toHaveLength(1);
    expect(errors[0].message).toBe('is nested too deep: metadata may be at most 64 levels deep');
  });

  it('accepts metadata nested 64 levels deep', () => {
    let deep: unknown = {};
    for (let level = 1; level < 64; level++) deep = { d: deep };
    expect(errorsOf(event('SupportDeclared', { supporter: 'CAN' }, deep))).toEqual([]);
  });

  it('refuses numbers JSON cannot hold (1e309 parses as Infinity), in data and in metadata', () => {
    expect(errorsOf(event('ContingentDeparted', { country: 'KEN', personnel: Infinity }, { n: -Infinity }))).toEqual([
      { path: 'data.personnel', message: 'must be a finite number (this one is too large: beyond ±1.8e308)' },
      { path: 'metadata.n', message: 'must be a finite number (this one is too large: beyond ±1.8e308)' },
    ]);
  });

  it('says that 2^64 is too large rather than "not an integer"', () => {
    const result = validateAppendRequest({ expectedVersion: 2 ** 64, events: [event('PersonnelRequirementSet', { required: 1 })] });
    expect(result.ok ? [] : result.errors).toEqual([{ path: 'expectedVersion', message: 'must be an integer between -9007199254740991 and 9007199254740991' }]);
  });
});

describe('bidirectional controls in free text', () => {
  const farewell = (officiant: string) =>
    validateEvent({ type: 'FarewellHeld', occurredAt: '2024-06-24', data: { country: 'KEN', personnel: 400, officiant } });

  it('refuses an override left open, which would reorder the figures shown after it', () => {
    const result = farewell('\u202eabc');
    expect(result).toEqual({
      ok: false,
      errors: [{ path: 'data.officiant', message: 'must close the bidirectional control it opens (U+202E at character 1): left open it would reorder the text shown after it' }],
    });
    expect(farewell('ok \u2067نص').ok).toBe(false); // an isolate left open
  });

  it('keeps closed embeddings, overrides and isolates, and right-to-left text as it is', () => {
    for (const text of ['\u202eabc\u202c', '\u2067نص\u2069', '\u2068a\u202eb\u2069', 'الرئيس', 'x\u202c stray close']) {
      expect({ text, ok: farewell(text).ok }).toEqual({ text, ok: true });
    }
  });
});
