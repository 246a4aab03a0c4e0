/**
 * Captures what Powertools writes to stdout/stderr (logs and EMF metrics go straight to the
 * process streams, not through console.log).
 */
export function captureOutput() {
  const lines: string[] = [];
  const spies = [process.stdout, process.stderr].map((stream) =>
    jest.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(
        ...String(chunk)
          .split('\n')
          .filter((l) => l.trim() !== ''),
      );
      return true;
    }),
  );
  return {
    lines,
    text: () => lines.join('\n'),
    /** Sum of a metric over all EMF documents written so far. */
    metric(name: string): number {
      let total = 0;
      for (const line of lines) {
        if (!line.startsWith('{') || !line.includes('"_aws"')) continue;
        const doc = JSON.parse(line) as Record<string, unknown>;
        const value = doc[name];
        if (typeof value === 'number') total += value;
        else if (Array.isArray(value)) total += value.reduce((a: number, b: number) => a + b, 0);
      }
      return total;
    },
    clear: () => lines.splice(0, lines.length),
    restore: () => {
      for (const spy of spies) spy.mockRestore();
    },
  };
}
