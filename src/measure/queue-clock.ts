// Times work that another library records on attnscope's queue (a peer's calls) by the GPU's clock:
// an empty compute pass submitted before the work writes one timestamp, an empty pass submitted
// after it another, and the figure is the time between. Like the wall clock, it counts the idle gaps
// the library's own CPU work leaves between its GPU work; unlike it, it does not count the wait for
// the queue. That is what lets the wait rest first on a CPU adapter in Node (gpu/pace.ts) for as long
// as the work should take, or a little longer, without lengthening the figure: the peers then get
// the same rest as attnscope's own kernels.

import type { Gpu } from '../gpu/gpu.ts';
import { OVER_REST, WaitPace } from '../gpu/pace.ts';

/** The peer's figure when a clock is wanted and one exists: see queueClockFor(). */
export class QueueClock {
  private readonly querySet: GPUQuerySet;
  private readonly resolve: GPUBuffer;
  private readonly readback: GPUBuffer;
  private readonly pace = new WaitPace(OVER_REST);

  constructor(private readonly gpu: Gpu) {
    const { device } = gpu;
    this.querySet = device.createQuerySet({ label: 'queue-clock', type: 'timestamp', count: 2 });
    this.resolve = device.createBuffer({
      label: 'queue-clock.resolve',
      size: 16,
      usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC,
    });
    this.readback = device.createBuffer({
      label: 'queue-clock.readback',
      size: 16,
      usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
    });
  }

  /**
   * GPU milliseconds from before `work` records its `calls` calls to after them (undefined when the
   * timestamps do not increase). `label` names the work: its recent figures pace the rest.
   */
  async time(label: string, calls: number, work: () => Promise<void>): Promise<number | undefined> {
    const { device } = this.gpu;
    const begin = device.createCommandEncoder({ label: `${label} clock` });
    begin
      .beginComputePass({ label, timestampWrites: { querySet: this.querySet, beginningOfPassWriteIndex: 0 } })
      .end();
    device.queue.submit([begin.finish()]);
    const start = performance.now();
    await work();
    const end = device.createCommandEncoder({ label: `${label} clock` });
    end
      .beginComputePass({ label, timestampWrites: { querySet: this.querySet, endOfPassWriteIndex: 1 } })
      .end();
    end.resolveQuerySet(this.querySet, 0, 2, this.resolve, 0);
    end.copyBufferToBuffer(this.resolve, 0, this.readback, 0, 16);
    device.queue.submit([end.finish()]);
    await this.gpu.idle(this.pace.restMs(label, calls, performance.now() - start));
    await this.readback.mapAsync(GPUMapMode.READ);
    const [first, last] = new BigUint64Array(this.readback.getMappedRange().slice(0));
    this.readback.unmap();
    if (last <= first) return undefined;
    const ms = Number(last - first) / 1e6;
    this.pace.record(label, calls, ms);
    return ms;
  }

  destroy(): void {
    this.querySet.destroy();
    this.resolve.destroy();
    this.readback.destroy();
  }
}

/**
 * A queue clock where the device's waits rest (gpu.restsBeforeWaits) and it has timestamp-query;
 * undefined elsewhere: there the peers keep their own clocks, whose waits take nothing from the work.
 */
export function queueClockFor(gpu: Gpu): QueueClock | undefined {
  return gpu.restsBeforeWaits && gpu.features.has('timestamp-query') ? new QueueClock(gpu) : undefined;
}
