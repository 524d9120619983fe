export { loadConfig, ConfigError, flagToKey, keyToFlag, keyToEnv, getPath } from './load.js';
export type { LoadedConfig, ConfigFlag, ValueSource, SourceKind, LoadInput } from './load.js';
export { formatConfig, settingsTable } from './show.js';
export { settingSpecs, userConfigDir } from './schema.js';
export type {
  Config,
  SettingSpec,
  LogLevel,
  LogFormat,
  AuthMethod,
  AuthStorage,
  UpstreamProvider,
  Duration,
} from './schema.js';
export { rememberSettings, configFileForChoices } from './remember.js';
