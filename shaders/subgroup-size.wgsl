// Subgroup width of the device: one workgroup of 64 invocations, each writes the subgroup_size builtin
// to out[local_invocation_index] (64 u32). Read by src/peers/subgroup-lanes.ts; needs the `subgroups`
// feature. Not a benchmark: it tells the ONNX Runtime Web peer whether ORT's subgroup shaders, written
// for subgroups of at least 8 lanes, can be right on this device.
enable subgroups;

@group(0) @binding(0) var<storage, read_write> out: array<u32>;

@compute @workgroup_size(64)
fn main(@builtin(local_invocation_index) i: u32, @builtin(subgroup_size) lanes: u32) {
  out[i] = lanes;
}
