import { appendedPartitions } from './append-transaction';

describe('appendedPartitions (the events_appended payload)', () => {
  it('reads the partitions an append names', () => {
    expect(appendedPartitions('0')).toEqual([0]);
    expect(appendedPartitions('0,3,12')).toEqual([0, 3, 12]);
  });

  it('names none when the payload is empty (an earlier release) or not a list of partitions', () => {
    expect(appendedPartitions('')).toBeUndefined();
    expect(appendedPartitions('1,,2')).toBeUndefined();
    expect(appendedPartitions('{"x":1}')).toBeUndefined();
  });
});
