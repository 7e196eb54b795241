// Progress on stderr (stdout stays clean for data, e.g. `export` without --out): a bar on a
// terminal, a plain line every few seconds otherwise (a log, CI, a pipe).
import { Presets, SingleBar } from 'cli-progress';

export interface Progress {
  update(value: number, total?: number): void;
  stop(): void;
}

export function startProgress(label: string, total: number, unit: string): Progress {
  const terminal = Boolean(process.stderr.isTTY);
  const bar = new SingleBar(
    {
      format: terminal
        ? `${label} [{bar}] {percentage}% | {value}/{total} ${unit} | {eta_formatted} left`
        : `${label}: {value}/{total} ${unit} ({percentage}%)`,
      noTTYOutput: !terminal,
      notTTYSchedule: 2_000,
      etaBuffer: 50,
    },
    Presets.shades_classic,
  );
  bar.start(total, 0);
  return {
    update(value, newTotal) {
      if (newTotal !== undefined) bar.setTotal(newTotal);
      bar.update(value);
    },
    stop() {
      bar.stop();
    },
  };
}
