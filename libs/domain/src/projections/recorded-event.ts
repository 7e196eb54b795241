import { DomainEvent } from '../catalogue';
import { Source } from '../source';

/** An event as the log recorded it: what the read-model folds need besides type and data. */
export type RecordedEvent = DomainEvent & {
  /** The id the log gave it (lower case), which corrections name. */
  id: string;
  missionId: string;
  version: number;
  position: number;
  /** ISO 8601 instant. */
  occurredAt: string;
  /** `metadata.source`, when the event has one. */
  source?: Source;
};
