// Types of scripts/setup-lib.mjs for the tests.
export declare function aptInstallCommand(packages: readonly string[], isRoot: boolean): string;
export declare function createDawnNoiseFilter(): { hidden: number; line(text: string): boolean };
