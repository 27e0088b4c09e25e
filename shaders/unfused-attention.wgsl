// unfused attention: the plain three-pass baseline.
//   scores:  S = scale · Q Kᵀ, masked entries set to MASKED      (writes S: heads × seqQ × seqK)
//   softmax: P = softmax(S) row by row, in place over S           (reads S, writes P)
//   pv:      O = P V                                              (reads P)
// q is (heads, seqQ, headDim); k, v are (kvHeads, seqK, headDim), query head h reading KV head
// h / kv_group (grouped-query attention; kv_group = 1 without it); o is (heads, seqQ, headDim).
// Key j is allowed for query i iff causal allows it (j <= i + seqK - seqQ) and its block is kept in
// mask_layout (ceil(seqQ/B) × ceil(seqK/B) u32, 0/1). A row with no allowed key gives zeros.

override WORKGROUP_SIZE: u32 = 64u;

const MASKED: f32 = -3.0e38;
const MASKED_BELOW: f32 = -1.0e38;

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
  kv_group: u32,      // query heads per KV head: head h reads K/V of head h / kv_group
  _pad1: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> q: array<f32>;
@group(0) @binding(2) var<storage, read> k: array<f32>;
@group(0) @binding(3) var<storage, read> v: array<f32>;
@group(0) @binding(4) var<storage, read> mask_layout: array<u32>;
@group(0) @binding(5) var<storage, read_write> s: array<f32>;
@group(0) @binding(6) var<storage, read_write> o: array<f32>;

fn allowed(i: u32, j: u32) -> bool {
  if (params.causal != 0u && i32(j) > i32(i) + params.causal_offset) {
    return false;
  }
  if (params.has_mask != 0u) {
    return mask_layout[(i / params.block_size) * params.mask_cols + j / params.block_size] != 0u;
  }
  return true;
}

// grid: (ceil(seqK / WORKGROUP_SIZE), seqQ, heads); one invocation per score.
@compute @workgroup_size(WORKGROUP_SIZE)
fn scores(@builtin(global_invocation_id) gid: vec3<u32>) {
  let j = gid.x;
  let i = gid.y;
  let h = gid.z;
  if (j >= params.seq_k) {
    return;
  }
  let row = (h * params.seq_q + i) * params.seq_k;
  if (!allowed(i, j)) {
    s[row + j] = MASKED;
    return;
  }
  let q_base = (h * params.seq_q + i) * params.head_dim;
  let k_base = ((h / params.kv_group) * params.seq_k + j) * params.head_dim;
  var dot = 0.0;
  for (var c = 0u; c < params.head_dim; c++) {
    dot = fma(q[q_base + c], k[k_base + c], dot);
  }
  s[row + j] = dot * params.scale;
}

var<workgroup> partial: array<f32, WORKGROUP_SIZE>;

fn reduce_max(lane: u32, value: f32) -> f32 {
  partial[lane] = value;
  workgroupBarrier();
  for (var width = WORKGROUP_SIZE / 2u; width > 0u; width /= 2u) {
    if (lane < width) {
      partial[lane] = max(partial[lane], partial[lane + width]);
    }
    workgroupBarrier();
  }
  // Uniform across the workgroup, so the caller may branch on it before further barriers.
  return workgroupUniformLoad(&partial[0]);
}

fn reduce_sum(lane: u32, value: f32) -> f32 {
  partial[lane] = value;
  workgroupBarrier();
  for (var width = WORKGROUP_SIZE / 2u; width > 0u; width /= 2u) {
    if (lane < width) {
      partial[lane] += partial[lane + width];
    }
    workgroupBarrier();
  }
  // Uniform across the workgroup, so the caller may branch on it before further barriers.
  return workgroupUniformLoad(&partial[0]);
}

// grid: (seqQ, heads); one workgroup per row. WORKGROUP_SIZE must be a power of two.
@compute @workgroup_size(WORKGROUP_SIZE)
fn softmax(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lane: u32) {
  let row = (wid.y * params.seq_q + wid.x) * params.seq_k;
  var local_max = MASKED;
  for (var j = lane; j < params.seq_k; j += WORKGROUP_SIZE) {
    local_max = max(local_max, s[row + j]);
  }
  let row_max = reduce_max(lane, local_max);
  if (row_max <= MASKED_BELOW) {
    for (var j = lane; j < params.seq_k; j += WORKGROUP_SIZE) {
      s[row + j] = 0.0;
    }
    return;
  }
  var local_sum = 0.0;
  for (var j = lane; j < params.seq_k; j += WORKGROUP_SIZE) {
    let x = s[row + j];
    let e = select(exp(x - row_max), 0.0, x <= MASKED_BELOW);
    s[row + j] = e;
    local_sum += e;
  }
  let inv_sum = 1.0 / reduce_sum(lane, local_sum);
  for (var j = lane; j < params.seq_k; j += WORKGROUP_SIZE) {
    s[row + j] *= inv_sum;
  }
}

// grid: (ceil(seqQ · headDim / WORKGROUP_SIZE), heads); one invocation per output element.
@compute @workgroup_size(WORKGROUP_SIZE)
fn pv(@builtin(global_invocation_id) gid: vec3<u32>) {
  let h = gid.y;
  let index = gid.x;
  if (index >= params.seq_q * params.head_dim) {
    return;
  }
  let i = index / params.head_dim;
  let c = index % params.head_dim;
  let row = (h * params.seq_q + i) * params.seq_k;
  let v_base = (h / params.kv_group) * params.seq_k * params.head_dim + c;
  var acc = 0.0;
  for (var j = 0u; j < params.seq_k; j++) {
    acc = fma(s[row + j], v[v_base + j * params.head_dim], acc);
  }
  o[(h * params.seq_q) * params.head_dim + index] = acc;
}
