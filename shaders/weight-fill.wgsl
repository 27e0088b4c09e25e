// weight-fill: synthetic weights and activations generated on the GPU from a seed, so that nothing
// is downloaded and a CPU twin (src/model/weights.ts) can rebuild every value exactly for the f64
// reference. Every value comes from a hash of (stream key, element index): r = pcg(pcg(index) ^ key).
//   value(r):  an f16 number built from bits (always normal, never rounded): sign = bit 31,
//              mantissa = bits 0..9, biased exponent = exp0 − bits 10..11; magnitudes from 2^(exp0−18)
//              to 2^(exp0−14), so exp0 sets the scale (~1/sqrt(k) for weights).
//   int8 q(r): r % 255 − 127 (−127..127);   int4 q(r): (r & 15) − 8 (−8..7).
// Entry points (one invocation per output word, grid-stride over `words`), P elements per word:
//   fill_f32    P = 1, the f32 value               (weights, KV cache, inputs, norm vectors)
//   fill_f16    P = 2, value bits, element t in bits 16t..16t+15 (pack2x16float order)
//   fill_int8   P = 4, byte t = q8, two's complement
//   fill_int4   P = 8, nibble t = q4, two's complement
// Which elements word W = word0 + w holds (the GEMV kernels' layout, src/kernels/gemv-common.ts):
//   columns = 0 (flat: vectors, caches, f16 scales in pairs along a row)  elements P·W + t
//   columns = n (weights of a k × n matrix: P consecutive k of ONE column)  element (P·(W / n) + t) · n + W % n
// (element e of a k × n matrix is W[e / n][e % n]). Elements at or past `count` are 0 (padding).
// A large tensor is filled in several dispatches, each bound to its own range of words (word0).

override WORKGROUP_SIZE: u32 = 256u;

struct Params {
  words: u32,    // output words this dispatch writes (its binding's length)
  key: u32,      // stream key (a hash of seed, layer and tensor)
  exp0: u32,     // biased f16 exponent of the largest magnitudes (value streams)
  count: u32,    // elements in the stream (the rest are padding: 0)
  columns: u32,  // 0: flat; else the matrix's n (P consecutive k of one column per word)
  word0: u32,    // the first word's index in the whole tensor
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> out_f32: array<f32>;
@group(0) @binding(2) var<storage, read_write> out_u32: array<u32>;

fn pcg(v: u32) -> u32 {
  let state = v * 747796405u + 2891336453u;
  let word = ((state >> ((state >> 28u) + 4u)) ^ state) * 277803737u;
  return (word >> 22u) ^ word;
}

// Element t (of P) of word w of this dispatch.
fn element(w: u32, t: u32, per_word: u32) -> u32 {
  let word = params.word0 + w;
  if (params.columns == 0u) {
    return per_word * word + t;
  }
  return (per_word * (word / params.columns) + t) * params.columns + word % params.columns;
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
    out_f32[w] = unpack2x16float(value_bits(element(w, 0u, 1u))).x;
  }
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn fill_f16(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let stride = groups.x * WORKGROUP_SIZE;
  for (var w = gid.x; w < params.words; w += stride) {
    out_u32[w] = value_bits(element(w, 0u, 2u)) | (value_bits(element(w, 1u, 2u)) << 16u);
  }
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn fill_int8(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let stride = groups.x * WORKGROUP_SIZE;
  for (var w = gid.x; w < params.words; w += stride) {
    out_u32[w] = q8(element(w, 0u, 4u)) | (q8(element(w, 1u, 4u)) << 8u) | (q8(element(w, 2u, 4u)) << 16u) |
      (q8(element(w, 3u, 4u)) << 24u);
  }
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn fill_int4(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let stride = groups.x * WORKGROUP_SIZE;
  for (var w = gid.x; w < params.words; w += stride) {
    var word = 0u;
    for (var t = 0u; t < 8u; t++) {
      word |= q4(element(w, t, 8u)) << (4u * t);
    }
    out_u32[w] = word;
  }
}
