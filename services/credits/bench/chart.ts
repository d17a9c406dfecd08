import fs from 'node:fs/promises';
import path from 'node:path';
import type { Scenario } from './report';

const SERIES = [
  { scenario: 'consume, uniform users', color: '#1f6feb' },
  { scenario: 'consume, one hot user', color: '#d1242f' },
];

/**
 * bench/results.svg: throughput against callers for the consume scenarios, ours (solid) and the
 * raw-SQL baseline (dashed), from the rows of the concurrency sweep.
 */
export async function writeChart(scenarios: Scenario[]): Promise<string> {
  const width = 900;
  const height = 420;
  const pad = { left: 70, right: 270, top: 40, bottom: 50 };
  const lines = SERIES.flatMap(({ scenario, color }) => {
    const rows = scenarios.filter((s) => s.name === scenario).sort((a, b) => a.concurrency - b.concurrency);
    return [
      { label: `${scenario} (service)`, color, dashed: false, points: rows.map((r) => [r.concurrency, r.opsPerSec] as const) },
      { label: `${scenario} (raw SQL)`, color, dashed: true, points: rows.map((r) => [r.concurrency, r.baselineOpsPerSec ?? 0] as const) },
    ];
  });
  const callers = [...new Set(lines.flatMap((l) => l.points.map(([c]) => c)))].sort((a, b) => a - b);
  const top = niceCeiling(Math.max(1, ...lines.flatMap((l) => l.points.map(([, v]) => v))));
  const x = (c: number) => pad.left + (callers.indexOf(c) / Math.max(1, callers.length - 1)) * (width - pad.left - pad.right);
  const y = (v: number) => height - pad.bottom - (v / top) * (height - pad.top - pad.bottom);

  const heading = 'consume: operations per second against concurrent callers';
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    // The chart's name for screen readers (an SVG's text alternative is its title).
    `<title>${heading}</title>`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${pad.left}" y="22" font-size="14" font-weight="bold">${heading}</text>`,
  ];
  for (let i = 0; i <= 5; i++) {
    const v = (top / 5) * i;
    parts.push(
      `<line x1="${pad.left}" x2="${width - pad.right}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/>`,
      `<text x="${pad.left - 8}" y="${y(v) + 4}" text-anchor="end">${Math.round(v).toLocaleString('en-US')}</text>`,
    );
  }
  for (const c of callers) parts.push(`<text x="${x(c)}" y="${height - pad.bottom + 18}" text-anchor="middle">${c}</text>`);
  parts.push(`<text x="${(pad.left + width - pad.right) / 2}" y="${height - 12}" text-anchor="middle">callers</text>`);
  lines.forEach((line, i) => {
    const d = line.points.map(([c, v], j) => `${j ? 'L' : 'M'}${x(c).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
    const dash = line.dashed ? ' stroke-dasharray="6 4"' : '';
    parts.push(`<path d="${d}" fill="none" stroke="${line.color}" stroke-width="2"${dash}/>`);
    for (const [c, v] of line.points) parts.push(`<circle cx="${x(c)}" cy="${y(v)}" r="3" fill="${line.color}"/>`);
    const ly = pad.top + 10 + i * 20;
    parts.push(
      `<line x1="${width - pad.right + 15}" x2="${width - pad.right + 40}" y1="${ly}" y2="${ly}" stroke="${line.color}" stroke-width="2"${dash}/>`,
      `<text x="${width - pad.right + 46}" y="${ly + 4}">${line.label}</text>`,
    );
  });
  parts.push('</svg>');
  const file = path.resolve(import.meta.dirname, 'results.svg');
  await fs.writeFile(file, `${parts.join('\n')}\n`);
  return file;
}

/** 1, 2 or 5 times a power of ten, at or above `v`: round numbers for the axis. */
function niceCeiling(v: number): number {
  const power = 10 ** Math.floor(Math.log10(v));
  return ([1, 2, 5, 10].find((m) => m * power >= v) ?? 10) * power;
}
