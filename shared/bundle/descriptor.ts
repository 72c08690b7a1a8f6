/**
 * DiskDescriptor.xml as data (../shared/notes/bundles.md §2), every value with the element it came from so that
 * findings point at a line and column and fixes edit the text in place. Lenient in what real writers differ on
 * (either root name, no Version, whitespace around values, `Blocksize` or `BlockSize`, GUID case, element order);
 * everything else is kept as found and judged by the rules (shared/rules/bundle), never silently corrected here.
 */
import { type XmlElement, type XmlError, childrenNamed, parseXml } from './xml';

/** A value as written: the trimmed text, what it means (undefined when it does not parse) and where it is. */
export interface Field<T> {
  text: string;
  value: T | undefined;
  el: XmlElement;
}

export interface DiskParameters {
  el: XmlElement;
  diskSize?: Field<number>;
  cylinders?: Field<number>;
  heads?: Field<number>;
  sectors?: Field<number>;
  padding?: Field<number>;
  /** Parallels Desktop: `Encryption/Engine` (the null GUID means not encrypted). */
  encryptionEngine?: Field<string>;
  /** ploop: `Encryption/KeyId` names a LUKS key. */
  encryptionKeyId?: Field<string>;
}

export interface ImageEntry {
  el: XmlElement;
  guid?: Field<string>;
  type?: Field<string>;
  file?: Field<string>;
}

export interface StorageEntry {
  el: XmlElement;
  index: number;
  start?: Field<number>;
  end?: Field<number>;
  blocksize?: Field<number>;
  images: ImageEntry[];
}

export interface ShotEntry {
  el: XmlElement;
  guid?: Field<string>;
  parent?: Field<string>;
  /** `<Temporary/>`, `<TemporaryZero/>`, `<TemporaryZeroSwap/>` markers (ploop). */
  temporary: XmlElement[];
}

export interface Descriptor {
  text: string;
  root: XmlElement;
  diskParameters?: DiskParameters;
  storageData?: XmlElement;
  /** ploop's volume layout: the chain continues in another folder's descriptor. */
  volumeParent?: Field<string>;
  storages: StorageEntry[];
  snapshots?: XmlElement;
  topGuid?: Field<string>;
  shots: ShotEntry[];
}

export type DescriptorResult = { descriptor: Descriptor; error?: undefined } | { descriptor?: undefined; error: XmlError };

export const NULL_GUID = '{00000000-0000-0000-0000-000000000000}';
/** The predefined top GUID (ploop TOPDELTA_UUID; every fresh Parallels Desktop disk's only image). */
export const TOP_GUID = '{5fbaabe3-6958-40ff-92a7-860e329aab41}';
/** Backup software's snapshot: "The Top snapshot cannot have this GUID". */
export const BACKUP_GUID = '{704718e1-2314-44c8-9087-d78ed36b0f4e}';

export function parseDescriptor(text: string): DescriptorResult {
  const xml = parseXml(text);
  if (xml.error) return { error: xml.error };
  const root = xml.root;
  const dp = first(root, 'Disk_Parameters');
  const storageData = first(root, 'StorageData');
  const snapshots = first(root, 'Snapshots');
  const volume = storageData && first(storageData, 'Volume');
  return {
    descriptor: {
      text,
      root,
      diskParameters: dp && diskParameters(dp),
      storageData,
      volumeParent: volume && field(volume, 'Parent', str),
      storages: storageData ? childrenNamed(storageData, 'Storage').map(storage) : [],
      snapshots,
      topGuid: snapshots && field(snapshots, 'TopGUID', guid),
      shots: snapshots ? childrenNamed(snapshots, 'Shot').map(shot) : [],
    },
  };
}

function diskParameters(el: XmlElement): DiskParameters {
  const enc = first(el, 'Encryption');
  return {
    el,
    diskSize: field(el, 'Disk_size', decimal),
    cylinders: field(el, 'Cylinders', decimal),
    heads: field(el, 'Heads', decimal),
    sectors: field(el, 'Sectors', decimal),
    padding: field(el, 'Padding', decimal),
    encryptionEngine: enc && field(enc, 'Engine', guid),
    encryptionKeyId: enc && field(enc, 'KeyId', str),
  };
}

function storage(el: XmlElement, index: number): StorageEntry {
  return {
    el,
    index,
    start: field(el, 'Start', decimal),
    end: field(el, 'End', decimal),
    // Writers write `Blocksize`; the Virtuozzo schema spells it `BlockSize`.
    blocksize: field(el, 'Blocksize', decimal) ?? field(el, 'BlockSize', decimal),
    images: childrenNamed(el, 'Image').map((i) => ({ el: i, guid: field(i, 'GUID', guid), type: field(i, 'Type', str), file: field(i, 'File', str) })),
  };
}

function shot(el: XmlElement): ShotEntry {
  return {
    el,
    guid: field(el, 'GUID', guid),
    parent: field(el, 'ParentGUID', guid),
    temporary: el.children.filter((c) => c.name === 'Temporary' || c.name === 'TemporaryZero' || c.name === 'TemporaryZeroSwap'),
  };
}

function first(el: XmlElement, name: string): XmlElement | undefined {
  return el.children.find((c) => c.name === name);
}

function field<T>(parent: XmlElement, name: string, parse: (text: string) => T | undefined): Field<T> | undefined {
  const el = first(parent, name);
  if (!el) return undefined;
  const text = el.text.trim();
  return { text, value: parse(text), el };
}

const str = (t: string): string => t;

/**
 * Decimal digits only. ploop reads numbers with strtoul(…, 0), where a leading 0 means octal and 0x hex; no
 * writer writes either, so such a value is reported (as unparsable) rather than read one way or the other.
 */
export function decimal(t: string): number | undefined {
  if (!/^(0|[1-9][0-9]{0,15})$/.test(t)) return undefined;
  const v = Number(t);
  return Number.isSafeInteger(v) ? v : undefined;
}

/** `{8-4-4-4-12}` hex, braces required (as ploop's is_valid_guid); returned lowercase, for comparing. */
export function guid(t: string): string | undefined {
  return /^\{[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\}$/i.test(t) ? t.toLowerCase() : undefined;
}
