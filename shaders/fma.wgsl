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
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> src: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> dst: array<vec4<f32>>;

// The 8 vec4 chains, named rather than an indexed array (an indexed private array lives in memory on
// compilers that do not unroll loops, SwiftShader's among them).
struct Chains {
  x0: vec4<f32>, x1: vec4<f32>, x2: vec4<f32>, x3: vec4<f32>,
  x4: vec4<f32>, x5: vec4<f32>, x6: vec4<f32>, x7: vec4<f32>,
}

// One step of every chain: x ← fma(x, a, b).
fn fma_step(c: Chains, a: vec4<f32>, b: vec4<f32>) -> Chains {
  return Chains(fma(c.x0, a, b), fma(c.x1, a, b), fma(c.x2, a, b), fma(c.x3, a, b),
                fma(c.x4, a, b), fma(c.x5, a, b), fma(c.x6, a, b), fma(c.x7, a, b));
}

// grid: (min(groups, 65535), ceil(groups / 65535)) with groups = ceil(n / 16 / WORKGROUP_SIZE).
@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = gid.y * groups.x * WORKGROUP_SIZE + gid.x;
  if (i >= min(arrayLength(&src), arrayLength(&dst))) {
    return;
  }
  let s = floor(src[i] * 1024.0);
  let a = vec4(params.multiplier);
  let b = vec4(params.addend);
  var c = Chains(s, s + 1.0, s + 2.0, s + 3.0, s + 4.0, s + 5.0, s + 6.0, s + 7.0);
  // Four steps per trip: a loop trip costs far more than an FMA on software adapters.
  let trips = params.iterations / 4u;
  for (var t = 0u; t < trips; t++) {
    c = fma_step(fma_step(fma_step(fma_step(c, a, b), a, b), a, b), a, b);
  }
  for (var t = trips * 4u; t < params.iterations; t++) {
    c = fma_step(c, a, b);
  }
  dst[i] = ((c.x0 + c.x1) + (c.x2 + c.x3)) + ((c.x4 + c.x5) + (c.x6 + c.x7));
}
