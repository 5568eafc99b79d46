#!/usr/bin/env node
// Stand-in for Prisma's native schema engine, for machines that cannot download it: speaks the
// same stdio protocol as the binary (newline-delimited JSON-RPC 2.0) and forwards each call to
// @prisma/schema-engine-wasm, which reaches Postgres through @prisma/adapter-pg. Point Prisma at it
// with PRISMA_SCHEMA_ENGINE_BINARY (scripts/prisma.mjs does so when the native engine is missing).
// stdout carries the protocol only; every log goes to stderr as the JSON lines Prisma parses.
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import pg from 'pg';
import { PrismaPg } from '@prisma/adapter-pg';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';
import * as wasm from '@prisma/schema-engine-wasm/schema_engine_bg';

const log = (level, message, extra = {}) =>
  process.stderr.write(`${JSON.stringify({ timestamp: new Date().toISOString(), level, fields: { message, ...extra }, target: 'schema_engine::logger' })}\n`);
const send = (msg) => process.stdout.write(`${JSON.stringify({ jsonrpc: '2.0', ...msg })}\n`);

// Same flags as the native binary: `--datamodels <file>`... `--datasource <json>` for the RPC
// server, `--datasource <json> cli <command>` for the one-shot commands, `--version`.
const opts = { datamodels: [], positional: [] };
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i];
  if (a === '--datamodels' || a === '-d') opts.datamodels.push(process.argv[++i]);
  else if (a === '--datasource') opts.datasource = process.argv[++i];
  else if (a === '--extension-types') opts.extensions = JSON.parse(process.argv[++i]);
  else if (a === '--enabled-preview-features') i++; // the wasm engine reads previewFeatures from the schema itself
  else opts.positional.push(a);
}
const ds = !opts.datasource ? {} : opts.datasource.trim().startsWith('{') ? JSON.parse(opts.datasource) : { url: opts.datasource };

// Introspection reads catalog columns of type "char" (oid 18), which adapter-pg rejects as an unsupported
// native type ("Column type 'char' could not be deserialized"); `name` (oid 19) only became text in recent
// adapter-pg. Report both as text (oid 25); the row parsers were already picked from the real oid.
const addFields = pg.Result.prototype.addFields;
pg.Result.prototype.addFields = function (fields) {
  addFields.call(this, fields);
  for (const f of this.fields) if (f.dataTypeID === 18 || f.dataTypeID === 19) f.dataTypeID = 25;
};

const withDb = (url, db) => Object.assign(new URL(url), { pathname: `/${encodeURIComponent(db)}` }).href;
const dbName = (url) => decodeURIComponent(new URL(url).pathname.slice(1)) || new URL(url).username || 'postgres';
const ident = (name) => `"${name.replaceAll('"', '""')}"`;
async function runSql(url, sql) {
  const client = new pg.Client({ connectionString: url });
  try { await client.connect(); return await client.query(sql); } finally { await client.end().catch(() => {}); }
}
// CREATE/DROP DATABASE must run from another database, like the native engine does.
async function adminSql(url, sql) {
  try { return await runSql(withDb(url, 'postgres'), sql); } catch (e) {
    if (e.code !== '3D000' && e.code !== '28000') throw e;
    return runSql(withDb(url, 'template1'), sql);
  }
}
// Prisma's own error codes, so the CLI reacts as with the native engine (P1003 → create the database).
function userFacing(e, url) {
  const u = url ? new URL(url) : {}, at = `${u.hostname}:${u.port || 5432}`, db = url && dbName(url);
  const known = {
    '3D000': ['P1003', `Database \`${db}\` does not exist on the database server at \`${at}\`.`],
    '28P01': ['P1000', `Authentication failed against database server at \`${at}\`, the provided database credentials for \`${decodeURIComponent(u.username)}\` are not valid.`],
    '42P04': ['P1009', `Database \`${db}\` already exists on the database server at \`${at}\``],
  }[e?.code] ?? (['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ETIMEDOUT'].includes(e?.code) && ['P1001', `Can't reach database server at \`${at}\``]);
  return known ? { error_code: known[0], message: known[1] } : { error_code: /^P\d{4}$/.test(e?.code ?? '') ? e.code : undefined, message: String(e?.message ?? e) };
}

// The stand-in owns its shadow database: adapter-pg's connectToShadowDb() would hand back a pool on
// the *main* database (pg lets the connection string override `database`). Also run scripts
// (migrations) as one multi-statement query instead of adapter-pg's split on ";".
const shadows = new Set();
const RESET_SQL = `DO $$ DECLARE s name; BEGIN
  FOR s IN SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema' LOOP
    EXECUTE format('DROP SCHEMA %I CASCADE', s); END LOOP;
  CREATE SCHEMA public; END $$`;
const dropShadow = (name) => adminSql(ds.url, `DROP DATABASE IF EXISTS ${ident(name)} WITH (FORCE)`) // FORCE: Postgres 13+
  .catch((e) => { if (e.code !== '42601') throw e; return adminSql(ds.url, `DROP DATABASE IF EXISTS ${ident(name)}`); })
  .then(() => shadows.delete(name));
async function connect(url) {
  const adapter = await new PrismaPg({ connectionString: url }).connect();
  adapter.executeScript = async (script) => { try { await adapter.client.query(script); } catch (e) { adapter.onError(e); } };
  return adapter;
}
function adapterFactory(url) {
  return bindMigrationAwareSqlAdapterFactory({
    provider: 'postgres', adapterName: '@prisma/adapter-pg',
    connect: () => connect(url),
    async connectToShadowDb() {
      if (ds.shadowDatabaseUrl) { // user-provided and throwaway by definition: empty it first, as the native engine does
        if (ds.shadowDatabaseUrl === url) throw new Error('The shadow database URL must differ from the main database URL.');
        await runSql(ds.shadowDatabaseUrl, RESET_SQL);
        return connect(ds.shadowDatabaseUrl);
      }
      const name = `prisma_migrate_shadow_db_${crypto.randomUUID()}`;
      await adminSql(url, `CREATE DATABASE ${ident(name)}`);
      shadows.add(name);
      const adapter = await connect(withDb(url, name)), dispose = adapter.dispose.bind(adapter);
      adapter.dispose = async () => { await dispose(); await dropShadow(name); };
      return adapter;
    },
  });
}

// Loaded by hand: the package's entry imports the .wasm as an ES module, which Node 20 can't do unflagged.
const wasmDir = new URL('./', import.meta.resolve('@prisma/schema-engine-wasm/schema_engine_bg'));
let wasmReady, engine, printed = 0;
const loadWasm = () => (wasmReady ??= WebAssembly.instantiate(readFileSync(new URL('schema_engine_bg.wasm', wasmDir)), { './schema_engine_bg.js': wasm })
  .then(({ instance }) => { wasm.__wbg_set_wasm(instance.exports); instance.exports.__wbindgen_start(); }));
async function getEngine() {
  if (!ds.url) throw new Error('No datasource URL was passed to the schema engine (is DATABASE_URL set?)');
  await loadWasm();
  const datamodels = opts.datamodels.length ? opts.datamodels.map((p) => [p, readFileSync(p, 'utf8')]) : undefined;
  return (engine ??= wasm.SchemaEngine.new({ datamodels }, (line) => process.stderr.write(`${line.trimEnd()}\n`), adapterFactory(ds.url))
    .catch((e) => { engine = undefined; throw e; }));
}

const FORWARDED = new Set(['applyMigrations', 'devDiagnostic', 'diagnoseMigrationHistory', 'ensureConnectionValidity',
  'introspect', 'introspectSql', 'markMigrationApplied', 'markMigrationRolledBack', 'reset', 'schemaPush']);
async function dispatch(method, params) {
  if (FORWARDED.has(method)) return (await getEngine())[method](params);
  switch (method) {
    case 'evaluateDataLoss': case 'createMigration': {
      // The wasm engine gives these two no shadow-database factory: they only work from its cache of
      // "schema after these migrations", filled by diagnoseMigrationHistory for the migrations applied
      // to the main database. `migrate dev` on a fresh database misses it (devDiagnostic ran before
      // applyMigrations), so fill the cache now that they are applied, then retry once.
      const eng = await getEngine();
      try { return await eng[method](params); } catch (e) {
        if (!/shadow DB must be provided through an external factory/.test(e?.message)) throw e;
        await eng.diagnoseMigrationHistory({ migrationsList: params.migrationsList, filters: params.filters, optInToShadowDatabase: true });
        return eng[method](params);
      }
    }
    case 'getDatabaseVersion': return (await getEngine()).version(); // the wasm engine only knows its adapter's database
    case 'diff': { // the native engine prints the diff through a `print` request to the CLI, not in the result
      const res = await (await getEngine()).diff(params);
      if (res.stdout) send({ id: `print-${++printed}`, method: 'print', params: { content: res.stdout.replace(/\n$/, '') } });
      return { ...res, stdout: null };
    }
    case 'dbExecute': { await runSql(params.datasourceType?.url ?? ds.url, params.script); return {}; }
    case 'createDatabase': {
      const url = params.datasource?.tag === 'ConnectionString' ? params.datasource.url : ds.url;
      await adminSql(url, `CREATE DATABASE ${ident(dbName(url))}`);
      return { databaseName: dbName(url) };
    }
  }
  throw Object.assign(new Error(`The wasm schema-engine stand-in does not implement \`${method}\`.`), { rpcCode: -32601 });
}

async function shutdown(code) {
  await Promise.allSettled([...shadows].map(dropShadow));
  process.exit(code);
}

if (opts.positional.includes('--version') || opts.positional.includes('-V')) {
  const { version } = JSON.parse(readFileSync(new URL('package.json', wasmDir), 'utf8'));
  process.stdout.write(`schema-engine-cli ${version.split('.').pop()} (wasm stand-in ${version})\n`);
} else if (opts.extensions?.types?.length) {
  log('ERROR', 'Postgres extension types (--extension-types) are not supported by the wasm schema-engine stand-in.');
  process.exit(1);
} else if (opts.positional[0] === 'cli') {
  const command = opts.positional[1];
  log('INFO', `Starting schema engine CLI (wasm stand-in): ${command}`); // Prisma skips the first stderr line
  try {
    if (!ds.url) throw new Error('--datasource with a url is required');
    if (command === 'can-connect-to-database') await runSql(ds.url, 'SELECT 1');
    else if (command === 'create-database') await adminSql(ds.url, `CREATE DATABASE ${ident(dbName(ds.url))}`);
    else if (command === 'drop-database') await adminSql(ds.url, `DROP DATABASE ${ident(dbName(ds.url))}`);
    else throw new Error(`Unknown cli command: ${command}`);
    process.exit(0);
  } catch (e) {
    const { message, error_code } = userFacing(e, ds.url);
    log('ERROR', message, { error_code });
    process.exit(1);
  }
} else if (opts.positional.length) {
  log('ERROR', `Unknown arguments: ${opts.positional.join(' ')}`);
  process.exit(1);
} else {
  let queue = Promise.resolve(), current = null;
  createInterface({ input: process.stdin, crlfDelay: Infinity })
    .on('line', (line) => {
      if (!line.trim()) return;
      let msg;
      try { msg = JSON.parse(line); } catch { return send({ id: null, error: { code: -32700, message: 'Parse error' } }); }
      if (!msg.method) return; // the CLI's reply to one of our `print` requests
      queue = queue.then(async () => {
        current = msg.id;
        try {
          send({ id: msg.id, result: (await dispatch(msg.method, msg.params ?? {})) ?? {} });
        } catch (e) {
          const { message, error_code } = userFacing(e, ds.url);
          send({ id: msg.id, error: { code: e.rpcCode ?? 4466, message: e.rpcCode ? 'Method not found' : 'An error happened. Check the data field for details.', data: { is_panic: e instanceof WebAssembly.RuntimeError, message, error_code, meta: e.meta } } });
        }
        current = null;
      });
    })
    .on('close', () => queue.then(() => shutdown(0)));
  process.on('SIGTERM', () => shutdown(0)); // the CLI kills the engine right after closing stdin
  // A wasm panic surfaces as an uncaught exception: report it on the pending call, then exit like a Rust panic.
  process.on('uncaughtException', (e) => {
    log('ERROR', String(e?.stack ?? e));
    if (current !== null) send({ id: current, error: { code: 4466, message: 'An error happened. Check the data field for details.', data: { is_panic: true, message: String(e?.message ?? e) } } });
    shutdown(101);
  });
}
