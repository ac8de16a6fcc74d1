// bench/chart.svg, written by hand (no charting dependency): one row per configuration, a bar for
// its throughput on the left and bars for its p50 and p99 latency (log scale) on the right.

export interface ChartRow {
  label: string;
  /** Requests per second. */
  rps: number;
  p50: number;
  p99: number;
}

const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const fmt = (n: number) => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2));

export function renderChart(rows: ChartRow[], subtitle: string): string {
  const labelWidth = 360;
  const barsWidth = 260;
  const latencyWidth = 300;
  const gap = 70;
  const latencyLeft = labelWidth + barsWidth + gap;
  const width = latencyLeft + latencyWidth + 60;
  const top = 78;
  const rowHeight = 34;
  const height = top + rows.length * rowHeight + 50;

  const maxRps = Math.max(1, ...rows.map((r) => r.rps));
  const rpsX = (v: number) => (v / maxRps) * barsWidth;
  // Latency on a log scale from 1 ms to the next power of ten above the largest p99.
  const maxExp = Math.max(1, Math.ceil(Math.log10(Math.max(10, ...rows.map((r) => r.p99)))));
  const latX = (ms: number) => (Math.log10(Math.max(1, ms)) / maxExp) * latencyWidth;

  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="16" y="24" font-size="16" font-weight="bold">npm run bench — throughput and latency per configuration</text>`,
    `<text x="16" y="44" fill="#555">${escape(subtitle)}</text>`,
    `<text x="${labelWidth}" y="${top - 12}" font-weight="bold">throughput, requests/s</text>`,
    `<text x="${latencyLeft}" y="${top - 12}" font-weight="bold">latency, ms (log scale)</text>`,
    `<rect x="${latencyLeft + 175}" y="${top - 22}" width="10" height="10" fill="#f28e2b"/>`,
    `<text x="${latencyLeft + 189}" y="${top - 13}">p50</text>`,
    `<rect x="${latencyLeft + 221}" y="${top - 22}" width="10" height="10" fill="#e15759"/>`,
    `<text x="${latencyLeft + 235}" y="${top - 13}">p99</text>`,
  );
  // Latency grid: 1, 10, 100, … ms.
  for (let e = 0; e <= maxExp; e++) {
    const x = latencyLeft + latX(10 ** e);
    out.push(
      `<line x1="${x}" y1="${top - 4}" x2="${x}" y2="${top + rows.length * rowHeight}" stroke="#ddd"/>`,
      `<text x="${x}" y="${top + rows.length * rowHeight + 16}" text-anchor="middle" fill="#555">${10 ** e}</text>`,
    );
  }
  rows.forEach((r, i) => {
    const y = top + i * rowHeight;
    if (i % 2 === 0) out.push(`<rect x="8" y="${y}" width="${width - 16}" height="${rowHeight}" fill="#f6f6f6"/>`);
    out.push(
      `<text x="${labelWidth - 10}" y="${y + 21}" text-anchor="end">${escape(r.label)}</text>`,
      `<rect x="${labelWidth}" y="${y + 7}" width="${rpsX(r.rps).toFixed(1)}" height="20" fill="#4e79a7"/>`,
      `<text x="${labelWidth + rpsX(r.rps) + 4}" y="${y + 21}">${fmt(r.rps)}</text>`,
      `<rect x="${latencyLeft}" y="${y + 5}" width="${latX(r.p50).toFixed(1)}" height="11" fill="#f28e2b"/>`,
      `<text x="${latencyLeft + latX(r.p50) + 4}" y="${y + 15}" font-size="10">${fmt(r.p50)}</text>`,
      `<rect x="${latencyLeft}" y="${y + 18}" width="${latX(r.p99).toFixed(1)}" height="11" fill="#e15759"/>`,
      `<text x="${latencyLeft + latX(r.p99) + 4}" y="${y + 28}" font-size="10">${fmt(r.p99)}</text>`,
    );
  });
  out.push(
    `<text x="16" y="${height - 12}" fill="#555">Loopback only; load from autocannon in a child process. Figures: the run recorded in docs/performance.md.</text>`,
    '</svg>',
  );
  return `${out.join('\n')}\n`;
}
