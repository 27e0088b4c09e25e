// The subgroup width of a device, measured (shaders/subgroup-size.wgsl: one workgroup of 64 invocations
// writes the subgroup_size builtin; the smallest value read back is returned), once per device; undefined
// without the `subgroups` feature. WebGPU reports no subgroup size in Dawn's adapter info here, and
// ONNX Runtime Web's FlashAttention WGSL is written for subgroups of at least 8 lanes (SwiftShader's
// have 4): the ORT peer says so beside its results where they are narrower.

import { loadShader } from '../gpu/shader-source.ts';

const SHADER = new URL('../../shaders/subgroup-size.wgsl', import.meta.url);
const INVOCATIONS = 64;
const measured = new WeakMap<GPUDevice, Promise<number | undefined>>();

async function measure(device: GPUDevice): Promise<number | undefined> {
  if (!device.features.has('subgroups')) return undefined;
  const code = await loadShader(SHADER);
  const bytes = INVOCATIONS * 4;
  const out = device.createBuffer({
    label: 'subgroup-lanes.out',
    size: bytes,
    usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC,
  });
  const readback = device.createBuffer({
    label: 'subgroup-lanes.read',
    size: bytes,
    usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
  });
  try {
    const pipeline = await device.createComputePipelineAsync({
      label: 'subgroup-lanes',
      layout: 'auto',
      compute: {
        module: device.createShaderModule({ label: 'subgroup-size.wgsl', code }),
        entryPoint: 'main',
      },
    });
    const group = device.createBindGroup({
      layout: pipeline.getBindGroupLayout(0),
      entries: [{ binding: 0, resource: { buffer: out } }],
    });
    const encoder = device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, group);
    pass.dispatchWorkgroups(1);
    pass.end();
    encoder.copyBufferToBuffer(out, 0, readback, 0, bytes);
    device.queue.submit([encoder.finish()]);
    await readback.mapAsync(GPUMapMode.READ);
    const lanes = Math.min(...new Uint32Array(readback.getMappedRange().slice(0)));
    readback.unmap();
    return lanes > 0 ? lanes : undefined;
  } finally {
    out.destroy();
    readback.destroy();
  }
}

/** Lanes per subgroup on this device (measured once), or undefined without `subgroups`. */
export function subgroupLanes(device: GPUDevice): Promise<number | undefined> {
  let lanes = measured.get(device);
  if (!lanes) {
    lanes = measure(device);
    measured.set(device, lanes);
  }
  return lanes;
}
