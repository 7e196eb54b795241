// The API-key lookup cache, against a fake database that counts lookups: real keys stay
// cached however many unknown keys are tried, and an invalidation (a revocation's NOTIFY)
// still drops them at once.
import { Database, PgListener } from '@app/database';
import { hashApiKey } from './api-key-hash';
import { ApiKeysRepository } from './api-keys.repository';

const REAL_KEY = 'mt_real-key';

function setup() {
  const row = { id: 'k1', name: 'dashboard', role: 'viewer', keyHash: hashApiKey(REAL_KEY), revokedAt: null as Date | null, createdAt: new Date() };
  const lookups: string[] = [];
  const database = {
    prisma: {
      apiKey: {
        findUnique: async ({ where }: { where: { keyHash: string } }) => {
          lookups.push(where.keyHash);
          return where.keyHash === row.keyHash ? { ...row } : null;
        },
      },
    },
  } as unknown as Database;
  const listener = { subscribe: async () => undefined, onReconnect: () => undefined } as unknown as PgListener;
  const repository = new ApiKeysRepository(database, listener);
  const realLookups = () => lookups.filter((hash) => hash === row.keyHash).length;
  return { repository, row, lookups, realLookups };
}

describe('ApiKeysRepository cache', () => {
  // Frozen clock: nothing here may expire by time, only by eviction or invalidation.
  beforeEach(() => jest.spyOn(Date, 'now').mockReturnValue(1_700_000_000_000));
  afterEach(() => jest.restoreAllMocks());

  it('keeps a real key cached while 20,000 unknown keys are tried', async () => {
    const { repository, realLookups } = setup();
    expect(await repository.findActiveByKey(REAL_KEY)).toMatchObject({ id: 'k1' });
    for (let i = 0; i < 20_000; i++) {
      expect(await repository.findActiveByKey(`mt_bogus-${i}`)).toBeNull();
      if (i % 100 === 0) expect(await repository.findActiveByKey(REAL_KEY)).toMatchObject({ id: 'k1' });
    }
    expect(realLookups()).toBe(1);
  });

  it('still remembers an unknown key briefly (a client retrying a bad key costs one lookup)', async () => {
    const { repository, lookups } = setup();
    for (let i = 0; i < 5; i++) expect(await repository.findActiveByKey('mt_wrong')).toBeNull();
    expect(lookups).toHaveLength(1);
  });

  it('stops a revoked key at once: an invalidation drops the cached principal', async () => {
    const { repository, row, realLookups } = setup();
    expect(await repository.findActiveByKey(REAL_KEY)).not.toBeNull();
    row.revokedAt = new Date();
    repository.invalidate(); // what the revocation's NOTIFY does in every process
    expect(await repository.findActiveByKey(REAL_KEY)).toBeNull();
    expect(realLookups()).toBe(2);
  });
});
