// The write model's stored state (streams.state) against the real PostgreSQL: a state of an
// older version, or one that does not read as counters, is recomputed from the log before a
// rule is decided on it; `npm run db:rebuild-stream-state` recomputes every stream.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { DomainError, MISSION_STREAM_STATE_VERSION } from '@app/domain';
import { EventStore } from '@app/event-store';
import { command, context, established, personnelEvent } from './support/events';
import { createTestDatabase, TestDatabase } from './support/test-database';

const withdraw = (personnel: number) => command({ events: [personnelEvent('PersonnelWithdrawn', 'KEN', personnel)] });
const KEN_10_DEPLOYED = { KEN: { pledged: 0, departed: 10, inTransit: 0, deployed: 10, withdrawn: 0 } };

describe('the stream rule state', () => {
  let db: TestDatabase;
  let store: EventStore;

  beforeAll(async () => {
    db = await createTestDatabase('stream_state');
    store = new EventStore(db.pool);
  });
  afterAll(() => db.drop());

  /** A mission with 10 KEN deployed: the log is the truth the state must follow. */
  async function missionWith10Deployed(missionId: string): Promise<void> {
    await store.append(missionId, command({ events: [established(), personnelEvent('ContingentArrived', 'KEN', 10)] }), context());
  }
  const setState = (missionId: string, state: unknown) =>
    db.pool.query('UPDATE streams SET state = $2 WHERE mission_id = $1', [missionId, JSON.stringify(state)]);
  const storedState = async (missionId: string) => (await db.pool.query('SELECT state FROM streams WHERE mission_id = $1', [missionId])).rows[0].state;

  it('stores the write model’s own versioned state, not the personnel read model', async () => {
    await missionWith10Deployed('shape');
    expect(await storedState('shape')).toEqual({ v: MISSION_STREAM_STATE_VERSION, byCountry: KEN_10_DEPLOYED });
  });

  it('recomputes a state of an older version from the log before deciding: its stale deployed count allows nothing', async () => {
    // given a stream whose stored state is of version 1 (the read model's fold) and says 500 deployed
    await missionWith10Deployed('stale');
    await setState('stale', { required: 0, byCountry: { KEN: { pledged: 0, departed: 500, inTransit: 0, deployed: 500, withdrawn: 0 } } });
    // when 11 are withdrawn
    const refused = await store.append('stale', withdraw(11), context()).catch((error) => error);
    // then the rule is decided on the log's 10 deployed, and the recomputed state is kept
    expect(refused).toBeInstanceOf(DomainError);
    expect(refused.message).toBe('cannot withdraw 11 personnel of KEN: only 10 deployed');
    expect(await storedState('stale')).toEqual({ v: MISSION_STREAM_STATE_VERSION, byCountry: KEN_10_DEPLOYED });
    // and withdrawing the 10 deployed is accepted
    expect((await store.append('stale', withdraw(10), context())).result.streamVersion).toBe(3);
  });

  it('recomputes a state with corrupted deployed counts (not counters) rather than deciding on it', async () => {
    // given a current-version state whose deployed count is not a count
    await missionWith10Deployed('corrupt');
    await setState('corrupt', { v: MISSION_STREAM_STATE_VERSION, byCountry: { KEN: { pledged: 0, departed: 0, inTransit: 0, deployed: -5, withdrawn: 0 } } });
    // when 10 are withdrawn, then it is accepted: the log has 10 deployed
    const { result } = await store.append('corrupt', withdraw(10), context());
    expect(result.streamVersion).toBe(3);
    expect((await storedState('corrupt')).byCountry.KEN).toMatchObject({ deployed: 0, withdrawn: 10 });
  });

  it('a state recomputed for one stream does not disturb another stream’s request in the same batch', async () => {
    await missionWith10Deployed('batch-a');
    await missionWith10Deployed('batch-b');
    await setState('batch-a', { required: 0, byCountry: {} });
    // when both are appended to concurrently (one group-commit batch, or two)
    const [a, b] = await Promise.all([store.append('batch-a', withdraw(4), context()), store.append('batch-b', withdraw(4), context())]);
    expect([a.result.streamVersion, b.result.streamVersion]).toEqual([3, 3]);
    expect((await storedState('batch-a')).byCountry.KEN.deployed).toBe(6);
  });

  it('EventStore.rebuildStreamStates rewrites every stream whose state is not its log’s, and only those', async () => {
    // given streams of every kind: right, wrong but well-formed, of an older version
    await missionWith10Deployed('rebuild-right');
    await missionWith10Deployed('rebuild-wrong');
    await missionWith10Deployed('rebuild-old');
    await setState('rebuild-wrong', { v: MISSION_STREAM_STATE_VERSION, byCountry: { KEN: { ...KEN_10_DEPLOYED.KEN, deployed: 900 } } });
    await setState('rebuild-old', { required: 0, byCountry: {} });
    const before = await db.pool.query('SELECT count(*)::int AS n FROM streams');
    // when the rule state is rebuilt
    const result = await store.rebuildStreamStates();
    // then every stream was recomputed and the two wrong ones changed
    expect(result).toEqual({ streams: before.rows[0].n, changed: 2 });
    for (const id of ['rebuild-right', 'rebuild-wrong', 'rebuild-old']) {
      expect(await storedState(id)).toEqual({ v: MISSION_STREAM_STATE_VERSION, byCountry: KEN_10_DEPLOYED });
    }
    // and a second run changes nothing
    expect((await store.rebuildStreamStates()).changed).toBe(0);
  });

  it('npm run db:rebuild-stream-state recomputes the states and says how many changed', async () => {
    // given a stream whose well-formed state says 900 deployed where the log says 10
    await missionWith10Deployed('command');
    await setState('command', { v: MISSION_STREAM_STATE_VERSION, byCountry: { KEN: { ...KEN_10_DEPLOYED.KEN, deployed: 900 } } });
    // when the command runs
    const child = spawn(process.execPath, [join(__dirname, '..', 'dist', 'scripts', 'rebuild-stream-state.js')], {
      env: { PATH: process.env.PATH ?? '', DATABASE_URL: db.url, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const code = await new Promise((resolve) => child.on('exit', resolve));
    // then it succeeds, reports one change, and the rule decides on the log's 10 deployed
    expect({ code, output }).toEqual({ code: 0, output: expect.stringMatching(/^recomputed the rule state of \d+ streams from their events \(1 changed\) in \d+ ms\n$/) });
    expect(await storedState('command')).toEqual({ v: MISSION_STREAM_STATE_VERSION, byCountry: KEN_10_DEPLOYED });
    const refused = await store.append('command', withdraw(11), context()).catch((error) => error);
    expect(refused.message).toBe('cannot withdraw 11 personnel of KEN: only 10 deployed');
  });
});
