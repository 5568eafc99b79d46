// Fetching a picture from another site for img-access's proxy mode (template pictures are plain
// URLs). The router sits next to the subgraphs, Redis and Postgres, so nothing may make it fetch
// from an internal address: every address a host name resolves to is checked at connect time
// (redirects included, and DNS answers that change between check and use cannot slip through),
// only http(s), only image responses, within a size and a time limit.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { type IncomingMessage, request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { BlockList, isIP } from 'node:net';
import { RestError } from './standard-response.js';

const MAX_REDIRECTS = 3;
const TIMEOUT_MS = 10_000;
/** Larger than any upload we accept: template pictures come from elsewhere. */
export const MAX_EXTERNAL_IMAGE_BYTES = 20 * 1024 * 1024;

const internal = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24], ['203.0.113.0', 24],
  ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) internal.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of [
  ['::', 128], ['::1', 128], ['64:ff9b::', 96], ['100::', 64], ['2001:db8::', 32], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8],
] as const) internal.addSubnet(network, prefix, 'ipv6');

/** Loopback, private, link-local, carrier NAT, documentation, multicast and reserved addresses. */
export function isInternalAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (mapped) return isInternalAddress(mapped);
  const family = isIP(address);
  if (family === 0) return true;
  return internal.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

class InternalAddressError extends Error {}

// Passed to http(s).request: the connection goes only to addresses that were checked here.
function guardedLookup(hostname: string, options: { all?: boolean }, callback: (...args: unknown[]) => void): void {
  dnsLookup(hostname, { all: true }, (error, addresses: LookupAddress[]) => {
    if (error) return callback(error);
    if (addresses.length === 0 || addresses.some((entry) => isInternalAddress(entry.address))) {
      return callback(new InternalAddressError(`${hostname} resolves to an internal address`));
    }
    if (options.all) callback(null, addresses);
    else callback(null, addresses[0]!.address, addresses[0]!.family);
  });
}

function checkedUrl(text: string): URL {
  const url = new URL(externalImageUrl(text));
  if (url.username || url.password) throw new RestError(400, 'INVALID_REQUEST', 'Image URLs with credentials are not followed');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) && isInternalAddress(host)) throw new RestError(403, 'PERMISSION_DENIED', 'Internal addresses are not followed');
  return url;
}

/** The http(s) URL a client may be redirected to, or a 400. */
export function externalImageUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new RestError(400, 'INVALID_REQUEST', 'Not a valid image URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new RestError(400, 'INVALID_REQUEST', 'Only http and https image URLs are followed');
  return url.href;
}

function get(url: URL, signal: AbortSignal): Promise<IncomingMessage> {
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'GET', lookup: guardedLookup as never, signal, headers: { accept: 'image/*', 'user-agent': 'ai-pptist-image-proxy' } }, resolve);
    req.on('error', reject);
    req.end();
  });
}

/** Opens an external image: its status was 200 and its type an image; the caller streams `body`. */
export async function openExternalImage(text: string): Promise<{ body: IncomingMessage; contentType: string; contentLength: number | undefined }> {
  const signal = AbortSignal.timeout(TIMEOUT_MS);
  let url = checkedUrl(text);
  for (let hop = 0; ; hop++) {
    let response: IncomingMessage;
    try {
      response = await get(url, signal);
    } catch (error) {
      if (error instanceof InternalAddressError) throw new RestError(403, 'PERMISSION_DENIED', 'Internal addresses are not followed');
      throw new RestError(502, 'IMAGE_NOT_FOUND', 'The image could not be fetched');
    }
    const status = response.statusCode ?? 0;
    if (status >= 300 && status < 400 && response.headers.location) {
      response.resume();
      if (hop >= MAX_REDIRECTS) throw new RestError(502, 'IMAGE_NOT_FOUND', 'The image URL redirects too often');
      const next = URL.parse(response.headers.location, url);
      if (!next) throw new RestError(502, 'IMAGE_NOT_FOUND', 'The image URL redirects nowhere');
      url = checkedUrl(next.href);
      continue;
    }
    const contentType = response.headers['content-type'] ?? '';
    const contentLength = response.headers['content-length'] === undefined ? undefined : Number(response.headers['content-length']);
    if (status !== 200) {
      response.resume();
      throw new RestError(404, 'IMAGE_NOT_FOUND', `The image URL answered ${status}`);
    }
    if (!/^image\//i.test(contentType)) {
      response.resume();
      throw new RestError(415, 'INVALID_IMAGE_FORMAT', 'The URL is not an image');
    }
    if (contentLength !== undefined && contentLength > MAX_EXTERNAL_IMAGE_BYTES) {
      response.destroy();
      throw new RestError(413, 'IMAGE_TOO_LARGE', 'The image is too large to pass through');
    }
    return { body: response, contentType, contentLength };
  }
}
