// Uniform layouts described once: a shader's `struct Params` as a list of named 4-byte scalars, in
// order. The layout gives each field's offset, and packUniform() fills a buffer by field name (never
// by position). test/unit/uniform-layouts.test.ts prepares every registered kernel, sees which
// layout each pipeline's uniform was packed in (packedLayout) and checks it against the struct its
// shader declares, so a shader edit that moves a field fails a test.

export type ScalarType = 'u32' | 'i32' | 'f32';

export interface UniformField<N extends string = string> {
  readonly name: N;
  readonly type: ScalarType;
  /** Byte offset in the struct: 4 · index (every field is a 4-byte scalar). */
  readonly offset: number;
}

export interface UniformLayout<N extends string = string> {
  /** The WGSL struct's name ('Params'). */
  readonly struct: string;
  readonly fields: readonly UniformField<N>[];
  /** Bytes of the uniform buffer: the fields rounded up to 16. */
  readonly byteLength: number;
}

/** Field list of a layout: [name, type] pairs in the struct's order. */
export type FieldList = readonly (readonly [string, ScalarType])[];

/** Consecutive u32 fields, in order: `[...u32('rows', 'cols')]` is `[['rows', 'u32'], ['cols', 'u32']]`. */
export function u32<const N extends readonly string[]>(
  ...names: N
): { [I in keyof N]: readonly [N[I], 'u32'] } {
  return names.map((name) => [name, 'u32'] as const) as { [I in keyof N]: readonly [N[I], 'u32'] };
}

/** The layout of a struct of 4-byte scalars, in order. */
export function uniformLayout<const F extends FieldList>(
  struct: string,
  fields: F,
): UniformLayout<F[number][0]> {
  const seen = new Set<string>();
  for (const [name] of fields) {
    if (seen.has(name)) throw new Error(`${struct}: field ${name} appears twice`);
    seen.add(name);
  }
  return {
    struct,
    fields: fields.map(([name, type], index) => ({ name, type, offset: 4 * index })),
    byteLength: Math.ceil((4 * fields.length) / 16) * 16,
  };
}

/** Padding fields (`_pad0`, …) are written as 0 and never given. */
type Padding = `_${string}`;

/** The values of a layout's fields by name (padding excluded); booleans are written as 1 / 0. */
export type UniformValues<N extends string> = { [K in Exclude<N, Padding>]: number | boolean };

const LIMITS: Record<ScalarType, [number, number]> = {
  u32: [0, 0xffffffff],
  i32: [-0x80000000, 0x7fffffff],
  f32: [Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY],
};

/** The layout each packed buffer was packed in (so a test can check what a kernel binds). */
const packedLayouts = new WeakMap<ArrayBuffer, UniformLayout>();

/** The layout packUniform() packed these bytes in; undefined for bytes it did not make. */
export function packedLayout(bytes: ArrayBuffer): UniformLayout | undefined {
  return packedLayouts.get(bytes);
}

/** Packs values into the layout's bytes; a value that does not fit its field's type throws, naming it. */
export function packUniform<N extends string>(
  layout: UniformLayout<N>,
  values: UniformValues<N>,
): ArrayBuffer {
  const bytes = new ArrayBuffer(layout.byteLength);
  const view = new DataView(bytes);
  const given = values as Record<string, number | boolean | undefined>;
  for (const field of layout.fields) {
    const raw = given[field.name];
    if (field.name.startsWith('_')) continue;
    if (raw === undefined) throw new Error(`${layout.struct}.${field.name}: no value given`);
    const value = typeof raw === 'boolean' ? Number(raw) : raw;
    const [min, max] = LIMITS[field.type];
    const integral = field.type !== 'f32';
    if (!Number.isFinite(value) || (integral && !Number.isInteger(value)) || value < min || value > max) {
      throw new Error(`${layout.struct}.${field.name}: ${value} is not a ${field.type}`);
    }
    if (field.type === 'u32') view.setUint32(field.offset, value, true);
    else if (field.type === 'i32') view.setInt32(field.offset, value, true);
    else view.setFloat32(field.offset, value, true);
  }
  packedLayouts.set(bytes, layout as UniformLayout);
  return bytes;
}
