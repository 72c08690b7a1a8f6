/**
 * `check` of a file with the BAT streamed (engine/streamed.ts): the report is exactly `checkReport`'s.
 */
import { FileSource } from '../io/fileSource';
import { type StreamOptions, checkStreamed } from '../engine/streamed';
import { type CheckReport, assembleReport } from './check';

export function checkReportStreamed(path: string, options: StreamOptions = {}): CheckReport {
  const source = new FileSource(path);
  try {
    const { image, context, findings } = checkStreamed(source, options);
    return assembleReport(source, image, context, findings);
  } finally {
    source.close();
  }
}
