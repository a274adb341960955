// Type-checks test/types-check.ts against index.d.ts with the TypeScript
// compiler (a devDependency), so that the declarations match the API.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const here = path.dirname(fileURLToPath(import.meta.url));

test('index.d.ts type-checks the documented usage', async () => {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const result = await promisify(execFile)(process.execPath, [tsc, '-p', path.join(here, 'tsconfig.json')]).catch(
    (err) => err,
  );
  assert.equal(result.code ?? 0, 0, `${result.stdout}${result.stderr}`);
});
