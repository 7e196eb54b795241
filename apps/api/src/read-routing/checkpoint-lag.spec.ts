// A replica's lag from its checkpoints against the primary's samples, in memory.
import { CheckpointHistory } from './checkpoint-lag';

describe('CheckpointHistory', () => {
  it('is 0 behind when the replica has every checkpoint the primary had', () => {
    const history = new CheckpointHistory();
    history.record(1_000, { personnel: 5, funding: 5 });
    history.record(2_000, { personnel: 9, funding: 7 });
    expect(history.lagSeconds({ personnel: 9, funding: 7 }, 2_050)).toBe(0);
    expect(history.lagEvents({ personnel: 9, funding: 7 })).toBe(0);
  });

  it('is as far behind as the first sample the replica has not reached, on any projection', () => {
    const history = new CheckpointHistory();
    history.record(1_000, { personnel: 5, funding: 5 });
    history.record(2_000, { personnel: 5, funding: 8 });
    history.record(3_000, { personnel: 12, funding: 8 });
    expect(history.lagSeconds({ personnel: 5, funding: 5 }, 3_500)).toBe(1.5); // funding 8 since 2 s
    expect(history.lagSeconds({ personnel: 5, funding: 8 }, 3_500)).toBe(0.5);
    expect(history.lagEvents({ personnel: 5, funding: 5 })).toBe(7);
  });

  it('keeps growing while a replica stands still and the primary moves on', () => {
    const history = new CheckpointHistory();
    const replica = { personnel: 3 };
    const seen: number[] = [];
    for (let at = 0; at <= 4_000; at += 1_000) {
      history.record(at, { personnel: 4 + at / 1_000 });
      seen.push(history.lagSeconds(replica, at + 10));
    }
    expect(seen).toEqual([0.01, 1.01, 2.01, 3.01, 4.01]);
  });

  it('never reads as ahead: a replica sampled after the primary moved counts as in time', () => {
    const history = new CheckpointHistory();
    history.record(0, { personnel: 5 });
    expect(history.lagEvents({ personnel: 6 })).toBe(0);
    expect(history.lagSeconds({ personnel: 6 }, 10)).toBe(0);
  });

  it('forgets samples older than a minute, so a replica behind all of them reads as about a minute behind', () => {
    const history = new CheckpointHistory();
    for (let at = 0; at <= 120_000; at += 1_000) history.record(at, { personnel: 1 + at });
    expect(history.lagSeconds({ personnel: 0 }, 120_000)).toBe(60);
  });
});
