// The one table `npm run bench` leads with: every row of issue #17 (the provincial fan-out rows
// are bench:fanout's), each with its figure, its target and whether it is met — or by how much it
// misses and what explains it. With --runs N (BENCH_RUNS) the same rows over N runs: the median,
// and the spread (min–max).

export type Unit = 'ratio' | 'ms' | 'per_s' | 'count' | 'bytes' | 'per_core_s';

export interface SummaryRow {
  /** Stable key (to match rows across runs). */
  key: string;
  /** The item: a1, a2, b1, c, d, e, f… */
  id: string;
  what: string;
  value: number;
  unit: Unit;
  /** What the figure is measured against / how. */
  against: string;
  target?: { op: '>=' | '<='; value: number };
  /** Shown when the target is missed: the measurement that explains it. */
  why?: string;
}

export function format(value: number, unit: Unit): string {
  if (!Number.isFinite(value)) return 'n/a';
  switch (unit) {
    case 'ratio':
      return `${value.toFixed(2)}×`;
    case 'ms':
      return `${value.toFixed(1)} ms`;
    case 'per_s':
      return `${value.toFixed(0)} /s`;
    case 'per_core_s':
      return `${value.toFixed(0)} req/core-s`;
    case 'bytes':
      return `${(value / 1024 / 1024).toFixed(0)} MB`;
    case 'count':
      return String(Math.round(value));
  }
}

export function status(row: Pick<SummaryRow, 'value' | 'unit' | 'target'>): string {
  const t = row.target;
  if (!t) return 'reported';
  const ok = t.op === '>=' ? row.value >= t.value : row.value <= t.value;
  if (ok) return 'met';
  const by = Math.abs(row.value - t.value);
  const relative = t.value !== 0 ? ` (${((by / Math.abs(t.value)) * 100).toFixed(0)}%)` : '';
  return `**missed by ${format(by, row.unit)}${relative}**`;
}

const targetText = (row: SummaryRow) =>
  row.target ? `${row.target.op === '>=' ? '≥' : '≤'} ${format(row.target.value, row.unit)}` : '—';

/** One run: | id | measurement | figure | measured against | target | result |, plus a why line under each miss. */
export function summaryTable(rows: SummaryRow[]): string[] {
  const lines = ['| | measurement | figure | measured against | target | result |', '|---|---|---|---|---|---|'];
  for (const r of rows) {
    const result = status(r);
    lines.push(`| ${r.id} | ${r.what} | ${format(r.value, r.unit)} | ${r.against} | ${targetText(r)} | ${result} |`);
    if (result.startsWith('**missed') && r.why) lines.push(`| ${r.id} | ↳ why | ${r.why} | | | |`);
  }
  return lines;
}

const median = (values: number[]) => {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** N runs' rows: the median decides met/missed; min–max is the spread. */
export function aggregateRuns(runs: SummaryRow[][]): string[] {
  const lines = [
    `| | measurement | median of ${runs.length} | spread (min–max) | target | result (median) |`,
    '|---|---|---|---|---|---|',
  ];
  const keys = [...new Set(runs.flatMap((r) => r.map((row) => row.key)))];
  for (const key of keys) {
    const rows = runs.map((r) => r.find((row) => row.key === key)).filter((r): r is SummaryRow => !!r);
    const first = rows[0]!;
    const values = rows.map((r) => r.value);
    const row = { ...first, value: median(values) };
    const result = status(row);
    lines.push(
      `| ${first.id} | ${first.what} | ${format(row.value, first.unit)} | ${format(Math.min(...values), first.unit)} – ${format(Math.max(...values), first.unit)} | ${targetText(first)} | ${result} |`,
    );
    if (result.startsWith('**missed') && first.why) lines.push(`| ${first.id} | ↳ why (run 1) | ${first.why} | | | |`);
  }
  return lines;
}
