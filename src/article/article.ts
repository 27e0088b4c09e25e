// The article attnscope holds its measurements against (../shared/article.txt): named in one place
// for the page, the README and BENCHMARKS.md.

export const ARTICLE = Object.freeze({
  title: "Zhipu AI's Trillion-Dollar Secret: Chip-Model Vertical Integration Beyond GPT-4",
  outlet: 'AINews',
  date: 'June 2026',
});

/** "Title" (outlet, date), as a line of text. */
export function articleCitation(): string {
  return `"${ARTICLE.title}" (${ARTICLE.outlet}, ${ARTICLE.date})`;
}
