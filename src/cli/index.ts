/**
 * The command table. Every command has `--help`; unknown commands and flags fail with one line naming the
 * problem and exit code 2. Configuration flags (`--server--port 9000`) are accepted by every command that
 * reads the configuration.
 */
import { version } from '../version.js';
import { createApp, StartupError } from '../app.js';
import { runAuthCommand, type KeyringFactory, type StorageChoices } from '../auth/index.js';
import {
  ConfigError,
  configFileForChoices,
  rememberSettings,
  flagToKey,
  formatConfig,
  keyToEnv,
  keyToFlag,
  loadConfig,
  settingSpecs,
  type ConfigFlag,
  type LoadedConfig,
} from '../config/index.js';
import { createLogger } from '../log/index.js';
import { closest, didYouMean } from './suggest.js';
// Loaded only by the commands that use them (start-up time): the doctor, and the simulator for --upstream demo.
import type { DemoUpstream } from '../simulator/index.js';

export interface CliIo {
  readonly env: NodeJS.ProcessEnv;
  readonly stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  /** Aborted on the first SIGTERM/SIGINT; `start` then shuts down gracefully. */
  readonly signal: AbortSignal;
  /** Testing seam: a stand-in for the OS keyring (auth commands). */
  readonly keyring?: KeyringFactory | undefined;
}

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

interface ParsedArgs {
  readonly words: string[];
  readonly flags: ConfigFlag[];
  readonly configPath: string | undefined;
  readonly help: boolean;
  /** `--help-all`: the command's help with every setting. */
  readonly helpAll: boolean;
  readonly version: boolean;
}

export { version };

/** Short forms of the most used settings. */
const SHORTCUTS: Readonly<Record<string, string>> = {
  '-p': '--server--port',
  '--port': '--server--port',
  '--host': '--server--host',
};

const GLOBAL_FLAGS = ['--config', '--help', '--help-all', '--version', '--upstream'];
const COMMANDS = ['start', 'doctor', 'config', 'auth', 'help'];

const BOOLEAN_SETTINGS = new Set(['metrics.enabled', 'server.allow_unauthenticated_remote', 'upstream.demo']);

function parseArgs(argv: readonly string[], env: NodeJS.ProcessEnv): ParsedArgs {
  const known = new Set(settingSpecs(env).map((s) => s.key));
  const words: string[] = [];
  const flags: ConfigFlag[] = [];
  let configPath: string | undefined;
  let help = false;
  let helpAll = false;
  let showVersion = false;
  const knownFlags = (): string[] => [
    ...GLOBAL_FLAGS,
    ...Object.keys(SHORTCUTS),
    ...[...known].map(keyToFlag),
  ];
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i] ?? '';
    // Shortcuts for the settings people change most: -p/--port, --host.
    const eqAt = arg.indexOf('=');
    const shortcut = SHORTCUTS[eqAt === -1 ? arg : arg.slice(0, eqAt)];
    if (shortcut !== undefined) arg = eqAt === -1 ? shortcut : shortcut + arg.slice(eqAt);
    if (arg === '-h' || arg === '--help') help = true;
    else if (arg === '--help-all') help = helpAll = true;
    else if (arg === '-v' || arg === '--version') showVersion = true;
    else if (arg === '-c' || arg === '--config' || arg.startsWith('--config=')) {
      configPath = arg.startsWith('--config=') ? arg.slice('--config='.length) : argv[++i];
      if (configPath === undefined || configPath === '') throw new UsageError(`${arg} needs a file path`);
    } else if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const flag = eq === -1 ? arg : arg.slice(0, eq);
      const key = flagToKey(flag);
      if (key === 'upstream') {
        // `--upstream demo`: the short form of `--upstream--demo` that the README teaches.
        const value = eq === -1 ? argv[++i] : arg.slice(eq + 1);
        if (value !== 'demo') throw new UsageError(`--upstream takes "demo" (got ${value ?? 'nothing'})`);
        flags.push({ flag: '--upstream--demo', value: 'true' });
        continue;
      }
      if (!known.has(key)) {
        throw new UsageError(
          `unknown flag ${flag}${didYouMean(flag, knownFlags()) || ' (see claudine --help)'}`,
        );
      }
      let value: string | undefined = eq === -1 ? undefined : arg.slice(eq + 1);
      if (value === undefined) {
        const next = argv[i + 1];
        if (BOOLEAN_SETTINGS.has(key) && (next === undefined || next.startsWith('-'))) value = 'true';
        else if (next === undefined) throw new UsageError(`${flag} needs a value`);
        else {
          value = next;
          i++;
        }
      }
      flags.push({ flag, value });
    } else if (arg.startsWith('-') && arg !== '-') {
      const suggestion = didYouMean(arg.length > 2 ? `-${arg}` : arg, knownFlags());
      throw new UsageError(`unknown flag ${arg}${suggestion || ' (see claudine --help)'}`);
    } else words.push(arg);
  }
  return { words, flags, configPath, help, helpAll, version: showVersion };
}

const MAIN_HELP = `claudine — a local gateway from OpenAI- and Anthropic-speaking tools to Claude

Usage: claudine <command> [options]

Commands:
  start                 run the proxy (default http://127.0.0.1:4000)
  doctor                check the configuration, credential, keyring, port and clock, one verdict a line
  config show           print the resolved configuration and where each value came from
  auth login            store an upstream credential (API key, or OAuth login)
  auth status           show the credential's state (never the secret)
  auth logout           remove the stored credential

Options:
  -c, --config PATH     read settings from a TOML file
  -p, --port PORT       listen on this port (server.port)
      --host ADDRESS    listen on this address (server.host)
  -h, --help            show help for a command (--help-all: with every setting)
  -v, --version         print the version

Every setting is also a flag: --server--port 9000, --log-level debug (see 'claudine start --help-all').
`;

const COMMAND_HELP: Record<string, string> = {
  start: `Usage: claudine start [-p PORT] [--host ADDRESS] [-c PATH] [--KEY VALUE …]

Runs the proxy until SIGTERM or SIGINT, then drains in-flight requests (shutdown.timeout) and exits 0.
A second signal exits at once.

Options:
  -p, --port PORT         listen on this port (default 4000; 0 picks a free one)
      --host ADDRESS      listen on this address (default 127.0.0.1; others need server.api_keys)
  -c, --config PATH       read settings from a TOML file
      --upstream demo     try it without a key: a built-in simulated Claude answers
      --log-level LEVEL   debug, info, warn or error
      --log-format FMT    text or json

Examples:
  claudine start --upstream demo
  claudine start -p 9000
  CLAUDINE_SERVER__PORT=9000 claudine start     every setting is also a CLAUDINE_* variable

Every setting, its flag, variable and default: claudine start --help-all (or claudine config show for
the values in effect).
`,
  doctor: `Usage: claudine doctor [-c PATH] [--KEY VALUE …]

Checks what claudine start needs, one line each with a verdict (ok, warn, FAIL, skip):
  config      which config file, CLAUDINE_* variables and flags are in effect
  upstream    where requests go
  keyring     whether the OS keyring can store a secret here (tried on a throwaway entry)
  credential  whether a credential is stored or set, and where
  accepted    whether the upstream accepts it (GET /v1/models; sends nothing else)
  port        whether server.host:server.port is free
  clock       the local clock against the upstream's Date header
Exit code 0 when nothing failed, 1 otherwise.
`,
  config: `Usage: claudine config show [-c PATH] [--KEY VALUE …]

Prints every setting with its resolved value and its source (default, file, env or flag).
Secrets are shown as "<redacted>".

Precedence, lowest first: defaults < config.toml (-c) < CLAUDINE_* environment < flags.
`,
  auth: `Usage: claudine auth <login|status|logout> [-c PATH] [--KEY VALUE …]

  login    static: prompts for an Anthropic API key (or reads it from stdin) and stores it
           oauth:  opens the provider's login page and stores the tokens
           Where the OS keyring cannot be used, --auth--storage file keeps it in a file (mode 0600)
           and remembers that choice in the config file.
  status   method, storage, whether a credential is present, expiry, last refresh
  logout   removes the stored credential (and revokes it when the provider supports that)
`,
};

function settingsHelp(env: NodeJS.ProcessEnv): string {
  const lines = settingSpecs(env).map(
    (s) =>
      `  ${keyToFlag(s.key).padEnd(36)} ${keyToEnv(s.key).padEnd(42)} default ${s.defaultText}\n      ${s.description}`,
  );
  return `\nSettings (flag, environment variable, default):\n${lines.join('\n')}\n`;
}

function load(args: ParsedArgs, env: NodeJS.ProcessEnv): LoadedConfig {
  return loadConfig({ env, flags: args.flags, configPath: args.configPath });
}

export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let args: ParsedArgs;
  try {
    args = parseArgs(argv, io.env);
  } catch (err) {
    io.stderr.write(`claudine: ${(err as Error).message}\n`);
    return 2;
  }
  const [command, sub, ...rest] = args.words;
  if (args.version) {
    io.stdout.write(`claudine ${version()}\n`);
    return 0;
  }
  if (command === undefined || (command === 'help' && sub === undefined)) {
    io.stdout.write(MAIN_HELP);
    return args.help || command === 'help' ? 0 : 2;
  }
  const help = COMMAND_HELP[command];
  if (help === undefined) {
    const suggestion = closest(command, COMMANDS);
    io.stderr.write(
      `claudine: unknown command "${command}"` +
        (suggestion !== null
          ? ` (did you mean "${suggestion}"?)\n`
          : ' (commands: start, doctor, config show, auth login|status|logout)\n'),
    );
    return 2;
  }
  if (args.help) {
    io.stdout.write(help + (args.helpAll || command === 'config' ? settingsHelp(io.env) : ''));
    return 0;
  }
  const extra = command === 'start' ? [sub, ...rest].filter((w) => w !== undefined) : rest;
  if (extra.length > 0) {
    io.stderr.write(`claudine: unexpected argument "${extra[0] ?? ''}" for ${command}\n`);
    return 2;
  }

  let loaded: LoadedConfig;
  try {
    loaded = load(args, io.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      io.stderr.write(`claudine: invalid configuration: ${err.message}\n`);
      return 2;
    }
    throw err;
  }

  switch (command) {
    case 'start':
      return start(loaded, io);
    case 'doctor': {
      if (sub !== undefined) {
        io.stderr.write(`claudine: unexpected argument "${sub}" for doctor\n`);
        return 2;
      }
      const { formatChecks, runDoctor } = await import('./doctor.js');
      const checks = await runDoctor(loaded, { env: io.env, keyring: io.keyring });
      io.stdout.write(formatChecks(checks));
      return checks.some((c) => c.verdict === 'FAIL') ? 1 : 0;
    }
    case 'config':
      if (sub !== 'show') {
        io.stderr.write(`claudine: unknown command "config ${sub ?? ''}" (did you mean "config show"?)\n`);
        return 2;
      }
      io.stdout.write(formatConfig(loaded));
      return 0;
    case 'auth':
      if (sub !== 'login' && sub !== 'logout' && sub !== 'status') {
        const suggestion = sub === undefined ? null : closest(sub, ['login', 'status', 'logout']);
        io.stderr.write(
          `claudine: unknown command "auth ${sub ?? ''}"` +
            (suggestion !== null
              ? ` (did you mean "auth ${suggestion}"?)\n`
              : ' (auth login, auth status or auth logout)\n'),
        );
        return 2;
      }
      return runAuthCommand(sub, loaded.config, { ...io, choices: storageChoices(loaded, io.env) });
    default:
      io.stderr.write(`claudine: unknown command "${command}"\n`);
      return 2;
  }
}

function storageChoices(loaded: LoadedConfig, env: NodeJS.ProcessEnv): StorageChoices {
  const configFile = configFileForChoices(loaded.file, env);
  return {
    storageSource: loaded.sources.get('auth.storage')?.kind ?? 'default',
    fileSource: loaded.sources.get('auth.file')?.kind ?? 'default',
    configFile,
    remember: (values) => rememberSettings(configFile, values),
  };
}

async function start(loaded: LoadedConfig, io: CliIo): Promise<number> {
  let { config } = loaded;
  const logger = createLogger({ level: config.log_level, format: config.log_format, destination: io.stderr });
  let demo: DemoUpstream | null = null;
  if (config.upstream.demo) {
    const { startDemoUpstream } = await import('../simulator/index.js');
    demo = await startDemoUpstream();
    config = { ...config, upstream: { ...config.upstream, base_url: demo.baseUrl } };
    logger.warn(
      { upstream: 'demo' },
      "DEMO MODE: answers come from claudine's built-in simulator, not from Claude. Add a key with `claudine auth login` and start without --upstream demo to use Claude.",
    );
  }
  const app = createApp(config, { logger, env: io.env, ...(demo !== null ? { tokens: demo.tokens } : {}) });
  try {
    await app.start();
  } catch (err) {
    if (err instanceof StartupError) {
      logger.error(err.message);
      app.destroy();
      await demo?.close();
      return 1;
    }
    const code = (err as NodeJS.ErrnoException).code;
    const where = `${config.server.host}:${config.server.port}`;
    const reason =
      code === 'EADDRINUSE'
        ? `${where} is already in use (set another with --server--port)`
        : code === 'EADDRNOTAVAIL'
          ? `${config.server.host} is not an address of this machine (server.host)`
          : code === 'EACCES'
            ? `not allowed to listen on ${where}`
            : String((err as Error).message);
    logger.error({ code }, `cannot listen: ${reason}`);
    app.destroy();
    await demo?.close();
    return 1;
  }
  if (!io.signal.aborted)
    await new Promise((resolve) => io.signal.addEventListener('abort', resolve, { once: true }));
  await app.shutdown();
  await demo?.close();
  return 0;
}
