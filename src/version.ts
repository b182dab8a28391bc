// The version printed by `switchyard --version`: the one in the package.json this code ships in.
import { packageRoot } from './package-root';

export const packageVersion = (from: string = __dirname): string => packageRoot(from).version;
