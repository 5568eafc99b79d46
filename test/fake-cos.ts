// A local Tencent COS-compatible endpoint for tests that drive the real cos-nodejs-sdk-v5: objects
// live in memory per bucket, and every request's signature is checked with COS's own algorithm (in
// the Authorization header, or in the query string of a signed URL), so a client that signs wrongly
// fails here as it would against COS. It can also simulate an outage and records every request.
//
// Addressing: path style (`http://127.0.0.1:PORT/{bucket}/{key}`, what the SDK produces with
// `Domain: fake.domain`) or virtual host (`Host: {bucket}.anything`, e.g. the SDK's `Ip` option).
// Either way the signed path is `/{key}`, as on COS.
import { createHash, createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeCosCredentials {
  secretId: string;
  secretKey: string;
  /** Temporary credentials: requests must carry this as x-cos-security-token. */
  sessionToken?: string;
}

export interface FakeCosObject {
  body: Buffer;
  contentType: string;
  etag: string;
  lastModified: Date;
}

export interface FakeCosRequest {
  method: string;
  bucket: string | null;
  /** Decoded object key; '' for bucket requests. */
  key: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  /** Where the signature came from. */
  auth: 'header' | 'query' | 'none';
  status: number;
  /** The COS error code answered, if any. */
  errorCode?: string;
  at: number;
}

export interface FakeCos {
  /** For the SDK: `new COS({ Domain: fake.domain, Protocol: 'http:' })` (path style). */
  domain: string;
  /** `http://127.0.0.1:PORT`. */
  origin: string;
  requests: FakeCosRequest[];
  /** The objects of one bucket (created on first use), for assertions and seeding. */
  bucket(name: string): Map<string, FakeCosObject>;
  /** Accept another key pair too (e.g. the next temporary credentials). */
  addCredentials(credentials: FakeCosCredentials): void;
  /** Forget a key pair: its requests get InvalidAccessKeyId. */
  revokeCredentials(secretId: string): void;
  /** The next n requests fail with this status (503 by default) before anything else is checked. */
  failNext(n: number, status?: number): void;
  /**
   * An outage until called with false: '503' answers ServiceUnavailable, 'reset' destroys each
   * connection as soon as the request line arrives (an upload cut off mid-body), 'hang' never
   * answers (until close).
   */
  setDown(down: boolean, mode?: '503' | 'reset' | 'hang'): void;
  close(): Promise<void>;
}

const BUCKET = /^[a-z0-9-]+-\d+$/;
// COS allows this much difference between the signer's clock and its own before a signature counts
// as not yet valid.
const CLOCK_SKEW_SECONDS = 900;

export async function startFakeCos(credentials: FakeCosCredentials): Promise<FakeCos> {
  const keys = new Map<string, FakeCosCredentials>([[credentials.secretId, credentials]]);
  const buckets = new Map<string, Map<string, FakeCosObject>>();
  const requests: FakeCosRequest[] = [];
  let failures: { left: number; status: number } = { left: 0, status: 503 };
  let outage: '503' | 'reset' | 'hang' | null = null;
  const bucket = (name: string) => {
    let objects = buckets.get(name);
    if (!objects) buckets.set(name, (objects = new Map()));
    return objects;
  };

  const server = createServer((req, res) => {
    const at = Date.now();
    if (outage === 'reset' || outage === 'hang') {
      if (outage === 'reset') req.socket.destroy();
      requests.push({ method: req.method ?? 'GET', bucket: null, key: '', query: {}, headers: req.headers, auth: 'none', status: 0, at });
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const answer = handle(req, Buffer.concat(chunks));
      requests.push({ ...answer.record, method: req.method ?? 'GET', headers: req.headers, status: answer.status, at });
      send(res, answer);
    });
  });

  interface Answer {
    status: number;
    headers?: Record<string, string>;
    body?: Buffer | string;
    errorCode?: string;
    record: Omit<FakeCosRequest, 'method' | 'headers' | 'status' | 'at'>;
  }

  function handle(req: IncomingMessage, body: Buffer): Answer {
    const method = (req.method ?? 'GET').toUpperCase();
    const rawUrl = req.url ?? '/';
    const queryStart = rawUrl.indexOf('?');
    const rawPath = queryStart === -1 ? rawUrl : rawUrl.slice(0, queryStart);
    const query = parseQuery(queryStart === -1 ? '' : rawUrl.slice(queryStart + 1));
    const host = req.headers.host ?? '';
    const record: Answer['record'] = { bucket: null, key: '', query, auth: 'none' };
    const fail = (status: number, code: string, message: string): Answer => ({
      status,
      errorCode: code,
      headers: { 'content-type': 'application/xml' },
      body: method === 'HEAD' ? undefined : errorXml(code, message, host + rawPath),
      record: { ...record, errorCode: code },
    });

    if (outage === '503') return fail(503, 'ServiceUnavailable', 'Please reduce your request rate.');
    if (failures.left > 0) {
      failures.left -= 1;
      return fail(failures.status, failures.status >= 500 ? 'InternalError' : 'AccessDenied', 'Injected failure.');
    }

    // Virtual host when the Host names a bucket, otherwise the bucket is the first path segment.
    const hostBucket = host.split(':')[0]!.split('.')[0]!;
    let bucketName: string;
    let keyPath: string;
    if (host.includes('.') && BUCKET.test(hostBucket)) {
      bucketName = hostBucket;
      keyPath = rawPath;
    } else {
      const [, first = '', ...rest] = rawPath.split('/');
      bucketName = first;
      keyPath = '/' + rest.join('/');
    }
    if (!BUCKET.test(bucketName)) return fail(404, 'NoSuchBucket', 'The specified bucket does not exist.');
    let key: string;
    try {
      key = decodeURIComponent(keyPath.slice(1));
    } catch {
      return fail(400, 'InvalidURI', 'Could not parse the specified URI.');
    }
    record.bucket = bucketName;
    record.key = key;

    const denied = authenticate(req, method, key, query, record);
    if (denied) return fail(denied.status, denied.code, denied.message);

    const objects = bucket(bucketName);
    if (key === '') {
      if (method === 'GET') return { status: 200, headers: { 'content-type': 'application/xml' }, body: listXml(bucketName, objects, query), record };
      if (method === 'HEAD') return { status: 200, record };
      return fail(405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.');
    }
    switch (method) {
      case 'PUT': {
        const object: FakeCosObject = {
          body,
          contentType: req.headers['content-type'] ?? 'application/octet-stream',
          etag: `"${createHash('md5').update(body).digest('hex')}"`,
          lastModified: new Date(),
        };
        objects.set(key, object);
        return { status: 200, headers: { etag: object.etag }, record };
      }
      case 'GET':
      case 'HEAD': {
        const object = objects.get(key);
        if (!object) return fail(404, 'NoSuchKey', 'The specified key does not exist.');
        return {
          status: 200,
          headers: {
            'content-type': object.contentType,
            'content-length': String(object.body.length),
            etag: object.etag,
            'last-modified': object.lastModified.toUTCString(),
          },
          body: method === 'GET' ? object.body : undefined,
          record,
        };
      }
      case 'DELETE':
        objects.delete(key);
        return { status: 204, record };
      default:
        return fail(405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.');
    }
  }

  function authenticate(
    req: IncomingMessage,
    method: string,
    key: string,
    query: Record<string, string>,
    record: Answer['record'],
  ): { status: number; code: string; message: string } | null {
    const header = req.headers.authorization;
    let fields: Record<string, string>;
    let token: string | undefined;
    if (header) {
      record.auth = 'header';
      fields = Object.fromEntries(header.split('&').map((pair) => splitOnce(pair, '=')));
      token = headerValue(req.headers['x-cos-security-token']);
    } else if (query['q-sign-algorithm'] !== undefined) {
      record.auth = 'query';
      fields = query;
      token = query['x-cos-security-token'];
    } else {
      return { status: 403, code: 'AccessDenied', message: 'Access Denied.' };
    }

    const need = ['q-sign-algorithm', 'q-ak', 'q-sign-time', 'q-key-time', 'q-header-list', 'q-url-param-list', 'q-signature'];
    const missing = need.filter((name) => fields[name] === undefined);
    if (missing.length) return { status: 403, code: 'AccessDenied', message: `Authorization is missing ${missing.join(', ')}.` };
    if (fields['q-sign-algorithm'] !== 'sha1') return { status: 400, code: 'InvalidArgument', message: 'q-sign-algorithm must be sha1.' };

    const credentials = keys.get(fields['q-ak']!);
    if (!credentials) return { status: 403, code: 'InvalidAccessKeyId', message: 'The access key Id format you provided is invalid.' };
    if ((credentials.sessionToken ?? '') !== (token ?? '')) {
      return { status: 403, code: 'InvalidAccessKeyId', message: 'The security token is invalid.' };
    }

    const now = Math.floor(Date.now() / 1000);
    for (const name of ['q-sign-time', 'q-key-time']) {
      const match = /^(\d+);(\d+)$/.exec(fields[name]!);
      if (!match) return { status: 403, code: 'AccessDenied', message: `${name} is malformed.` };
      if (now > Number(match[2])) return { status: 403, code: 'AccessDenied', message: 'Request has expired' };
      if (now + CLOCK_SKEW_SECONDS < Number(match[1])) return { status: 403, code: 'AccessDenied', message: 'Request has not started' };
    }

    // Names as listed (lower-case), values from the request as it arrived.
    const queryByName = new Map(Object.entries(query).map(([name, value]) => [name.toLowerCase(), value]));
    const list = (names: string) => names.split(';').filter(Boolean).sort();
    const params = list(fields['q-url-param-list']!)
      .map((name) => `${name}=${cosEncode(queryByName.get(name) ?? '')}`)
      .join('&');
    const headers = list(fields['q-header-list']!)
      .map((name) => `${name}=${cosEncode(headerValue(req.headers[name]) ?? '')}`)
      .join('&');
    const formatString = `${method.toLowerCase()}\n/${key}\n${params}\n${headers}\n`;
    const stringToSign = `sha1\n${fields['q-sign-time']}\n${sha1Hex(formatString)}\n`;
    const signKey = createHmac('sha1', credentials.secretKey).update(fields['q-key-time']!).digest('hex');
    const expected = createHmac('sha1', signKey).update(stringToSign).digest('hex');
    const given = fields['q-signature']!;
    if (given.length !== expected.length || !timingSafeEqual(Buffer.from(given), Buffer.from(expected))) {
      return { status: 403, code: 'SignatureDoesNotMatch', message: 'The Signature you specified does not match.' };
    }
    return null;
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;

  return {
    domain: `${origin}/{Bucket}`,
    origin,
    requests,
    bucket,
    addCredentials: (more) => void keys.set(more.secretId, more),
    revokeCredentials: (secretId) => void keys.delete(secretId),
    failNext: (n, status = 503) => void (failures = { left: n, status }),
    setDown: (down, mode = '503') => void (outage = down ? mode : null),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // The SDK keeps connections alive; they would hold close() open.
        server.closeAllConnections();
      }),
  };
}

function send(res: ServerResponse, answer: { status: number; headers?: Record<string, string>; body?: Buffer | string }): void {
  const headers: Record<string, string> = { 'x-cos-request-id': randomUUID(), server: 'tencent-cos', ...answer.headers };
  if (answer.body !== undefined && headers['content-length'] === undefined) headers['content-length'] = String(Buffer.byteLength(answer.body));
  res.writeHead(answer.status, headers);
  res.end(answer.body);
}

function listXml(name: string, objects: Map<string, FakeCosObject>, query: Record<string, string>): string {
  const prefix = query.prefix ?? '';
  const marker = query.marker ?? '';
  const maxKeys = Math.min(1000, Math.max(1, Number(query['max-keys'] ?? 1000) || 1000));
  // COS orders keys by their UTF-8 bytes.
  const keys = [...objects.keys()]
    .filter((key) => key.startsWith(prefix) && Buffer.compare(Buffer.from(key), Buffer.from(marker)) > 0)
    .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  const page = keys.slice(0, maxKeys);
  const truncated = keys.length > page.length;
  const contents = page.map((key) => {
    const object = objects.get(key)!;
    return (
      `<Contents><Key>${xmlEscape(key)}</Key><LastModified>${object.lastModified.toISOString()}</LastModified>` +
      `<ETag>${xmlEscape(object.etag)}</ETag><Size>${object.body.length}</Size>` +
      `<Owner><ID>1250000000</ID><DisplayName>1250000000</DisplayName></Owner><StorageClass>STANDARD</StorageClass></Contents>`
    );
  });
  return (
    `<?xml version='1.0' encoding='utf-8' ?>\n<ListBucketResult><Name>${xmlEscape(name)}</Name>` +
    `<Prefix>${xmlEscape(prefix)}</Prefix><Marker>${xmlEscape(marker)}</Marker><MaxKeys>${maxKeys}</MaxKeys>` +
    `<IsTruncated>${truncated}</IsTruncated>` +
    (truncated ? `<NextMarker>${xmlEscape(page[page.length - 1]!)}</NextMarker>` : '') +
    contents.join('') +
    `</ListBucketResult>`
  );
}

function errorXml(code: string, message: string, resource: string): string {
  return (
    `<?xml version='1.0' encoding='utf-8' ?>\n<Error><Code>${code}</Code><Message>${xmlEscape(message)}</Message>` +
    `<Resource>${xmlEscape(resource)}</Resource><RequestId>${randomUUID()}</RequestId><TraceId>fake</TraceId></Error>`
  );
}

// Query values are percent-decoded without turning '+' into a space: COS signs what the client
// percent-encoded, and its SDK never sends '+' for a space.
function parseQuery(raw: string): Record<string, string> {
  const query: Record<string, string> = {};
  for (const pair of raw.split('&')) {
    if (!pair) continue;
    const [name, value] = splitOnce(pair, '=');
    try {
      query[decodeURIComponent(name)] = decodeURIComponent(value);
    } catch {
      query[name] = value;
    }
  }
  return query;
}

function splitOnce(text: string, separator: string): [string, string] {
  const at = text.indexOf(separator);
  return at === -1 ? [text, ''] : [text.slice(0, at), text.slice(at + 1)];
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(',') : value;
}

/** encodeURIComponent plus !'()*, as COS's signature wants. */
function cosEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function sha1Hex(text: string): string {
  return createHash('sha1').update(text, 'utf8').digest('hex');
}

function xmlEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}
