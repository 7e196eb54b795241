// A rebuild keeps its progress in PostgreSQL: a worker killed in the middle of one is
// replaced, and the rebuild carries on from where it was, to the same totals.
import { established, personnelEvent } from './support/events';
import { expectEventually } from './support/eventually';
import { Harness, startHarness } from './support/projection-harness';

describe('rebuild across a worker restart', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('rebuild_restart', 1, { PROJECTION_BATCH_SIZE: '10' });
  });
  afterAll(() => h.close());

  it('survives SIGKILL of the worker doing it', async () => {
    await h.api.request('POST', '/v1/missions/restart/events', { body: { events: [established(), personnelEvent('ContingentArrived', 'KEN', 50)] } });
    for (let i = 0; i < 8; i++) {
      await h.api.request('POST', '/v1/missions/restart/events', {
        body: { events: Array.from({ length: 100 }, () => personnelEvent('PersonnelPledged', 'KEN', 1)) },
      });
    }
    const head = await h.quiesce();
    const expected = (await h.api.request('GET', `/v1/missions/restart/personnel?minPosition=${head}`)).body;

    expect((await h.api.request('POST', '/v1/projections/personnel/rebuild')).status).toBe(202);
    // Wait until the rebuild has made some progress, then kill the worker doing it.
    const progress = await expectEventually(async () => {
      const { body } = await h.api.request('GET', '/v1/projections');
      const personnel = body.projections.find((p: { name: string }) => p.name === 'personnel');
      expect(personnel.status).toBe('rebuilding');
      expect(personnel.rebuild.position).toBeGreaterThan(0);
      return personnel.rebuild.position as number;
    }, 15_000, 5);
    await h.workers[0].kill('SIGKILL');

    const { body } = await h.api.request('GET', '/v1/projections');
    const stalled = body.projections.find((p: { name: string }) => p.name === 'personnel');
    expect(stalled.status).toBe('rebuilding');
    expect(stalled.rebuild.position).toBeGreaterThanOrEqual(progress);
    expect(stalled.rebuild.position).toBeLessThan(head);
    // Reads keep answering from the complete live generation meanwhile.
    expect((await h.api.request('GET', '/v1/missions/restart/personnel')).body).toEqual(expected);

    await h.startWorker();
    await h.quiesce();
    expect((await h.api.request('GET', '/v1/missions/restart/personnel')).body).toEqual(expected);
  });
});
