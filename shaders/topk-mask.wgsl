// topk-mask: a block mask chosen from the data (MInference / SpargeAttn style), in three passes.
//   pool:   mean of Q over each query block and of K over each key block, per head
//           (pooled is (heads, rows + cols, headDim): the rows pooled Q blocks, then the cols K blocks)
//   score:  scores[r][c] = mean over heads of dot(pooledQ[h][r], pooledK[h][c])      (rows × cols)
//   select: per query block r, the diagonal key block and block 0 (the "sink") are always kept; of
//           the other allowed key blocks the `keep` with the highest scores are kept, ties going to
//           the lower column. Writes block_layout (rows × cols u32, 0/1).
// q is (heads, seqQ, headDim), k is (heads, seqK, headDim). rows = ceil(seqQ / B), cols = ceil(seqK / B);
// the last block of each axis may be ragged (its mean is over the rows it has).
// Query block r's diagonal key block holds key position lastQuery(r) + seqK − seqQ (the causal
// alignment). With causal only key blocks up to the diagonal are allowed (none when it is negative);
// without, a negative diagonal counts as block 0.
// select finds the keep-th largest score of a row exactly, by bisection over the bits of an
// order-preserving u32 key, each step a workgroup-wide count: 32 + log2(cols) counts per row,
// whatever keep is.

override WORKGROUP_SIZE: u32 = 64u; // power of two
override SCORE_TILE: u32 = 8u;

struct Params {
  heads: u32,
  seq_q: u32,
  seq_k: u32,
  head_dim: u32,
  block_size: u32,
  rows: u32,
  cols: u32,
  keep: u32,
  causal: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> q: array<f32>;
@group(0) @binding(2) var<storage, read> k: array<f32>;
@group(0) @binding(3) var<storage, read_write> pooled: array<f32>;
@group(0) @binding(4) var<storage, read_write> scores: array<f32>;
@group(0) @binding(5) var<storage, read_write> block_layout: array<u32>;

// grid: (ceil(headDim / WORKGROUP_SIZE), rows + cols, heads); one invocation per pooled element.
@compute @workgroup_size(WORKGROUP_SIZE)
fn pool(@builtin(global_invocation_id) gid: vec3<u32>) {
  let c = gid.x;
  let block = gid.y;
  let h = gid.z;
  let d = params.head_dim;
  if (c >= d) {
    return;
  }
  var sum = 0.0;
  var count = 0u;
  if (block < params.rows) {
    let first = block * params.block_size;
    count = min(params.block_size, params.seq_q - first);
    let base = (h * params.seq_q + first) * d + c;
    for (var t = 0u; t < count; t++) {
      sum += q[base + t * d];
    }
  } else {
    let first = (block - params.rows) * params.block_size;
    count = min(params.block_size, params.seq_k - first);
    let base = (h * params.seq_k + first) * d + c;
    for (var t = 0u; t < count; t++) {
      sum += k[base + t * d];
    }
  }
  pooled[(h * (params.rows + params.cols) + block) * d + c] = sum / f32(count);
}

// grid: (ceil(cols / SCORE_TILE), ceil(rows / SCORE_TILE)); one invocation per block pair.
@compute @workgroup_size(SCORE_TILE, SCORE_TILE)
fn score(@builtin(global_invocation_id) gid: vec3<u32>) {
  let c = gid.x;
  let r = gid.y;
  if (c >= params.cols || r >= params.rows) {
    return;
  }
  let d = params.head_dim;
  let blocks = params.rows + params.cols;
  var sum = 0.0;
  for (var h = 0u; h < params.heads; h++) {
    let qb = (h * blocks + r) * d;
    let kb = (h * blocks + params.rows + c) * d;
    for (var t = 0u; t < d; t++) {
      sum = fma(pooled[qb + t], pooled[kb + t], sum);
    }
  }
  scores[r * params.cols + c] = sum / f32(params.heads);
}

var<workgroup> partial: array<u32, WORKGROUP_SIZE>;

// Maps f32 to u32 so that unsigned order is float order.
fn order_key(x: f32) -> u32 {
  let bits = bitcast<u32>(x);
  return select(bits | 0x80000000u, ~bits, (bits & 0x80000000u) != 0u);
}

// The diagonal key block of query block r, or -1 when causal leaves the block no key.
fn diagonal(r: u32) -> i32 {
  let last_query = i32(min((r + 1u) * params.block_size, params.seq_q)) - 1;
  let position = last_query + i32(params.seq_k) - i32(params.seq_q);
  if (position < 0) {
    return select(0, -1, params.causal != 0u);
  }
  return position / i32(params.block_size);
}

// Candidates c < col_end (other than the diagonal and the sink, below limit) with key in [lo, hi],
// counted over the workgroup; the result is uniform.
fn count_candidates(lane: u32, row: u32, diag: u32, limit: u32, lo: u32, hi: u32, col_end: u32) -> u32 {
  var n = 0u;
  for (var c = lane; c < min(limit, col_end); c += WORKGROUP_SIZE) {
    let key = order_key(scores[row * params.cols + c]);
    if (c != diag && c != 0u && key >= lo && key <= hi) {
      n++;
    }
  }
  partial[lane] = n;
  workgroupBarrier();
  for (var width = WORKGROUP_SIZE / 2u; width > 0u; width /= 2u) {
    if (lane < width) {
      partial[lane] += partial[lane + width];
    }
    workgroupBarrier();
  }
  let total = workgroupUniformLoad(&partial[0]);
  workgroupBarrier(); // everyone has read partial[0] before the next count overwrites it
  return total;
}

// grid: (rows); one workgroup per query block.
@compute @workgroup_size(WORKGROUP_SIZE)
fn select_blocks(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let row = wid.x;
  let lane = lid.x;
  let cols = params.cols;
  let diag_signed = diagonal(row);
  // Columns c < limit are allowed (all of them without causal).
  let limit = select(cols, u32(max(diag_signed + 1, 0)), params.causal != 0u);
  let diag = u32(max(diag_signed, 0));
  let all_keys = 0xffffffffu;

  let candidates = count_candidates(lane, row, diag, limit, 0u, all_keys, cols);
  let keep = params.keep;
  let keep_all = keep >= candidates;
  // threshold: the keep-th largest key; tie_col: the last tied column kept.
  var threshold = all_keys;
  var tie_col = 0u;
  if (!keep_all && keep > 0u) {
    threshold = 0u;
    for (var bit = 31i; bit >= 0i; bit--) {
      let trial = threshold | (1u << u32(bit));
      if (count_candidates(lane, row, diag, limit, trial, all_keys, cols) >= keep) {
        threshold = trial;
      }
    }
    var greater = 0u;
    if (threshold != all_keys) {
      greater = count_candidates(lane, row, diag, limit, threshold + 1u, all_keys, cols);
    }
    let need = keep - greater; // ≥ 1 tied candidates to keep, lowest columns first
    for (var bit = i32(firstLeadingBit(cols)); bit >= 0i; bit--) {
      let trial = tie_col | (1u << u32(bit));
      if (count_candidates(lane, row, diag, limit, threshold, threshold, trial) < need) {
        tie_col = trial;
      }
    }
  }

  for (var c = lane; c < cols; c += WORKGROUP_SIZE) {
    var kept = false;
    if (c < limit) {
      if (c == diag || c == 0u) {
        kept = true;
      } else if (keep_all) {
        kept = true;
      } else if (keep > 0u) {
        let key = order_key(scores[row * cols + c]);
        kept = key > threshold || (key == threshold && c <= tie_col);
      }
    }
    block_layout[row * cols + c] = select(0u, 1u, kept);
  }
}
