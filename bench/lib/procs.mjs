// Child processes of the benchmark: start, wait for the ready line, read RSS and CPU from /proc, clean up.
import { spawn } from 'node:child_process';
import path from 'node:path';
import net from 'node:net';
import { request } from 'undici';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

const children = new Set();

/** Every child still running gets SIGKILL; safe to call from 'exit' (synchronous). */
export function killAll() {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  children.clear();
}

/** Stops one child politely (SIGTERM), then SIGKILL after `graceMs`. */
export async function stop(child, graceMs = 2000) {
  if (child.exitCode !== null || child.signalCode !== null) {
    children.delete(child);
    return;
  }
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    process.kill(child.pid, 'SIGTERM');
  } catch {
    // already gone
  }
  const timer = setTimeout(() => {
    try {
      process.kill(child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }, graceMs);
  await exited;
  clearTimeout(timer);
  children.delete(child);
}

/** A free TCP port on 127.0.0.1 (the OS picks it; a tiny race until the child binds it is accepted). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Spawns a long-running server and resolves with { child, url, pid, stderrTail() } once it prints a JSON line
 * on stderr whose `msg` matches `readyMsg` and which has a `url`, or — when `pollUrl` is given — once
 * `pollUrl` answers anything but 503 (for a server whose ready line is below its log level).
 * Rejects if it exits or times out first.
 */
export function startServer(
  name,
  command,
  args,
  { env = process.env, readyMsg, pollUrl, timeoutMs = 20_000, ipc = false, cwd } = {},
) {
  const child = spawn(command, args, {
    env,
    cwd,
    stdio: ['ignore', 'ignore', 'pipe', ...(ipc ? ['ipc'] : [])],
  });
  children.add(child);
  let tail = '';
  const stderrTail = () => tail.slice(-4000);
  return new Promise((resolve, reject) => {
    let buffered = '';
    let done = false;
    const finish = (err, value) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (err) reject(err);
      else resolve(value);
    };
    const timer = setTimeout(() => {
      finish(new Error(`${name} did not become ready within ${timeoutMs} ms; stderr:\n${stderrTail()}`));
    }, timeoutMs);
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (text) => {
      tail = (tail + text).slice(-16_000);
      if (done) return;
      buffered += text;
      let nl;
      while ((nl = buffered.indexOf('\n')) !== -1) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        let parsed;
        try {
          parsed = JSON.parse(line);
        } catch {
          continue;
        }
        if (typeof parsed?.msg === 'string' && readyMsg.test(parsed.msg) && typeof parsed.url === 'string') {
          finish(null, { name, child, pid: child.pid, url: parsed.url, stderrTail });
          return;
        }
      }
    });
    if (pollUrl) {
      const origin = new URL(pollUrl).origin;
      const poll = async () => {
        while (!done) {
          try {
            const res = await request(pollUrl, { headersTimeout: 1000, bodyTimeout: 1000 });
            await res.body.text();
            if (res.statusCode !== 503) {
              finish(null, { name, child, pid: child.pid, url: origin, stderrTail });
              return;
            }
          } catch {
            // not listening yet
          }
          await new Promise((r) => setTimeout(r, 100));
        }
      };
      void poll();
    }
    child.once('error', (err) => finish(err));
    child.once('exit', (code, signal) =>
      finish(new Error(`${name} exited (${code ?? signal}) before it was ready; stderr:\n${stderrTail()}`)),
    );
  });
}

/**
 * Runs a short-lived helper to completion and resolves with its stdout; rejects on a non-zero exit or a
 * timeout (the helper is killed).
 */
export function runTool(
  name,
  command,
  args,
  { env = process.env, timeoutMs = 60_000, ipc = false, onMessage } = {},
) {
  const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe', ...(ipc ? ['ipc'] : [])] });
  children.add(child);
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (t) => (out += t));
  child.stderr.setEncoding('utf8').on('data', (t) => (err = (err + t).slice(-8000)));
  if (onMessage) child.on('message', (m) => onMessage(m, child));
  return {
    child,
    done: new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        try {
          process.kill(child.pid, 'SIGKILL');
        } catch {
          // gone
        }
        reject(new Error(`${name} timed out after ${timeoutMs} ms; stderr:\n${err}`));
      }, timeoutMs);
      child.once('error', (e) => {
        clearTimeout(timer);
        children.delete(child);
        reject(e);
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        children.delete(child);
        if (code === 0) resolve(out);
        else
          reject(
            new Error(
              `${name} exited (${code ?? signal}); stderr:\n${err}${out ? `\nstdout:\n${out.slice(-2000)}` : ''}`,
            ),
          );
      });
    }),
  };
}

let clkTck;
/** Clock ticks per second for /proc/PID/stat (usually 100). */
export function clockTicks() {
  if (clkTck === undefined) {
    try {
      clkTck = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clkTck = 100;
    }
  }
  return clkTck;
}

/** Resident set size of a process in bytes (VmRSS), or NaN when /proc is not there. */
export function rssOf(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return m ? Number(m[1]) * 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** utime + stime of a process in seconds, from /proc/PID/stat. */
export function cpuSecondsOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces; the fields after its closing parenthesis are fixed.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(rest[11]);
    const stime = Number(rest[12]);
    return (utime + stime) / clockTicks();
  } catch {
    return NaN;
  }
}

/**
 * CPU time of a process in seconds at nanosecond resolution: the sum of the first field of
 * /proc/PID/task/TID/schedstat (time on a CPU) over its threads. /proc/PID/stat counts in clock ticks
 * (10 ms), too coarse for the short interleaved batches of the CPU phase. Threads that ended are not
 * counted (Node's threads live as long as the process). Falls back to cpuSecondsOf.
 */
export function cpuPreciseSecondsOf(pid) {
  try {
    let ns = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
      } catch {
        // the thread ended between the listing and the read
      }
    }
    if (Number.isFinite(ns) && ns > 0) return ns / 1e9;
  } catch {
    // no schedstat (kernel without CONFIG_SCHED_INFO)
  }
  return cpuSecondsOf(pid);
}

export const procAvailable = () => existsSync('/proc/self/stat');

/**
 * The command line (after `node` and its own flags) of a claudine the tools start against the bench's
 * upstream: env credential, json logs at `logLevel`, plus `extra` flags.
 */
export function claudineStartArgs(root, port, upstreamUrl, logLevel, extra = []) {
  return [
    path.join(root, 'dist', 'main.js'),
    'start',
    '--server--port',
    String(port),
    '--upstream--base-url',
    `${upstreamUrl}/v1`,
    '--auth--storage',
    'env',
    '--log-format',
    'json',
    '--log-level',
    logLevel,
    ...extra,
  ];
}
