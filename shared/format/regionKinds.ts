/**
 * Every kind of region a byte of an image file is in, once: the engine classifies bytes into these kinds
 * (describe/hostSpace.ts), the wire carries them (hddLens/regions), and the webview colours, names and explains
 * them from this table. A kind added here must be handled wherever a Record<RegionKind, ...> or an exhaustive
 * switch over the kinds stands, or the build fails; test/media/decor.test.ts holds media/webview.css to a `.k-KIND` rule for each.
 */
export interface RegionKindInfo {
  /** What the grid's legend calls it, for the kinds the legend shows. */
  readonly legend?: string;
}

const TABLE = {
  header: { legend: 'header' },
  bat: { legend: 'BAT' },
  padding: {},
  data: { legend: 'data' },
  extension: { legend: 'extension' },
  bitmap: { legend: 'bitmap' },
  free: { legend: 'unreferenced' },
  leaked: { legend: 'leaked' },
  beyond: {},
} as const satisfies Record<string, RegionKindInfo>;

/** What kind of region a byte is in, for colouring: header, bat, data, extension, bitmap, padding, free, leaked, beyond. */
export type RegionKind = keyof typeof TABLE;

export const REGION_KIND_INFO: Readonly<Record<RegionKind, RegionKindInfo>> = TABLE;

/** The kinds in the table's order. */
export const REGION_KINDS = Object.keys(TABLE) as RegionKind[];
