import { LiveStreamSlots } from './live-stream-slots';

describe('LiveStreamSlots', () => {
  it('refuses a key past its cap while other keys still get slots, and gives a slot back on release', () => {
    const slots = new LiveStreamSlots(2);
    const [a1, a2] = [slots.take('a'), slots.take('a')];
    expect(slots.take('a')).toBe('key-full');
    expect(typeof slots.take('b')).toBe('function');
    (a1 as () => void)();
    (a1 as () => void)(); // twice: still one slot back
    expect(slots.taken('a')).toBe(1);
    expect(typeof slots.take('a')).toBe('function');
    expect(slots.take('a')).toBe('key-full');
    (a2 as () => void)();
    expect([slots.taken('a'), slots.taken()]).toEqual([1, 2]);
  });

  it('refuses everyone once the process serves as many streams as it may', () => {
    const slots = new LiveStreamSlots(2, 3);
    const releases = [slots.take('a'), slots.take('a'), slots.take('b')];
    expect(slots.take('c')).toBe('server-full');
    (releases[2] as () => void)();
    expect(typeof slots.take('c')).toBe('function');
  });
});
