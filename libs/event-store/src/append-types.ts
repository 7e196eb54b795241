import { AppendCommand } from '@app/domain';

export interface AppendContext {
  /** The API key's name, recorded as metadata.actor. */
  actor: string;
  /** Scope of idempotency keys: the API key's id. */
  principal: string;
  idempotency?: { key: string; requestHash: string };
}

export interface AppendRequest {
  missionId: string;
  command: AppendCommand;
  context: AppendContext;
}

export interface AppendResult {
  missionId: string;
  streamVersion: number;
  events: { id: string; version: number; position: number }[];
}

export interface AppendOutcome {
  result: AppendResult;
  /** True when an earlier answer was returned for a retried Idempotency-Key. */
  replayed: boolean;
}

/** What became of one request of a batch. */
export type AppendSettlement = { outcome: AppendOutcome } | { error: unknown };
