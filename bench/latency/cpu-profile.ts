import { Session } from 'node:inspector/promises';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: readonly number[];
}
interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/**
 * Where the busy (non-idle) samples fell. Shares, not times: the sampling profiler slows the
 * process down several-fold, so absolute CPU time comes from `process.cpuUsage` in an
 * unprofiled run instead.
 */
export interface CpuBreakdown {
  /** Share (0..1) of busy samples by where the code lives, largest first. */
  readonly byGroup: { group: string; share: number }[];
  /** Hottest functions by self time, share of busy samples. */
  readonly topFunctions: { name: string; group: string; share: number }[];
}

/** Samples the V8 CPU profiler (in this process) while `work` runs. */
export async function profileCpu(work: () => Promise<void>): Promise<CpuBreakdown> {
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 100 });
    await session.post('Profiler.start');
    await work();
    const { profile } = (await session.post('Profiler.stop')) as unknown as { profile: Profile };
    return summarizeProfile(profile);
  } finally {
    session.disconnect();
  }
}

export function summarizeProfile(profile: Profile): CpuBreakdown {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  // The profiler's own stop (serializing the profile) is sampled too; it is not the router's.
  const inInspector = (id: number): boolean => {
    for (let at: number | undefined = id; at !== undefined; at = parentOf.get(at)) {
      if (byId.get(at)?.callFrame.url.startsWith('node:inspector')) return true;
    }
    return false;
  };
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    if (!inInspector(id)) selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });

  const groups = new Map<string, number>();
  const functions = new Map<string, { group: string; us: number }>();
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)?.callFrame;
    if (!frame) continue;
    const group = groupOf(frame.url, frame.functionName);
    if (group === 'idle') continue;
    groups.set(group, (groups.get(group) ?? 0) + us);
    const name = `${frame.functionName || '(anonymous)'} ${shortUrl(frame.url)}:${frame.lineNumber + 1}`;
    const entry = functions.get(name) ?? { group, us: 0 };
    entry.us += us;
    functions.set(name, entry);
  }
  const busy = [...groups.values()].reduce((a, b) => a + b, 0) || 1;
  return {
    byGroup: [...groups]
      .map(([group, us]) => ({ group, share: us / busy }))
      .sort((a, b) => b.share - a.share),
    topFunctions: [...functions]
      .map(([name, { group, us }]) => ({ name, group, share: us / busy }))
      .sort((a, b) => b.share - a.share)
      .slice(0, 15),
  };
}

/** Where a frame's code lives: our lambda/ code, a package, Node itself, or the VM. */
export function groupOf(url: string, functionName: string): string {
  if (functionName === '(idle)') return 'idle';
  if (functionName === '(garbage collector)') return 'GC';
  if (functionName === '(program)') return 'V8/native (program)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (pkg !== undefined) {
    if (pkg.startsWith('@aws-sdk/') || pkg.startsWith('@smithy/') || pkg === '@aws-crypto') return 'AWS SDK';
    if (pkg.startsWith('@aws-lambda-powertools/')) return 'Powertools';
    return pkg;
  }
  if (url.includes('/lambda/')) return 'lambda/ (our code)';
  if (url.includes('/bench/')) return 'bench harness';
  if (url.startsWith('node:') || url === '') return 'Node.js core (http, net, streams, crypto)';
  return 'other';
}

function shortUrl(url: string): string {
  const pkg = /node_modules\/(.*)$/.exec(url)?.[1];
  if (pkg) return pkg;
  const local = /\/(lambda|bench)\/(.*)$/.exec(url);
  return local ? `${local[1]}/${local[2]}` : url;
}
