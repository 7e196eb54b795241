// The session lookup cache, against a fake database that counts lookups: a live session stays
// cached however many unknown tokens are tried, and an invalidation (a sign-out's or a
// revocation's NOTIFY) still drops it at once.
import { AppConfig } from '@app/config';
import { Database, PgListener } from '@app/database';
import { hashApiKey } from '../auth/api-key-hash';
import { SessionsRepository } from './sessions.repository';

const REAL_TOKEN = 'real-session-token';

function setup() {
  const session = { id: 'k1', name: 'dashboard', role: 'viewer', revoked: false, bootstrap_digest: null, expires_in_ms: 3_600_000 };
  const lookups: string[] = [];
  const database = {
    pool: {
      query: async (_sql: string, [hash]: [string]) => {
        lookups.push(hash);
        return { rows: hash === hashApiKey(REAL_TOKEN) ? [{ ...session }] : [] };
      },
    },
  } as unknown as Database;
  const listener = { subscribe: async () => undefined, onReconnect: () => undefined } as unknown as PgListener;
  const repository = new SessionsRepository(database, listener, {} as AppConfig);
  const realLookups = () => lookups.filter((hash) => hash === hashApiKey(REAL_TOKEN)).length;
  return { repository, session, lookups, realLookups };
}

describe('SessionsRepository cache', () => {
  // Frozen clock: nothing here may expire by time, only by eviction or invalidation.
  beforeEach(() => jest.spyOn(Date, 'now').mockReturnValue(1_700_000_000_000));
  afterEach(() => jest.restoreAllMocks());

  it('keeps a live session cached while 20,000 unknown tokens are tried', async () => {
    const { repository, realLookups } = setup();
    expect(await repository.findPrincipal(REAL_TOKEN)).toMatchObject({ id: 'k1' });
    for (let i = 0; i < 20_000; i++) {
      expect(await repository.findPrincipal(`bogus-${i}`)).toBeNull();
      if (i % 100 === 0) expect(await repository.findPrincipal(REAL_TOKEN)).toMatchObject({ id: 'k1' });
    }
    expect(realLookups()).toBe(1);
  });

  it('still remembers an unknown token briefly', async () => {
    const { repository, lookups } = setup();
    for (let i = 0; i < 5; i++) expect(await repository.findPrincipal('wrong')).toBeNull();
    expect(lookups).toHaveLength(1);
  });

  it('ends a session at once: an invalidation drops the cached principal', async () => {
    const { repository, session, realLookups } = setup();
    expect(await repository.findPrincipal(REAL_TOKEN)).not.toBeNull();
    session.revoked = true;
    repository.invalidate(); // what the revocation's or sign-out's NOTIFY does in every process
    expect(await repository.findPrincipal(REAL_TOKEN)).toBeNull();
    expect(realLookups()).toBe(2);
  });
});
