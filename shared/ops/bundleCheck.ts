/**
 * `check` of a bundle as data: the bundle rules on the descriptor and folder, and the image check (every image
 * rule) on every image the descriptor names, read-only. The report is what `hdd-lens check BUNDLE --json` prints:
 * a public contract, additive to the image report (each finding also says its `file`, and in the descriptor its
 * `line` and `column`).
 */
import { findingReport } from '../check/finding';
import type { BundleFindingReport } from '../bundle/report';
import { countFindings } from '../check/counts';
import { FileSource } from '../io/fileSource';
import { type CheckReport, checkReport } from './check';
import { BUNDLE_RULES } from '../rules/bundle';
import { type Bundle, type BundleImage, allImages, openBundle } from '../bundle/bundle';
import { BundleContext, type BundleFinding } from '../bundle/rule';
import { type BundleSummary, bundleSummary } from './bundleSummary';

export type { BundleFindingReport };

export interface BundleCheckReport {
  /** The bundle folder. */
  filename: string;
  format: 'parallels-bundle';
  descriptor: string;
  /** Descriptor and folder findings first (bundle rule order), then each image's, storage by storage. */
  findings: BundleFindingReport[];
  corruptions: number;
  leaks: number;
  warnings: number;
  infos: number;
  /** 1 when the descriptor does not parse or an image's header hides the rest of it. */
  checkErrors: 0 | 1;
  bundle: BundleSummary;
  /** The image check of every readable image, as `check IMAGE --json` reports it. */
  images: CheckReport[];
}

export interface BundleCheck {
  bundle: Bundle;
  report: BundleCheckReport;
  /** The bundle rules' findings (with their repair modes, for planning descriptor fixes). */
  findings: BundleFinding[];
}

/** Opens and checks the bundle in `dir`. */
export function checkBundle(dir: string, options: { ignore?: readonly string[] } = {}): BundleCheck {
  const bundle = openBundle(dir);
  return checkOpenBundle(bundle, options);
}

export function checkOpenBundle(bundle: Bundle, options: { ignore?: readonly string[] } = {}): BundleCheck {
  const ignore = new Set(options.ignore ?? []);
  const ctx = new BundleContext(bundle);
  const findings = BUNDLE_RULES.filter((r) => !ignore.has(r.code)).flatMap((r) => r.check(ctx));
  // One check per file, however many <Image> elements name it.
  const byPath = new Map(
    allImages(bundle)
      .filter((i) => i.decoded !== undefined)
      .map((i) => [i.file?.path, i]),
  );
  const images = [...byPath.values()];
  const imageReports = images.map(checkOneImage);
  const all: BundleFindingReport[] = findings.map(reportOf);
  imageReports.forEach((r) => all.push(...r.findings.filter((f) => !ignore.has(f.code)).map((f) => ({ ...f, file: r.filename }))));
  const counts = countFindings(all);
  const checkErrors = bundle.xmlError !== undefined || imageReports.some((r) => r.checkErrors === 1) ? 1 : 0;
  const report: BundleCheckReport = {
    filename: bundle.dir,
    format: 'parallels-bundle',
    descriptor: bundle.descriptorPath,
    findings: all,
    ...counts,
    checkErrors,
    bundle: bundleSummary(bundle, new Map(images.map((img, n) => [img, imageReports[n]]))),
    images: imageReports,
  };
  return { bundle, report, findings };
}

/** The image check of one image of the bundle (opened read-only, closed after). */
function checkOneImage(img: BundleImage): CheckReport {
  const src = new FileSource(img.file?.path ?? '');
  try {
    return checkReport(src);
  } finally {
    src.close();
  }
}

function reportOf(f: BundleFinding): BundleFindingReport {
  const r: BundleFindingReport = { ...findingReport(f), file: f.file };
  if (f.line !== undefined) r.line = f.line;
  if (f.column !== undefined) r.column = f.column;
  return r;
}
