// Which replica serves the next read, in memory: round-robin over the usable ones, a failed one
// skipped for a while and re-admitted by a good probe, a lagging one skipped until it catches up.
import { ReplicaPolicy } from './replica-policy';

const OPTIONS = { maxLagSeconds: 2, downForMs: 2_000 };
const picks = (policy: ReplicaPolicy, n: number) => Array.from({ length: n }, () => policy.next());
const inTime = { seconds: 0.01, events: 0 };

describe('ReplicaPolicy', () => {
  it('takes the replicas in turn', () => {
    expect(picks(new ReplicaPolicy(3, OPTIONS), 7)).toEqual([0, 1, 2, 0, 1, 2, 0]);
  });

  it('has nothing to offer without replicas: the primary answers', () => {
    expect(new ReplicaPolicy(0, OPTIONS).next()).toBeUndefined();
  });

  it('skips a replica that failed, and the others keep their turns', () => {
    const policy = new ReplicaPolicy(3, OPTIONS);
    policy.failed(1, 1_000);
    expect(picks(policy, 4)).toEqual([0, 2, 0, 2]);
    expect(policy.health(1).state).toBe('down');
  });

  it('offers none when every replica is down', () => {
    const policy = new ReplicaPolicy(2, OPTIONS);
    policy.failed(0, 0);
    policy.failed(1, 0);
    expect(policy.next()).toBeUndefined();
  });

  it('keeps a failed replica out for downForMs even when a probe reaches it, then lets a good probe re-admit it', () => {
    const policy = new ReplicaPolicy(2, OPTIONS);
    policy.failed(0, 10_000);
    policy.probed(0, 11_000, inTime); // flapping: reachable again a second later
    expect(policy.health(0).state).toBe('down');
    expect(picks(policy, 2)).toEqual([1, 1]);
    policy.probed(0, 12_000, inTime);
    expect(policy.health(0)).toEqual({ state: 'up', lagSeconds: 0.01, lagEvents: 0 });
    expect(picks(policy, 4).sort()).toEqual([0, 0, 1, 1]);
  });

  it('a failed probe counts as a failure (a replica that stopped answering is found without a read paying for it)', () => {
    const policy = new ReplicaPolicy(1, OPTIONS);
    expect(policy.next()).toBe(0);
    policy.failed(0, 5_000);
    expect(policy.next()).toBeUndefined();
    policy.probed(0, 7_000, inTime);
    expect(policy.next()).toBe(0);
  });

  it('skips a replica further behind than maxLagSeconds, and takes it back once it has caught up', () => {
    const policy = new ReplicaPolicy(2, OPTIONS);
    policy.probed(0, 0, { seconds: 2.5, events: 40 });
    expect(policy.health(0)).toEqual({ state: 'lagging', lagSeconds: 2.5, lagEvents: 40 });
    expect(picks(policy, 3)).toEqual([1, 1, 1]);
    policy.probed(0, 1_000, { seconds: 2, events: 3 }); // at the bound: still usable
    expect(policy.health(0).state).toBe('up');
    expect(picks(policy, 2).sort()).toEqual([0, 1]);
  });

  it('offers none when every replica lags', () => {
    const policy = new ReplicaPolicy(2, OPTIONS);
    policy.probed(0, 0, { seconds: 30, events: 1 });
    policy.probed(1, 0, { seconds: 3, events: 1 });
    expect(policy.next()).toBeUndefined();
  });
});
