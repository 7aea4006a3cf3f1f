// The same build must run in a browser: nothing outside src/node/ may touch Node-only APIs.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? (p === join('src', 'node') ? [] : files(p)) : [p];
  });
}

describe('portability', () => {
  it('src/ outside src/node uses no Node-only modules or globals', () => {
    const offenders = files('src').filter((f) =>
      /from ['"](node:|fs|path|worker_threads|child_process|os)['"/]|\bBuffer\.|\bprocess\.|\brequire\(/.test(readFileSync(f, 'utf8')),
    );
    expect(offenders).toEqual([]);
  });
});
