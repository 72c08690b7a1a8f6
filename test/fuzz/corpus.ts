/**
 * The images the fuzzer starts from: QEMU's sample images, small generated images covering what the samples
 * lack (legacy sector entries, odd and tiny cluster sizes, stored bitmap clusters, planted corruptions) and,
 * when asked, every fixture of the project's fixture builder.
 */
import { readFileSync } from 'node:fs';
import { imageBuffer } from '../../bench/generate';
import { SAMPLES, samplePath, sharedFixtures } from '../fixtures';

export interface Seed {
  name: string;
  bytes: Uint8Array;
}

export function sampleSeeds(): Seed[] {
  return SAMPLES.map((name) => ({ name, bytes: new Uint8Array(readFileSync(samplePath(name))) }));
}

export function generatedSeeds(): Seed[] {
  const K = 1024;
  return [
    { name: 'gen-ext-4k-bitmaps', bytes: imageBuffer({ entries: 48, clusterSize: 4 * K, fraction: 0.7, bitmaps: 2, data: true, seed: 11 }) },
    {
      name: 'gen-legacy-4k-bitmap',
      bytes: imageBuffer({ entries: 48, clusterSize: 4 * K, variant: 'legacy', fraction: 0.5, bitmaps: 1, data: true, seed: 12 }),
    },
    {
      name: 'gen-ext-64k-corrupt',
      bytes: imageBuffer({ entries: 16, clusterSize: 64 * K, fraction: 0.8, duplicates: 2, beyondEof: 1, leakClusters: 1, data: true, seed: 13 }),
    },
    {
      name: 'gen-legacy-512-corrupt',
      bytes: imageBuffer({ entries: 64, clusterSize: 512, variant: 'legacy', fraction: 0.6, duplicates: 3, beyondEof: 2, data: true, seed: 14 }),
    },
    { name: 'gen-ext-1536-odd', bytes: imageBuffer({ entries: 40, clusterSize: 1536, fraction: 0.5, bitmaps: 1, data: true, seed: 15 }) },
    { name: 'gen-ext-32k-dense', bytes: imageBuffer({ entries: 24, clusterSize: 32 * K, data: true, seed: 16 }) },
  ];
}

/** The fixture builder's images (made with qemu-img; built once per process). */
export async function fixtureSeeds(): Promise<Seed[]> {
  const built = await sharedFixtures();
  return [...built].map(([name, path]) => ({ name: `fixture:${name}`, bytes: new Uint8Array(readFileSync(path)) }));
}
