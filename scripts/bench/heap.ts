import { readFileSync } from 'node:fs';
import v8 from 'node:v8';
import vm from 'node:vm';

// Where the bench process's heap goes after the load: heapUsed after a full collection (what is
// really alive), and with BENCH_HEAP_SNAPSHOT=1 a heap snapshot summarized here — self size by
// constructor, and the retainer chain of the largest objects — so the report can say what holds it.

/** heapUsed and rss after a full, forced garbage collection. */
export function liveHeapAfterGc(): { heapUsed: number; rss: number } {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as (() => void) | undefined;
  gc?.();
  gc?.();
  const m = process.memoryUsage();
  return { heapUsed: m.heapUsed, rss: m.rss };
}

interface Snapshot {
  snapshot: {
    meta: {
      node_fields: string[];
      node_types: [string[], ...unknown[]];
      edge_fields: string[];
      edge_types: [string[], ...unknown[]];
    };
  };
  nodes: number[];
  edges: number[];
  strings: string[];
}

export interface HeapSummary {
  file: string;
  totalBytes: number;
  byConstructor: { name: string; count: number; bytes: number }[];
  largest: { name: string; bytes: number; retainers: string }[];
  lines: string[];
}

/** Writes a heap snapshot to `file` and summarizes it (opt-in: parsing it needs about its size again). */
export async function heapSummary(file: string, top = 12): Promise<HeapSummary> {
  v8.writeHeapSnapshot(file);
  return summarizeSnapshot(file, top);
}

export function summarizeSnapshot(file: string, top = 12): HeapSummary {
  const snap = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  const { meta } = snap.snapshot;
  const nf = meta.node_fields.length;
  const ef = meta.edge_fields.length;
  const [nType, nName, , nSelf, nEdges] = ['type', 'name', 'id', 'self_size', 'edge_count'].map((f) =>
    meta.node_fields.indexOf(f),
  ) as [number, number, number, number, number];
  const [eType, eName, eTo] = ['type', 'name_or_index', 'to_node'].map((f) => meta.edge_fields.indexOf(f)) as [
    number,
    number,
    number,
  ];
  const nodeTypes = meta.node_types[0];
  const edgeTypes = meta.edge_types[0];
  const { nodes, edges, strings } = snap;
  const count = nodes.length / nf;
  const label = (i: number) => {
    const type = nodeTypes[nodes[i * nf + nType]!]!;
    const name = strings[nodes[i * nf + nName]!]!;
    return type === 'object' || type === 'closure' ? name : `(${type})${type === 'native' ? ` ${name}` : ''}`;
  };
  const groups = new Map<string, { count: number; bytes: number }>();
  let totalBytes = 0;
  // Reverse edges: the first strong retainer of every node (enough for a chain).
  const retainer = new Int32Array(count).fill(-1);
  const retainerEdge = new Array<string>(count);
  let edge = 0;
  for (let i = 0; i < count; i++) {
    const self = nodes[i * nf + nSelf]!;
    totalBytes += self;
    const g = groups.get(label(i)) ?? { count: 0, bytes: 0 };
    g.count++;
    g.bytes += self;
    groups.set(label(i), g);
    const n = nodes[i * nf + nEdges]!;
    for (let k = 0; k < n; k++, edge += ef) {
      const type = edgeTypes[edges[edge + eType]!]!;
      if (type === 'weak' || type === 'shortcut') continue;
      const to = edges[edge + eTo]! / nf;
      if (retainer[to] === -1) {
        retainer[to] = i;
        const name = edges[edge + eName]!;
        retainerEdge[to] = type === 'element' || type === 'hidden' ? `[${name}]` : String(strings[name] ?? name);
      }
    }
  }
  const byConstructor = [...groups.entries()]
    .map(([name, g]) => ({ name, ...g }))
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, top);
  const order = Array.from({ length: count }, (_, i) => i)
    .sort((a, b) => nodes[b * nf + nSelf]! - nodes[a * nf + nSelf]!)
    .slice(0, 6);
  const largest = order.map((i) => {
    const chain: string[] = [];
    for (let j = i, hops = 0; j >= 0 && hops < 8; j = retainer[j]!, hops++) {
      chain.push(`${label(j)}${retainerEdge[j] ? `.${retainerEdge[j]}` : ''}`);
    }
    return { name: label(i), bytes: nodes[i * nf + nSelf]!, retainers: chain.join(' ← ') };
  });
  const mbs = (b: number) => `${(b / 1024 / 1024).toFixed(1)} MB`;
  const lines = [
    `total ${mbs(totalBytes)}`,
    ...byConstructor.map((g) => `${g.name}: ${mbs(g.bytes)} in ${g.count}`),
    ...largest.map((l) => `largest ${l.name} ${mbs(l.bytes)}: ${l.retainers}`),
  ];
  return { file, totalBytes, byConstructor, largest, lines };
}

if (require.main === module) {
  process.stdout.write(`${summarizeSnapshot(process.argv[2]!).lines.join('\n')}\n`);
}
