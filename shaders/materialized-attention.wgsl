// materialized attention: the kernels that write the probabilities P to memory, then O = P V in
// a second dispatch (pv, shared). Two kernels, so that their difference is the fusion alone:
//   unfused (the plain baseline): scores writes S = scale · Q Kᵀ (masked) into the P buffer,
//     softmax turns each row into P in place, pv reads P: four passes over the scores;
//   fused-softmax: P = softmax(scale · Q Kᵀ, masked) in ONE kernel (the matmul and the softmax in a
//     single step; S never reaches memory, P is written once), then pv.
// `flash` (flash-attention.wgsl) goes further and never writes P at all.
// q is (heads, seqQ, headDim); k, v are (kvHeads, seqK, headDim), query head h reading KV head
// h / kv_group (grouped-query attention); o is (heads, seqQ, headDim); K and V are read as rows of
// hv = ceil(headDim / 4) vec4 (the caller's buffers when headDim % 4 == 0, else padded copies).
// p is (heads, seqQ, p_stride) f32 scratch, p_stride = seqK rounded up to 4 (padding holds 0 once
// P is complete). Scores are in the exp2 domain (log2(e) folded into the scale).
// Key j is allowed for query i iff causal allows it (j <= i + seqK - seqQ) and its block is kept in
// mask_layout (ceil(seqQ/B) × ceil(seqK/B) u32, 0/1). A row with no allowed key gives zeros.
//
// Work → invocations and memory:
//   scores_rows (unfused, software default): one invocation per query row, its q row in private
//     memory, K rows straight from storage tile_k keys at a time (the scoring code of
//     scores_softmax), S written as vec4 of 4 keys (MASKED where not allowed and in the padding).
//   scores_tiled (unfused, hardware default): a workgroup scores WORKGROUP_SIZE keys against
//     TILE_ROWS (4) query rows, grid (ceil(p_stride / WORKGROUP_SIZE), ceil(seqQ / 4), heads). The
//     head dimension goes by in chunks of 16 values: the workgroup copies the chunk of its keys' K
//     rows into workgroup memory with consecutive invocations on consecutive addresses (runs of 16
//     floats, coalesced), and the 4 q chunks likewise; invocation t then accumulates key t's dot
//     with each of the 4 rows (rows padded to 17 floats: no bank conflicts; the q values are
//     broadcasts). Each K chunk loaded serves 4 query rows; S is stored with consecutive
//     invocations on consecutive keys.
//   softmax (unfused): one workgroup per row, invocations strided over the row (coalesced), tree
//     reductions in workgroup memory; WORKGROUP_SIZE a power of two.
//   scores_softmax (fused-softmax): one invocation per query row walks its keys twice, tile_k keys
//     at a time:
//       sweep 1: scores (K rows straight from storage), the row's running max and sum (online
//                softmax);
//       sweep 2: the scores again, p = exp2(s − max) / sum written as vec4 of 4 keys.
//     A row of any length works: nothing of it is held but the max and the sum (the price is QKᵀ
//     computed twice; a row of at most tile_k keys keeps its scores from sweep 1 and skips the
//     recomputation). Masks apply element by element (the full work); with causal a row stops at
//     its diagonal and writes zeros past it.
//   scores_softmax_subgroups (devices with the `subgroups` feature; the fused-softmax-subgroups
//     kernel): the same pass with one subgroup per query row instead of one invocation, P written
//     as f32 (p_f32, binding 6 again). A workgroup owns ROWS_PER_WORKGROUP consecutive query rows
//     of one head; its subgroups take those rows one at a time from a workgroup counter (an elected
//     lane draws the next row, subgroupBroadcastFirst hands it to the others), so nothing depends
//     on how the implementation groups invocations into subgroups, on the subgroup size, or on the
//     workgroup being a multiple of it: a subgroup may be partial (some lanes absent) or larger
//     than the workgroup. Inside a subgroup the n active lanes are ranked with
//     subgroupExclusiveAdd (rank r of n, not subgroup_invocation_id, which may have gaps); lane r
//     scores keys r, r + n, r + 2n, … (neighbouring lanes on neighbouring K rows), keeps its own
//     online max and sum, and subgroupMax / subgroupAdd combine them once per row; the second sweep
//     writes P with neighbouring lanes on neighbouring keys (coalesced stores). Rows are always
//     scored twice. Memory: q row in private memory (one per lane, read from storage once per
//     row), K rows from storage (each key read by one lane per sweep), P written once; one u32 of
//     workgroup memory (next_row).
//   pv (both): invocations in groups of hv, one group per 4 query rows; invocation `lane` sums
//     p · V for columns 4·lane..+3 of the 4 rows, 4 keys at a time (p as vec4, V rows as vec4,
//     neighbouring invocations on neighbouring vec4 of a row).
// Grids: scores_rows and scores_softmax (ceil(seqQ / WORKGROUP_SIZE), heads folded into y and z);
// scores_softmax_subgroups (ceil(seqQ / ROWS_PER_WORKGROUP), heads folded); softmax (seqQ, heads);
// pv (ceil(ceil(seqQ / 4) · hv / WORKGROUP_SIZE), heads folded). No workgroup memory in
// scores_rows, scores_softmax and pv (none is needed, and CPU adapters run kernels that touch it
// markedly slower).
// The function that calls subgroup builtins (scores_softmax_subgroups) stands between the BEGIN and
// END subgroups lines: on a device without the `subgroups` feature the host compiles this module
// with that section and `enable subgroups;` removed (src/kernels/subgroups.ts).

enable subgroups;

override WORKGROUP_SIZE: u32 = 64u;
// scores_softmax and scores_rows on specialised pipelines (hardware default): the vec4 per row (hv;
// also scores_softmax_subgroups') and the keys per tile fixed per pipeline, so the loops over the q row
// and the tile's scores have constant bounds (they unroll, and the private arrays are indexed by
// constants: registers, not scratch memory). 0 = read them from params at run time (software
// default: one pipeline for every shape).
override HEAD_VEC4: u32 = 0u;
override TILE_K: u32 = 0u;
override ROWS_PER_WORKGROUP: u32 = 16u; // scores_softmax_subgroups: query rows a workgroup owns (at least 1)

const MAX_VEC4: u32 = 64u; // 256 floats: the largest head dimension
const MAX_TILE_K: u32 = 64u;
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
  kv_group: u32,      // query heads per KV head: head h reads K/V of head h / kv_group
  hv: u32,       // vec4 per row of q, k, v, o: ceil(headDim / 4)
  p_stride: u32, // floats per row of p: seqK rounded up to 4
  tile_k: u32,   // keys per tile of the sweeps: a multiple of 4, at most MAX_TILE_K (scores_softmax, scores_rows)
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> q: array<f32>;
// K and V as rows of hv vec4 (the caller's buffers when headDim % 4 == 0, else padded copies).
@group(0) @binding(2) var<storage, read> k4: array<vec4<f32>>;
// K as f32 (scores_tiled: a workgroup copies runs of 16 floats of its keys' rows).
@group(0) @binding(2) var<storage, read> k: array<f32>;
@group(0) @binding(3) var<storage, read> v4: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> mask_layout: array<u32>;
@group(0) @binding(5) var<storage, read_write> o: array<f32>;
@group(0) @binding(6) var<storage, read_write> p: array<vec4<f32>>;
// P as f32 (scores_softmax_subgroups, scores_tiled and softmax: neighbouring invocations on
// neighbouring keys).
@group(0) @binding(6) var<storage, read_write> p_f32: array<f32>;

alias Row = array<vec4<f32>, MAX_VEC4>;
alias Scores = array<f32, MAX_TILE_K>;

fn row_vec4() -> u32 {
  return select(params.hv, HEAD_VEC4, HEAD_VEC4 > 0u);
}

// Loop bound over a tile's n keys: TILE_K when specialised (the loops guard kk < n), else n.
fn tile_loop(n: u32) -> u32 {
  return select(n, TILE_K, TILE_K > 0u);
}

fn allowed(i: u32, j: u32) -> bool {
  if (params.causal != 0u && i32(j) > i32(i) + params.causal_offset) {
    return false;
  }
  if (params.has_mask != 0u) {
    return mask_layout[(i / params.block_size) * params.mask_cols + j / params.block_size] != 0u;
  }
  return true;
}

// Query row i of head h into qr, scaled by scale · log2(e) (scores in the exp2 domain), zero past
// headDim.
fn load_q_row(h: u32, i: u32, qr: ptr<function, Row>) {
  let q_base = (h * params.seq_q + i) * params.head_dim;
  let q_scale = params.scale * LOG2E;
  for (var c4 = 0u; c4 < row_vec4(); c4++) {
    var x = vec4<f32>(0.0);
    for (var e = 0u; e < 4u; e++) {
      if (4u * c4 + e < params.head_dim) {
        x[e] = q[q_base + 4u * c4 + e];
      }
    }
    (*qr)[c4] = x * q_scale;
  }
}

// Masked scores (exp2 domain) of keys k0 .. k0 + n - 1 of head h for query row i into s.
fn tile_scores(h: u32, i: u32, k0: u32, n: u32, qr: ptr<function, Row>, s: ptr<function, Scores>) {
  let hv = params.hv;
  let first_row = (h / params.kv_group) * params.seq_k + k0;
  for (var kk = 0u; kk < tile_loop(n); kk++) {
    if (kk < n) {
      let row = (first_row + kk) * hv;
      var dot_sum = 0.0;
      for (var c4 = 0u; c4 < row_vec4(); c4++) {
        dot_sum += dot((*qr)[c4], k4[row + c4]);
      }
      (*s)[kk] = select(MASKED, dot_sum, allowed(i, k0 + kk));
    }
  }
}

// Keys past the last one query row i sees: seqK, or with causal just past its diagonal.
fn key_end_of(i: u32) -> u32 {
  if (params.causal == 0u) {
    return params.seq_k;
  }
  return u32(clamp(i32(i) + params.causal_offset + 1, 0, i32(params.seq_k)));
}

// Row i of head h into p, tile_k keys at a time, 4 per store: the scores of each tile (recomputed
// unless `reuse`: s holds the row's only tile already), as p = exp2(s − m) · inv_l with zeros
// past key_end and in the padding (scores_softmax's sweep 2), or raw: the scores themselves with
// MASKED there (scores_rows: S for the softmax pass).
fn store_row(
  h: u32,
  i: u32,
  key_end: u32,
  reuse: bool,
  raw: bool,
  m: f32,
  inv_l: f32,
  qr: ptr<function, Row>,
  s: ptr<function, Scores>,
) {
  let tk = params.tile_k;
  let p_row = (h * params.seq_q + i) * (params.p_stride / 4u);
  for (var k0 = 0u; k0 < params.p_stride; k0 += tk) {
    let n = min(tk, params.p_stride - k0);
    let scored = min(n, select(0u, key_end - k0, key_end > k0));
    if (!reuse && scored > 0u) {
      tile_scores(h, i, k0, scored, qr, s);
    }
    for (var kk = 0u; kk < tile_loop(n); kk += 4u) {
      if (kk < n) {
        var out = vec4<f32>(select(0.0, MASKED, raw));
        for (var e = 0u; e < 4u; e++) {
          let x = (*s)[kk + e];
          if (kk + e < scored) {
            if (raw) {
              out[e] = x;
            } else if (x > MASKED_BELOW) {
              out[e] = exp2(x - m) * inv_l;
            }
          }
        }
        p[p_row + (k0 + kk) / 4u] = out;
      }
    }
  }
}

// One invocation's query row: scores_softmax's two sweeps, or (raw, scores_rows) only the second,
// storing the scores themselves.
fn row_pass(gid: vec3<u32>, groups: vec3<u32>, raw: bool) {
  let h = gid.y + gid.z * groups.y;
  let i = gid.x;
  if (h >= params.heads || i >= params.seq_q) {
    return;
  }
  var qr: Row;
  load_q_row(h, i, &qr);
  let key_end = key_end_of(i);
  let tk = params.tile_k;

  // Sweep 1: the row's max and sum, online.
  var m = MASKED;
  var l = 0.0;
  var s: Scores;
  for (var k0 = 0u; k0 < select(key_end, 0u, raw); k0 += tk) {
    let n = min(tk, key_end - k0);
    tile_scores(h, i, k0, n, &qr, &s);
    var tile_max = MASKED;
    for (var kk = 0u; kk < tile_loop(n); kk++) {
      if (kk < n) {
        tile_max = max(tile_max, s[kk]);
      }
    }
    if (tile_max > MASKED_BELOW) {
      let m_new = max(m, tile_max);
      l *= exp2(m - m_new);
      for (var kk = 0u; kk < tile_loop(n); kk++) {
        if (kk < n) {
          l += select(exp2(s[kk] - m_new), 0.0, s[kk] <= MASKED_BELOW);
        }
      }
      m = m_new;
    }
  }

  // Sweep 2: the normalised probabilities (zeros past key_end and in the padding), or the scores.
  let reuse = !raw && key_end <= tk;
  store_row(h, i, key_end, reuse, raw, m, select(0.0, 1.0 / l, l > 0.0), &qr, &s);
}

// grid: (ceil(seqQ / WORKGROUP_SIZE), heads folded into y and z); one invocation per query row.
@compute @workgroup_size(WORKGROUP_SIZE)
fn scores_softmax(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  row_pass(gid, groups, false);
}

// grid: as scores_softmax's.
@compute @workgroup_size(WORKGROUP_SIZE)
fn scores_rows(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  row_pass(gid, groups, true);
}

const CHUNK: u32 = 16u;      // head-dimension values per step of scores_tiled
const CHUNK_PAD: u32 = 17u;  // floats per key row of the K chunk (padded: no bank conflicts)
const TILE_ROWS: u32 = 4u;   // query rows per workgroup of scores_tiled

var<workgroup> k_chunk: array<f32, WORKGROUP_SIZE * CHUNK_PAD>;
var<workgroup> q_chunk: array<f32, TILE_ROWS * CHUNK>;

// grid: (ceil(p_stride / WORKGROUP_SIZE), ceil(seqQ / TILE_ROWS), heads); invocation t scores key
// j0 + t against query rows i0 .. i0 + 3.
@compute @workgroup_size(WORKGROUP_SIZE)
fn scores_tiled(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  let h = wid.z;
  let j0 = wid.x * WORKGROUP_SIZE;
  let i0 = wid.y * TILE_ROWS;
  let kv_row0 = (h / params.kv_group) * params.seq_k;
  let k_stride = 4u * params.hv;
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
        x = k[(kv_row0 + j) * k_stride + d];
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
  if (j >= params.p_stride) {
    return;
  }
  let accs = vec4<f32>(acc0, acc1, acc2, acc3) * (params.scale * LOG2E);
  for (var r = 0u; r < TILE_ROWS; r++) {
    let i = i0 + r;
    if (i < params.seq_q) {
      let kept = j < params.seq_k && allowed(i, j);
      p_f32[(h * params.seq_q + i) * params.p_stride + j] = select(MASKED, accs[r], kept);
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

// grid: (seqQ, heads); one workgroup per row of p_stride scores (MASKED ones, the padding's among
// them, become 0). WORKGROUP_SIZE must be a power of two.
@compute @workgroup_size(WORKGROUP_SIZE)
fn softmax(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lane: u32) {
  let row = (wid.y * params.seq_q + wid.x) * params.p_stride;
  var local_max = MASKED;
  for (var j = lane; j < params.p_stride; j += WORKGROUP_SIZE) {
    local_max = max(local_max, p_f32[row + j]);
  }
  let row_max = reduce_max(lane, local_max);
  if (row_max <= MASKED_BELOW) {
    for (var j = lane; j < params.p_stride; j += WORKGROUP_SIZE) {
      p_f32[row + j] = 0.0;
    }
    return;
  }
  var local_sum = 0.0;
  for (var j = lane; j < params.p_stride; j += WORKGROUP_SIZE) {
    let x = p_f32[row + j];
    let e = select(exp2(x - row_max), 0.0, x <= MASKED_BELOW);
    p_f32[row + j] = e;
    local_sum += e;
  }
  let inv_sum = 1.0 / reduce_sum(lane, local_sum);
  for (var j = lane; j < params.p_stride; j += WORKGROUP_SIZE) {
    p_f32[row + j] *= inv_sum;
  }
}

// grid: (ceil(ceil(seqQ / 4) · hv / WORKGROUP_SIZE), heads folded into y and z).
@compute @workgroup_size(WORKGROUP_SIZE)
fn pv(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let h = gid.y + gid.z * groups.y;
  let hv = params.hv;
  let group = gid.x / hv;
  let row0 = 4u * group;
  if (h >= params.heads || row0 >= params.seq_q) {
    return;
  }
  let lane = gid.x % hv;
  let quads = params.p_stride / 4u;
  // The 4 rows of this group (clamped: rows past seqQ compute and are not written).
  let p0 = (h * params.seq_q + min(row0, params.seq_q - 1u)) * quads;
  let p1 = (h * params.seq_q + min(row0 + 1u, params.seq_q - 1u)) * quads;
  let p2 = (h * params.seq_q + min(row0 + 2u, params.seq_q - 1u)) * quads;
  let p3 = (h * params.seq_q + min(row0 + 3u, params.seq_q - 1u)) * quads;
  let v_head = (h / params.kv_group) * params.seq_k;
  let last_key = params.seq_k - 1u;
  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);
  for (var n = 0u; n < quads; n++) {
    let j = 4u * n;
    // Keys past seqK (the padding) have p = 0; their rows are clamped to stay in bounds.
    let v0 = v4[(v_head + min(j, last_key)) * hv + lane];
    let v1 = v4[(v_head + min(j + 1u, last_key)) * hv + lane];
    let v2 = v4[(v_head + min(j + 2u, last_key)) * hv + lane];
    let v3 = v4[(v_head + min(j + 3u, last_key)) * hv + lane];
    let a = p[p0 + n];
    let b = p[p1 + n];
    let c = p[p2 + n];
    let d = p[p3 + n];
    acc0 += a.x * v0 + a.y * v1 + a.z * v2 + a.w * v3;
    acc1 += b.x * v0 + b.y * v1 + b.z * v2 + b.w * v3;
    acc2 += c.x * v0 + c.y * v1 + c.z * v2 + c.w * v3;
    acc3 += d.x * v0 + d.y * v1 + d.z * v2 + d.w * v3;
  }
  let accs = array<vec4<f32>, 4>(acc0, acc1, acc2, acc3);
  for (var r = 0u; r < 4u; r++) {
    let i = row0 + r;
    if (i >= params.seq_q) {
      break;
    }
    let out_base = (h * params.seq_q + i) * params.head_dim + 4u * lane;
    for (var e = 0u; e < 4u; e++) {
      if (4u * lane + e < params.head_dim) {
        o[out_base + e] = accs[r][e];
      }
    }
  }
}

// scores_softmax_subgroups: the next of the workgroup's rows to hand out (workgroup memory starts
// zeroed).
var<workgroup> next_row: atomic<u32>;

// scores_softmax_subgroups: the score of key j of head h against the q row (scaled, exp2 domain).
fn score(h: u32, j: u32, qr: ptr<function, Row>) -> f32 {
  let row = ((h / params.kv_group) * params.seq_k + j) * params.hv;
  var dot_sum = 0.0;
  for (var c4 = 0u; c4 < row_vec4(); c4++) {
    dot_sum += dot((*qr)[c4], k4[row + c4]);
  }
  return dot_sum;
}

// BEGIN subgroups
// grid: (ceil(seqQ / ROWS_PER_WORKGROUP), heads folded into y and z). The row loop ends on a value
// broadcast within the subgroup, so control flow is uniform within each subgroup, not across the
// workgroup as the analysis would require by default.
@diagnostic(off, subgroup_uniformity)
@compute @workgroup_size(WORKGROUP_SIZE)
fn scores_softmax_subgroups(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  // Every invocation is active here: count and rank this subgroup's lanes.
  let lanes = subgroupAdd(1u);
  let lane = subgroupExclusiveAdd(1u);
  let h = wid.y + wid.z * groups.y;
  if (h >= params.heads) {
    return;
  }
  let first_row = wid.x * ROWS_PER_WORKGROUP;
  let rows = min(ROWS_PER_WORKGROUP, params.seq_q - min(first_row, params.seq_q));
  loop {
    // The subgroup's next row: drawn by one lane, the same for every lane of the subgroup.
    var drawn = 0u;
    if (subgroupElect()) {
      drawn = atomicAdd(&next_row, 1u);
    }
    let r = subgroupBroadcastFirst(drawn);
    if (r >= rows) {
      break;
    }
    let i = first_row + r;
    var qr: Row;
    load_q_row(h, i, &qr);
    let key_end = key_end_of(i);
    // Sweep 1: each lane's online max and sum over its keys, then one reduction for the row.
    var m = MASKED;
    var l = 0.0;
    for (var j = lane; j < key_end; j += lanes) {
      if (allowed(i, j)) {
        let s = score(h, j, &qr);
        let d = exp2(-abs(s - m));
        if (s > m) {
          l = l * d + 1.0;
          m = s;
        } else {
          l += d;
        }
      }
    }
    let row_max = subgroupMax(m);
    let row_sum = subgroupAdd(select(l * exp2(m - row_max), 0.0, m <= MASKED_BELOW));
    let inv_l = select(0.0, 1.0 / row_sum, row_sum > 0.0);
    // Sweep 2: neighbouring lanes write neighbouring probabilities; zeros past key_end.
    let p_row = (h * params.seq_q + i) * params.p_stride;
    for (var j = lane; j < params.p_stride; j += lanes) {
      var x = 0.0;
      if (j < key_end && allowed(i, j)) {
        x = exp2(score(h, j, &qr) - row_max) * inv_l;
      }
      p_f32[p_row + j] = x;
    }
  }
}
// END subgroups
