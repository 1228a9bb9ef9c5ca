// Custom search attributes, with fixed names so the Temporal UI can filter runs
// by workspace and outcome. Registered by the worker at start on any server.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const WORKSPACE_ID = defineSearchAttributeKey('WorkspaceId', SearchAttributeType.KEYWORD);
export const TRANSITION = defineSearchAttributeKey('Transition', SearchAttributeType.KEYWORD);
export const REASON = defineSearchAttributeKey('Reason', SearchAttributeType.KEYWORD);
export const TICK_TIME = defineSearchAttributeKey('TickTime', SearchAttributeType.DATETIME);

/** Set by the Schedule on every run it starts: the nominal (pre-jitter) fire time. */
export const SCHEDULED_START_TIME = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);

export const CUSTOM_SEARCH_ATTRIBUTES = [WORKSPACE_ID, TRANSITION, REASON, TICK_TIME] as const;
