// Which projection partition a mission belongs to: the first 32 bits of md5(missionId), as
// an unsigned number, modulo the number of partitions. md5 because PostgreSQL computes the
// same value in SQL (`('x' || substr(md5(mission_id), 1, 8))::bit(32)::bigint % n`), and
// both are stable across versions (PostgreSQL's own hashtext is not promised to be).
import { createHash } from 'node:crypto';

export function partitionOf(missionId: string, partitions: number): number {
  if (!Number.isInteger(partitions) || partitions < 1) throw new RangeError(`partitions must be a positive integer, not ${partitions}`);
  const first32 = parseInt(createHash('md5').update(missionId, 'utf8').digest('hex').slice(0, 8), 16);
  return first32 % partitions;
}
