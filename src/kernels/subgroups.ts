// Passes built on subgroup builtins live in their kernel family's module, next to the passes they
// stand in for, sharing its Params, bindings and helpers. Such a module starts with `enable
// subgroups;` and holds every function that calls a subgroup builtin between a line
// `// BEGIN subgroups` and a line `// END subgroups`: as written it is valid WGSL where the device has
// the `subgroups` feature. Where it has not (Firefox and Safari today, or a device opened with
// `disableFeatures: ['subgroups']`), `enable subgroups;` alone makes the module invalid, so every
// pipeline of it compiles through WITHOUT_SUBGROUPS, which removes that line and the marked section.

import type { Gpu, ShaderEdit } from '../gpu/gpu.ts';

const ENABLE = 'enable subgroups;';
const BEGIN = '// BEGIN subgroups';
const END = '// END subgroups';

/**
 * The module without its subgroup passes: the `enable subgroups;` line and the lines from
 * `// BEGIN subgroups` to `// END subgroups` (both included) removed, nothing else changed. Throws,
 * naming the file and the lines, unless each of the three stands once, as a whole line, in that order.
 */
export function withoutSubgroups(wgsl: string, file: string): string {
  const lines = wgsl.split('\n');
  const at = (line: string) => {
    const found = lines.flatMap((text, index) => (text.trimEnd() === line ? [index] : []));
    if (found.length !== 1) {
      throw new Error(`${file}: expected one line "${line}", found ${found.length}`);
    }
    return found[0];
  };
  const enable = at(ENABLE);
  const begin = at(BEGIN);
  const end = at(END);
  if (!(enable < begin && begin < end)) {
    throw new Error(`${file}: expected "${ENABLE}", then "${BEGIN}", then "${END}", in that order`);
  }
  return lines.filter((_, index) => index !== enable && (index < begin || index > end)).join('\n');
}

/** The edit that compiles a module with subgroup passes on a device without `subgroups`. */
export const WITHOUT_SUBGROUPS: ShaderEdit = { name: 'without-subgroups', apply: withoutSubgroups };

/** What a pipeline of a module with subgroup passes compiles through on this device. */
export function subgroupsEdit(gpu: Gpu): ShaderEdit | undefined {
  return gpu.features.has('subgroups') ? undefined : WITHOUT_SUBGROUPS;
}
