// One open WebGPU device and everything attnscope does with it: pipelines (cached, compiled inside a
// validation scope that names the kernel), buffers, uploads, readback, error scopes, device loss.

import { describeValue } from '../util/text.ts';
import type { AdapterDescription, Runtime } from './adapter-info.ts';
import { DeviceLostError, GpuScopeError, KernelCompileError } from './errors.ts';
import { sleepFor, waitsRest } from './pace.ts';
import { loadShader } from './shader-source.ts';

export interface PipelineSpec {
  /** Kernel name, used in labels and error messages. */
  kernel: string;
  shader: URL;
  /** Applied to the shader's text before it is compiled: a kernel built from another one's source. */
  edit?: ShaderEdit;
  entryPoint: string;
  constants?: Record<string, number>;
}

/**
 * A named text change to a shader, for what override constants cannot express (an `enable`, a type
 * the module may only name under it). apply() throws when the text it replaces is not there.
 */
export interface ShaderEdit {
  /** Part of the pipeline cache's key. */
  name: string;
  /** `file`: the shader's file name, for error messages. */
  apply(wgsl: string, file: string): string;
}

export interface GpuInit {
  device: GPUDevice;
  adapter: AdapterDescription;
  runtime: Runtime;
  timestampQuantized: boolean;
  /** Node: Dawn's GPU instance, held while the device lives and dropped in close() so Node can exit. */
  instance?: GPU;
}

/** The size of the buffer Gpu.upload() makes for `byteLength` bytes: whole vec4, at least one. */
export function uploadSize(byteLength: number): number {
  return Math.max(16, Math.ceil(byteLength / 16) * 16);
}

const pipelineCache = new WeakMap<GPUDevice, Map<string, Promise<GPUComputePipeline>>>();

export class Gpu {
  readonly device: GPUDevice;
  readonly adapter: AdapterDescription;
  readonly runtime: Runtime;
  readonly features: ReadonlySet<string>;
  readonly limits: GPUSupportedLimits;
  readonly timestampQuantized: boolean;
  /**
   * Whether timed waits sleep before polling (rest()): in Node, whose WebGPU binding polls in a busy
   * loop while it waits, on a CPU adapter, whose kernels need those cores (pace.ts).
   */
  readonly restsBeforeWaits: boolean;
  /** Set once the device is lost; every later call throws DeviceLostError. */
  lostInfo: DeviceLostError | undefined;
  /** Uncaptured GPU errors (outside any scope), newest last, at most 20 kept. */
  readonly uncapturedErrors: string[] = [];
  private instance: GPU | undefined;
  private closed = false;
  private readonly lostListeners = new Set<(error: DeviceLostError) => void>();

  constructor(init: GpuInit) {
    this.device = init.device;
    this.adapter = init.adapter;
    this.runtime = init.runtime;
    this.features = new Set(init.device.features);
    this.limits = init.device.limits;
    this.timestampQuantized = init.timestampQuantized;
    this.restsBeforeWaits = waitsRest(init.runtime, init.adapter);
    this.instance = init.instance;
    init.device.lost.then((info) => {
      const reason = this.closed ? 'destroyed' : (info.reason ?? 'unknown');
      this.lostInfo = new DeviceLostError(reason, info.message);
      for (const listener of this.lostListeners) listener(this.lostInfo);
    });
    init.device.addEventListener('uncapturederror', (event) => {
      const message = (event as GPUUncapturedErrorEvent).error.message;
      this.uncapturedErrors.push(message);
      if (this.uncapturedErrors.length > 20) this.uncapturedErrors.shift();
    });
  }

  get isLost(): boolean {
    return this.lostInfo !== undefined;
  }

  /** Calls listener once if the device is lost. Returns an unsubscribe function. */
  onLost(listener: (error: DeviceLostError) => void): () => void {
    this.lostListeners.add(listener);
    return () => this.lostListeners.delete(listener);
  }

  /** Throws DeviceLostError if the device is gone. */
  assertAlive(): void {
    if (this.lostInfo) throw this.lostInfo;
    if (this.closed) throw new DeviceLostError('destroyed', 'the Gpu was closed');
  }

  /** A compute pipeline, compiled once per device, kernel, entry point and constants. */
  pipeline(spec: PipelineSpec): Promise<GPUComputePipeline> {
    this.assertAlive();
    let cache = pipelineCache.get(this.device);
    if (!cache) {
      cache = new Map();
      pipelineCache.set(this.device, cache);
    }
    const constants = spec.constants ?? {};
    const key = `${spec.kernel}|${spec.shader.href}|${spec.edit?.name ?? ''}|${spec.entryPoint}|${JSON.stringify(
      Object.entries(constants).sort(([a], [b]) => a.localeCompare(b)),
    )}`;
    let pipeline = cache.get(key);
    if (!pipeline) {
      pipeline = this.compile(spec, constants);
      cache.set(key, pipeline);
      pipeline.catch(() => cache.delete(key));
    }
    return pipeline;
  }

  private async compile(spec: PipelineSpec, constants: Record<string, number>): Promise<GPUComputePipeline> {
    const source = await loadShader(spec.shader);
    const code = spec.edit ? spec.edit.apply(source, spec.shader.pathname.split('/').pop() ?? '') : source;
    const label = `${spec.kernel}.${spec.entryPoint}`;
    this.device.pushErrorScope('validation');
    const module = this.device.createShaderModule({ label: `${spec.kernel}.module`, code });
    let pipeline: GPUComputePipeline | undefined;
    let failure: string | undefined;
    try {
      pipeline = await this.device.createComputePipelineAsync({
        label,
        layout: 'auto',
        compute: { module, entryPoint: spec.entryPoint, constants },
      });
    } catch (error) {
      failure = error instanceof Error ? error.message : String(error);
    }
    const scopeError = await this.device.popErrorScope();
    if (failure || scopeError || !pipeline) {
      const info = await module.getCompilationInfo();
      const diagnostics = info.messages
        .filter((m) => m.type === 'error')
        .map((m) => `line ${m.lineNum}:${m.linePos} ${m.message}`)
        .join('; ');
      throw new KernelCompileError(label, diagnostics || failure || scopeError?.message || 'unknown error');
    }
    return pipeline;
  }

  /** A storage buffer (plus copy usages) of byteLength bytes, rounded up to 4. */
  buffer(label: string, byteLength: number, usage: GPUBufferUsageFlags = 0): GPUBuffer {
    this.assertAlive();
    const size = Math.max(4, Math.ceil(byteLength / 4) * 4);
    return this.device.createBuffer({
      label,
      size,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST | usage,
    });
  }

  /** A buffer initialised with data (storage by default, uniform when usage says so). */
  upload(
    label: string,
    data: ArrayBufferView,
    usage: GPUBufferUsageFlags = GPUBufferUsage.STORAGE,
  ): GPUBuffer {
    this.assertAlive();
    const size = uploadSize(data.byteLength);
    const buffer = this.device.createBuffer({
      label,
      size,
      usage: usage | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC,
      mappedAtCreation: true,
    });
    new Uint8Array(buffer.getMappedRange()).set(
      new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    );
    buffer.unmap();
    return buffer;
  }

  /** A uniform buffer holding the given 32-bit words (u32, i32 or f32 views of one ArrayBuffer). */
  uniform(label: string, words: ArrayBuffer): GPUBuffer {
    return this.upload(label, new Uint8Array(words), GPUBufferUsage.UNIFORM);
  }

  /**
   * A bind group for group 0 of an 'auto'-layout pipeline: binding i = buffers[i] for an array, or
   * the listed bindings for a record ('auto' layouts hold only the bindings an entry point uses).
   */
  bindGroup(
    label: string,
    pipeline: GPUComputePipeline,
    buffers: readonly GPUBuffer[] | Readonly<Record<number, GPUBuffer>>,
  ): GPUBindGroup {
    return this.device.createBindGroup({
      label,
      layout: pipeline.getBindGroupLayout(0),
      entries: Object.entries(buffers).map(([binding, buffer]) => ({
        binding: Number(binding),
        resource: { buffer },
      })),
    });
  }

  /** Copies byteLength bytes of a buffer back to the CPU. Never use its time as kernel time. */
  async read(buffer: GPUBuffer, byteLength = buffer.size): Promise<ArrayBuffer> {
    this.assertAlive();
    const size = Math.ceil(byteLength / 4) * 4;
    const staging = this.device.createBuffer({
      label: `${buffer.label}.readback`,
      size,
      usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
    });
    try {
      const encoder = this.device.createCommandEncoder({ label: `${buffer.label}.readback` });
      encoder.copyBufferToBuffer(buffer, 0, staging, 0, size);
      this.device.queue.submit([encoder.finish()]);
      await this.raceLost(staging.mapAsync(GPUMapMode.READ));
      return staging.getMappedRange().slice(0, byteLength);
    } finally {
      staging.destroy();
    }
  }

  /**
   * Runs fn inside out-of-memory and validation error scopes; a captured error is thrown as a
   * GpuScopeError naming `what` (a function is called only on error, so it can list what was asked).
   * Use it around allocation, encoding and submission of one piece of work.
   */
  async scoped<T>(what: string | (() => string), fn: () => T | Promise<T>): Promise<T> {
    this.assertAlive();
    this.device.pushErrorScope('out-of-memory');
    this.device.pushErrorScope('validation');
    let value: T | undefined;
    let thrown: unknown;
    try {
      value = await fn();
    } catch (error) {
      thrown = error;
    }
    const validation = await this.device.popErrorScope();
    const oom = await this.device.popErrorScope();
    if (thrown !== undefined) throw thrown;
    const name = () => (typeof what === 'string' ? what : what());
    if (oom) throw new GpuScopeError('out-of-memory', name(), oom.message);
    if (validation) throw new GpuScopeError('validation', name(), validation.message);
    return value as T;
  }

  /**
   * Resolves when the queue has finished the work submitted so far (or rejects if the device is lost),
   * after rest(restMs): how long to sleep before polling, from WaitPace (0: poll at once).
   */
  async idle(restMs = 0): Promise<void> {
    await this.rest(restMs);
    await this.raceLost(this.device.queue.onSubmittedWorkDone());
  }

  /** Sleeps for `ms` where restsBeforeWaits (and `ms` is at least 1: a timer's granularity); else returns. */
  async rest(ms: number): Promise<void> {
    if (this.restsBeforeWaits) await sleepFor(ms);
  }

  private raceLost<T>(work: Promise<T>): Promise<T> {
    this.assertAlive();
    return new Promise<T>((resolve, reject) => {
      const off = this.onLost(reject);
      work.then(
        (value) => {
          off();
          if (this.lostInfo) reject(this.lostInfo);
          else resolve(value);
        },
        (error) => {
          off();
          reject(this.lostInfo ?? error);
        },
      );
    });
  }

  /** Destroys the device so nothing keeps running (Node exits; the browser frees the memory). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.instance = undefined;
    this.device.destroy();
  }
}

/**
 * Which adapter kind's defaults a kernel takes: its own adapter's unless forced (tests run the
 * hardware paths on a software adapter this way, and autotune tries both).
 */
export type AdapterKind = 'hardware' | 'software';

export function isSoftwareKind(gpu: Gpu, forced: AdapterKind | undefined): boolean {
  return forced ? forced === 'software' : gpu.adapter.isSoftware;
}

/** Throws unless `gpu` is a Gpu from openGpu(); `what` names the argument in the message. */
export function checkGpu(gpu: unknown, what = 'gpu'): asserts gpu is Gpu {
  if (!(gpu instanceof Gpu)) {
    throw new Error(`${what}: expected a Gpu from openGpu(), got ${describeValue(gpu)}`);
  }
}
