import { ConcurrencyLimit } from './concurrency-limit';

describe('ConcurrencyLimit', () => {
  it('runs at most `running` at once, queues `waiting` more, and refuses the rest at once', async () => {
    const limit = new ConcurrencyLimit(2, 1);
    const first = await limit.acquire();
    await limit.acquire();
    let thirdGotIn = false;
    const third = limit.acquire().then((release) => ((thirdGotIn = true), release));
    await expect(limit.acquire()).rejects.toThrow('too many waiting');
    expect(thirdGotIn).toBe(false);
    first();
    first(); // releasing twice frees one slot only
    const release = await third;
    expect(thirdGotIn).toBe(true);
    // two running again and the line is empty: one more may wait, and gets in when a slot frees
    const fourth = limit.acquire();
    await expect(limit.acquire()).rejects.toThrow('too many waiting');
    release();
    await expect(fourth).resolves.toEqual(expect.any(Function));
  });
});
