/** One node of the decoded structure tree. */
export interface StructureNode {
  label: string;
  kind: 'image' | 'header' | 'field' | 'bat' | 'batPage' | 'batEntry' | 'data' | 'extension' | 'feature' | 'bitmap' | 'l1Entry' | 'space';
  offset: number;
  length: number;
  value?: string;
  detail?: string;
  /** Codes of the findings on this node's bytes (deepest node only). */
  problems?: string[];
  children?: StructureNode[];
  /** For a BAT page whose entries are not included: ask again with `batPage` to get them. */
  batPage?: number;
  /**
   * The bytes are shown as the format would read them, but they are not an image's (no Parallels magic): views
   * grey them out instead of presenting them as header values.
   */
  undecodable?: boolean;
}
