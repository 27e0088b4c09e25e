// Storage arrays sized in a module's text. WebGPU keeps every index into a storage array in bounds:
// Dawn clamps an index into a runtime-sized array (`array<T>`) against arrayLength(), and SwiftShader
// works that length out again at every access, where a fixed-size array (`array<T, N>`) is clamped
// against a constant. In a loop that streams two bindings (decode's K and V) that is a measurable
// part of a CPU adapter's time (SwiftShader, a K/V sum over two 4 MiB bindings: about 1.5 GB/s with
// runtime-sized arrays, 2.0 with sized ones, against 1.9–2.0 for the same sum over one binding). The
// price is one pipeline per size, so kernels size their arrays only where the stream is long.

import type { ShaderEdit } from '../gpu/gpu.ts';

/** The element types this edit handles, with their sizes in bytes. */
const ELEMENT_BYTES: Record<string, number> = {
  f32: 4,
  u32: 4,
  'vec2<u32>': 8,
  'vec4<f32>': 16,
};

/**
 * Rewrites `var<storage, read> NAME: array<T>;` as `array<T, N>` for each named binding, N the whole
 * elements of T in `bytes[NAME]` (the size of the buffer bound there: a binding must hold the array
 * it is declared as). `chained` is applied first. Throws, naming the file and the binding, unless
 * each declaration stands once with an element type of ELEMENT_BYTES and its buffer holds at least
 * one element.
 */
export function sizedArrays(bytes: Record<string, number>, chained?: ShaderEdit): ShaderEdit {
  const names = Object.keys(bytes).sort();
  return {
    name: `${chained ? `${chained.name}+` : ''}sized(${names.map((n) => `${n}:${bytes[n]}`).join(',')})`,
    apply(wgsl, file) {
      let text = chained ? chained.apply(wgsl, file) : wgsl;
      for (const name of names) {
        const pattern = new RegExp(`var<storage, read> ${name}: array<([\\w<>]+)>;`, 'g');
        const found = [...text.matchAll(pattern)];
        if (found.length !== 1) {
          throw new Error(
            `${file}: expected one runtime-sized declaration of ${name}, found ${found.length}`,
          );
        }
        const type = found[0][1];
        const size = ELEMENT_BYTES[type];
        if (!size)
          throw new Error(
            `${file}: ${name} has elements of ${type}, not one of ${Object.keys(ELEMENT_BYTES).join(', ')}`,
          );
        const n = Math.floor(bytes[name] / size);
        if (!(n >= 1))
          throw new Error(`${file}: ${name} of ${bytes[name]} bytes holds no ${type} (${size} bytes)`);
        text = text.replace(pattern, `var<storage, read> ${name}: array<${type}, ${n}>;`);
      }
      return text;
    },
  };
}
