import { readFileSync } from 'node:fs';
import net from 'node:net';

// A port for a child process to listen on later. Port 0 would hand out one of the kernel's
// ephemeral ports, which any outgoing connection (a database client, a fetch) may take as its own
// local port before the child binds it (EADDRINUSE, seen in CI). So the port comes from below the
// ephemeral range, where only listeners live, and is checked free by binding it.

function ephemeralRange(): [number, number] {
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (low && high) return [low, high];
  } catch {
    // not Linux: the IANA dynamic range
  }
  return [49152, 65535];
}

const canListen = (port: number) =>
  new Promise<boolean>((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });

/** Ports this process handed out: free when checked, but perhaps not bound yet by their child. */
const handedOut = new Set<number>();

/** A free TCP port on 127.0.0.1 outside the ephemeral range, never one handed out before (at most 200 tries). */
export async function freePort(): Promise<number> {
  const [low] = ephemeralRange();
  const from = Math.max(10_000, Math.min(low, 32_768) - 12_000);
  const to = Math.max(from + 1_000, Math.min(low, 32_768));
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = from + Math.floor(Math.random() * (to - from));
    if (handedOut.has(port) || !(await canListen(port))) continue;
    handedOut.add(port);
    return port;
  }
  throw new Error(`no free port between ${from} and ${to} after 200 tries`);
}
