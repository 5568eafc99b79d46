// `.pptist` files: the document's JSON encrypted the way PPTist's front end does it, with
// `CryptoJS.AES.encrypt(json, 'pptist').toString()`. That is OpenSSL's passphrase format:
// base64("Salted__" + 8-byte salt + AES-256-CBC ciphertext), key and iv from EVP_BytesToKey with MD5
// and one iteration, PKCS#7 padding. The passphrase is public, so this is obfuscation, not secrecy.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import {
  emptyDocument,
  MAX_DOCUMENT_BYTES,
  MAX_TITLE_CHARS,
  parsePptistDocument,
  type PptistDocument,
  type PptistParseFailure,
} from './document.js';

const OPENSSL_MAGIC = Buffer.from('Salted__', 'latin1');
/** base64 of "Salted__": every CryptoJS/OpenSSL passphrase ciphertext starts with it. */
export const PPTIST_FILE_PREFIX = 'U2FsdGVkX1';
const SALT_BYTES = 8;
const KEY_BYTES = 32;
const IV_BYTES = 16;
/** base64 grows data by 4/3; the header is 16 bytes and padding at most one block. */
const MAX_PPTIST_FILE_CHARS = Math.ceil(((MAX_DOCUMENT_BYTES + 16 + 16) * 4) / 3) + 4;

/** OpenSSL's EVP_BytesToKey with MD5 and one iteration, as CryptoJS uses for passphrases. */
function deriveKeyAndIv(passphrase: string, salt: Buffer): { key: Buffer; iv: Buffer } {
  const password = Buffer.from(passphrase, 'utf8');
  const blocks: Buffer[] = [];
  let previous = Buffer.alloc(0);
  while (blocks.reduce((n, b) => n + b.length, 0) < KEY_BYTES + IV_BYTES) {
    previous = createHash('md5').update(Buffer.concat([previous, password, salt])).digest();
    blocks.push(previous);
  }
  const material = Buffer.concat(blocks);
  return { key: material.subarray(0, KEY_BYTES), iv: material.subarray(KEY_BYTES, KEY_BYTES + IV_BYTES) };
}

export function encryptPptist(json: string, passphrase = 'pptist'): string {
  const salt = randomBytes(SALT_BYTES);
  const { key, iv } = deriveKeyAndIv(passphrase, salt);
  const cipher = createCipheriv('aes-256-cbc', key, iv);
  return Buffer.concat([OPENSSL_MAGIC, salt, cipher.update(json, 'utf8'), cipher.final()]).toString('base64');
}

/** Throws an Error saying what is wrong: not a .pptist text, wrong passphrase, or damaged data. */
export function decryptPptist(text: string, passphrase = 'pptist'): string {
  const base64 = text.trim();
  if (!base64.startsWith(PPTIST_FILE_PREFIX) || !/^[A-Za-z0-9+/\r\n]+={0,2}$/.test(base64)) {
    throw new Error(`not a .pptist file: expected base64 text starting with ${PPTIST_FILE_PREFIX}`);
  }
  const raw = Buffer.from(base64, 'base64');
  const ciphertext = raw.subarray(OPENSSL_MAGIC.length + SALT_BYTES);
  if (!raw.subarray(0, OPENSSL_MAGIC.length).equals(OPENSSL_MAGIC) || ciphertext.length === 0 || ciphertext.length % 16 !== 0) {
    throw new Error('not a .pptist file: the encrypted data is truncated or damaged');
  }
  const { key, iv } = deriveKeyAndIv(passphrase, raw.subarray(OPENSSL_MAGIC.length, OPENSSL_MAGIC.length + SALT_BYTES));
  let plain: Buffer;
  try {
    const decipher = createDecipheriv('aes-256-cbc', key, iv);
    plain = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  } catch {
    throw new Error('cannot decrypt .pptist file: wrong passphrase or damaged data (bad padding)');
  }
  // A wrong passphrase still yields valid padding about once in 256 tries; its output is not UTF-8.
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(plain);
  } catch {
    throw new Error('cannot decrypt .pptist file: wrong passphrase or damaged data (not UTF-8 text)');
  }
}

export type ExportFormat = 'json' | 'pptist';

/** The document as PPTist writes it: `.json` in the clear, `.pptist` encrypted; unknown fields go along. */
export function exportDocument(doc: PptistDocument, format: ExportFormat): { body: string; contentType: string; extension: string } {
  const json = JSON.stringify(doc);
  if (format === 'json') return { body: json, contentType: 'application/json; charset=utf-8', extension: 'json' };
  return { body: encryptPptist(json), contentType: 'application/octet-stream', extension: 'pptist' };
}

function fileFailure(message: string): PptistParseFailure {
  return { ok: false, path: 'file', message: `file: ${message}` };
}

/**
 * A `.json` or `.pptist` file as uploaded; the format is recognised by content, not by name.
 * Current PPTist writes the whole document `{ title, width, height, theme, slides }` in both
 * formats; older versions wrote a bare slides array, which becomes a document with the default
 * theme and 1000×562.5 canvas, titled after the file.
 */
export function importDocumentFile(
  bytes: Buffer | string,
  filename?: string,
): { ok: true; document: PptistDocument } | PptistParseFailure {
  // Measured before decoding, so an oversized upload costs no more than its own buffer.
  const size = typeof bytes === 'string' ? Buffer.byteLength(bytes) : bytes.length;
  const head = typeof bytes === 'string' ? bytes.slice(0, 64) : bytes.subarray(0, 64).toString('utf8');
  const encrypted = head.replace(/^\uFEFF/, '').trimStart().startsWith(PPTIST_FILE_PREFIX);
  if (size > (encrypted ? MAX_PPTIST_FILE_CHARS : MAX_DOCUMENT_BYTES)) {
    return fileFailure(`is larger than the ${MAX_DOCUMENT_BYTES / (1024 * 1024)} MB limit for a document`);
  }
  let text = typeof bytes === 'string' ? bytes : bytes.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  let json = text;
  if (encrypted) {
    try {
      json = decryptPptist(text);
    } catch (error) {
      return fileFailure((error as Error).message);
    }
  }
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return fileFailure(encrypted ? 'the decrypted .pptist content is not JSON' : 'is neither a .pptist file nor JSON');
  }
  if (Array.isArray(value)) {
    const title = filename?.replace(/^.*[\\/]/, '').replace(/\.[^.]*$/, '').slice(0, MAX_TITLE_CHARS) || 'Untitled';
    value = { ...emptyDocument(title), slides: value };
  }
  return parsePptistDocument(value);
}
