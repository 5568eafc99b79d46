import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pptistFixturesDir } from '../../test/pptist-fixtures.js';
import { emptyDocument, MAX_DOCUMENT_BYTES } from './document.js';
import { decryptPptist, encryptPptist, exportDocument, importDocumentFile } from './file.js';

const fixtureText = (name: string) => readFileSync(resolve(pptistFixturesDir(), name), 'utf8');

// The OpenSSL command line speaks the same passphrase format as CryptoJS (which PPTist uses), so it
// stands in for the browser: files it writes must open here and files written here must open there.
const OPENSSL_ARGS = ['enc', '-aes-256-cbc', '-md', 'md5', '-pass', 'pass:pptist', '-base64', '-A'];
const opensslEncrypt = (plain: string) => execFileSync('openssl', [...OPENSSL_ARGS, '-salt'], { input: plain, stdio: ['pipe', 'pipe', 'ignore'] }).toString('utf8');
const opensslDecrypt = (cipher: string) => execFileSync('openssl', [...OPENSSL_ARGS, '-d'], { input: cipher, stdio: ['pipe', 'pipe', 'ignore'] }).toString('utf8');

describe('encryption', () => {
  it('round-trips, including non-ASCII text, with a fresh salt each time', () => {
    const json = JSON.stringify({ title: '未命名演示文稿 — ünïcode', slides: [] });
    const a = encryptPptist(json);
    const b = encryptPptist(json);
    expect(a).toMatch(/^U2FsdGVkX1[A-Za-z0-9+/]+=*$/);
    expect(a).not.toBe(b);
    expect(decryptPptist(a)).toBe(json);
    expect(decryptPptist(b)).toBe(json);
    expect(decryptPptist(encryptPptist('', 'other'), 'other')).toBe('');
  });

  it('reads a fixed vector written by `openssl enc -aes-256-cbc -md md5 -salt -pass pass:pptist -base64 -A`', () => {
    expect(decryptPptist('U2FsdGVkX1/d9o9Zp58b53pXpBrE366XQiVD9dKkZNQ3HXlaEDcrUU9tbigkHdvG')).toBe('{"title":"Vector","slides":[]}');
  });

  it('reads what openssl writes now, and openssl reads what it writes', () => {
    const json = fixtureText('slides.json');
    expect(decryptPptist(opensslEncrypt(json))).toBe(json);
    expect(opensslDecrypt(encryptPptist(json))).toBe(json);
  });

  it('says clearly why it cannot decrypt', () => {
    expect(() => decryptPptist('{"title":"x"}')).toThrow(/not a \.pptist file/);
    expect(() => decryptPptist('U2FsdGVkX1!!!')).toThrow(/not a \.pptist file/);
    expect(() => decryptPptist('U2FsdGVkX18AAAAAAAAAAA==')).toThrow(/truncated or damaged/);
    const cipher = encryptPptist(JSON.stringify({ a: 'b'.repeat(100) }));
    expect(() => decryptPptist(cipher, 'not-pptist')).toThrow(/wrong passphrase or damaged data/);
    // Flip a byte in the last block: the padding no longer checks out.
    const raw = Buffer.from(cipher, 'base64');
    raw[raw.length - 1]! ^= 0x55;
    expect(() => decryptPptist(raw.toString('base64'))).toThrow(/wrong passphrase or damaged data/);
  });
});

describe('export', () => {
  it('writes JSON in the clear and .pptist encrypted, both reading back to the same document', () => {
    const doc = { ...emptyDocument('Export me'), futureField: { x: 1 } };
    const json = exportDocument(doc, 'json');
    expect(json).toMatchObject({ contentType: 'application/json; charset=utf-8', extension: 'json' });
    expect(JSON.parse(json.body)).toEqual(doc);

    const pptist = exportDocument(doc, 'pptist');
    expect(pptist).toMatchObject({ contentType: 'application/octet-stream', extension: 'pptist' });
    expect(pptist.body.startsWith('U2FsdGVkX1')).toBe(true);
    expect(JSON.parse(opensslDecrypt(pptist.body))).toEqual(doc);
    expect(importDocumentFile(pptist.body, 'Export me.pptist')).toEqual({ ok: true, document: doc });
  });
});

describe('import', () => {
  const template = JSON.parse(fixtureText('template_1.json'));

  it('imports template_1 as .json (text or bytes) and as .pptist, by content not by name', () => {
    const text = fixtureText('template_1.json');
    expect(importDocumentFile(text, 'template_1.json')).toEqual({ ok: true, document: template });
    expect(importDocumentFile(Buffer.from(text), 'upload')).toEqual({ ok: true, document: template });
    expect(importDocumentFile(Buffer.from(`\uFEFF${text}`))).toEqual({ ok: true, document: template });
    expect(importDocumentFile(Buffer.from(encryptPptist(text)), 'template_1.json')).toEqual({ ok: true, document: template });
    expect(importDocumentFile(`${opensslEncrypt(text)}\n`, 'template_1.pptist')).toEqual({ ok: true, document: template });
  });

  it('accepts a bare slides array (older PPTist exports) with the default theme, titled after the file', () => {
    const slides = JSON.parse(fixtureText('slides.json'));
    const result = importDocumentFile(encryptPptist(JSON.stringify(slides)), 'C:\\decks\\pptist_slides.pptist');
    expect(result).toMatchObject({ ok: true, document: { title: 'pptist_slides', width: 1000, height: 562.5, slides } });
    expect(result.ok && result.document.theme.themeColors.length).toBeGreaterThan(0);
    expect(importDocumentFile(JSON.stringify(slides))).toMatchObject({ ok: true, document: { title: 'Untitled' } });
  });

  it('reports file-level problems on `file` and document problems with their path', () => {
    expect(importDocumentFile('hello', 'notes.txt')).toEqual({ ok: false, path: 'file', message: 'file: is neither a .pptist file nor JSON' });
    expect(importDocumentFile(encryptPptist('not json'))).toEqual({ ok: false, path: 'file', message: 'file: the decrypted .pptist content is not JSON' });
    expect(importDocumentFile(encryptPptist('{}', 'secret'))).toMatchObject({ ok: false, path: 'file', message: expect.stringMatching(/^file: cannot decrypt/) });

    const broken = structuredClone(template);
    delete broken.slides[3].elements[1].left;
    expect(importDocumentFile(encryptPptist(JSON.stringify(broken)))).toEqual({
      ok: false,
      path: 'document.slides.3.elements.1.left',
      message: 'document.slides.3.elements.1.left: is required (expected number)',
    });
  });

  it('refuses an oversized upload before decoding it', () => {
    const hugeJson = Buffer.alloc(MAX_DOCUMENT_BYTES + 1, 0x20);
    expect(importDocumentFile(hugeJson)).toEqual({ ok: false, path: 'file', message: 'file: is larger than the 10 MB limit for a document' });
    const hugePptist = `U2FsdGVkX1${'A'.repeat(Math.ceil((MAX_DOCUMENT_BYTES * 4) / 3) + 100)}`;
    expect(importDocumentFile(hugePptist)).toMatchObject({ ok: false, path: 'file', message: expect.stringContaining('10 MB') });
  });
});
