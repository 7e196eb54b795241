// Progress on stderr (stdout stays clean for data, e.g. `export` without --out): a bar on a
// terminal (cli-progress), a plain line every few seconds otherwise (a log, CI, a pipe).
import { Presets, SingleBar } from 'cli-progress';

export interface Progress {
  update(value: number, total?: number): void;
  stop(): void;
}

const PLAIN_LINE_INTERVAL_MS = 2_000;

export function startProgress(label: string, total: number, unit: string): Progress {
  return process.stderr.isTTY ? terminalBar(label, total, unit) : plainLines(label, total, unit);
}

function terminalBar(label: string, total: number, unit: string): Progress {
  const bar = new SingleBar(
    { format: `${label} [{bar}] {percentage}% | {value}/{total} ${unit} | {eta_formatted} left`, etaBuffer: 50 },
    Presets.shades_classic,
  );
  bar.start(total, 0);
  return {
    update: (value, newTotal) => {
      if (newTotal !== undefined) bar.setTotal(newTotal);
      bar.update(value);
    },
    stop: () => bar.stop(),
  };
}

/** `import: 40000/100000 events (40%)`, at most every 2 s, and once more at the end. */
function plainLines(label: string, total: number, unit: string): Progress {
  let value = 0;
  let printed = -1;
  let printedAt = 0;
  const print = () => {
    const percent = total > 0 ? Math.floor((value / total) * 100) : 100;
    process.stderr.write(`${label}: ${value}/${total} ${unit} (${percent}%)\n`);
    printed = value;
    printedAt = Date.now();
  };
  return {
    update: (newValue, newTotal) => {
      value = newValue;
      if (newTotal !== undefined) total = newTotal;
      if (Date.now() - printedAt >= PLAIN_LINE_INTERVAL_MS) print();
    },
    stop: () => {
      if (printed !== value) print();
    },
  };
}
