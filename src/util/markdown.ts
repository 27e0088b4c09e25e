// Markdown table cells from text that comes from results files (kernel names, parameters, errors):
// a '|' would end the cell and a line break the row.

/** `text` safe inside one Markdown table cell. */
export function markdownCell(text: string): string {
  return text.replaceAll('|', '\\|').replace(/\r?\n|\r/g, ' ');
}

/** One Markdown table row of `cells`, each made safe. */
export function markdownRow(cells: readonly string[]): string {
  return `| ${cells.map(markdownCell).join(' | ')} |`;
}
