export const median = (values: number[]): number => percentile(values, 50);

/** Nearest-rank percentile. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export interface Summary {
  median: number;
  min: number;
  max: number;
  runs: number[];
}

export const summarize = (runs: number[]): Summary => ({ median: median(runs), min: Math.min(...runs), max: Math.max(...runs), runs });

/** Runs `count` workers that each take jobs from a shared counter until `total` are done. */
export async function runConcurrently(workers: number, total: number, job: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: workers }, async () => {
      for (let i = next++; i < total; i = next++) await job(i);
    }),
  );
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
