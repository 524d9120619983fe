import type { Config } from '../../config/index.js';
import { EnvStore } from './env.js';
import { FileStore } from './file.js';
import { KeyringStore, type KeyringFactory } from './keyring.js';
import type { CredentialStore } from './types.js';

export { CredentialStoreError, errorMessage, type CredentialStore, type StoreErrorKind } from './types.js';
export {
  KeyringStore,
  KEYRING_SERVICE,
  KEYRING_ADVICE,
  type KeyringEntry,
  type KeyringFactory,
} from './keyring.js';
export { FileStore } from './file.js';
export { EnvStore } from './env.js';

/** The store `auth.storage` names. */
export function createStore(
  config: Config,
  env: NodeJS.ProcessEnv,
  keyring?: KeyringFactory,
): CredentialStore {
  switch (config.auth.storage) {
    case 'keyring':
      return new KeyringStore(config.auth.keyring_user, keyring, config.auth.keyring_service);
    case 'file':
      return new FileStore(config.auth.file);
    case 'env':
      return new EnvStore(env, config.auth.env_key, config.auth.method);
  }
}
