// Error types shared by the GPU layer, the kernels and the page.

/** A kernel declines a problem outside its kind (a decode kernel given a long query, say). */
export class UnsupportedProblemError extends Error {
  constructor(
    readonly kernel: string,
    readonly reason: string,
  ) {
    super(`${kernel}: ${reason}`);
    this.name = 'UnsupportedProblemError';
  }
}

/** No WebGPU adapter could be found; the message says what to install or enable. */
export class NoAdapterError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NoAdapterError';
  }
}

/** The device was lost (driver reset, watchdog, destroy()); everything created on it is gone. */
export class DeviceLostError extends Error {
  constructor(
    readonly reason: string,
    readonly detail: string,
  ) {
    super(`GPU device lost (${reason})${detail ? `: ${detail}` : ''}`);
    this.name = 'DeviceLostError';
  }
}

/** A WGSL module or pipeline that the adapter rejected, named by kernel. */
export class KernelCompileError extends Error {
  constructor(
    readonly kernel: string,
    readonly compilerMessage: string,
  ) {
    super(`${kernel}: shader or pipeline rejected by this adapter: ${compilerMessage}`);
    this.name = 'KernelCompileError';
  }
}

/** A GPU error captured by an error scope around a piece of work. */
export class GpuScopeError extends Error {
  constructor(
    readonly kind: 'validation' | 'out-of-memory' | 'internal',
    readonly what: string,
    message: string,
  ) {
    super(`${what}: GPU ${kind} error: ${message}`);
    this.name = 'GpuScopeError';
  }
}
