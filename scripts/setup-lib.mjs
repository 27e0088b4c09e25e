// Pure helpers of scripts/setup.mjs, kept apart so that tests can import them without running the
// set-up: the install command to print for a user without root, and the filter that drops the lines
// Dawn prints on every Node run that are known to be harmless.
// Plain Node, no dependencies: it runs before node_modules exists.

/**
 * The command that installs `packages` with apt, as pasted by a user without root: `sudo` must cover
 * both halves (`sudo apt-get update && apt-get install` would run the install without root).
 */
export function aptInstallCommand(packages, isRoot) {
  const inner = `apt-get update && apt-get install -y ${packages.join(' ')}`;
  return isRoot ? inner : `sudo sh -c '${inner}'`;
}

// What Dawn prints on Linux while it looks for adapters, none of which stops a run:
// - "XDG_RUNTIME_DIR is invalid or not set in the environment." when the variable is missing (the
//   set-up gives the child a private one; node-adapter.ts does the same in-process);
// - "Warning: Vulkan shaderUniform*ArrayDynamicIndexing required." with its two-line trace, when it
//   skips a Vulkan driver it cannot use (Mesa's lavapipe) before it finds SwiftShader or a GPU.
const HARMLESS_LINE = /^(error: )?XDG_RUNTIME_DIR is invalid or not set in the environment\.$/i;
const HARMLESS_BLOCK_START = /^Warning: Vulkan shaderUniform\*ArrayDynamicIndexing required\.$/;
const HARMLESS_BLOCK_LINE = [
  /^ - While initializing adapter \(backend=BackendType::Vulkan\)$/,
  /^\s+at \w+ \(.*dawn.*\)$/,
];

/**
 * A line filter: filter.line(text) is true when the line should be shown. Drops the known harmless
 * lines above (a block's trace lines and the one blank line after it); everything else passes.
 * filter.hidden counts the lines dropped.
 */
export function createDawnNoiseFilter() {
  let inBlock = false;
  const filter = {
    hidden: 0,
    line(text) {
      const line = text.replace(/\r$/, '');
      if (HARMLESS_LINE.test(line) || HARMLESS_BLOCK_START.test(line)) {
        inBlock = HARMLESS_BLOCK_START.test(line);
        filter.hidden++;
        return false;
      }
      if (inBlock) {
        if (HARMLESS_BLOCK_LINE.some((pattern) => pattern.test(line)) || line === '') {
          if (line === '') inBlock = false;
          filter.hidden++;
          return false;
        }
        inBlock = false;
      }
      return true;
    },
  };
  return filter;
}

/**
 * Standard error of a child, passed on through `filter` (createDawnNoiseFilter) as it arrives:
 * push(chunk) for each chunk, end() at the end. Whole lines are filtered; a partial line that
 * starts with a carriage return (a progress bar redrawn in place, which never ends its line) is
 * passed on at once and as it is, so the terminal redraws it rather than printing a line per
 * update. Returns how it writes, to `write`.
 */
export function createStderrRelay(filter, write) {
  let pending = '';
  const emit = (line, newline) => {
    if (filter.line(line)) write(newline ? `${line}\n` : line);
  };
  return {
    push(chunk) {
      pending += chunk;
      for (let end = pending.indexOf('\n'); end >= 0; end = pending.indexOf('\n')) {
        emit(pending.slice(0, end), true);
        pending = pending.slice(end + 1);
      }
      if (pending.startsWith('\r')) {
        write(pending);
        pending = '';
      }
    },
    end() {
      if (pending) emit(pending, false);
      pending = '';
    },
  };
}
