// Four projects: unit (pure code, no GPU), gpu (real WGSL through Dawn; SwiftShader in CI), e2e
// (the built page in Debian's Chromium) and install (the packed package in another project). dawn.node
// crashes in worker threads, so GPU work runs in forks, one file at a time: SwiftShader already uses
// every core.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'gpu',
          include: ['test/gpu/**/*.test.ts'],
          pool: 'forks',
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          pool: 'forks',
          fileParallelism: false,
          testTimeout: 240_000,
          hookTimeout: 240_000,
          globalSetup: ['test/e2e/global-setup.ts'],
        },
      },
      {
        test: {
          // npm pack + npm install of the tarball into a temporary project, then plain Node on the GPU.
          name: 'install',
          include: ['test/install/**/*.test.ts'],
          pool: 'forks',
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 900_000,
        },
      },
    ],
  },
});
