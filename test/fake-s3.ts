import http from 'node:http';
import type { AddressInfo } from 'node:net';

// A minimal S3-compatible object server for tests (this machine reaches no cloud): PUT, HEAD, GET
// and DELETE of /<bucket>/<key> and ListObjectsV2 (GET /<bucket>?list-type=2, paged by max-keys)
// over real HTTP, objects in memory. It does not check signatures; what it proves is that the S3
// store speaks the protocol (path-style requests, 404 on a missing object, continuation tokens).

export interface FakeS3 {
  endpoint: string;
  objects: Map<
    string,
    { body: Buffer; contentType: string | undefined; metadata: Record<string, string>; lastModified: Date }
  >;
  requests: string[];
  close(): Promise<void>;
}

const xml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export async function startFakeS3(options: { pageSize?: number } = {}): Promise<FakeS3> {
  const pageSize = options.pageSize ?? 1000;
  const objects: FakeS3['objects'] = new Map();
  const requests: string[] = [];
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const key = decodeURIComponent(url.pathname);
    requests.push(
      `${req.method} ${key}${url.searchParams.has('list-type') ? `?prefix=${url.searchParams.get('prefix') ?? ''}` : ''}`,
    );
    if (req.method === 'GET' && url.searchParams.get('list-type') === '2') {
      const bucket = key.replace(/^\/|\/$/g, '');
      const prefix = url.searchParams.get('prefix') ?? '';
      const max = Math.min(Number(url.searchParams.get('max-keys') ?? pageSize), pageSize);
      const after = url.searchParams.get('continuation-token') ?? '';
      const keys = [...objects.keys()]
        .filter((k) => k.startsWith(`/${bucket}/`))
        .map((k) => k.slice(bucket.length + 2))
        .filter((k) => k.startsWith(prefix) && k > after)
        .sort();
      const page = keys.slice(0, max);
      const truncated = keys.length > max;
      const contents = page
        .map((k) => {
          const o = objects.get(`/${bucket}/${k}`)!;
          return `<Contents><Key>${xml(k)}</Key><LastModified>${o.lastModified.toISOString()}</LastModified><ETag>"fake"</ETag><Size>${o.body.length}</Size><StorageClass>STANDARD</StorageClass></Contents>`;
        })
        .join('');
      res.writeHead(200, { 'content-type': 'application/xml' });
      res.end(
        `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>${xml(bucket)}</Name><Prefix>${xml(prefix)}</Prefix><KeyCount>${page.length}</KeyCount><MaxKeys>${max}</MaxKeys><IsTruncated>${truncated}</IsTruncated>${contents}${truncated ? `<NextContinuationToken>${xml(page.at(-1)!)}</NextContinuationToken>` : ''}</ListBucketResult>`,
      );
      return;
    }
    if (req.method === 'DELETE') {
      objects.delete(key);
      res.writeHead(204).end();
      return;
    }
    if (req.method === 'PUT') {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const metadata = Object.fromEntries(
        Object.entries(req.headers)
          .filter(([h]) => h.startsWith('x-amz-meta-'))
          .map(([h, v]) => [h.slice('x-amz-meta-'.length), String(v)]),
      );
      objects.set(key, {
        body: Buffer.concat(chunks),
        contentType: req.headers['content-type'],
        metadata,
        lastModified: new Date(),
      });
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
      'last-modified': object.lastModified.toUTCString(),
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
