// The set-up's messages for a fresh clone: an install command that works as pasted without root, and
// Dawn's known harmless start-up lines kept out of test and bench output (everything else kept).

import { describe, expect, it } from 'vitest';
import { aptInstallCommand, createDawnNoiseFilter, createStderrRelay } from '../../scripts/setup-lib.mjs';

describe('the install hint (item 11)', () => {
  it('puts both halves under sudo for a user without root', () => {
    expect(aptInstallCommand(['chromium', 'libvulkan1'], false)).toBe(
      "sudo sh -c 'apt-get update && apt-get install -y chromium libvulkan1'",
    );
  });

  it('needs no sudo as root', () => {
    expect(aptInstallCommand(['chromium'], true)).toBe('apt-get update && apt-get install -y chromium');
  });
});

// What one Dawn instance printed on this machine (SwiftShader, lavapipe installed, no XDG_RUNTIME_DIR).
const DAWN_START = [
  'error: XDG_RUNTIME_DIR is invalid or not set in the environment.',
  'error: XDG_RUNTIME_DIR is invalid or not set in the environment.',
  'Warning: Vulkan shaderUniform*ArrayDynamicIndexing required.',
  ' - While initializing adapter (backend=BackendType::Vulkan)',
  '    at InitializeImpl (/home/runner/work/node-webgpu/node-webgpu/third_party/dawn/src/dawn/native/vulkan/PhysicalDeviceVk.cpp:257)',
  '',
];

describe("Dawn's harmless lines (item 12)", () => {
  it('drops every line of the known start-up noise and counts them', () => {
    const filter = createDawnNoiseFilter();
    expect(DAWN_START.filter((line) => filter.line(line))).toEqual([]);
    expect(filter.hidden).toBe(DAWN_START.length);
  });

  it('keeps everything else, including other Dawn warnings and errors and blank lines elsewhere', () => {
    const filter = createDawnNoiseFilter();
    const kept = [
      'bench: cancelling',
      '',
      'Warning: Vulkan something else.',
      ' - While initializing adapter (backend=BackendType::Vulkan)',
      'Error: GPU error while timing: out of memory',
    ];
    const input = [...DAWN_START.slice(2, 5), ...kept];
    expect(input.filter((line) => filter.line(line))).toEqual(kept);
  });
});

describe('standard error passed on by the set-up', () => {
  const relayed = (chunks: string[]) => {
    let out = '';
    const relay = createStderrRelay(createDawnNoiseFilter(), (text) => {
      out += text;
    });
    for (const chunk of chunks) relay.push(chunk);
    relay.end();
    return out;
  };

  it('passes a progress bar redrawn in place as it is, not as a line per update', () => {
    const bar = ['\r\x1b[2K[#...] 1/4 copy', '\r\x1b[2K[##..] 2/4 read', '\r\x1b[2K'];
    expect(relayed(bar)).toBe(bar.join(''));
  });

  it('drops the harmless lines, also when split across chunks, and keeps the rest', () => {
    expect(
      relayed([
        'XDG_RUNTIME_DIR is invalid or not ',
        'set in the environment.\nbench: --json: cannot',
        ' write x\n',
      ]),
    ).toBe('bench: --json: cannot write x\n');
  });

  it('keeps a last line without its newline', () => {
    expect(relayed(['done\nno newline'])).toBe('done\nno newline');
  });
});
