// copy: the bandwidth probe. dst = src, 16 bytes per access, grid-stride so a fixed grid covers any
// length. Reads n and writes n bytes: the ceiling against which every kernel's GB/s is judged.
// src and dst are (n / 16) vec4<f32>. The host picks the grid: thousands of workgroups on a GPU, a
// few on a software adapter (which pays per workgroup).

override WORKGROUP_SIZE: u32 = 256u;

@group(0) @binding(0) var<storage, read> src: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read_write> dst: array<vec4<f32>>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let stride = groups.x * WORKGROUP_SIZE;
  let count = min(arrayLength(&src), arrayLength(&dst));
  for (var i = gid.x; i < count; i += stride) {
    dst[i] = src[i];
  }
}
