/**
 * Grow-only Float64 work buffers that one call leaves for the next. The guided transfer's fit needs about
 * 30 MB of scratch per edit at kk-tiny's working size, and on the 2-core development VM a fresh typed array
 * that large costs more than the filtering done in it: the kernel faults in and zeroes its pages (a box
 * filter of the fit's 21 + 12 moment planes at 320x208 took 14 ms into reused buffers, 73 ms into new
 * ones), and how much glibc hands back recycled depended on the garbage collector's timing, which made
 * re-edit times swing between runs.
 *
 * A buffer taken from a slot is valid until the next `take` of the same slot and holds whatever was last
 * written to it: callers overwrite every value they read. JavaScript runs one call at a time, and every
 * user here is synchronous between its `take` and its last read, so one set of slots per module is safe.
 */
export class WorkBuffers {
  private readonly slots = new Map<string, Float64Array<ArrayBuffer>>();

  /** `length` values of the slot's buffer (its contents are left from earlier use). */
  take(slot: string, length: number): Float64Array<ArrayBuffer> {
    let buffer = this.slots.get(slot);
    if (!buffer || buffer.length < length) {
      buffer = new Float64Array(length);
      this.slots.set(slot, buffer);
    }
    return buffer.subarray(0, length);
  }

  /** Total bytes held. */
  get bytes(): number {
    let total = 0;
    for (const buffer of this.slots.values()) total += buffer.byteLength;
    return total;
  }
}
