#!/usr/bin/env node
// `npm run secrets`: generates the Docker Compose stack's secrets into deploy/secrets/
// (git-ignored), one file per secret, from the operating system's CSPRNG.
//
// - Never overwrites: an existing file is kept as it is, so re-running is safe and a rotated
//   secret is only replaced when you delete its file yourself.
// - Files are mode 0600 in a 0700 directory and are never printed.
// - Compose bind-mounts secret files with their host owner and mode, so a file must belong to
//   the uid that reads it inside its container. Run as root (CI, servers), this script hands
//   each file to that uid: 1000 for the Node services (the images' `node` user), 472 for
//   Grafana; the database's files stay root's (its entrypoint reads them as root). Run as an
//   ordinary user it keeps your ownership and warns when your uid is not the containers'.
//
// Usage: node scripts/secrets.mjs [--dir DIR] [--alg EdDSA|ES256] [--quiet]
//   FLOTILLA_SECRETS_DIR  same as --dir (default deploy/secrets)
//   FLOTILLA_SECRETS_UID  uid of the Node services' user (default 1000)
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  writeSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));

const { values: options } = parseArgs({
  options: {
    dir: { type: 'string' },
    alg: { type: 'string', default: process.env.FLOTILLA_SIGNING_ALG ?? 'EdDSA' },
    quiet: { type: 'boolean', default: false },
  },
});
const dir = resolve(options.dir ?? process.env.FLOTILLA_SECRETS_DIR ?? join(ROOT, 'deploy', 'secrets'));
const say = (line) => options.quiet || process.stdout.write(`secrets | ${line}\n`);

const NODE_UID = Number(process.env.FLOTILLA_SECRETS_UID ?? 1000);
const GRAFANA_UID = 472; // the grafana/grafana image's user
/** Who reads each kind of file inside its container (`undefined`: root, the db entrypoint). */
const READERS = { node: NODE_UID, grafana: GRAFANA_UID, db: undefined };

/** The services with a database, each with its own role; names match compose.yaml. */
const DATABASES = ['users', 'fleet', 'translation', 'stats'];
const DB_HOST = 'db:5432';

/** 32 random bytes, base64url: no character needs escaping in a URL or a shell. */
const randomSecret = () => randomBytes(32).toString('base64url');

function signingKeyPem(alg) {
  const { privateKey } =
    alg === 'ES256' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('ed25519');
  return privateKey.export({ type: 'pkcs8', format: 'pem' });
}

if (!['EdDSA', 'ES256'].includes(options.alg)) {
  process.stderr.write(`secrets | --alg must be EdDSA or ES256, got ${options.alg}\n`);
  process.exit(2);
}

mkdirSync(dir, { recursive: true, mode: 0o700 });
chmodSync(dir, 0o700);

const isRoot = process.getuid?.() === 0;
let created = 0;
let kept = 0;
const notReadable = [];

/** Writes a new secret file exclusively (O_EXCL): never replaces one that exists. */
function ensure(name, reader, make) {
  const path = join(dir, name);
  if (existsSync(path)) {
    kept += 1;
    return readFileSync(path, 'utf8');
  }
  const value = make();
  let fd;
  try {
    fd = openSync(path, 'wx', 0o600);
  } catch (error) {
    if (error.code === 'EEXIST') return ensure(name, reader, make); // created meanwhile
    throw error;
  }
  try {
    writeSync(fd, value);
  } finally {
    closeSync(fd);
  }
  chmodSync(path, 0o600); // whatever the umask
  const uid = READERS[reader];
  if (uid !== undefined) {
    if (isRoot) chownSync(path, uid, uid);
    else if (process.getuid?.() !== uid) notReadable.push(`${name} (read by uid ${uid})`);
  }
  created += 1;
  say(`created ${name}`);
  return value;
}

ensure('postgres_password', 'db', randomSecret);
for (const service of DATABASES) {
  // The URL is derived from the password; when only one of the pair exists the other follows it.
  const urlName = `${service}_database_url`;
  const urlPath = join(dir, urlName);
  const passwordFromUrl = existsSync(urlPath)
    ? decodeURIComponent(new URL(readFileSync(urlPath, 'utf8').trim()).password)
    : undefined;
  const password = ensure(`${service}_db_password`, 'db', () => passwordFromUrl ?? randomSecret()).trim();
  ensure(
    urlName,
    'node',
    () => `postgres://${service}:${encodeURIComponent(password)}@${DB_HOST}/${service}`,
  );
}
{
  // The translation SQL console's read-only role, in the translation database.
  const urlPath = join(dir, 'translation_console_database_url');
  const passwordFromUrl = existsSync(urlPath)
    ? decodeURIComponent(new URL(readFileSync(urlPath, 'utf8').trim()).password)
    : undefined;
  const password = ensure(
    'translation_console_db_password',
    'db',
    () => passwordFromUrl ?? randomSecret(),
  ).trim();
  ensure(
    'translation_console_database_url',
    'node',
    () => `postgres://translation_console:${encodeURIComponent(password)}@${DB_HOST}/translation`,
  );
}
ensure('signing_key', 'node', () => signingKeyPem(options.alg));
ensure('admin_password', 'node', randomSecret);
// The gateway shows it to users, which then believes the client address the gateway reports.
ensure('gateway_secret', 'node', randomSecret);
ensure('grafana_admin_password', 'grafana', randomSecret);

say(`${created} created, ${kept} kept, in ${dir}`);
if (notReadable.length > 0) {
  process.stderr.write(
    `secrets | warning: the containers run as other uids than yours (${process.getuid?.()}) and ` +
      `cannot read these 0600 files: ${notReadable.join(', ')}. Run \`sudo chown <uid> <file>\` ` +
      'for each, or run this script as root.\n',
  );
}
