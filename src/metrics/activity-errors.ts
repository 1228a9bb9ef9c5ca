// Counts every failed activity attempt in autobuild_errors_total, by activity
// and class, around the activities rather than inside each one.
import { CancelledFailure } from '@temporalio/common';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import type { Metrics } from './metrics.js';

export function countActivityErrors(metrics: Metrics): ActivityInterceptorsFactory {
  return (ctx) => ({
    inbound: {
      async execute(input, next) {
        try {
          return await next(input);
        } catch (err) {
          // A cancel (a person canceled the build) is not a failure.
          if (!(err instanceof CancelledFailure)) metrics.error(ctx.info.activityType, err);
          throw err;
        }
      },
    },
  });
}
