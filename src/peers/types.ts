// The peer interface lives beside the harness that calls it (src/measure/peer.ts): peers implement it.

export type { Peer, PeerLoader, PeerModule, PeerName, PeerOp } from '../measure/peer.ts';
