import { DomainEvent } from '../catalogue';

/** An event as the log recorded it: what the read-model folds need besides type and data. */
export type RecordedEvent = DomainEvent & {
  missionId: string;
  version: number;
  position: number;
  /** ISO 8601 instant. */
  occurredAt: string;
};
