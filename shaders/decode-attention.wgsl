// decode attention: split-K (FlashDecoding-style) attention for a few query rows (1–16) over a long
// key sequence. q is (heads, seqQ, headDim); k, v are (heads, seqK, headDim); o is (heads, seqQ,
// headDim), all f32. Neighbour: `flash` gives each query row an invocation and walks all keys in
// one workgroup, which leaves a GPU idle when seqQ is 1; here the keys are split into chunks, one
// workgroup each (pass `split`), every chunk producing a partial (max, sum, unnormalised output)
// per query row, and pass `reduce` merges the partials of a row. Dense, or sparse by visiting only
// the key blocks listed in `visit_meta` (built from the mask's CSR by the module).
//
// split: grid (chunks · row groups, heads folded into y and z). A workgroup of WORKGROUP_SIZE
// invocations holds `rows` (<= MAX_ROWS) query rows and `groups` groups of `hv` invocations
// (hv = ceil(headDim / 4) vec4 lanes); each group owns group_keys = hv · keys_per_thread
// consecutive keys of the chunk and produces one partial, so a chunk yields `groups` partials.
//   scores: each invocation scores 4 consecutive keys per step against every row (K rows read as
//           vec4, consecutive invocations on consecutive keys), keeping its max per row;
//   probabilities: the group's max per row, then p = exp2(s − max) in place, the sum per invocation;
//   values: invocation `lane` of a group accumulates output columns 4·lane..4·lane+3 over the
//           group's keys (V rows read as vec4, the group's invocations side by side along a row).
// reduce: grid (seqQ, heads folded); one workgroup per query row merges its partials.
// Scores are in the exp2 domain (log2(e) folded into the scale).
// With KV_F16, K and V come from k16/v16 (packed f16, see flash-attention.wgsl).

override WORKGROUP_SIZE: u32 = 64u; // 64, 128 or 256 (at least 64: one group holds up to 64 lanes)
override P_SLOTS: u32 = 256u;       // vec4 capacity of the probability buffer: rows · chunk keys / 4
override KV_F16: bool = false;

const MAX_ROWS: u32 = 4u;
const MASKED: f32 = -3.0e38;
const MASKED_BELOW: f32 = -1.0e38;
const LOG2E: f32 = 1.4426950408889634;

struct Params {
  heads: u32,
  seq_q: u32,
  seq_k: u32,
  head_dim: u32,
  scale: f32,
  causal: u32,
  has_mask: u32,
  block_size: u32,
  mask_cols: u32,
  causal_offset: i32, // seqK - seqQ
  _pad0: u32,
  _pad1: u32,
  hv: u32,              // vec4 lanes of a row: ceil(headDim / 4)
  rows: u32,            // query rows per workgroup (<= MAX_ROWS)
  chunks: u32,          // workgroups along the keys per row group
  groups: u32,          // groups per workgroup: WORKGROUP_SIZE / hv
  keys_per_thread: u32, // a multiple of 4
  visit_keys: u32,      // keys visited: seqK dense, blocks · block_size sparse
  sparse: u32,          // visit_meta[0 .. blocks) lists the key blocks visited (visit_meta)
  layout_offset: u32,   // 0, or where the mask layout starts in visit_meta (rows span several mask rows)
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> q: array<f32>;
@group(0) @binding(2) var<storage, read> k: array<f32>;
@group(0) @binding(3) var<storage, read> v: array<f32>;
@group(0) @binding(4) var<storage, read> visit_meta: array<u32>;
// Partials: per (head, query row, split) hv vec4 of output then one vec4 (max, sum, 0, 0).
@group(0) @binding(5) var<storage, read_write> part: array<vec4<f32>>;
@group(0) @binding(6) var<storage, read> k16: array<vec2<u32>>;
@group(0) @binding(7) var<storage, read> v16: array<vec2<u32>>;
@group(0) @binding(8) var<storage, read_write> o: array<f32>;

var<workgroup> probs: array<vec4<f32>, P_SLOTS>;
var<workgroup> lane_max: array<f32, MAX_ROWS * WORKGROUP_SIZE>;
var<workgroup> lane_sum: array<f32, MAX_ROWS * WORKGROUP_SIZE>;

fn row_mask(c4: u32) -> vec4<bool> {
  return vec4<u32>(4u * c4) + vec4<u32>(0u, 1u, 2u, 3u) < vec4<u32>(params.head_dim);
}

fn load_q4(row_base: u32, c4: u32) -> vec4<f32> {
  let b = row_base + 4u * c4;
  let last = row_base + params.head_dim - 1u;
  let x = vec4<f32>(q[min(b, last)], q[min(b + 1u, last)], q[min(b + 2u, last)], q[min(b + 3u, last)]);
  return select(vec4<f32>(0.0), x, row_mask(c4));
}

fn load_k4(key_row: u32, c4: u32) -> vec4<f32> {
  if (KV_F16) {
    let w = k16[key_row * params.hv + c4];
    return vec4<f32>(unpack2x16float(w.x), unpack2x16float(w.y));
  }
  let row_base = key_row * params.head_dim;
  let b = row_base + 4u * c4;
  let last = row_base + params.head_dim - 1u;
  let x = vec4<f32>(k[min(b, last)], k[min(b + 1u, last)], k[min(b + 2u, last)], k[min(b + 3u, last)]);
  return select(vec4<f32>(0.0), x, row_mask(c4));
}

fn load_v4(key_row: u32, c4: u32) -> vec4<f32> {
  if (KV_F16) {
    let w = v16[key_row * params.hv + c4];
    return vec4<f32>(unpack2x16float(w.x), unpack2x16float(w.y));
  }
  let row_base = key_row * params.head_dim;
  let b = row_base + 4u * c4;
  let last = row_base + params.head_dim - 1u;
  let x = vec4<f32>(v[min(b, last)], v[min(b + 1u, last)], v[min(b + 2u, last)], v[min(b + 3u, last)]);
  return select(vec4<f32>(0.0), x, row_mask(c4));
}

// The key behind visited position u (positions run over the visited blocks back to back), or
// seq_k when u lies past the keys.
fn key_at(u: u32) -> u32 {
  if (u >= params.visit_keys) {
    return params.seq_k;
  }
  if (params.sparse == 0u) {
    return u;
  }
  let bs = params.block_size;
  return min(visit_meta[u / bs] * bs + u % bs, params.seq_k);
}

fn allowed(i: u32, j: u32) -> bool {
  if (j >= params.seq_k) {
    return false;
  }
  if (params.causal != 0u && i32(j) > i32(i) + params.causal_offset) {
    return false;
  }
  if (params.layout_offset != 0u) {
    let cell = (i / params.block_size) * params.mask_cols + j / params.block_size;
    return visit_meta[params.layout_offset + cell] != 0u;
  }
  return true;
}

// grid: (chunks · ceil(seqQ / rows), heads folded into y and z).
@compute @workgroup_size(WORKGROUP_SIZE)
fn split(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>,
         @builtin(local_invocation_index) t: u32) {
  let h = wid.y + wid.z * groups.y;
  if (h >= params.heads) {
    return;
  }
  let hv = params.hv;
  let rows = params.rows;
  let chunk = wid.x % params.chunks;
  let row0 = (wid.x / params.chunks) * rows;
  let g = t / hv;
  let lane = t % hv;
  let in_group = g < params.groups;
  let quads_per_group = hv * params.keys_per_thread / 4u;
  let quads_per_chunk = params.groups * quads_per_group;
  let chunk_u = chunk * quads_per_chunk * 4u;
  let key_base = h * params.seq_k;

  // Query rows are read straight from q (every invocation reads the same address): cheaper than
  // workgroup memory on CPU adapters, served by the cache on GPUs.
  let q_scale = params.scale * LOG2E;

  // Scores: 4 consecutive keys per step; lane-major within the group so neighbours read neighbours.
  var row_max = array<f32, MAX_ROWS>(MASKED, MASKED, MASKED, MASKED);
  if (in_group) {
    for (var step = 0u; step < params.keys_per_thread / 4u; step++) {
      let quad = g * quads_per_group + step * hv + lane;
      let u = chunk_u + 4u * quad;
      if (u >= params.visit_keys) {
        for (var r = 0u; r < rows; r++) {
          probs[r * quads_per_chunk + quad] = vec4<f32>(MASKED);
        }
        continue;
      }
      let j = vec4<u32>(key_at(u), key_at(u + 1u), key_at(u + 2u), key_at(u + 3u));
      let kr = key_base + min(j, vec4<u32>(params.seq_k - 1u));
      // An initializer, not `var s: T;`: without one the array is not re-zeroed on every step
      // (seen with Dawn/Tint + SwiftShader).
      var s = array<vec4<f32>, MAX_ROWS>();
      for (var c4 = 0u; c4 < hv; c4++) {
        let k0 = load_k4(kr.x, c4);
        let k1 = load_k4(kr.y, c4);
        let k2 = load_k4(kr.z, c4);
        let k3 = load_k4(kr.w, c4);
        for (var r = 0u; r < rows; r++) {
          let qv = load_q4((h * params.seq_q + min(row0 + r, params.seq_q - 1u)) * params.head_dim, c4);
          s[r] += vec4<f32>(dot(qv, k0), dot(qv, k1), dot(qv, k2), dot(qv, k3));
        }
      }
      for (var r = 0u; r < rows; r++) {
        let i = row0 + r;
        var sr = s[r] * q_scale;
        for (var e = 0u; e < 4u; e++) {
          if (!allowed(i, j[e])) {
            sr[e] = MASKED;
          }
        }
        row_max[r] = max(row_max[r], max(max(sr.x, sr.y), max(sr.z, sr.w)));
        probs[r * quads_per_chunk + quad] = sr;
      }
    }
    for (var r = 0u; r < rows; r++) {
      lane_max[r * WORKGROUP_SIZE + t] = row_max[r];
    }
  }
  workgroupBarrier();

  // Probabilities against the group's max per row, and each invocation's sum.
  var group_max: array<f32, MAX_ROWS>;
  if (in_group) {
    for (var r = 0u; r < rows; r++) {
      var m = MASKED;
      for (var l = 0u; l < hv; l++) {
        m = max(m, lane_max[r * WORKGROUP_SIZE + g * hv + l]);
      }
      group_max[r] = m;
      var sum = 0.0;
      for (var step = 0u; step < params.keys_per_thread / 4u; step++) {
        let slot = r * quads_per_chunk + g * quads_per_group + step * hv + lane;
        let sr = probs[slot];
        let pr = select(exp2(sr - vec4<f32>(m)), vec4<f32>(0.0), sr <= vec4<f32>(MASKED_BELOW));
        probs[slot] = pr;
        sum += pr.x + pr.y + pr.z + pr.w;
      }
      lane_sum[r * WORKGROUP_SIZE + t] = sum;
    }
  }
  workgroupBarrier();

  if (!in_group) {
    return;
  }
  // Values: this lane's 4 output columns over the group's keys (up to the last visited one).
  let visit_end = min(params.visit_keys, chunk_u + 4u * quads_per_chunk);
  let group_u = chunk_u + 4u * g * quads_per_group;
  var quad_end = 0u;
  if (visit_end > group_u) {
    quad_end = min(quads_per_group, (visit_end - group_u + 3u) / 4u);
  }
  var acc: array<vec4<f32>, MAX_ROWS>;
  for (var n = 0u; n < quad_end; n++) {
    let u = group_u + 4u * n;
    let j = vec4<u32>(key_at(u), key_at(u + 1u), key_at(u + 2u), key_at(u + 3u));
    let kr = key_base + min(j, vec4<u32>(params.seq_k - 1u));
    let v0 = load_v4(kr.x, lane);
    let v1 = load_v4(kr.y, lane);
    let v2 = load_v4(kr.z, lane);
    let v3 = load_v4(kr.w, lane);
    for (var r = 0u; r < rows; r++) {
      let pr = probs[r * quads_per_chunk + g * quads_per_group + n];
      acc[r] += pr.x * v0 + pr.y * v1 + pr.z * v2 + pr.w * v3;
    }
  }
  let splits = params.chunks * params.groups;
  let split_index = chunk * params.groups + g;
  for (var r = 0u; r < rows; r++) {
    let i = row0 + r;
    if (i >= params.seq_q) {
      break;
    }
    let base = ((h * params.seq_q + i) * splits + split_index) * (hv + 1u);
    part[base + lane] = acc[r];
    if (lane == 0u) {
      var sum = 0.0;
      for (var l = 0u; l < hv; l++) {
        sum += lane_sum[r * WORKGROUP_SIZE + g * hv + l];
      }
      part[base + hv] = vec4<f32>(group_max[r], sum, 0.0, 0.0);
    }
  }
}

// grid: (seqQ, heads folded into y and z); invocation `lane` < hv merges columns 4·lane..+3.
@compute @workgroup_size(WORKGROUP_SIZE)
fn reduce(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>,
          @builtin(local_invocation_index) lane: u32) {
  let h = wid.y + wid.z * groups.y;
  let i = wid.x;
  let hv = params.hv;
  if (h >= params.heads || lane >= hv) {
    return;
  }
  let splits = params.chunks * params.groups;
  let first = (h * params.seq_q + i) * splits;
  var m = MASKED;
  for (var s = 0u; s < splits; s++) {
    m = max(m, part[(first + s) * (hv + 1u) + hv].x);
  }
  var acc = vec4<f32>(0.0);
  var l = 0.0;
  if (m > MASKED_BELOW) {
    for (var s = 0u; s < splits; s++) {
      let base = (first + s) * (hv + 1u);
      let stats = part[base + hv];
      let w = exp2(stats.x - m);
      l += w * stats.y;
      acc += w * part[base + lane];
    }
  }
  let out = select(vec4<f32>(0.0), acc / l, l > 0.0);
  let out_base = (h * params.seq_q + i) * params.head_dim + 4u * lane;
  for (var e = 0u; e < 4u; e++) {
    if (4u * lane + e < params.head_dim) {
      o[out_base + e] = out[e];
    }
  }
}
