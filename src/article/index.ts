// The article module: its claims as data with their checks, and the physical-limits audit behind them.

export {
  A100_80GB_SXM,
  ARTICLE_MODEL,
  type BytesPerParam,
  breakEvenPricePerGpuHour,
  type Cost,
  type CostInputs,
  costPerMillionTokens,
  type DecodeFloor,
  type DecodeFloorInputs,
  decodeFloor,
  PRECISIONS,
  percentChange,
  type TokensPerSecondInputs,
  tokensPerSecondAtBandwidth,
} from './audit.ts';
export {
  type ArticleFigure,
  type Claim,
  type ClaimCheck,
  type ClaimInputs,
  type ClaimOutcome,
  checkClaims,
  claims,
  DEFAULT_PRICE_PER_GPU_HOUR,
  latencyAudit,
  type Verdict,
} from './claims.ts';
