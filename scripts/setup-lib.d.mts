// Types of scripts/setup-lib.mjs for the tests.
export declare function aptInstallCommand(packages: readonly string[], isRoot: boolean): string;
export declare function createDawnNoiseFilter(): { hidden: number; line(text: string): boolean };
export declare function createStderrRelay(
  filter: { line(text: string): boolean },
  write: (text: string) => void,
): { push(chunk: string): void; end(): void };
