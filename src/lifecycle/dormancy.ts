/** Marking a workspace dormant (docs/rules.md#dormancy): when it will be deleted. */
import type { TemplatePolicy } from './snapshot.js';

export interface DormancyMarks {
  dormantAt: Date;
  /** Null when the template's autodelete is off. */
  deletingAt: Date | null;
}

/** A workspace dormant as of `at` is deleted `time_til_dormant_autodelete` later, or never when that is 0. */
export function dormancyMarks(at: Date, template: Pick<TemplatePolicy, 'timeTilDormantAutodeleteMs'>): DormancyMarks {
  const autodelete = template.timeTilDormantAutodeleteMs;
  return { dormantAt: at, deletingAt: autodelete > 0 ? new Date(at.getTime() + autodelete) : null };
}
