// No default password: on a database with no usable owner token, the service
// says how to make the first one (docs/api.md#the-first-token).

import { hasOwnerToken } from '../db/sql/tokens.js';
import type { Pool } from '../ops/index.js';
import type { Logger } from '../runtime/logger.js';

export const FIRST_TOKEN_ADVICE =
  'no owner API token exists yet: create a user and its first token with `npx autobuild user create admin` and `npx autobuild token create admin --role owner` (the token is shown once)';

/** With the dashboard's address, the advice ends with where to sign in with the token. */
export async function adviseFirstToken(pool: Pool, log: Logger, dashboardUrl?: string): Promise<void> {
  if (await hasOwnerToken(pool)) return;
  log.warn(dashboardUrl === undefined ? FIRST_TOKEN_ADVICE : `${FIRST_TOKEN_ADVICE}; then open ${dashboardUrl}/ and sign in with it`);
}
