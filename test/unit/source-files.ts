// The project's TypeScript sources, for tests that read the code itself (layering, kernel names).

import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Every .ts file under a folder, recursively. */
export function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}
