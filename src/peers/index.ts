// The peer libraries the harness compares attnscope with, loaded on demand (dynamic imports keep
// TensorFlow.js, gpu.js and ONNX Runtime Web out of the page's first load). They are optional dependencies of the
// package: one that is not installed becomes a clear error for that peer's results.

import type { Gpu } from '../gpu/gpu.ts';
import { PEER_NAMES } from '../measure/peer.ts';
import type { TimingInfo } from '../results/types.ts';
import type { Peer, PeerName } from './types.ts';

export type { Peer, PeerLoader, PeerModule, PeerName, PeerOp } from './types.ts';

export const peerNames: readonly PeerName[] = PEER_NAMES;

/** The npm packages each peer needs (optionalDependencies in package.json). */
const PACKAGES: Record<PeerName, string> = {
  'tfjs-webgpu': '@tensorflow/tfjs-core @tensorflow/tfjs-backend-webgpu',
  'gpu.js': 'gpu.js',
  'onnxruntime-web': 'onnxruntime-web onnx-proto',
  'onnxruntime-web-composed': 'onnxruntime-web onnx-proto',
};

function isMissingModule(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
}

/** Starts one peer library on this adapter (TF.js on gpu's own device; gpu.js on its own). */
export async function createPeer(name: PeerName, gpu: Gpu, timing?: TimingInfo): Promise<Peer> {
  try {
    switch (name) {
      case 'tfjs-webgpu':
        return await (await import('./tfjs.ts')).createTfjsPeer(gpu, timing);
      case 'gpu.js':
        return await (await import('./gpujs.ts')).createGpujsPeer();
      case 'onnxruntime-web':
      case 'onnxruntime-web-composed':
        return await (await import('./onnxruntime.ts')).createOrtPeer(name, gpu);
      default:
        throw new Error(`unknown peer '${String(name)}'`);
    }
  } catch (error) {
    if (!isMissingModule(error)) throw error;
    throw new Error(
      `peer ${name} is not installed (optional dependencies left out): npm install ${PACKAGES[name]} ` +
        `(${error instanceof Error ? error.message.split('\n')[0] : String(error)})`,
    );
  }
}
