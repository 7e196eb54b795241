// One transaction that appends a batch of independent requests (group commit).
//
// Each request is all-or-nothing on its own: it is decided against its stream's state as
// left by the requests before it, and a refused request writes nothing. The batch as a
// whole costs a fixed number of round trips, whatever its size: three for a batch without
// idempotency keys whose missions exist (a round trip costs more CPU here than the work of
// most statements, see docs/performance.md):
//   1. with BEGIN, in one round trip (beginAppend): claim the idempotency keys (answers for
//      keys already used come back here), then lock every stream involved, in mission-id
//      order (so batches never deadlock); a stream whose stored rule state is of another
//      version is recomputed from its events here (see stream-state.ts);
//   2. decide every request in memory, in arrival order (expectedVersion, domain rules);
//   3. create the streams of new missions (only when there are); a mission another batch
//      created meanwhile has its requests decided again, after that batch's events;
//   4. in one statement: write the new stream states and insert every accepted event under
//      APPEND_LOCK, which is held until the commit is visible, so global positions follow
//      commit order and a reader paging `position > after` can never skip a late commit
//      (each event with its partition);
//   5. record the answers of the idempotency keys (only when there are); COMMIT.
import { BEGIN_BOUNDED, BEGIN_BOUNDED_RESULTS, prepared } from '@app/database';
import { randomUUID } from 'node:crypto';
import { escapeLiteral, PoolClient } from 'pg';
import { checkPredecessors, CURRENT_SCHEMA_VERSION, decide, upcast, DomainError, IdentifiedEvent, initialState, isCorrectionType, MissionStreamState, predecessorsNamed } from '@app/domain';
import { IdempotencyKeyReusedError } from './append-errors';
import { AppendRequest, AppendResult, AppendSettlement } from './append-types';
import { readStreamState, recomputeStreamState, storedStreamState } from './stream-state';

/** Key of the advisory lock that serialises the insert+commit of appends ("mtlog"). */
export const APPEND_LOCK = 0x6d746c6f67;

/** NOTIFY channel told at each commit that appended events (payload empty). */
export const EVENTS_APPENDED_CHANNEL = 'events_appended';

interface Accepted {
  index: number;
  fromVersion: number;
  streamVersion: number;
}

interface StreamSlot {
  state: MissionStreamState;
  exists: boolean;
  /** To be written: an accepted request moved it, or it was recomputed from the log. */
  changed: boolean;
  /**
   * The stream's events in order, read only when a request of the batch corrects one of them
   * (a correction is decided against the whole stream), then extended by each accepted request.
   */
  log?: IdentifiedEvent[];
}

/**
 * BEGIN with its bounds (a stalled process never holds the stream locks or the append lock
 * for long, see BEGIN_BOUNDED), the claim of the batch's idempotency keys and the locks of
 * its streams, as one simple query: its values are quoted literals (escapeLiteral) because a simple query
 * takes no parameters; every value was checked before the batch formed (storable.ts).
 * Streams of requests whose key turns out to be taken are locked too, and left as they are.
 * A key already taken is locked rather than ignored (DO UPDATE ... WHERE false updates
 * nothing but locks the row), so that the purge of expired keys cannot delete it between this
 * claim and the read of its first answer (settleClaims).
 */
export function beginAppend(requests: AppendRequest[]): string {
  // Keys and streams in one order for every batch, so two batches never lock them crosswise.
  const keyed = requests
    .filter((r) => r.context.idempotency)
    .map((r) => ({ principal: r.context.principal, key: r.context.idempotency!.key, hash: r.context.idempotency!.requestHash }))
    .sort((a, b) => (a.principal === b.principal ? compare(a.key, b.key) : compare(a.principal, b.principal)));
  const claim =
    keyed.length === 0
      ? []
      : [
          `INSERT INTO idempotency_keys (principal, key, request_hash, response) VALUES ${keyed
            .map((k) => `(${escapeLiteral(k.principal)}, ${escapeLiteral(k.key)}, ${escapeLiteral(k.hash)}, 'null')`)
            .join(', ')} ON CONFLICT (principal, key) DO UPDATE SET key = EXCLUDED.key WHERE false RETURNING principal, key`,
        ];
  const missionIds = [...new Set(requests.map((r) => r.missionId))].sort();
  const lock = `SELECT mission_id, version, state FROM streams WHERE mission_id IN (${missionIds.map(escapeLiteral).join(', ')}) ORDER BY mission_id FOR UPDATE`;
  return [BEGIN_BOUNDED, ...claim, lock].join(';\n');
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

type BegunRows = { rows: any[] }[];

/** Runs inside the transaction beginAppend(requests) opened (see AppendBatcher); `begun` is what it returned. */
export async function appendBatch(client: PoolClient, requests: AppendRequest[], begun: unknown): Promise<AppendSettlement[]> {
  const results = begun as BegunRows;
  const claimRows: { principal: string; key: string }[] = results.length > BEGIN_BOUNDED_RESULTS + 1 ? results[BEGIN_BOUNDED_RESULTS].rows : [];
  const lockedRows: StreamRow[] = results[results.length - 1].rows;
  const settled: (AppendSettlement | undefined)[] = new Array(requests.length);
  const claimed = await settleClaims(client, requests, claimRows, settled);
  const streams = await readLockedStreams(client, requests, lockedRows, settled);
  await readLogsToCorrect(client, requests, settled, streams);
  const predecessors = await readPredecessors(client, requests, settled);
  const undecided = requests.map((_, index) => index).filter((index) => !settled[index]);
  let accepted = decideAll(requests, undecided, settled, streams, predecessors);
  const lost = await createStreams(client, streams);
  if (lost.size > 0) accepted = await decideAfterConcurrentCreation(client, requests, undecided, lost, streams, accepted, settled, predecessors);
  const appended = await writeStreamsAndInsertEvents(client, requests, streams, accepted);
  accepted.forEach((a, k) => (settled[a.index] = { outcome: { result: appended[k], replayed: false } }));
  await recordIdempotencyAnswers(client, requests, claimed, settled);
  return settled as AppendSettlement[];
}

interface StreamRow {
  mission_id: string;
  version: number;
  state: unknown;
}

/**
 * The keys beginAppend claimed are this transaction's. A request whose key was taken gets the
 * first answer back (or 422 when its body differs). A concurrent transaction holding the same
 * key made the claim wait until it committed (then its answer is seen) or rolled back; a
 * taken key's row is locked by the claim, so it is still there to be read.
 */
async function settleClaims(
  client: PoolClient,
  requests: AppendRequest[],
  won: { principal: string; key: string }[],
  settled: (AppendSettlement | undefined)[],
): Promise<Set<number>> {
  const keyed = requests.map((r, index) => ({ index, ...r.context })).filter((r) => r.idempotency);
  const claimed = new Set<number>();
  if (keyed.length === 0) return claimed;
  const wonKeys = new Set(won.map((row) => `${row.principal}\u0000${row.key}`));
  const taken = keyed.filter((r) => !wonKeys.has(`${r.principal}\u0000${r.idempotency!.key}`));
  for (const r of keyed) if (!taken.includes(r)) claimed.add(r.index);
  if (taken.length === 0) return claimed;
  const earlier = await client.query<{ principal: string; key: string; request_hash: string; response: AppendResult }>(
    prepared(`SELECT i.principal, i.key, i.request_hash, i.response FROM idempotency_keys i
     JOIN unnest($1::text[], $2::text[]) AS k(principal, key) USING (principal, key)`),
    [taken.map((r) => r.principal), taken.map((r) => r.idempotency!.key)],
  );
  const byKey = new Map(earlier.rows.map((row) => [`${row.principal}\u0000${row.key}`, row]));
  for (const r of taken) {
    const row = byKey.get(`${r.principal}\u0000${r.idempotency!.key}`)!;
    settled[r.index] =
      row.request_hash === r.idempotency!.requestHash
        ? { outcome: { result: row.response, replayed: true } }
        : { error: new IdempotencyKeyReusedError() };
  }
  return claimed;
}

async function readLockedStreams(
  client: PoolClient,
  requests: AppendRequest[],
  rows: StreamRow[],
  settled: (AppendSettlement | undefined)[],
): Promise<Map<string, StreamSlot>> {
  // Sorted: new streams are created in this order (see createStreams).
  const missionIds = [...new Set(requests.filter((_, i) => !settled[i]).map((r) => r.missionId))].sort();
  const streams = new Map<string, StreamSlot>();
  const absent = new Set(missionIds);
  for (const row of rows) {
    if (!absent.has(row.mission_id)) continue; // only requests settled by their key wanted it
    absent.delete(row.mission_id);
    await readLockedStream(client, requests, row, streams, settled);
  }
  for (const id of absent) streams.set(id, { state: initialState(), exists: false, changed: false });
  return streams;
}

/** The slot of one locked stream row, or its requests failed when its log cannot be folded. */
async function readLockedStream(
  client: PoolClient,
  requests: AppendRequest[],
  row: StreamRow,
  streams: Map<string, StreamSlot>,
  settled: (AppendSettlement | undefined)[],
): Promise<void> {
  const stored = readStreamState(row.version, row.state);
  if (stored) {
    streams.set(row.mission_id, { state: stored, exists: true, changed: false });
    return;
  }
  // Stale (older rules) or unreadable: never decide on it; fold the log under the lock we
  // hold. A log this release cannot fold fails that stream's requests, not the batch.
  try {
    streams.set(row.mission_id, { state: await recomputeStreamState(client, row.mission_id, row.version), exists: true, changed: true });
  } catch (error) {
    streams.delete(row.mission_id);
    requests.forEach((r, i) => {
      if (!settled[i] && r.missionId === row.mission_id) settled[i] = { error };
    });
  }
}

/** The logs of the streams (of `only` when given) that a request of the batch corrects (rare: one query, only then). */
async function readLogsToCorrect(
  client: PoolClient,
  requests: AppendRequest[],
  settled: (AppendSettlement | undefined)[],
  streams: Map<string, StreamSlot>,
  only?: Set<string>,
): Promise<void> {
  // A new mission's log is empty (a correction in its founding batch names nothing of it).
  const corrects = (r: AppendRequest, i: number) =>
    !settled[i] && (!only || only.has(r.missionId)) && streams.has(r.missionId) && r.command.events.some((e) => isCorrectionType(e.type));
  const missionIds = [...new Set(requests.filter(corrects).map((r) => r.missionId))];
  if (missionIds.length === 0) return;
  const { rows } = await client.query<{ mission_id: string; id: string; type: string; schema_version: number; data: unknown }>(
    'SELECT mission_id, id, type, schema_version, data FROM events WHERE mission_id = ANY($1) ORDER BY mission_id, version',
    [missionIds],
  );
  for (const id of missionIds) streams.get(id)!.log = [];
  for (const row of rows) streams.get(row.mission_id)!.log!.push({ id: row.id, ...upcast(row.type, row.schema_version, row.data) });
}

/**
 * Of the missions the batch's MissionEstablished events name as predecessors, those that exist
 * (rare: one query, only then). A mission is never deleted, so what this transaction sees
 * stays true; one that commits later did not exist when the request was decided.
 */
async function readPredecessors(client: PoolClient, requests: AppendRequest[], settled: (AppendSettlement | undefined)[]): Promise<Set<string>> {
  const named = [...new Set(requests.flatMap((r, i) => (settled[i] ? [] : predecessorsNamed(r.command.events).map((p) => p.predecessor))))];
  if (named.length === 0) return new Set();
  const { rows } = await client.query<{ mission_id: string }>('SELECT mission_id FROM streams WHERE mission_id = ANY($1)', [named]);
  return new Set(rows.map((row) => row.mission_id));
}

/**
 * Decides the requests at `indices`, in that order, each against its stream as the ones before
 * it left it. A predecessor exists when the log had it (`predecessors`) or a request decided
 * before this one in the batch established it.
 */
function decideAll(
  requests: AppendRequest[],
  indices: number[],
  settled: (AppendSettlement | undefined)[],
  streams: Map<string, StreamSlot>,
  predecessors: Set<string>,
): Accepted[] {
  const exists = (missionId: string) => predecessors.has(missionId) || (streams.get(missionId)?.state.version ?? 0) > 0;
  const accepted: Accepted[] = [];
  for (const index of indices) {
    if (settled[index]) continue;
    const request = requests[index];
    const stream = streams.get(request.missionId)!;
    const { expectedVersion, events } = request.command;
    try {
      if (expectedVersion !== undefined && expectedVersion !== stream.state.version) {
        throw new DomainError(
          'version-conflict',
          `expected version ${expectedVersion}, but the stream is at version ${stream.state.version}`,
          { currentVersion: stream.state.version },
        );
      }
      const next = decide(stream.state, events, stream.log);
      checkPredecessors(request.missionId, events, exists);
      accepted.push({ index, fromVersion: stream.state.version, streamVersion: next.version });
      // Events of this batch cannot be named by a correction yet (their ids are made at insert).
      stream.log?.push(...events.map((event, k) => ({ id: `pending:${stream.state.version + k + 1}`, type: event.type, data: event.data })));
      stream.state = next;
      stream.changed = true;
    } catch (error) {
      settled[index] = { error };
    }
  }
  return accepted;
}

/** Creates the streams of new missions; returns those another transaction created meanwhile. */
async function createStreams(client: PoolClient, streams: Map<string, StreamSlot>): Promise<Set<string>> {
  const created = [...streams.entries()].filter(([, s]) => s.changed && !s.exists);
  if (created.length === 0) return new Set();
  const { rows } = await client.query<{ mission_id: string }>(
    prepared(`INSERT INTO streams (mission_id, version, state) SELECT * FROM unnest($1::text[], $2::int[], $3::jsonb[])
     ON CONFLICT (mission_id) DO NOTHING RETURNING mission_id`),
    [created.map(([id]) => id), created.map(([, s]) => s.state.version), created.map(([, s]) => storedStreamState(s.state))],
  );
  const inserted = new Set(rows.map((row) => row.mission_id));
  return new Set(created.map(([id]) => id).filter((id) => !inserted.has(id)));
}

/**
 * Missions that were absent when this batch locked its streams, but that another transaction
 * created (and committed: our insert waited for it) before this batch's insert. That
 * transaction comes first, so this batch's requests for those missions are decided again, in
 * arrival order, against the state it left, as if they had been sent after it: a second
 * MissionEstablished is refused, while the events sent for the mission go on top of it
 * (rather than all being refused as "already established", or 404 for the events decided
 * before a MissionEstablished of this batch). The rows are locked now, after this batch's
 * others; a deadlock this could cause is retried by the batcher.
 */
async function decideAfterConcurrentCreation(
  client: PoolClient,
  requests: AppendRequest[],
  undecided: number[],
  lost: Set<string>,
  streams: Map<string, StreamSlot>,
  accepted: Accepted[],
  settled: (AppendSettlement | undefined)[],
  predecessors: Set<string>,
): Promise<Accepted[]> {
  const again = undecided.filter((index) => lost.has(requests[index].missionId));
  for (const index of again) settled[index] = undefined;
  const { rows } = await client.query<StreamRow>('SELECT mission_id, version, state FROM streams WHERE mission_id = ANY($1) ORDER BY mission_id FOR UPDATE', [
    [...lost].sort(),
  ]);
  for (const row of rows) await readLockedStream(client, requests, row, streams, settled);
  await readLogsToCorrect(client, requests, settled, streams, lost);
  const kept = accepted.filter((a) => !lost.has(requests[a.index].missionId));
  return [...kept, ...decideAll(requests, again, settled, streams, predecessors)].sort((a, b) => a.index - b.index);
}

/**
 * One statement: the new states of existing streams (moved by an accepted request, or
 * recomputed from the log), and the accepted events. The append lock is taken before any row
 * draws its position; rows are inserted in request order, so one request's events get
 * consecutive positions. Each event's partition is computed from the stored count read after
 * the lock (a fresh snapshot, see log_partition_count in the migrations), so a re-partition,
 * which holds this lock, is never half seen. The NOTIFY is delivered at commit: workers
 * listening wake at once (the BullMQ nudge follows).
 */
async function writeStreamsAndInsertEvents(
  client: PoolClient,
  requests: AppendRequest[],
  streams: Map<string, StreamSlot>,
  accepted: Accepted[],
): Promise<AppendResult[]> {
  const existing = [...streams.entries()].filter(([, s]) => s.changed && s.exists);
  const streamValues = [existing.map(([id]) => id), existing.map(([, s]) => s.state.version), existing.map(([, s]) => storedStreamState(s.state))];
  if (accepted.length === 0) {
    if (existing.length > 0) await client.query(prepared(updateStreams(1)), streamValues);
    return [];
  }
  const rows = accepted.flatMap((a) => {
    const { missionId, command, context } = requests[a.index];
    return command.events.map((event, k) => ({
      id: randomUUID(),
      missionId,
      version: a.fromVersion + k + 1,
      type: event.type,
      occurredAt: event.occurredAt.toISOString(),
      data: JSON.stringify(event.data),
      metadata: JSON.stringify({ ...event.metadata, actor: context.actor }),
    }));
  });
  const { rows: inserted } = await client.query<{ id: string; position: number }>(
    prepared(`WITH stream_states AS (${updateStreams(3)}),
     append_lock AS MATERIALIZED (SELECT pg_advisory_xact_lock($1)),
     partitioning AS MATERIALIZED (SELECT log_partition_count() AS partitions FROM append_lock),
     inserted AS (
       INSERT INTO events (id, mission_id, version, type, schema_version, occurred_at, data, metadata, partition)
       SELECT e.id, e.mission_id, e.version, e.type, $2, e.occurred_at, e.data, e.metadata, log_partition_of(e.mission_id, p.partitions)
       FROM append_lock, partitioning p, unnest($6::uuid[], $7::text[], $8::int[], $9::text[], $10::timestamptz[], $11::jsonb[], $12::jsonb[])
         WITH ORDINALITY AS e(id, mission_id, version, type, occurred_at, data, metadata, n)
       ORDER BY e.n
       RETURNING id, position)
     SELECT id, position, (SELECT pg_notify('${EVENTS_APPENDED_CHANNEL}', '')) AS notified FROM inserted`),
    [
      APPEND_LOCK,
      CURRENT_SCHEMA_VERSION,
      ...streamValues,
      rows.map((r) => r.id),
      rows.map((r) => r.missionId),
      rows.map((r) => r.version),
      rows.map((r) => r.type),
      rows.map((r) => r.occurredAt),
      rows.map((r) => r.data),
      rows.map((r) => r.metadata),
    ],
  );
  const positions = new Map(inserted.map((row) => [row.id, row.position]));
  let next = 0;
  return accepted.map((a) => {
    const { missionId, command } = requests[a.index];
    const events = command.events.map(() => {
      const row = rows[next++];
      return { id: row.id, version: row.version, position: positions.get(row.id)! };
    });
    return { missionId, streamVersion: a.streamVersion, events };
  });
}

/** The new states of existing streams from three array parameters (ids, versions, states) from $first on; empty arrays change nothing. */
const updateStreams = (first: number) => `UPDATE streams SET version = u.version, state = u.state, updated_at = now()
       FROM unnest($${first}::text[], $${first + 1}::int[], $${first + 2}::jsonb[]) AS u(mission_id, version, state) WHERE streams.mission_id = u.mission_id`;

async function recordIdempotencyAnswers(
  client: PoolClient,
  requests: AppendRequest[],
  claimed: Set<number>,
  settled: (AppendSettlement | undefined)[],
): Promise<void> {
  if (claimed.size === 0) return;
  const answered = [...claimed].filter((i) => 'outcome' in settled[i]!);
  const refused = [...claimed].filter((i) => 'error' in settled[i]!);
  const key = (i: number) => requests[i].context.idempotency!.key;
  const principal = (i: number) => requests[i].context.principal;
  if (answered.length > 0) {
    await client.query(
      prepared(`UPDATE idempotency_keys i SET response = a.response
       FROM unnest($1::text[], $2::text[], $3::jsonb[]) AS a(principal, key, response)
       WHERE i.principal = a.principal AND i.key = a.key`),
      [answered.map(principal), answered.map(key), answered.map((i) => JSON.stringify((settled[i] as { outcome: { result: AppendResult } }).outcome.result))],
    );
  }
  if (refused.length > 0) {
    // A refused request did not happen: its key stays free for a corrected retry.
    await client.query(
      prepared(`DELETE FROM idempotency_keys i USING unnest($1::text[], $2::text[]) AS r(principal, key)
       WHERE i.principal = r.principal AND i.key = r.key`),
      [refused.map(principal), refused.map(key)],
    );
  }
}
