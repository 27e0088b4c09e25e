// The bandwidth probes, 16 bytes per access, a fixed grid covering any length. The host picks the
// grid and the layout. GPUs: thousands of workgroups, grid-stride (invocation t takes vec4 t,
// t + stride, …: neighbouring lanes read neighbouring 16 bytes in every trip, so loads coalesce).
// Software adapters (BLOCKED): a few workgroups (a CPU adapter pays per workgroup), and invocation t
// takes one contiguous chunk of vec4 (a CPU thread then follows a few streams its prefetcher can
// see; grid-stride would jump stride · 16 bytes, whole pages, between one invocation's loads, and
// measured about 15% (16 MiB) to 40% (2 MiB) below the blocked read on SwiftShader: no ceiling);
// read walks its chunk as four streams, one per quarter, which copy measured no faster doing.
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
override BLOCKED: bool = false;

// Invocation t's vec4 of count: first, step between its loads and end (exclusive).
fn span(t: u32, invocations: u32, count: u32) -> vec3<u32> {
  if (BLOCKED) {
    let chunk = (count + invocations - 1u) / invocations;
    let first = min(t * chunk, count);
    return vec3<u32>(first, 1u, min(first + chunk, count));
  }
  return vec3<u32>(t, invocations, count);
}

@group(0) @binding(0) var<storage, read> src: array<vec4<f32>>; // copy_probe
@group(0) @binding(0) var<storage, read> words: array<vec4<u32>>; // read_probe
@group(0) @binding(1) var<storage, read_write> dst: array<vec4<f32>>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn copy_probe(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let s = span(gid.x, groups.x * WORKGROUP_SIZE, min(arrayLength(&src), arrayLength(&dst)));
  for (var i = s.x; i < s.z; i += s.y) {
    dst[i] = src[i];
  }
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn read_probe(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  if (gid.x >= arrayLength(&dst)) {
    return;
  }
  let s = span(gid.x, groups.x * WORKGROUP_SIZE, arrayLength(&words));
  // Two accumulators: the adds of one do not wait on the other's.
  var a = vec4<u32>(0u);
  var b = vec4<u32>(0u);
  var i = s.x;
  if (BLOCKED) {
    // The chunk's four quarters side by side: a CPU's prefetchers serve four streams faster than
    // one (SwiftShader here: 12–17% over walking the chunk in order, on the same grid).
    let quarter = (s.z - s.x) / 4u;
    for (; i < s.x + quarter; i++) {
      a += words[i] + words[i + 2u * quarter];
      b += words[i + quarter] + words[i + 3u * quarter];
    }
    i = s.x + 4u * quarter;
  }
  for (; i + s.y < s.z; i += 2u * s.y) {
    a += words[i];
    b += words[i + s.y];
  }
  if (i < s.z) {
    a += words[i];
  }
  let sum = a + b;
  dst[gid.x] = vec4<f32>((sum ^ (sum >> vec4<u32>(16u))) & vec4<u32>(0xffffu));
}
