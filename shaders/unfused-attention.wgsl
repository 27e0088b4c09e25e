// unfused attention: the plain three-pass baseline.
//   scores:  S = scale · Q Kᵀ, masked entries set to MASKED      (writes S: heads × seqQ × seqK)
//   softmax: P = softmax(S) row by row, in place over S           (reads S, writes P)
//   pv:      O = P V                                              (reads P)
// q is (heads, seqQ, headDim); k, v are (kvHeads, seqK, headDim), query head h reading KV head
// h / kv_group (grouped-query attention; kv_group = 1 without it); o is (heads, seqQ, headDim).
//
// Work → invocations and memory:
//   scores (software default): one invocation per score, grid (ceil(seqK / WORKGROUP_SIZE), seqQ,
//     heads); each reads its K row straight from storage (a CPU thread walks it in cache order).
//   scores_tiled (hardware default): a workgroup scores WORKGROUP_SIZE keys against TILE_ROWS (4)
//     query rows, grid (ceil(seqK / WORKGROUP_SIZE), ceil(seqQ / 4), heads). The head dimension goes
//     by in chunks of 16 values: the workgroup copies the chunk of its keys' K rows into workgroup
//     memory with consecutive invocations on consecutive addresses (runs of 16 floats, coalesced),
//     and the 4 q chunks likewise; invocation t then accumulates key t's dot with each of the 4 rows
//     (rows padded to 17 floats: no bank conflicts; the q values are broadcasts). Each K chunk loaded
//     serves 4 query rows; S is stored with consecutive invocations on consecutive keys.
//   softmax: one workgroup per row, invocations strided over the row (coalesced), tree reductions.
//   pv: one invocation per output element; neighbours take neighbouring columns, so each V load of
//     a workgroup reads consecutive addresses and the P value is a broadcast.
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

const CHUNK: u32 = 16u;      // head-dimension values per step of scores_tiled
const CHUNK_PAD: u32 = 17u;  // floats per key row of the K chunk (padded: no bank conflicts)
const TILE_ROWS: u32 = 4u;   // query rows per workgroup of scores_tiled

var<workgroup> k_chunk: array<f32, WORKGROUP_SIZE * CHUNK_PAD>;
var<workgroup> q_chunk: array<f32, TILE_ROWS * CHUNK>;

// grid: (ceil(seqK / WORKGROUP_SIZE), ceil(seqQ / TILE_ROWS), heads); invocation t scores key
// j0 + t against query rows i0 .. i0 + 3.
@compute @workgroup_size(WORKGROUP_SIZE)
fn scores_tiled(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  let h = wid.z;
  let j0 = wid.x * WORKGROUP_SIZE;
  let i0 = wid.y * TILE_ROWS;
  let kv_row0 = (h / params.kv_group) * params.seq_k;
  var acc0 = 0.0;
  var acc1 = 0.0;
  var acc2 = 0.0;
  var acc3 = 0.0;
  for (var d0 = 0u; d0 < params.head_dim; d0 += CHUNK) {
    workgroupBarrier();
    // Cooperative loads: element e of the chunk is value d0 + e % 16 of key j0 + e / 16.
    for (var e = t; e < WORKGROUP_SIZE * CHUNK; e += WORKGROUP_SIZE) {
      let key = e / CHUNK;
      let d = d0 + e % CHUNK;
      let j = j0 + key;
      var x = 0.0;
      if (j < params.seq_k && d < params.head_dim) {
        x = k[(kv_row0 + j) * params.head_dim + d];
      }
      k_chunk[key * CHUNK_PAD + e % CHUNK] = x;
    }
    for (var e = t; e < TILE_ROWS * CHUNK; e += WORKGROUP_SIZE) {
      let i = i0 + e / CHUNK;
      let d = d0 + e % CHUNK;
      var x = 0.0;
      if (i < params.seq_q && d < params.head_dim) {
        x = q[(h * params.seq_q + i) * params.head_dim + d];
      }
      q_chunk[e] = x;
    }
    workgroupBarrier();
    for (var d = 0u; d < CHUNK; d++) {
      let kx = k_chunk[t * CHUNK_PAD + d];
      acc0 = fma(q_chunk[d], kx, acc0);
      acc1 = fma(q_chunk[CHUNK + d], kx, acc1);
      acc2 = fma(q_chunk[2u * CHUNK + d], kx, acc2);
      acc3 = fma(q_chunk[3u * CHUNK + d], kx, acc3);
    }
  }
  let j = j0 + t;
  if (j >= params.seq_k) {
    return;
  }
  let accs = vec4<f32>(acc0, acc1, acc2, acc3) * params.scale;
  for (var r = 0u; r < TILE_ROWS; r++) {
    let i = i0 + r;
    if (i < params.seq_q) {
      s[(h * params.seq_q + i) * params.seq_k + j] = select(MASKED, accs[r], allowed(i, j));
    }
  }
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
