import http from 'node:http';
import type { AddressInfo } from 'node:net';

// A minimal S3-compatible object server for tests (this machine reaches no cloud): PUT, HEAD and
// GET of /<bucket>/<key> over real HTTP, objects in memory. It does not check signatures; what it
// proves is that the S3 store speaks the protocol (path-style requests, 404 on a missing object).

export interface FakeS3 {
  endpoint: string;
  objects: Map<string, { body: Buffer; contentType: string | undefined; metadata: Record<string, string> }>;
  requests: string[];
  close(): Promise<void>;
}

export async function startFakeS3(): Promise<FakeS3> {
  const objects: FakeS3['objects'] = new Map();
  const requests: string[] = [];
  const server = http.createServer(async (req, res) => {
    const key = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    requests.push(`${req.method} ${key}`);
    if (req.method === 'PUT') {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const metadata = Object.fromEntries(
        Object.entries(req.headers)
          .filter(([h]) => h.startsWith('x-amz-meta-'))
          .map(([h, v]) => [h.slice('x-amz-meta-'.length), String(v)]),
      );
      objects.set(key, { body: Buffer.concat(chunks), contentType: req.headers['content-type'], metadata });
      res.writeHead(200, { etag: '"fake"' }).end();
      return;
    }
    const object = objects.get(key);
    if (!object) {
      res.writeHead(404, { 'content-type': 'application/xml' });
      res.end(req.method === 'HEAD' ? undefined : '<Error><Code>NoSuchKey</Code></Error>');
      return;
    }
    res.writeHead(200, {
      'content-type': object.contentType ?? 'application/octet-stream',
      'content-length': object.body.length,
    });
    res.end(req.method === 'HEAD' ? undefined : object.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    objects,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
