// Copies the repository's protos/ into this package (run by `npm pack`), so
// that a published package carries the .proto it loads at run time.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const pkg = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const from = path.resolve(pkg, '..', '..', 'protos', 'eventlog', 'v1', 'eventlog.proto');
const to = path.join(pkg, 'proto', 'eventlog', 'v1', 'eventlog.proto');
if (!fs.existsSync(from)) {
  console.error(`copy-protos: ${from} not found (run from the eventlog repository)`);
  process.exit(1);
}
fs.mkdirSync(path.dirname(to), { recursive: true });
fs.copyFileSync(from, to);
