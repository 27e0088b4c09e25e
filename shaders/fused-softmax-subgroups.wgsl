// fused-softmax-subgroups: the scores_softmax pass of fused-softmax-attention.wgsl (P = softmax of
// scale · Q Kᵀ, masked, in one kernel) with one subgroup per query row instead of one invocation.
// Same bindings and Params as fused-softmax-attention.wgsl (p seen here as f32); P·V is that file's
// `pv` pass.
//
// Work → invocations: a workgroup owns ROWS_PER_WORKGROUP consecutive query rows of one head (grid:
// (ceil(seqQ / ROWS_PER_WORKGROUP), heads folded into y and z)). Its subgroups take those rows one at
// a time from a workgroup counter (an elected lane draws the next row, subgroupBroadcastFirst hands it
// to the others), so nothing depends on how the implementation groups invocations into subgroups,
// on the subgroup size, or on the workgroup being a multiple of it: a subgroup may be partial (some
// lanes absent) or larger than the workgroup. Inside a subgroup the n active lanes are ranked with
// subgroupExclusiveAdd (rank r of n, not subgroup_invocation_id, which may have gaps); lane r scores
// keys r, r + n, r + 2n, … (neighbouring lanes on neighbouring K rows), keeps its own online max and
// sum, and subgroupMax / subgroupAdd combine them once per row; the second sweep writes P with
// neighbouring lanes on neighbouring keys (coalesced stores).
// Memory: q row in private memory (one per lane, read from storage once per row), K rows from
// storage (each key read by one lane per sweep), P written once; one u32 of workgroup memory.

enable subgroups;
// The row loop ends on a value broadcast within the subgroup, so control flow is uniform within each
// subgroup, not across the workgroup as the analysis would require by default.
diagnostic(off, subgroup_uniformity);

override WORKGROUP_SIZE: u32 = 64u;
override ROWS_PER_WORKGROUP: u32 = 16u; // query rows a workgroup owns (at least 1)
// vec4 per row fixed per pipeline (hardware default: the q row's loops unroll and it stays in
// registers); 0 = params.hv at run time.
override HEAD_VEC4: u32 = 0u;

const MAX_VEC4: u32 = 64u;
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
  hv: u32,       // vec4 per row of q, k: ceil(headDim / 4)
  p_stride: u32, // floats per row of p: seqK rounded up to 4
  tile_k: u32,   // (unused here)
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> q: array<f32>;
@group(0) @binding(2) var<storage, read> k4: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> mask_layout: array<u32>;
@group(0) @binding(6) var<storage, read_write> p: array<f32>;

// The next of the workgroup's rows to hand out (workgroup memory starts zeroed).
var<workgroup> next_row: atomic<u32>;

fn allowed(i: u32, j: u32) -> bool {
  if (params.causal != 0u && i32(j) > i32(i) + params.causal_offset) {
    return false;
  }
  if (params.has_mask != 0u) {
    return mask_layout[(i / params.block_size) * params.mask_cols + j / params.block_size] != 0u;
  }
  return true;
}

fn row_vec4() -> u32 {
  return select(params.hv, HEAD_VEC4, HEAD_VEC4 > 0u);
}

fn score(h: u32, j: u32, qr: ptr<function, array<vec4<f32>, MAX_VEC4>>) -> f32 {
  let row = ((h / params.kv_group) * params.seq_k + j) * params.hv;
  var dot_sum = 0.0;
  for (var c4 = 0u; c4 < row_vec4(); c4++) {
    dot_sum += dot((*qr)[c4], k4[row + c4]);
  }
  return dot_sum;
}

// grid: (ceil(seqQ / ROWS_PER_WORKGROUP), heads folded into y and z).
@compute @workgroup_size(WORKGROUP_SIZE)
fn scores_softmax(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  // Every invocation is active here: count and rank this subgroup's lanes.
  let lanes = subgroupAdd(1u);
  let lane = subgroupExclusiveAdd(1u);
  let h = wid.y + wid.z * groups.y;
  if (h >= params.heads) {
    return;
  }
  let first_row = wid.x * ROWS_PER_WORKGROUP;
  let rows = min(ROWS_PER_WORKGROUP, params.seq_q - min(first_row, params.seq_q));
  let q_scale = params.scale * LOG2E;
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
    var qr: array<vec4<f32>, MAX_VEC4>;
    let q_base = (h * params.seq_q + i) * params.head_dim;
    for (var c4 = 0u; c4 < row_vec4(); c4++) {
      var x = vec4<f32>(0.0);
      for (var e = 0u; e < 4u; e++) {
        if (4u * c4 + e < params.head_dim) {
          x[e] = q[q_base + 4u * c4 + e];
        }
      }
      qr[c4] = x * q_scale;
    }
    var key_end = params.seq_k;
    if (params.causal != 0u) {
      key_end = u32(clamp(i32(i) + params.causal_offset + 1, 0, i32(params.seq_k)));
    }
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
      p[p_row + j] = x;
    }
  }
}
