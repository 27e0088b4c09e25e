// weight-fill: synthetic weights and activations generated on the GPU from a seed, so that nothing
// is downloaded and a CPU twin (src/model/weights.ts) can rebuild every value exactly for the f64
// reference. Every value comes from a hash of (stream key, element index): r = pcg(pcg(index) ^ key).
//   value(r):  an f16 number built from bits (always normal, never rounded): sign = bit 31,
//              mantissa = bits 0..9, biased exponent = exp0 − bits 10..11; magnitudes from 2^(exp0−18)
//              to 2^(exp0−14), so exp0 sets the scale (~1/sqrt(k) for weights).
//   int8 q(r): r % 255 − 127 (−127..127);   int4 q(r): (r & 15) − 8 (−8..7).
// Entry points (one invocation per output word, grid-stride over `words`):
//   fill_f32    out[e] = value(e)                         (f32 storage: weights, KV cache, inputs)
//   fill_f16    out[w] = value(2w) | value(2w + 1) << 16   (packed pairs of the row-major array)
//   fill_int8   out[w] = bytes q(4w .. 4w + 3), low byte first (two's complement)
//   fill_int4   out[w] = nibbles q(8w .. 8w + 7), low nibble first (two's complement)
//   (scales of int8/int4 are fill_f16 of their own stream: one f16 per column or per group × column)
// The element order of each format is the GEMV kernels' (see src/model/weights.ts).

override WORKGROUP_SIZE: u32 = 256u;

struct Params {
  words: u32,    // output words to write
  key: u32,      // stream key (a hash of seed, layer and tensor)
  exp0: u32,     // biased f16 exponent of the largest magnitudes (value streams)
  count: u32,    // elements in the stream (words past it are padded with zero elements)
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> out_f32: array<f32>;
@group(0) @binding(2) var<storage, read_write> out_u32: array<u32>;

fn pcg(v: u32) -> u32 {
  let state = v * 747796405u + 2891336453u;
  let word = ((state >> ((state >> 28u) + 4u)) ^ state) * 277803737u;
  return (word >> 22u) ^ word;
}

fn stream(e: u32) -> u32 {
  return pcg(pcg(e) ^ params.key);
}

// f16 bits of value(e), 0 past the stream's end.
fn value_bits(e: u32) -> u32 {
  if (e >= params.count) {
    return 0u;
  }
  let r = stream(e);
  let exponent = max(params.exp0 - min((r >> 10u) & 3u, params.exp0 - 1u), 1u);
  return ((r >> 31u) << 15u) | (exponent << 10u) | (r & 0x3ffu);
}

fn q8(e: u32) -> u32 {
  if (e >= params.count) {
    return 0u;
  }
  return u32(i32(stream(e) % 255u) - 127) & 0xffu;
}

fn q4(e: u32) -> u32 {
  if (e >= params.count) {
    return 0u;
  }
  return u32(i32(stream(e) & 15u) - 8) & 0xfu;
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn fill_f32(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let stride = groups.x * WORKGROUP_SIZE;
  for (var w = gid.x; w < params.words; w += stride) {
    out_f32[w] = unpack2x16float(value_bits(w)).x;
  }
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn fill_f16(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let stride = groups.x * WORKGROUP_SIZE;
  for (var w = gid.x; w < params.words; w += stride) {
    out_u32[w] = value_bits(2u * w) | (value_bits(2u * w + 1u) << 16u);
  }
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn fill_int8(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let stride = groups.x * WORKGROUP_SIZE;
  for (var w = gid.x; w < params.words; w += stride) {
    let e = 4u * w;
    out_u32[w] = q8(e) | (q8(e + 1u) << 8u) | (q8(e + 2u) << 16u) | (q8(e + 3u) << 24u);
  }
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn fill_int4(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let stride = groups.x * WORKGROUP_SIZE;
  for (var w = gid.x; w < params.words; w += stride) {
    let e = 8u * w;
    var word = 0u;
    for (var i = 0u; i < 8u; i++) {
      word |= q4(e + i) << (4u * i);
    }
    out_u32[w] = word;
  }
}
