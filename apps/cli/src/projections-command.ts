// `projections` and `projections rebuild NAME [--wait]` (admin).
import { ApiClient, ProjectionStatus } from './api-client';
import { CliError } from './cli-error';
import { Progress, startProgress } from './progress';
import { table } from './table';

export async function listProjections(client: ApiClient, print: (line: string) => void): Promise<void> {
  const statuses = await client.projections();
  const rows = statuses.map((p) => [
    p.name,
    p.status,
    `${p.position}/${p.headPosition}`,
    String(p.lagEvents),
    `${p.lagSeconds}`,
    p.rebuild ? `at ${p.rebuild.position}` : '',
    partitionsCell(p),
    p.lastError ?? '',
  ]);
  for (const line of table(['name', 'status', 'position/head', 'lag events', 'lag s', 'rebuild', 'partitions', 'last error'], rows)) print(line);
}

/** `4`, or `4 (stuck: 2; failed: 0)`: how many, and those not live. */
function partitionsCell(status: ProjectionStatus): string {
  const unwell = status.partitions.filter((p) => p.status !== 'live');
  const byStatus = new Map<string, number[]>();
  for (const p of unwell) byStatus.set(p.status, [...(byStatus.get(p.status) ?? []), p.partition]);
  const detail = [...byStatus].map(([state, partitions]) => `${state}: ${partitions.join(', ')}`).join('; ');
  return detail ? `${status.partitions.length} (${detail})` : String(status.partitions.length);
}

export interface RebuildOptions {
  wait: boolean;
  pollMs?: number;
  print(line: string): void;
}

export async function rebuildProjection(client: ApiClient, name: string, options: RebuildOptions): Promise<void> {
  const answer = await client.rebuildProjection(name);
  options.print(`${answer.started ? 'started' : 'already under way:'} rebuild of ${name} (generation ${answer.generation})`);
  if (!options.wait) return;

  // Done when the projection no longer has a generation building: the new one went live.
  // The bar starts once the head is known, so its total (and ETA) is right from the start.
  let progress: Progress | null = null;
  try {
    for (;;) {
      const status = findStatus(await client.projections(), name);
      if (status.status === 'failed') throw new CliError(`rebuild of ${name} failed: ${status.lastError ?? 'no reason given'}`);
      const head = Math.max(status.headPosition, 1);
      progress ??= startProgress(`rebuild ${name}`, head, 'positions');
      if (!status.rebuild) {
        progress.update(status.headPosition, head);
        break;
      }
      progress.update(status.rebuild.position, head);
      await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 500));
    }
  } finally {
    progress?.stop();
  }
  options.print(`rebuild of ${name} done: live again`);
}

function findStatus(statuses: ProjectionStatus[], name: string): ProjectionStatus {
  const status = statuses.find((p) => p.name === name);
  if (!status) throw new CliError(`projection ${name} is no longer listed by the server`);
  return status;
}
