// The results module: the contract's types, their strict schema, share links, and JSON/CSV export.

export { CSV_COLUMNS, IMPORT_MAX_CHARS, parseImportedJson, toCsv, toJson } from './export.ts';
export { type ParseResult, parseResults, RESULTS_CAPS } from './schema.ts';
export {
  compactForShare,
  decodeShareFragment,
  encodeShareLink,
  SHARE_CAPS,
  SHARE_FORMAT_VERSION,
  type ShareDecodeResult,
  type ShareLinkStats,
  shareLinkStats,
} from './share-link.ts';
export * from './types.ts';
