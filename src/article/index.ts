// The article module: its claims as data with their checks, the verdict rules, the decoder estimate
// that the latency and cost claims and the page share, and the article held against itself.

export { ARTICLE, articleCitation } from './article.ts';
export {
  auditLines,
  type CheckContext,
  type ClaimCheck,
} from './checks.ts';
export {
  type ArticleFigure,
  type CheckOptions,
  type Claim,
  type ClaimOutcome,
  checkClaims,
  claims,
  whoseGpu,
} from './claims.ts';
export {
  type CostFigure,
  costPerMillion,
  type DecoderEstimate,
  dollarsText,
  estimateDecoder,
} from './estimate.ts';
export {
  ARTICLE_MODEL_ID,
  type ArticleInputs,
  checkInputs,
  DEFAULT_INPUTS,
  decodeInputs,
  encodeInputs,
  INPUT_LIMITS,
} from './inputs.ts';
export { type SelfAuditRow, selfAudit } from './self-audit.ts';
export { againstThreshold, forHardwareClaim, VERDICT_MEANING, VERDICTS, type Verdict } from './verdicts.ts';
