// The grid-stride bandwidth probes, 16 bytes per access, grid-stride so a fixed grid covers any
// length. The host picks the grid: thousands of workgroups on a GPU, a few on a software adapter
// (which pays per workgroup).
//   copy: dst = src. Reads n and writes n bytes: the ceiling against which every kernel's GB/s is
//     judged. src and dst are (n / 16) vec4<f32>.
//   read: sums src as u32 words (wrapping adds: exact, and the CPU can check them bit for bit); each
//     invocation writes one vec4: its four sums folded to 16 bits, as f32 integers. Reads n bytes
//     and writes 16 per invocation: the ceiling of kernels that read far more than they write
//     (decode), where copy, which writes as much as it reads, is the ceiling of kernels that move
//     data both ways. src is (n / 16) vec4; dst holds at least one vec4 per invocation.
// Entry points copy_probe and read_probe; each sees binding 0 as its own type (and uses only its
// own view).

override WORKGROUP_SIZE: u32 = 256u;

@group(0) @binding(0) var<storage, read> src: array<vec4<f32>>; // copy_probe
@group(0) @binding(0) var<storage, read> words: array<vec4<u32>>; // read_probe
@group(0) @binding(1) var<storage, read_write> dst: array<vec4<f32>>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn copy_probe(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let stride = groups.x * WORKGROUP_SIZE;
  let count = min(arrayLength(&src), arrayLength(&dst));
  for (var i = gid.x; i < count; i += stride) {
    dst[i] = src[i];
  }
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn read_probe(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let stride = groups.x * WORKGROUP_SIZE;
  let count = arrayLength(&words);
  if (gid.x >= arrayLength(&dst)) {
    return;
  }
  // Two accumulators: the adds of one do not wait on the other's.
  var a = vec4<u32>(0u);
  var b = vec4<u32>(0u);
  var i = gid.x;
  for (; i + stride < count; i += 2u * stride) {
    a += words[i];
    b += words[i + stride];
  }
  if (i < count) {
    a += words[i];
  }
  let sum = a + b;
  dst[gid.x] = vec4<f32>((sum ^ (sum >> vec4<u32>(16u))) & vec4<u32>(0xffffu));
}
