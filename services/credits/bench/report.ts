import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Latencies } from './harness';

/**
 * One row of the results. `ratio` is our throughput over the baseline's (1 = as fast as raw SQL,
 * 0.5 = half as fast); for the daily grant, raw wall time over ours. `rssMb` is the service's
 * peak so far.
 */
export interface Scenario {
  name: string;
  concurrency: number;
  opsPerSec: number;
  p50Ms: number | null;
  p99Ms: number | null;
  baselineOpsPerSec: number | null;
  ratio: number | null;
  rssMb: number;
  note?: string;
}

const perSec = (l: Latencies) => l.ops / l.seconds;

/** A row for `ours`, measured with `concurrency` callers, beside `baseline` (raw SQL doing the same work) when there is one. */
export function compare(name: string, concurrency: number, ours: Latencies, baseline: Latencies | null, rssMb: number, note?: string): Scenario {
  return {
    name,
    concurrency,
    opsPerSec: perSec(ours),
    p50Ms: ours.p50,
    p99Ms: ours.p99,
    baselineOpsPerSec: baseline && perSec(baseline),
    ratio: baseline && perSec(ours) / perSec(baseline),
    rssMb,
    ...(note ? { note } : {}),
  };
}

function machine() {
  return { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown', memoryGb: Math.round(os.totalmem() / 2 ** 30), node: process.version };
}

const fmt = (n: number | null, digits = 1) => (n === null || Number.isNaN(n) ? '-' : n.toLocaleString('en-US', { maximumFractionDigits: digits }));

export function printTable(scenarios: Scenario[]): void {
  const header = ['scenario', 'callers', 'ops/s', 'p50 ms', 'p99 ms', 'raw SQL ops/s', 'ratio', 'RSS MB', 'note'];
  const rows = scenarios.map((s) => [
    s.name,
    String(s.concurrency),
    fmt(s.opsPerSec, 0),
    fmt(s.p50Ms, 2),
    fmt(s.p99Ms, 2),
    fmt(s.baselineOpsPerSec, 0),
    s.ratio === null ? '-' : `${fmt(s.ratio, 2)}x`,
    fmt(s.rssMb, 0),
    s.note ?? '',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 || i === cells.length - 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(`\n${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}`);
  for (const row of rows) console.log(line(row));
  console.log();
}

export async function writeResults(startedAt: Date, scenarios: Scenario[]): Promise<string> {
  const file = path.resolve(import.meta.dirname, 'results.json');
  await fs.writeFile(file, `${JSON.stringify({ machine: machine(), startedAt: startedAt.toISOString(), scenarios }, null, 2)}\n`);
  return file;
}
