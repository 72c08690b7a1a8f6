/**
 * The benchmark images, generated into bench/work/images (gitignored) and reused while their spec is unchanged
 * (a sidecar .json holds the spec and what was planted).
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type GeneratedImage, type ImageSpec, generateImage } from './generate';

export interface BenchImage {
  name: string;
  /** What the image is, for the tables. */
  what: string;
  spec: Partial<ImageSpec>;
}

const M = 1 << 20;
const K64 = 64 * 1024;

/** Dense 64 KiB-cluster images for the scaling series (16M entries = 1 TiB). */
export const SCALING: BenchImage[] = [1, 4, 16].map((n) => ({
  name: `dense-64k-${n}M`,
  what: `${n}M entries x 64 KiB, every entry allocated (${n / 16} TiB disk)`,
  spec: { entries: n * M, clusterSize: K64 },
}));

export const CHECK_EXTRA: BenchImage[] = [
  { name: 'dense-1m-1M-bitmaps', what: '1M entries x 1 MiB (1 TiB), dense, extension with 2 dirty bitmaps', spec: { entries: M, clusterSize: M, bitmaps: 2 } },
  {
    name: 'scattered-64k-16M-corrupt',
    what: '16M entries x 64 KiB, 25% allocated in random host order, 1000 duplicates, 4 leaked clusters',
    spec: { entries: 16 * M, clusterSize: K64, fraction: 0.25, duplicates: 1000, leakClusters: 4 },
  },
  {
    name: 'scattered-64k-16M-legacy',
    what: '16M entries x 64 KiB, WithoutFreeSpace (sector entries), 50% allocated, random order',
    spec: { entries: 16 * M, clusterSize: K64, variant: 'legacy', fraction: 0.5 },
  },
];

export const MAP_IMAGES: BenchImage[] = [
  { name: 'scattered-64k-1M', what: '1M entries x 64 KiB, 25% allocated in random host order', spec: { entries: M, clusterSize: K64, fraction: 0.25 } },
  { name: 'scattered-64k-4M', what: '4M entries x 64 KiB, 25% allocated in random host order', spec: { entries: 4 * M, clusterSize: K64, fraction: 0.25 } },
];

/** Real data for convert: 4 GiB disk of 1 MiB clusters, 75% allocated (3 GiB written), random host order. */
export const CONVERT_IMAGE: BenchImage = {
  name: 'data-1m-4G',
  what: '4096 entries x 1 MiB (4 GiB disk), 75% allocated in random host order, 3 GiB of distinct data',
  spec: { entries: 4096, clusterSize: M, fraction: 0.75, data: true },
};

export function imagesDir(root: string): string {
  return join(root, 'bench', 'work', 'images');
}

/** The image's path, generated now unless an identical one is there. */
export function ensureImage(root: string, image: BenchImage, log: (s: string) => void): GeneratedImage {
  const dir = imagesDir(root);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${image.name}.hdd`);
  const sidecar = `${path}.json`;
  const wanted = JSON.stringify(image.spec);
  if (existsSync(path) && existsSync(sidecar)) {
    const saved = JSON.parse(readFileSync(sidecar, 'utf8')) as { spec: string; generated: GeneratedImage };
    if (saved.spec === wanted) return saved.generated;
  }
  const t = Date.now();
  rmSync(path, { force: true });
  const generated = generateImage(path, image.spec);
  writeFileSync(sidecar, JSON.stringify({ spec: wanted, generated }));
  log(`  generated ${image.name} in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  return generated;
}
