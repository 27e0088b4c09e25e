// fma: the compute-ceiling probe. Every invocation runs 8 independent vec4 FMA chains (32 scalar
// chains, enough to hide FMA latency) for `iterations` steps, all in registers, then writes the sum
// of its chains so that no chain can be eliminated. FLOPs: invocations · 32 chains · 2 · iterations.
// src and dst are (n / 16) vec4<f32>: invocation i reads src[i] once and writes dst[i] once.
// Chain j of invocation i starts at floor(src[i] · 1024) + j and steps x ← fma(x, multiplier,
// addend), with multiplier and addend from the uniform (1 and 1 from the host: the compiler cannot
// know them, and integer values keep every step exact in f32, so the CPU can check dst bit for bit).

override WORKGROUP_SIZE: u32 = 256u;

struct Params {
  iterations: u32,
  multiplier: f32,
  addend: f32,
  _pad0: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> src: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> dst: array<vec4<f32>>;

// grid: (min(groups, 65535), ceil(groups / 65535)) with groups = ceil(n / 16 / WORKGROUP_SIZE).
@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = gid.y * groups.x * WORKGROUP_SIZE + gid.x;
  if (i >= min(arrayLength(&src), arrayLength(&dst))) {
    return;
  }
  let start = floor(src[i] * 1024.0);
  let a = vec4(params.multiplier);
  let b = vec4(params.addend);
  var x0 = start;
  var x1 = start + 1.0;
  var x2 = start + 2.0;
  var x3 = start + 3.0;
  var x4 = start + 4.0;
  var x5 = start + 5.0;
  var x6 = start + 6.0;
  var x7 = start + 7.0;
  // Four steps per trip: a loop trip costs far more than an FMA on software adapters.
  let trips = params.iterations / 4u;
  for (var t = 0u; t < trips; t++) {
    x0 = fma(x0, a, b);
    x1 = fma(x1, a, b);
    x2 = fma(x2, a, b);
    x3 = fma(x3, a, b);
    x4 = fma(x4, a, b);
    x5 = fma(x5, a, b);
    x6 = fma(x6, a, b);
    x7 = fma(x7, a, b);
    x0 = fma(x0, a, b);
    x1 = fma(x1, a, b);
    x2 = fma(x2, a, b);
    x3 = fma(x3, a, b);
    x4 = fma(x4, a, b);
    x5 = fma(x5, a, b);
    x6 = fma(x6, a, b);
    x7 = fma(x7, a, b);
    x0 = fma(x0, a, b);
    x1 = fma(x1, a, b);
    x2 = fma(x2, a, b);
    x3 = fma(x3, a, b);
    x4 = fma(x4, a, b);
    x5 = fma(x5, a, b);
    x6 = fma(x6, a, b);
    x7 = fma(x7, a, b);
    x0 = fma(x0, a, b);
    x1 = fma(x1, a, b);
    x2 = fma(x2, a, b);
    x3 = fma(x3, a, b);
    x4 = fma(x4, a, b);
    x5 = fma(x5, a, b);
    x6 = fma(x6, a, b);
    x7 = fma(x7, a, b);
  }
  for (var t = trips * 4u; t < params.iterations; t++) {
    x0 = fma(x0, a, b);
    x1 = fma(x1, a, b);
    x2 = fma(x2, a, b);
    x3 = fma(x3, a, b);
    x4 = fma(x4, a, b);
    x5 = fma(x5, a, b);
    x6 = fma(x6, a, b);
    x7 = fma(x7, a, b);
  }
  dst[i] = ((x0 + x1) + (x2 + x3)) + ((x4 + x5) + (x6 + x7));
}
