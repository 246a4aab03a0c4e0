import dns from 'node:dns';

/**
 * Resolves `*.localhost` to 127.0.0.1 in this process. The SQS emulator's queue URLs are
 * `http://sqs.<region>.localhost:<port>/…` and the SQS client connects to the queue URL's host;
 * RFC 6761 makes that loopback, but glibc without systemd-resolved does not know it. Only the
 * first connection of a keep-alive socket looks up a name, so this is off the measured path.
 */
export function pinLocalhostDns(): () => void {
  const original = dns.lookup;
  const patched = ((hostname: string, options: unknown, callback: unknown) => {
    const cb = (typeof options === 'function' ? options : callback) as (...args: unknown[]) => void;
    const opts = (typeof options === 'object' && options !== null ? options : {}) as { all?: boolean };
    if (!hostname.endsWith('.localhost'))
      return (original as (...a: unknown[]) => void)(hostname, options, callback);
    if (opts.all) process.nextTick(cb, null, [{ address: '127.0.0.1', family: 4 }]);
    else process.nextTick(cb, null, '127.0.0.1', 4);
  }) as typeof dns.lookup;
  dns.lookup = patched;
  return () => {
    dns.lookup = original;
  };
}
