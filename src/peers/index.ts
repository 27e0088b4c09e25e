// The peer libraries the harness compares attnscope with, loaded on demand (dynamic imports keep
// TensorFlow.js and gpu.js out of the page's first load).

import type { Gpu } from '../gpu/gpu.ts';
import type { TimingInfo } from '../results/types.ts';
import type { Peer, PeerName } from './types.ts';

export type { Peer, PeerLoader, PeerModule, PeerName, PeerOp } from './types.ts';

export const peerNames: readonly PeerName[] = ['tfjs-webgpu', 'gpu.js'];

/** Starts one peer library on this adapter (TF.js on gpu's own device; gpu.js on its own). */
export async function createPeer(name: PeerName, gpu: Gpu, timing?: TimingInfo): Promise<Peer> {
  switch (name) {
    case 'tfjs-webgpu':
      return (await import('./tfjs.ts')).createTfjsPeer(gpu, timing);
    case 'gpu.js':
      return (await import('./gpujs.ts')).createGpujsPeer();
    default:
      throw new Error(`unknown peer '${String(name)}'`);
  }
}
