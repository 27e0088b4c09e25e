// Bad arguments to the public API get a clear Error naming the argument or field, never a bare
// TypeError or a silent coercion: dequantize() checks a packed matrix as gemv() does (before
// allocating), blockMask.fromDense() takes only exact 0/1 values, null or missing arguments of
// attention / matmul / gemv, the mask builders, describeAdapter() and openGpu() are named, an object
// that is not a Gpu is named, misspelt fields of the mask builders and topK are refused, and
// openGpu() checks its options before it requests an adapter (a stubbed navigator.gpu, no GPU), the
// *-f16 attention kernels and f16 quantize() refuse values past f16's range. One
// valid row per function shows valid input still goes through.

import { afterEach, describe, expect, it, vi } from 'vitest';
import { attention, gemv, matmul } from '../../src/api.ts';
import { adapterName, describeAdapter } from '../../src/gpu/adapter-info.ts';
import { Gpu } from '../../src/gpu/gpu.ts';
import { type OpenGpuOptions, openGpu } from '../../src/gpu/open.ts';
import { gemvLayout } from '../../src/kernels/gemv-common.ts';
import { dequantize, type QuantizedMatrix, quantize } from '../../src/kernels/quantize.ts';
import { BlockMask, blockMask, type MaskShape } from '../../src/masks/index.ts';
import { attentionReference } from '../../src/reference/attention.ts';
import { smallAttentionInput } from './attention-input-fixture.ts';

/**
 * Enough of a Gpu for validation and kernel selection (WebGPU's default limits, no features), made
 * without a device: a Gpu's prototype with these fields.
 */
const fakeGpu = Object.assign(Object.create(Gpu.prototype), {
  features: new Set<string>(),
  adapter: { vendor: '', architecture: '', device: '', description: '', isSoftware: false },
  limits: {
    maxStorageBufferBindingSize: 134217728,
    maxBufferSize: 268435456,
    maxComputeWorkgroupStorageSize: 16384,
    maxComputeInvocationsPerWorkgroup: 256,
    maxComputeWorkgroupSizeX: 256,
    maxComputeWorkgroupSizeY: 256,
    maxComputeWorkgroupsPerDimension: 65535,
    maxStorageBuffersPerShaderStage: 8,
    minStorageBufferOffsetAlignment: 256,
  },
}) as Gpu;

/** Thrown by onKernel in the valid rows: validation passed and a kernel was chosen. */
class Reached extends Error {}
const reached = (name: string) => {
  throw new Reached(`reached onKernel(${name})`);
};

const attentionInput = smallAttentionInput;
const mm = { m: 2, k: 3, n: 4 };
const a = new Float32Array(6);
const b = new Float32Array(12);
const w = Float32Array.from({ length: 8 * 4 }, (_, i) => (i % 7) - 3);
const qw8 = quantize(w, { k: 8, n: 4, format: 'int8' });
const qwF32 = quantize(w, { k: 8, n: 4, format: 'f32' });
const x = new Float32Array(8);
const topKInput = {
  q: new Float32Array(64),
  k: new Float32Array(64),
  heads: 1,
  seqQ: 16,
  seqK: 16,
  headDim: 4,
  blockSize: 4,
  keep: 1,
};

describe('dequantize checks the packed matrix as gemv() does', () => {
  it.each<[string, unknown, string]>([
    ['null', null, 'qw: expected a quantised matrix'],
    ['weights too short', { ...qwF32, weights: new Uint32Array(4) }, 'qw.weights: length 4 does not match'],
    ['weights not a Uint32Array', { ...qwF32, weights: [1, 2] }, 'qw.weights: expected a Uint32Array'],
    ['int8 without scales', { ...qw8, scales: undefined }, 'qw.scales: expected a Uint32Array'],
    ['int8 scales too short', { ...qw8, scales: new Uint32Array(1) }, 'qw.scales: length 1 does not match'],
    ['k far too large', { ...qw8, k: 1e8 }, 'qw.k: 100000000 exceeds the limit'],
    ['k negative', { ...qw8, k: -1 }, 'qw.k: must be at least 1, got -1'],
    ['n not an integer', { ...qw8, n: 2.5 }, 'qw.n: expected an integer'],
    ['unknown format', { ...qw8, format: 'int2' }, 'qw.format: unknown weight format "int2"'],
  ])('%s', (_name, qw, message) => {
    expect(() => dequantize(qw as QuantizedMatrix)).toThrow(message);
  });

  it('valid: f32 comes back exactly, int8 within half a step (max |w| / 254)', () => {
    expect(Array.from(dequantize(qwF32))).toEqual(Array.from(w));
    const back = dequantize(qw8);
    expect(back.length).toBe(32);
    for (const [i, value] of back.entries())
      expect(Math.abs(value - w[i])).toBeLessThanOrEqual(3 / 254 + 1e-6);
  });
});

describe('blockMask.fromDense takes exact 0/1 values only', () => {
  const shape = { blockSize: 16, seqQ: 32, seqK: 32 };
  it.each<[string, unknown, unknown, string]>([
    ['257 (wraps to 1)', [257, 0, 1, 1], shape, 'mask.layout[0]: expected 0 or 1, got 257'],
    ['0.7 (truncates to 0)', [1, 0.7, 1, 1], shape, 'mask.layout[1]: expected 0 or 1, got 0.7'],
    ['1.5 (truncates to 1)', [1, 0, 1.5, 1], shape, 'mask.layout[2]: expected 0 or 1, got 1.5'],
    ['-255 (wraps to 1)', [1, 0, 1, -255], shape, 'mask.layout[3]: expected 0 or 1, got -255'],
    ['NaN (becomes 0)', [Number.NaN, 0, 1, 1], shape, 'mask.layout[0]: expected 0 or 1, got NaN'],
    ['a string element', [1, '1', 1, 1], shape, 'mask.layout[1]: expected 0 or 1, got "1"'],
    [
      '0.5 in a Float64Array',
      Float64Array.of(1, 0.5, 1, 1),
      shape,
      'mask.layout[1]: expected 0 or 1, got 0.5',
    ],
    ['a string layout', '1011', shape, 'blockMask.fromDense: layout must be a Uint8Array or an array'],
    ['a null layout', null, shape, 'blockMask.fromDense: layout must be a Uint8Array or an array'],
    ['a missing shape', [1, 0, 1, 1], undefined, 'blockMask.fromDense: shape must be an object'],
    ['a null shape', [1, 0, 1, 1], null, 'blockMask.fromDense: shape must be an object'],
  ])('%s', (_name, layout, maskShape, message) => {
    expect(() => blockMask.fromDense(layout as number[], maskShape as MaskShape)).toThrow(message);
  });

  it('valid: a plain 0/1 array gives the same mask as a Uint8Array', () => {
    const mask = blockMask.fromDense([1, 0, 1, 1], shape);
    expect(Array.from(mask.layout)).toEqual([1, 0, 1, 1]);
    expect(mask.nnz).toBe(3);
  });
});

describe('mask builders name a missing shape or options', () => {
  const shape = { blockSize: 16, seqQ: 64, seqK: 64 };
  const call = blockMask as unknown as Record<string, (...args: unknown[]) => unknown>;
  it.each<[string, unknown[], string]>([
    ['causal', [], 'blockMask.causal: shape must be an object { blockSize, seqQ, seqK }, got undefined'],
    ['causal', [null], 'blockMask.causal: shape must be an object'],
    ['slidingWindow', [undefined, { window: 3 }], 'blockMask.slidingWindow: shape must be an object'],
    ['slidingWindow', [shape, null], 'blockMask.slidingWindow: options must be an object'],
    ['strided', [shape, null], 'blockMask.strided: options must be an object'],
    ['bigBird', [shape, null], 'blockMask.bigBird: options must be an object'],
    ['bigBird', [null], 'blockMask.bigBird: shape must be an object'],
    [
      'slidingWindow',
      [shape, { window: 3, casual: true }],
      "blockMask.slidingWindow options: unknown field 'casual' (did you mean 'causal'?)",
    ],
    ['strided', [shape, { stride: 2, locale: 1 }], "unknown field 'locale' (did you mean 'local'?)"],
    [
      'bigBird',
      [shape, { windw: 1 }],
      "blockMask.bigBird options: unknown field 'windw' (did you mean 'window'?)",
    ],
  ])('%s(%j)', (builder, args, message) => {
    expect(() => call[builder](...args)).toThrow(message);
  });

  it('valid: bigBird with options omitted uses the defaults', () => {
    expect(blockMask.bigBird(shape).pattern).toBe('bigbird(g=1,w=3,r=1,seed=0)');
    expect(blockMask.causal(shape).nnz).toBe(10);
  });
});

describe('attention, matmul and gemv name null options and a non-function onKernel', () => {
  const run = {
    attention: (options: unknown) => attention(fakeGpu, attentionInput(), options as never),
    matmul: (options: unknown) => matmul(fakeGpu, a, b, { ...mm, ...(options as object) }),
    gemv: (options: unknown) => gemv(fakeGpu, x, qw8, { rows: 1, ...(options as object) }),
  };
  it.each<[string, () => Promise<unknown>, string]>([
    ['attention(gpu, input, null)', () => run.attention(null), 'attention options: expected an object'],
    ['attention onKernel', () => run.attention({ onKernel: 'x' }), 'options.onKernel: expected a function'],
    ['matmul onKernel', () => run.matmul({ onKernel: 'x' }), 'options.onKernel: expected a function'],
    ['gemv onKernel', () => run.gemv({ onKernel: 'x' }), 'options.onKernel: expected a function'],
    [
      'attention(null, …)',
      () => attention(null as unknown as Gpu, attentionInput()),
      'gpu: expected a Gpu from openGpu(), got null',
    ],
    [
      'attention({}, …): an object that is not a Gpu',
      () => attention({} as Gpu, attentionInput()),
      'gpu: expected a Gpu from openGpu(), got object',
    ],
    [
      'blockMask.topK(null, …)',
      () => blockMask.topK(null as unknown as Gpu, { ...topKInput }),
      'blockMask.topK: gpu: expected a Gpu from openGpu(), got null',
    ],
    [
      'a misspelt topK field',
      () => blockMask.topK(fakeGpu, { ...topKInput, casual: true } as never),
      "blockMask.topK: unknown field 'casual' (did you mean 'causal'?)",
    ],
    [
      'a misspelt attention field',
      () => attention(fakeGpu, { ...attentionInput(), casual: true } as never),
      "attention input: unknown field 'casual' (did you mean 'causal'?)",
    ],
    [
      'a misspelt attention option',
      () => run.attention({ kernal: 'flash' }),
      "attention options: unknown field 'kernal' (did you mean 'kernel'?)",
    ],
    [
      'a misspelt matmul option',
      () => run.matmul({ activaton: 'gelu' }),
      "matmul options: unknown field 'activaton' (did you mean 'activation'?)",
    ],
    [
      'an unknown gemv option',
      () => run.gemv({ bias: new Float32Array(4) }),
      "gemv options: unknown field 'bias'; expected rows, residual, gate, kernel, onKernel",
    ],
  ])('%s', async (_name, go, message) => {
    await expect(go()).rejects.toThrow(message);
  });

  it.each([
    ['attention', () => run.attention({ onKernel: reached })],
    ['matmul', () => run.matmul({ onKernel: reached })],
    ['gemv', () => run.gemv({ onKernel: reached })],
  ])('valid: %s passes validation and calls onKernel with the kernel chosen', async (_name, go) => {
    // The fake GPU cannot run a kernel: onKernel throws to stop the call there.
    await expect(go()).rejects.toThrow(Reached);
  });
});

describe('NaN and infinities are refused by name, wherever a Float32Array goes in', () => {
  const withAt = (array: Float32Array, index: number, value: number) => {
    const copy = array.slice();
    copy[index] = value;
    return copy;
  };
  const input = attentionInput();
  it.each<[string, () => unknown, string]>([
    [
      'attention q',
      () => attention(fakeGpu, { ...input, q: withAt(input.q, 5, Number.NaN) }),
      'q: element 5 is NaN',
    ],
    [
      'attention v',
      () => attention(fakeGpu, { ...input, v: withAt(input.v, 0, -Infinity) }),
      'v: element 0 is -Infinity',
    ],
    ['matmul b', () => matmul(fakeGpu, a, withAt(b, 11, Infinity), mm), 'b: element 11 is Infinity'],
    ['gemv x', () => gemv(fakeGpu, withAt(x, 2, Number.NaN), qw8, { rows: 1 }), 'x: element 2 is NaN'],
    [
      'quantize w',
      () => quantize(withAt(w, 31, Number.NaN), { k: 8, n: 4, format: 'int4' }),
      'w: element 31 is NaN',
    ],
    [
      'blockMask.topK k',
      () => blockMask.topK(fakeGpu, { ...topKInput, k: withAt(topKInput.k, 63, Number.NaN) }),
      'blockMask.topK: k: element 63 is NaN',
    ],
    [
      'attentionReference q',
      () => attentionReference({ ...input, q: withAt(input.q, 1, Number.NaN) }),
      'q: element 1 is NaN',
    ],
  ])('%s', async (_name, call, message) => {
    await expect((async () => call())()).rejects.toThrow(`${message}; expected finite values`);
  });
});

describe('the *-f16 kernels refuse K and V past the f16 range, which they would pack undefined', () => {
  const input = attentionInput();
  /** The input with element 7 of k or v set to `value`. */
  const holding = (field: 'k' | 'v', value: number) => {
    const array = input[field].slice();
    array[7] = value;
    return { ...input, [field]: array };
  };
  it.each([
    ['flash-f16', 'k', 70000],
    ['decode-f16', 'v', -65520],
  ] as const)('%s: %s holding %d', async (kernel, field, value) => {
    await expect(attention(fakeGpu, holding(field, value), { kernel, onKernel: reached })).rejects.toThrow(
      `${field}: element 7 is ${value}, beyond f16's largest value 65504 (${kernel} stores K and V as f16)`,
    );
  });

  it('valid: 65504 and values that round down to it go through, and f32 kernels take 70000', async () => {
    for (const value of [65504, -65519]) {
      await expect(
        attention(fakeGpu, holding('k', value), { kernel: 'flash-f16', onKernel: reached }),
      ).rejects.toThrow(Reached);
    }
    await expect(
      attention(fakeGpu, holding('k', 70000), { kernel: 'flash', onKernel: reached }),
    ).rejects.toThrow(Reached);
  });

  it('quantize names the same limit for f16 weights', () => {
    const big = w.slice();
    big[3] = 1e5;
    expect(() => quantize(big, { k: 8, n: 4, format: 'f16' })).toThrow(
      "w: element 3 is 100000, beyond f16's largest value 65504",
    );
  });
});

describe('null is not a left-out field: it is refused, not read as the default', () => {
  const input = attentionInput();
  it.each<[string, () => unknown, string]>([
    [
      'attention causal',
      () => attention(fakeGpu, { ...input, causal: null } as never),
      'causal: expected true or false, got null',
    ],
    [
      'attention scale',
      () => attention(fakeGpu, { ...input, scale: null } as never),
      'scale: expected a finite number, got null',
    ],
    [
      'attention kernel',
      () => attention(fakeGpu, input, { kernel: null } as never),
      "unknown attention kernel 'null'",
    ],
    [
      'matmul activation',
      () => matmul(fakeGpu, a, b, { ...mm, activation: null } as never),
      'activation: expected',
    ],
    [
      'quantize groupSize',
      () => quantize(w, { k: 8, n: 4, format: 'int4', groupSize: null } as never),
      'groupSize: null is not offered',
    ],
    ['gemvLayout k', () => gemvLayout({ k: -5, n: 2, format: 'f32' }), 'k: must be at least 1, got -5'],
    ['gemvLayout n', () => gemvLayout({ k: 8, n: 2.5, format: 'f32' }), 'n: expected an integer, got 2.5'],
    [
      'gemvLayout k as a string',
      () => gemvLayout({ k: '64', n: 4, format: 'f32' } as never),
      'k: expected a positive integer, got the string "64"',
    ],
    [
      'slidingWindow causal',
      () =>
        blockMask.slidingWindow({ blockSize: 4, seqQ: 16, seqK: 16 }, { window: 3, causal: null } as never),
      'blockMask.slidingWindow: causal must be true or false, got null',
    ],
    [
      'bigBird window',
      () => blockMask.bigBird({ blockSize: 4, seqQ: 16, seqK: 16 }, { window: null } as never),
      'blockMask.bigBird: window must be an integer ≥ 1, got null',
    ],
    [
      'bigBird seed',
      () => blockMask.bigBird({ blockSize: 4, seqQ: 16, seqK: 16 }, { seed: null } as never),
      'blockMask.bigBird: seed must be an integer in [0, 4294967295], got null',
    ],
    [
      'topK causal',
      () => blockMask.topK(fakeGpu, { ...topKInput, causal: null } as never),
      'blockMask.topK: causal must be true or false, got null',
    ],
    [
      'new BlockMask with no shape',
      () => new BlockMask(new Uint8Array(1), null as never),
      'mask shape: expected { blockSize, seqQ, seqK }, got null',
    ],
  ])('%s', async (_name, call, message) => {
    await expect((async () => call())()).rejects.toThrow(message);
  });
});

describe('describeAdapter', () => {
  it.each<[unknown, string]>([
    [null, 'describeAdapter: info: expected a GPUAdapterInfo object (adapter.info), got null'],
    [undefined, 'describeAdapter: info: expected a GPUAdapterInfo object (adapter.info), got undefined'],
  ])('%s', (info, message) => {
    expect(() => describeAdapter(info as GPUAdapterInfo)).toThrow(message);
  });

  it('valid: a software adapter is told apart', () => {
    const info = { vendor: 'google', architecture: 'swiftshader', device: '', description: '' };
    expect(describeAdapter(info as GPUAdapterInfo).isSoftware).toBe(true);
  });

  it.each<[string, GPUAdapterInfo, string]>([
    [
      'SwiftShader',
      {
        vendor: 'google',
        architecture: 'swiftshader',
        device: 'swiftshader-device-subzero-',
        description: 'SwiftShader driver 5.0.0',
      } as GPUAdapterInfo,
      'google swiftshader (SwiftShader driver 5.0.0)',
    ],
    [
      // Dawn on an H200 (Vulkan, driver 580.159.04): no architecture, the chip in `device`.
      'an H200 through Dawn',
      {
        vendor: 'nvidia',
        architecture: '',
        device: 'nvidia-h200',
        description: 'NVIDIA: 580.159.04 580.159.4.0',
      } as GPUAdapterInfo,
      'nvidia nvidia-h200 (NVIDIA: 580.159.04 580.159.4.0)',
    ],
    [
      'nothing known',
      { vendor: '', architecture: '', device: '', description: '' } as GPUAdapterInfo,
      'unknown adapter',
    ],
  ])('adapterName: %s', (_name, info, name) => {
    expect(adapterName(describeAdapter(info))).toBe(name);
  });
});

describe('openGpu checks its options before requesting an adapter', () => {
  /** A navigator.gpu whose adapter has every optional feature; records what openGpu asks for. */
  function stubNavigator() {
    const requestDevice = vi.fn(async (descriptor: GPUDeviceDescriptor) => ({
      features: new Set(descriptor.requiredFeatures),
      limits: {},
      lost: new Promise(() => {}),
      addEventListener: () => {},
    }));
    const adapter = {
      features: new Set(['timestamp-query', 'shader-f16', 'subgroups']),
      limits: {},
      info: { vendor: 'test', architecture: '', device: '', description: '' },
      requestDevice,
    };
    const requestAdapter = vi.fn(async () => adapter);
    vi.stubGlobal('navigator', { gpu: { requestAdapter } });
    return { requestAdapter, requestDevice };
  }
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it.each<[string, unknown, string]>([
    ['null options', null, 'openGpu options: expected an object or undefined, got null'],
    [
      'disableFeatures as a string',
      { disableFeatures: 'subgroups' },
      "openGpu options.disableFeatures: expected an array of feature names ('timestamp-query', 'shader-f16', 'subgroups')",
    ],
    [
      'an unknown feature',
      { disableFeatures: ['subgroup'] },
      'openGpu options.disableFeatures[0]: unknown optional feature "subgroup"',
    ],
    [
      'an unknown powerPreference',
      { powerPreference: 'fast' },
      `openGpu options.powerPreference: expected 'low-power' or 'high-performance' or undefined, got "fast"`,
    ],
  ])('%s', async (_name, options, message) => {
    const { requestAdapter } = stubNavigator();
    await expect(openGpu(options as OpenGpuOptions)).rejects.toThrow(message);
    expect(requestAdapter).not.toHaveBeenCalled();
  });

  it('valid: the preference reaches requestAdapter and a disabled feature is not required', async () => {
    const { requestAdapter, requestDevice } = stubNavigator();
    const gpu = await openGpu({ powerPreference: 'low-power', disableFeatures: ['subgroups'] });
    expect(requestAdapter).toHaveBeenCalledWith({ powerPreference: 'low-power' });
    expect(requestDevice.mock.calls[0][0].requiredFeatures).toEqual(['timestamp-query', 'shader-f16']);
    expect(gpu.features.has('subgroups')).toBe(false);
  });
});
