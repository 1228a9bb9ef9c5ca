// Each test process routes the Temporal SDK's logs through a WARN-level logger.
import { DefaultLogger, Runtime } from '@temporalio/worker';

try {
  Runtime.install({ logger: new DefaultLogger('WARN') });
} catch {
  // already installed in this process (vitest reuses forks between files)
}
