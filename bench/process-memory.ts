// Resident memory of the bench's processes, from /proc (Linux).
import { readdirSync, readFileSync } from 'node:fs';

/** A /proc/<pid>/status field in kB (VmHWM: peak resident; VmRSS: resident now), as MiB. */
function statusMiB(pid: number, field: 'VmHWM' | 'VmRSS'): number | undefined {
  try {
    const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined; // gone meanwhile
  }
}

/** Peak resident memory of a live process (VmHWM), MiB. */
export function peakRssMiB(pid: number | undefined): number | undefined {
  return pid === undefined ? undefined : statusMiB(pid, 'VmHWM');
}

/** The process and its descendants (npx/node wrappers start the real worker as a child). */
function processTree(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const ppid = Number(/PPid:\s+(\d+)/.exec(readFileSync(`/proc/${entry}/status`, 'utf8'))?.[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // gone meanwhile
    }
  }
  const tree: number[] = [];
  const visit = (p: number) => {
    tree.push(p);
    for (const c of children.get(p) ?? []) visit(c);
  };
  visit(pid);
  return tree;
}

/** The largest of a field over the process tree (one real worker process under its wrapper). */
function treeMiB(pid: number | undefined, field: 'VmHWM' | 'VmRSS'): number | undefined {
  if (pid === undefined) return undefined;
  let largest: number | undefined;
  for (const p of processTree(pid)) {
    const own = statusMiB(p, field);
    if (own !== undefined) largest = Math.max(largest ?? 0, own);
  }
  return largest;
}

export function treePeakRssMiB(pid: number | undefined): number | undefined {
  return treeMiB(pid, 'VmHWM');
}

/**
 * Samples a process tree's resident memory (VmRSS) once a second, so the
 * peak can be put on a stage: VmHWM says how high, not when.
 */
export class RssSampler {
  private readonly samples: { at: number; mib: number }[] = [];
  private readonly timer: NodeJS.Timeout;

  constructor(pid: number | undefined, everyMs = 1000) {
    this.timer = setInterval(() => {
      const mib = treeMiB(pid, 'VmRSS');
      if (mib !== undefined) this.samples.push({ at: Date.now(), mib });
    }, everyMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** The largest sample taken in [start, end] (epoch ms), or undefined when none was. */
  peakBetween(start: number, end: number): number | undefined {
    let peak: number | undefined;
    for (const s of this.samples) if (s.at >= start && s.at <= end) peak = Math.max(peak ?? 0, s.mib);
    return peak;
  }
}
