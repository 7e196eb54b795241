// The public face of the event log. Its tables (events, streams, idempotency_keys) and
// their SQL stay inside this library; row shapes and the append internals are not exported.
export { EventStore, IDEMPOTENCY_KEY_TTL_HOURS } from './event-store';
export type { GlobalPage, StreamPage } from './event-store';
export { EventLogReader } from './event-log-reader';
export type { EffectiveEvent, LogLag, MissionView, Queryable, RecordedPage, UnreadableAt } from './event-log-reader';
export { EventStoreModule } from './event-store.module';
export type { AppendContext, AppendOutcome, AppendResult } from './append-types';
export type { StoredEvent } from './stored-event';
export { AppendQueueFullError, AppendQueueShareExceededError, AppendTimedOutError, IdempotencyKeyReusedError, UnstorableEventError } from './append-errors';
export { requestHash } from './request-hash';
export { EVENTS_APPENDED_CHANNEL } from './append-transaction';
export type { PartitionOf } from './event-log-reader';
export { chooseLogPartitions, lockAppends, logIsEmpty, repartitionLog, storedPartitioning, storedPartitions, tidyAfterRepartition } from './log-partitioning';
